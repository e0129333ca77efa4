// Capabilities: drop ALL, add back at most the allowed ones (NET_BIND_SERVICE by default).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { isWindowsPod } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext, normalizeCapability } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedAdd: {
            type: "array",
            items: { type: "string" },
            description: "Capabilities a container may add back after dropping ALL.",
            default: ["NET_BIND_SERVICE"],
        },
    },
};

export const containerCapabilities: PackResourcePolicy = {
    name: "container-capabilities",
    description: "Containers must drop ALL capabilities and add back only allowed ones.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: "Set securityContext.capabilities.drop: [\"ALL\"] and remove every added capability that is not allowed.",
    configSchema,
    validateResource: validateContainers((context, container) => {
        if (isWindowsPod(context.workload)) return; // Linux capabilities do not exist on Windows
        const { allowedAdd } = readPolicyConfig<{ allowedAdd: string[] }>(configSchema, context.args);
        const allowed = new Set(allowedAdd.map(normalizeCapability));
        const { capabilities } = effectiveSecurityContext(context.workload, container);
        if (!context.workload.patch || capabilities.drop.length > 0) {
            if (!capabilities.drop.some((name) => normalizeCapability(name) === "ALL")) {
                context.reportContainer(container, "securityContext.capabilities.drop", `does not contain "ALL" (drops [${capabilities.drop.join(", ")}])`, 'set capabilities.drop: ["ALL"]');
            }
        }
        const extra = capabilities.add.filter((name) => !allowed.has(normalizeCapability(name)));
        if (extra.length > 0) {
            context.reportContainer(container, "securityContext.capabilities.add", `adds [${extra.join(", ")}], allowed are only [${[...allowed].join(", ")}]`, "remove those capabilities from capabilities.add");
        }
    }),
};
