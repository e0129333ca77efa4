// Namespaces a stack creates enforce a Pod Security Admission level, so even workloads created outside
// Pulumi (kubectl, Helm, operators) are held to it.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { formatFinding } from "../lib/finding";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";

const LEVELS = ["privileged", "baseline", "restricted"];
const LABEL = "pod-security.kubernetes.io/enforce";

const configSchema: PolicyConfigSchema = {
    properties: {
        level: { enum: ["baseline", "restricted"], description: "Minimum Pod Security Admission enforce level.", default: "restricted" },
    },
};

export const namespacePodSecurity: PackResourcePolicy = {
    name: "namespace-pod-security",
    description: "Namespaces must enforce the Pod Security Admission `restricted` level.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: admission"),
    remediationSteps: `Label the namespace ${LABEL}: restricted (and pin ${LABEL.replace("enforce", "enforce-version")}).`,
    configSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Namespace" && args.type !== "kubernetes:core/v1:NamespacePatch") return;
        const { level } = readPolicyConfig<{ level: string }>(configSchema, args);
        const labels = asRecord(asRecord(args.props["metadata"])["labels"]);
        const value = labels[LABEL];
        const fix = `label the namespace ${LABEL}: ${level}`;
        const where = `Namespace '${args.name}'`;
        const field = `metadata.labels["${LABEL}"]`;
        if (value === undefined || value === null) {
            if (args.type === "kubernetes:core/v1:Namespace") reportViolation(formatFinding(where, field, "is not set, so pods are admitted unchecked", fix));
        } else if (typeof value !== "string" || LEVELS.indexOf(value) < LEVELS.indexOf(level)) {
            reportViolation(formatFinding(where, field, `"${String(value)}" is weaker than the required "${level}"`, fix));
        }
    },
};
