// LoadBalancer and NodePort Services open the workload outside the cluster; this product dials out.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { formatFinding } from "../lib/finding";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";

const configSchema: PolicyConfigSchema = {
    properties: {
        forbiddenTypes: {
            type: "array",
            items: { enum: ["LoadBalancer", "NodePort", "ExternalName", "ClusterIP"] },
            description: "Service types the pack rejects.",
            default: ["LoadBalancer", "NodePort"],
        },
    },
};

export const serviceTypeRestricted: PackResourcePolicy = {
    name: "service-type-restricted",
    description: "Services must not be of type LoadBalancer or NodePort.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Network: exposure"),
    remediationSteps: "Use a ClusterIP Service; publish through a tunnel or a reviewed ingress instead.",
    configSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Service" && args.type !== "kubernetes:core/v1:ServicePatch") return;
        const { forbiddenTypes } = readPolicyConfig<{ forbiddenTypes: string[] }>(configSchema, args);
        const type = asRecord(args.props["spec"])["type"];
        if (typeof type === "string" && forbiddenTypes.includes(type)) {
            reportViolation(formatFinding(`Service '${args.name}'`, "spec.type", `"${type}" exposes the workload outside the cluster`, "use type ClusterIP and publish through a tunnel or a reviewed ingress"));
        }
    },
};
