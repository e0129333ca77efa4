// Every Kubernetes API call the relayer makes is allowed by the Role the program creates, and the Role grants
// nothing the relayer does not use. The relayer's list of calls (relayer-app/src/kube/api-calls.ts) is proven
// complete by the relayer's own end-to-end test, which compares it with every request its fake API server saw.
import assert from "node:assert/strict";
import { relayerRbacRules, type NamespacedRules } from "../components/workload/rbac";
import { relayerApiCalls, type ApiCall } from "../relayer-app/src/kube/api-calls";

/** RBAC's resource notation: "pods/log" for a subresource. */
const resourceOf = (call: Pick<ApiCall, "resource" | "subresource">) => (call.subresource ? `${call.resource}/${call.subresource}` : call.resource);

function allows(roles: NamespacedRules[], call: ApiCall): boolean {
    return roles.some(
        (role) =>
            role.namespace === call.namespace &&
            role.rules.some((rule) => rule.apiGroups.includes(call.apiGroup) && rule.resources.includes(resourceOf(call)) && rule.verbs.includes(call.verb)),
    );
}

/** Every (namespace, group, resource, verb) a set of Roles grants. */
function grants(roles: NamespacedRules[]): string[] {
    return roles.flatMap((role) => role.rules.flatMap((rule) => rule.apiGroups.flatMap((g) => rule.resources.flatMap((r) => rule.verbs.map((v) => `${role.namespace} ${g}/${r} ${v}`)))));
}

describe("relayer RBAC: the workload Role matches the relayer's API calls", () => {
    const layouts: { name: string; namespace: string; kagentNamespaces: string[] }[] = [
        { name: "default layout", namespace: "consonant-system", kagentNamespaces: ["kagent"] },
        { name: "several KAgent namespaces", namespace: "consonant-system", kagentNamespaces: ["kagent", "team-a", "team-b"] },
        { name: "KAgent in the relayer's namespace", namespace: "agents", kagentNamespaces: ["agents"] },
    ];

    for (const layout of layouts) {
        it(`allows every call the relayer makes (${layout.name})`, () => {
            const roles = relayerRbacRules(layout);
            const denied = relayerApiCalls(layout.namespace, layout.kagentNamespaces).filter((call) => !allows(roles, call));
            assert.deepEqual(
                denied.map((c) => `${c.verb} ${c.apiGroup}/${resourceOf(c)} in ${c.namespace} (${c.purpose})`),
                [],
            );
        });

        it(`grants nothing the relayer does not use (${layout.name})`, () => {
            const calls = relayerApiCalls(layout.namespace, layout.kagentNamespaces);
            const needed = new Set(calls.map((c) => `${c.namespace} ${c.apiGroup}/${resourceOf(c)} ${c.verb}`));
            assert.deepEqual(grants(relayerRbacRules(layout)).filter((g) => !needed.has(g)), []);
        });
    }

    it("is read-only: no write verb anywhere", () => {
        const verbs = new Set(grants(relayerRbacRules({ namespace: "ns", kagentNamespaces: ["kagent"] })).map((g) => g.split(" ").at(-1)));
        for (const v of verbs) assert.ok(["get", "list", "watch"].includes(v ?? ""), `write verb ${v}`);
    });
});
