// The relayer's Kubernetes API permissions: exactly what its read-only commands and its Events informer need.
// Secrets are never readable through the API (they arrive as mounted files); no write verbs; no wildcards.

/** One RBAC rule (the shape of rbac.authorization.k8s.io/v1 PolicyRule without non-resource URLs). */
export interface PolicyRule {
    apiGroups: string[];
    resources: string[];
    verbs: string[];
}

/** Rules to grant in one namespace. */
export interface NamespacedRules {
    namespace: string;
    rules: PolicyRule[];
}

// Exactly the requests the relayer sends (relayer-app/src/kube/api-calls.ts; test/relayer-rbac.test.ts checks both
// directions): the Events informer lists and watches; pods.list lists Pods; pods.logs reads pods/log;
// agents.list/agents.get list and get Agents (agents.invoke talks to the KAgent controller, not the API server).
const eventsRule: PolicyRule = { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] };
const podsRule: PolicyRule = { apiGroups: [""], resources: ["pods"], verbs: ["list"] };
const podLogsRule: PolicyRule = { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] };
const agentsRule: PolicyRule = { apiGroups: ["kagent.dev"], resources: ["agents"], verbs: ["get", "list"] };

/**
 * Rules per namespace: in the relayer's namespace Events (informer), Pods (pods.list) and pod logs (pods.logs);
 * in every KAgent namespace Events (informer) and kagent Agents (agents.list, agents.get).
 * A KAgent namespace equal to the relayer's gets both sets in one Role.
 */
export function relayerRbacRules(args: { namespace: string; kagentNamespaces: readonly string[] }): NamespacedRules[] {
    const out: NamespacedRules[] = [{ namespace: args.namespace, rules: [eventsRule, podsRule, podLogsRule] }];
    for (const ns of [...new Set(args.kagentNamespaces)]) {
        if (ns === args.namespace) out[0].rules.push(agentsRule);
        else out.push({ namespace: ns, rules: [eventsRule, agentsRule] });
    }
    return out.map((entry) => ({ namespace: entry.namespace, rules: entry.rules.map((r) => ({ ...r, apiGroups: [...r.apiGroups], resources: [...r.resources], verbs: [...r.verbs] })) }));
}

/** The optional cluster-scoped, read-only Node access (a namespaced Role cannot grant it). */
export function nodeReaderRules(): PolicyRule[] {
    return [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }];
}
