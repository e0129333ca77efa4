// A Vault Kubernetes auth role maps ServiceAccount tokens to Vault policies: it must name the
// ServiceAccounts and namespaces (no `*`) and issue short-lived tokens.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

const configSchema: PolicyConfigSchema = {
    properties: {
        maxTokenTtlSeconds: { type: "integer", minimum: 60, description: "Longest token TTL / max TTL a role may issue.", default: 86400 },
    },
};

export const vaultKubernetesRoleBound: PackResourcePolicy = {
    name: "vault-kubernetes-role-bound",
    description: "Vault Kubernetes auth roles must bind named ServiceAccounts and namespaces with token TTL of at most 24h.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: Vault"),
    remediationSteps: "Set boundServiceAccountNames and boundServiceAccountNamespaces to exact names, and tokenTtl/tokenMaxTtl to at most 86400.",
    configSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "vault:kubernetes/authBackendRole:AuthBackendRole") return;
        const { maxTokenTtlSeconds } = readPolicyConfig<{ maxTokenTtlSeconds: number }>(configSchema, args);
        const where = `Vault Kubernetes role '${String(args.props["roleName"] ?? args.name)}'`;
        const names = args.props["boundServiceAccountNames"];
        if (!Array.isArray(names) || names.length === 0) reportViolation(formatFinding(where, "boundServiceAccountNames", "is empty", "name the ServiceAccounts allowed to log in"));
        else if (names.some((name) => String(name).includes("*"))) reportViolation(formatFinding(where, "boundServiceAccountNames", "contains a wildcard, so any ServiceAccount can log in", "name the exact ServiceAccounts"));
        const namespaces = args.props["boundServiceAccountNamespaces"];
        const selector = args.props["boundServiceAccountNamespaceSelector"];
        if (!Array.isArray(namespaces) || namespaces.length === 0) {
            reportViolation(formatFinding(where, "boundServiceAccountNamespaces", selector ? "is empty; a namespace label selector follows whoever can label namespaces" : "is empty", "name the exact namespaces"));
        } else if (namespaces.some((namespace) => String(namespace).includes("*"))) {
            reportViolation(formatFinding(where, "boundServiceAccountNamespaces", "contains a wildcard, so any namespace qualifies", "name the exact namespaces"));
        }
        // Optional limits that, when set, must respect the same bound: a periodic token renews forever
        // within its period, an explicit max TTL caps every renewal.
        for (const field of ["tokenPeriod", "tokenExplicitMaxTtl"]) {
            const value = args.props[field];
            if (typeof value === "number" && value > maxTokenTtlSeconds) {
                reportViolation(formatFinding(where, field, `is ${value} seconds, longer than ${maxTokenTtlSeconds}`, `set ${field} to at most ${maxTokenTtlSeconds} (or leave it unset)`));
            }
        }
        for (const field of ["tokenTtl", "tokenMaxTtl"]) {
            const value = args.props[field];
            if (typeof value !== "number" || value <= 0) {
                reportViolation(formatFinding(where, field, "is not set, so Vault's default (32 days unless tuned) applies", `set ${field} to at most ${maxTokenTtlSeconds} seconds`));
            } else if (value > maxTokenTtlSeconds) {
                reportViolation(formatFinding(where, field, `is ${value} seconds, longer than ${maxTokenTtlSeconds}`, `set ${field} to at most ${maxTokenTtlSeconds}`));
            }
        }
    },
};
