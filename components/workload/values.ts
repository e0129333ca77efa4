// Pure parsers for values the workload settings carry: OCI image references, Kubernetes quantities and in-cluster
// service URLs. Config validation and the components use them, so "pinned by digest" means the same thing everywhere.

/** The parts of an OCI image reference `[registry/]repository[:tag][@sha256:<64 hex>]`. */
export interface ImageReference {
    /** Everything before the tag and digest, e.g. `ghcr.io/consonant/relayer`. */
    repository: string;
    tag?: string;
    /** `sha256:<64 hex>` when pinned. */
    digest?: string;
}

const repositoryPattern = /^[a-z0-9]+([._-][a-z0-9]+)*(:\d+)?(\/[a-z0-9]+([._-][a-z0-9]+)*)*$/;

/** Parses an image reference; undefined when it is not one (no silent guessing). */
export function parseImageReference(ref: string): ImageReference | undefined {
    const at = ref.indexOf("@");
    const namePart = at >= 0 ? ref.slice(0, at) : ref;
    const digest = at >= 0 ? ref.slice(at + 1) : undefined;
    if (digest !== undefined && !/^sha256:[a-f0-9]{64}$/.test(digest)) return undefined;
    // A tag is the text after the last ':' that is not part of a registry host:port (i.e. after the last '/').
    const lastSlash = namePart.lastIndexOf("/");
    const colon = namePart.indexOf(":", lastSlash + 1);
    const repository = colon >= 0 ? namePart.slice(0, colon) : namePart;
    const tag = colon >= 0 ? namePart.slice(colon + 1) : undefined;
    if (!repositoryPattern.test(repository)) return undefined;
    if (tag !== undefined && !/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return undefined;
    if (tag === undefined && digest === undefined) return undefined; // implicit :latest is never acceptable
    return { repository, tag, digest };
}

/** True when the reference pins its content by `@sha256:` digest. */
export function isDigestPinned(ref: string): boolean {
    return parseImageReference(ref)?.digest !== undefined;
}

/** CPU quantity (`250m`, `1`, `0.5`) → millicores. */
export function cpuMillis(quantity: string): number {
    if (quantity.endsWith("m")) return Number(quantity.slice(0, -1));
    return Math.round(Number(quantity) * 1000);
}

const memoryUnits: Readonly<Record<string, number>> = {
    "": 1,
    k: 1e3,
    M: 1e6,
    G: 1e9,
    T: 1e12,
    Ki: 1024,
    Mi: 1024 ** 2,
    Gi: 1024 ** 3,
    Ti: 1024 ** 4,
};

/** Memory quantity (`256Mi`, `1G`, `1048576`) → bytes. */
export function memoryBytes(quantity: string): number {
    const match = /^(\d+(?:\.\d+)?)(Ki|Mi|Gi|Ti|k|M|G|T)?$/.exec(quantity);
    if (!match) return Number.NaN;
    return Number(match[1]) * memoryUnits[match[2] ?? ""];
}

/** A Kubernetes DNS label (RFC 1123): namespace, Service and cluster names. */
export const DNS_LABEL = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;

/**
 * Namespace and port of an in-cluster Service URL `http(s)://<service>.<namespace>[.svc[.cluster.local]][:<port>]`,
 * so a NetworkPolicy can name the destination namespace instead of allowing the port anywhere; undefined otherwise.
 */
export function inClusterServiceTarget(url: string): { namespace: string; port: number } | undefined {
    let parsed: URL;
    try {
        parsed = new URL(url);
    } catch {
        return undefined;
    }
    const labels = parsed.hostname.split(".");
    const inCluster = labels.length === 2 || (labels.length === 3 && labels[2] === "svc") || (labels.length === 5 && labels.slice(2).join(".") === "svc.cluster.local");
    if (!inCluster || !DNS_LABEL.test(labels[0]) || !DNS_LABEL.test(labels[1])) return undefined;
    const portNumber = parsed.port ? Number(parsed.port) : parsed.protocol === "https:" ? 443 : 80;
    return { namespace: labels[1], port: portNumber };
}
