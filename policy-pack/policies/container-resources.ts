// CPU and memory requests let the scheduler place pods honestly; a memory limit bounds the damage of a
// leak. Ephemeral containers cannot declare resources (the API forbids it), so they are not checked.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateContainers } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        requireCpuLimit: { type: "boolean", description: "Also require limits.cpu.", default: false },
    },
};

export const containerResources: PackResourcePolicy = {
    name: "container-resources",
    description: "Containers must set CPU and memory requests and a memory limit.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: resource limits"),
    remediationSteps: "Set resources.requests.cpu, resources.requests.memory and resources.limits.memory on every container and init container.",
    configSchema,
    validateResource: validateContainers(
        (context, container) => {
            if (context.workload.patch && container.spec["resources"] === undefined) return;
            const { requireCpuLimit } = readPolicyConfig<{ requireCpuLimit: boolean }>(configSchema, context.args);
            const resources = asRecord(container.spec["resources"]);
            const requests = asRecord(resources["requests"]);
            const limits = asRecord(resources["limits"]);
            const required: [string, Record<string, unknown>, string][] = [
                ["requests.cpu", requests, "cpu"],
                ["requests.memory", requests, "memory"],
                ["limits.memory", limits, "memory"],
            ];
            if (requireCpuLimit) required.push(["limits.cpu", limits, "cpu"]);
            const unset = (value: unknown) => value === undefined || value === null || value === "";
            for (const [field, section, key] of required) {
                // Kubernetes copies a limit into a missing request of the same resource, so the request is set.
                if (section === requests && !unset(limits[key])) continue;
                if (unset(section[key])) {
                    context.reportContainer(container, `resources.${field}`, "is not set", `set resources.${field} to what the container needs (e.g. from observed usage)`);
                }
            }
        },
        { groups: ["containers", "initContainers"] },
    ),
};
