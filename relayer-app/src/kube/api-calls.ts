// Every Kubernetes API call the relayer makes, as RBAC sees it. This list is the contract with the workload
// component's Role: the program's test `test/relayer-rbac.test.ts` checks that the Role allows each entry, and the
// relayer's tests check that every request the relayer sends to the (fake) API server is one of these entries.
// Nothing here writes: the relayer never modifies the cluster.

/** The kagent Agent custom resource (kagent.dev/v1alpha2). */
export const AGENT_API = { group: "kagent.dev", version: "v1alpha2", plural: "agents" } as const;

export interface ApiCall {
    verb: "get" | "list" | "watch";
    apiGroup: string;
    resource: string;
    subresource?: string;
    namespace: string;
    /** What needs it. */
    purpose: string;
}

/** The calls for a relayer in `namespace` serving the KAgent namespaces `kagentNamespaces`. */
export function relayerApiCalls(namespace: string, kagentNamespaces: readonly string[]): ApiCall[] {
    const eventNamespaces = [...new Set([namespace, ...kagentNamespaces])];
    return [
        ...eventNamespaces.flatMap((ns): ApiCall[] => [
            { verb: "list", apiGroup: "", resource: "events", namespace: ns, purpose: "events informer (initial list, re-list after 410)" },
            { verb: "watch", apiGroup: "", resource: "events", namespace: ns, purpose: "events informer" },
        ]),
        { verb: "list", apiGroup: "", resource: "pods", namespace, purpose: "pods.list command; choosing the replica that sends the Events" },
        { verb: "get", apiGroup: "", resource: "pods", subresource: "log", namespace, purpose: "pods.logs command" },
        ...kagentNamespaces.flatMap((ns): ApiCall[] => [
            { verb: "list", apiGroup: AGENT_API.group, resource: AGENT_API.plural, namespace: ns, purpose: "agents.list command" },
            { verb: "get", apiGroup: AGENT_API.group, resource: AGENT_API.plural, namespace: ns, purpose: "agents.get command" },
        ]),
    ];
}

/**
 * Pure: the RBAC view of one HTTP request to the API server (path + query), or undefined for non-resource URLs
 * such as /version (readable by every authenticated ServiceAccount through system:public-info-viewer).
 */
export function apiCallOfRequest(method: string, url: string): Omit<ApiCall, "purpose"> | undefined {
    const u = new URL(url, "http://api");
    const parts = u.pathname.split("/").filter((p) => p.length > 0);
    let apiGroup: string;
    let rest: string[];
    if (parts[0] === "api" && parts.length >= 2) {
        apiGroup = "";
        rest = parts.slice(2);
    } else if (parts[0] === "apis" && parts.length >= 3) {
        apiGroup = parts[1] ?? "";
        rest = parts.slice(3);
    } else {
        return undefined;
    }
    if (rest[0] !== "namespaces" || rest.length < 3) return undefined;
    const namespace = rest[1] ?? "";
    const resource = rest[2] ?? "";
    const name = rest[3];
    const subresource = rest[4];
    const watch = u.searchParams.get("watch") === "true" || u.searchParams.get("watch") === "1";
    const verb = method !== "GET" ? (method.toLowerCase() as ApiCall["verb"]) : watch ? "watch" : name === undefined ? "list" : "get";
    return { verb, apiGroup, resource, namespace, ...(subresource !== undefined ? { subresource } : {}) };
}
