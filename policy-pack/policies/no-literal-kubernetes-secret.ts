// When the organisation runs External Secrets, a Kubernetes Secret with literal data means the value
// passed through Pulumi state instead of staying in the secret store.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

const configSchema: PolicyConfigSchema = {
    properties: {
        externalSecrets: {
            type: "boolean",
            description: "The stack uses External Secrets Operator: Secrets must come from ExternalSecret resources, never literal data.",
            default: false,
        },
    },
};

export const noLiteralKubernetesSecret: PackResourcePolicy = {
    name: "no-literal-kubernetes-secret",
    description: "With external secrets configured, Kubernetes Secrets must not carry literal data.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Secrets hygiene"),
    remediationSteps: "Store the value in Vault or AWS Secrets Manager and declare an ExternalSecret (external-secrets.io/v1) that syncs it.",
    configSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "kubernetes:core/v1:Secret" && args.type !== "kubernetes:core/v1:SecretPatch") return;
        const { externalSecrets } = readPolicyConfig<{ externalSecrets: boolean }>(configSchema, args);
        if (!externalSecrets) args.notApplicable("externalSecrets is not enabled in the policy config");
        for (const field of ["data", "stringData"]) {
            const keys = Object.keys(asRecord(args.props[field]));
            if (keys.length > 0) {
                reportViolation(formatFinding(`Secret '${args.name}'`, field, `carries literal values for [${keys.join(", ")}] (values not shown)`, "remove the data and sync the Secret from the store with an ExternalSecret"));
            }
        }
    },
};
