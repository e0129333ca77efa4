// The remotely managed tunnel's configuration (what Cloudflare pushes to every cloudflared connector):
// the backend hostname goes to the origin, every other request gets a 404. Pure: the Access audience tag is
// only passed through, so the rules stay known in a preview while the tag is not yet.
import type * as pulumi from "@pulumi/pulumi";
import type * as cloudflare from "@pulumi/cloudflare";

/** cloudflared's answer for requests that match no hostname: a rule without hostname must come last. */
export const CATCH_ALL_SERVICE = "http_status:404";

export interface TunnelConfigInput {
    /** Public hostname of the backend, e.g. `relay.example.com`. */
    hostname: string;
    /** Origin the connector forwards to, `http(s)://host[:port]`. */
    originService: string;
    /** Audience tag of the Access application guarding `hostname`. */
    accessAudTag: pulumi.Input<string>;
    /** Zero Trust team name whose Access tokens cloudflared accepts. */
    teamName: string;
}

/**
 * Ingress rules in match order. The hostname rule requires a valid Access token for the application's audience,
 * so even a request that somehow reaches the connector without passing Access is refused before the origin.
 */
export function buildTunnelConfig(input: TunnelConfigInput): cloudflare.types.input.ZeroTrustTunnelCloudflaredConfigConfig {
    return {
        ingresses: [
            {
                hostname: input.hostname,
                service: input.originService,
                originRequest: {
                    access: { required: true, teamName: input.teamName, audTags: [input.accessAudTag] },
                },
            },
            { service: CATCH_ALL_SERVICE },
        ],
    };
}

/** Where a proxied CNAME must point for Cloudflare to route a hostname into the tunnel. */
export function tunnelCnameTarget(tunnelId: string): string {
    // The id must be one DNS label: an id with dots would silently produce a CNAME into another name space.
    if (!/^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?$/.test(tunnelId)) {
        throw new Error(`tunnel id '${tunnelId}' is not a single DNS label; fix: pass the tunnel's UUID (ZeroTrustTunnelCloudflared.id)`);
    }
    return `${tunnelId}.cfargotunnel.com`;
}
