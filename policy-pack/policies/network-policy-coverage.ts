// Every workload's pods are selected by NetworkPolicies in their namespace that cover both Ingress and
// Egress, so nothing talks to or from them unless a rule says so. NetworkPolicies are indexed once per
// namespace (SelectorIndex); each workload then looks up only the candidates its labels can match.
import type { PolicyConfigSchema, PolicyResource } from "@pulumi/policy";
import { NETWORK_POLICY_TYPES } from "../lib/k8s-types";
import { asRecord } from "../lib/k8s-workloads";
import { LabelSelector, SelectorIndex } from "../lib/label-selector";
import { indexSelectorsByNamespace, namespaceOf } from "../lib/namespaces";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackStackPolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";
import { eachStackWorkload } from "../lib/workload-policy";


const configSchema: PolicyConfigSchema = {
    properties: {
        exemptNamespaces: {
            type: "array",
            items: { type: "string" },
            description: "Namespaces whose workloads need no NetworkPolicy (e.g. a CNI's own namespace).",
            default: [],
        },
    },
};

interface IndexedPolicy {
    name: string;
    selector: LabelSelector;
    ingress: boolean;
    egress: boolean;
}

/**
 * Directions a NetworkPolicy isolates, as the API server defaults them: an absent or empty policyTypes
 * means Ingress always, and Egress only if there is at least one egress rule (`egress: []` is no rule).
 */
export function policyDirections(spec: Record<string, unknown>): { ingress: boolean; egress: boolean } {
    const types = spec["policyTypes"];
    if (Array.isArray(types) && types.length > 0) return { ingress: types.includes("Ingress"), egress: types.includes("Egress") };
    const egress = spec["egress"];
    return { ingress: true, egress: Array.isArray(egress) && egress.length > 0 };
}

function indexNetworkPolicies(resources: readonly PolicyResource[]): Map<string, SelectorIndex<IndexedPolicy>> {
    return indexSelectorsByNamespace(
        resources,
        NETWORK_POLICY_TYPES,
        (resource): IndexedPolicy => {
            const spec = asRecord(resource.props["spec"]);
            return { name: resource.name, selector: asRecord(spec["podSelector"]) as LabelSelector, ...policyDirections(spec) };
        },
        (policy) => policy.selector,
    );
}

export const networkPolicyCoverage: PackStackPolicy = {
    name: "network-policy-coverage",
    description: "Every workload must be selected by NetworkPolicies covering both Ingress and Egress.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Network: default deny"),
    remediationSteps: "Add a NetworkPolicy in the workload's namespace whose podSelector matches the pod labels, with policyTypes [Ingress, Egress] and only the rules the workload needs.",
    configSchema,
    validateStack: (args, reportViolation) => {
        const { exemptNamespaces } = readPolicyConfig<{ exemptNamespaces: string[] }>(configSchema, args);
        const index = indexNetworkPolicies(args.resources);
        eachStackWorkload(args.resources, (resource, workload) => {
            const namespace = namespaceOf(resource.props, resource.provider);
            if (exemptNamespaces.includes(namespace)) return;
            const selecting = index.get(namespace)?.matching(workload.podLabels) ?? [];
            const missing = [!selecting.some((p) => p.ingress) && "Ingress", !selecting.some((p) => p.egress) && "Egress"].filter(Boolean);
            if (missing.length === 0) return;
            const labels = Object.entries(workload.podLabels).map(([k, v]) => `${k}=${v}`).join(",") || "(none)";
            const found = selecting.length > 0 ? `selected only by [${selecting.map((p) => p.name).join(", ")}]` : "selected by no NetworkPolicy";
            reportViolation(
                formatFinding(`${workload.kind} '${resource.name}' in namespace '${namespace}'`, workload.podLabelsPath,
                    `pods with labels ${labels} are ${found}, leaving ${missing.join(" and ")} unrestricted`,
                    `add a NetworkPolicy in '${namespace}' selecting these labels with policyTypes [${missing.join(", ")}]`),
                resource.urn,
            );
        });
    },
};
