// Enough replicas to survive a node loss and a rolling update. Advisory by default: dev stacks run one.
// A stack policy because a HorizontalPodAutoscaler, not spec.replicas, may own the count.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackStackPolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { indexAutoscalers, minimumReplicas } from "../lib/replicas";
import { formatFinding } from "../lib/finding";
import { eachStackWorkload } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        minReplicas: { type: "integer", minimum: 1, description: "Fewest replicas a replicated workload may run.", default: 3 },
    },
};

export const workloadMinReplicas: PackStackPolicy = {
    name: "workload-min-replicas",
    description: "Replicated workloads should run at least the configured number of replicas.",
    severity: "low",
    enforcementLevel: "advisory",
    framework: securityGuide("Availability: replicas"),
    remediationSteps: "Raise spec.replicas (or the HorizontalPodAutoscaler's minReplicas) and spread the pods across zones.",
    configSchema,
    validateStack: (args, reportViolation) => {
        const { minReplicas } = readPolicyConfig<{ minReplicas: number }>(configSchema, args);
        const autoscalers = indexAutoscalers(args.resources);
        eachStackWorkload(args.resources, (resource, workload) => {
            const count = minimumReplicas(resource, workload, autoscalers);
            if (!count || count.replicas >= minReplicas) return;
            const field = count.source.split(" (")[0];
            reportViolation(formatFinding(`${workload.kind} '${resource.name}'`, field, `is ${count.replicas}${count.source.includes("unset") ? " (unset)" : ""}, below the minimum of ${minReplicas}`, `set ${field} to at least ${minReplicas}`), resource.urn);
        });
    },
};
