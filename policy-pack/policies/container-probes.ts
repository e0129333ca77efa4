// Probes let Kubernetes stop routing to and restart unhealthy containers. Advisory: whether a probe
// makes sense depends on the workload. Jobs run to completion and ephemeral containers cannot have
// probes, so neither is checked; sidecar init containers (restartPolicy: Always) are.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateContainers } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        requiredProbes: {
            type: "array",
            items: { enum: ["livenessProbe", "readinessProbe", "startupProbe"] },
            description: "Probes every long-running container must define.",
            default: ["livenessProbe", "readinessProbe"],
        },
    },
};

export const containerProbes: PackResourcePolicy = {
    name: "container-probes",
    description: "Long-running containers should define liveness and readiness probes.",
    severity: "low",
    enforcementLevel: "advisory",
    framework: securityGuide("Availability: health checks"),
    remediationSteps: "Add livenessProbe and readinessProbe (httpGet on the health endpoints, or tcpSocket/grpc).",
    configSchema,
    validateResource: validateContainers(
        (context, container) => {
            if (context.workload.patch || context.workload.kind === "Job" || context.workload.kind === "CronJob") return;
            if (container.group === "initContainers" && !container.sidecar) return;
            const { requiredProbes } = readPolicyConfig<{ requiredProbes: string[] }>(configSchema, context.args);
            for (const probe of requiredProbes) {
                if (container.spec[probe] === undefined || container.spec[probe] === null) {
                    context.reportContainer(container, probe, "is not set", `define ${probe} (e.g. httpGet on the container's health endpoint)`);
                }
            }
        },
        { groups: ["containers", "initContainers"] },
    ),
};
