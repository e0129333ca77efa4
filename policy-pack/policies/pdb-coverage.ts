// A workload with more than one replica has exactly one PodDisruptionBudget that selects its pods and
// allows at least one voluntary disruption: no PDB lets a node drain take every replica down at once;
// a PDB that allows zero disruptions blocks drains forever; two PDBs on one pod make eviction fail.
import type { PolicyResource } from "@pulumi/policy";
import { PDB_TYPES, PDB_V1BETA1 } from "../lib/k8s-types";
import { asRecord } from "../lib/k8s-workloads";
import { LabelSelector, SelectorIndex } from "../lib/label-selector";
import { indexSelectorsByNamespace, namespaceOf } from "../lib/namespaces";
import { indexAutoscalers, minimumReplicas } from "../lib/replicas";
import type { PackStackPolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";
import { eachStackWorkload } from "../lib/workload-policy";


interface IndexedPdb {
    name: string;
    selector: LabelSelector | undefined;
    minAvailable: unknown;
    maxUnavailable: unknown;
}

/** Scales an int-or-percent against `replicas`, rounding up like the disruption controller does. */
function scaled(value: unknown, replicas: number): number | undefined {
    if (typeof value === "number") return value;
    if (typeof value === "string" && /^\d+%$/.test(value)) return Math.ceil((Number(value.slice(0, -1)) * replicas) / 100);
    if (typeof value === "string" && /^\d+$/.test(value)) return Number(value);
    return undefined;
}

/** How many pods the PDB lets be evicted at once with `replicas` healthy pods, or a problem. */
export function allowedDisruptions(pdb: IndexedPdb, replicas: number): number | string {
    if (pdb.maxUnavailable !== undefined && pdb.maxUnavailable !== null) {
        return scaled(pdb.maxUnavailable, replicas) ?? `maxUnavailable "${String(pdb.maxUnavailable)}" is not an integer or percentage`;
    }
    if (pdb.minAvailable !== undefined && pdb.minAvailable !== null) {
        const min = scaled(pdb.minAvailable, replicas);
        return min === undefined ? `minAvailable "${String(pdb.minAvailable)}" is not an integer or percentage` : replicas - min;
    }
    return "sets neither minAvailable nor maxUnavailable";
}

function indexPdbs(resources: readonly PolicyResource[]): Map<string, SelectorIndex<IndexedPdb>> {
    return indexSelectorsByNamespace(
        resources,
        PDB_TYPES,
        (resource): IndexedPdb => {
            const spec = asRecord(resource.props["spec"]);
            const selector = spec["selector"] === undefined || spec["selector"] === null ? undefined : (asRecord(spec["selector"]) as LabelSelector);
            // A null selector selects no pods; an empty one every pod of the namespace in policy/v1, none in v1beta1.
            const emptySelectsNone = resource.type === PDB_V1BETA1 && selector !== undefined && Object.keys(selector.matchLabels ?? {}).length === 0 && (selector.matchExpressions ?? []).length === 0;
            return {
                name: resource.name,
                selector: emptySelectsNone ? undefined : selector,
                minAvailable: spec["minAvailable"],
                maxUnavailable: spec["maxUnavailable"],
            };
        },
        (pdb) => pdb.selector,
    );
}

export const pdbCoverage: PackStackPolicy = {
    name: "pdb-coverage",
    description: "Workloads with more than one replica need a PodDisruptionBudget that allows at least one disruption.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Availability: disruption budgets"),
    remediationSteps: "Add one PodDisruptionBudget per workload selecting its pod labels with maxUnavailable: 1.",
    validateStack: (args, reportViolation) => {
        const index = indexPdbs(args.resources);
        const autoscalers = indexAutoscalers(args.resources);
        eachStackWorkload(args.resources, (resource, workload) => {
            const count = minimumReplicas(resource, workload, autoscalers);
            if (!count || count.replicas <= 1) return;
            const replicas = count.replicas;
            const namespace = namespaceOf(resource.props, resource.provider);
            const where = `${workload.kind} '${resource.name}' (${replicas} replicas by ${count.source}, namespace '${namespace}')`;
            const field = workload.podLabelsPath;
            const budgets = index.get(namespace)?.matching(workload.podLabels) ?? [];
            if (budgets.length === 0) {
                reportViolation(formatFinding(where, field, "no PodDisruptionBudget selects its pods, so a node drain may evict every replica at once", "add a PodDisruptionBudget selecting these labels with maxUnavailable: 1"), resource.urn);
            } else if (budgets.length > 1) {
                reportViolation(formatFinding(where, field, `is selected by several PodDisruptionBudgets [${budgets.map((b) => b.name).join(", ")}], which makes every eviction fail`, "keep exactly one PodDisruptionBudget per workload"), resource.urn);
            } else {
                const allowed = allowedDisruptions(budgets[0], replicas);
                if (typeof allowed === "string" || allowed < 1) {
                    const problem = typeof allowed === "string" ? `PodDisruptionBudget '${budgets[0].name}' ${allowed}` : `PodDisruptionBudget '${budgets[0].name}' allows ${allowed} disruptions, so node drains block forever`;
                    reportViolation(formatFinding(where, "PodDisruptionBudget spec", problem, "set maxUnavailable: 1 (or minAvailable below the replica count)"), resource.urn);
                }
            }
        });
    },
};
