// Versions of the credentials the edge mints, for the secret store's write-only inputs. A write-only value is
// rewritten only when its version changes, so the version must change exactly when the credential does: the
// tunnel token changes when the tunnel is replaced (new id); the service token's secret changes when its id
// changes (replacement) or its clientSecretVersion is bumped (rotation).
import { createHash } from "crypto";

/** A stable non-negative safe integer derived from what identifies one value of a credential. */
export function credentialVersion(identity: string): number {
    return parseInt(createHash("sha256").update(identity).digest("hex").slice(0, 8), 16);
}

/** Version of the tunnel token: follows the tunnel's id. */
export function tunnelTokenVersion(tunnelId: string): number {
    return credentialVersion(`tunnel:${tunnelId}`);
}

/** Version of the service token's credentials: follows its id and its clientSecretVersion. */
export function serviceTokenVersion(serviceTokenId: string, clientSecretVersion: number): number {
    return credentialVersion(`service-token:${serviceTokenId}:${clientSecretVersion}`);
}
