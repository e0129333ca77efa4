// Enough replicas to survive a node loss and a rolling update. Advisory by default: dev stacks run one.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateWorkload } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        minReplicas: { type: "integer", minimum: 1, description: "Fewest replicas a replicated workload may run.", default: 3 },
    },
};

export const workloadMinReplicas: PackResourcePolicy = {
    name: "workload-min-replicas",
    description: "Replicated workloads should run at least the configured number of replicas.",
    severity: "low",
    enforcementLevel: "advisory",
    framework: securityGuide("Availability: replicas"),
    remediationSteps: "Raise spec.replicas (and spread the pods across zones).",
    configSchema,
    validateResource: validateWorkload((context) => {
        if (!context.workload.replicated) return;
        const { minReplicas } = readPolicyConfig<{ minReplicas: number }>(configSchema, context.args);
        const replicas = asRecord(context.workload.props["spec"])["replicas"];
        if (replicas === undefined && context.workload.patch) return;
        const effective = typeof replicas === "number" ? replicas : 1;
        if (effective < minReplicas) {
            context.report("spec.replicas", `is ${replicas === undefined ? "unset (1)" : effective}, below the minimum of ${minReplicas}`, `set spec.replicas to at least ${minReplicas}`);
        }
    }),
};
