// Secrets through the API: only named ones, and never list/watch (which return every Secret's data).
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { ruleCoversSecrets, validateRules } from "../lib/rbac";

const ENUMERATING_VERBS = ["list", "watch", "*"];

export const rbacSecretsAccess: PackResourcePolicy = {
    name: "rbac-secrets-access",
    description: "RBAC access to Secrets must name the Secrets (resourceNames) and never list or watch.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: secrets"),
    remediationSteps: "Prefer mounting Secrets as files; if API access is needed, grant only `get` with resourceNames.",
    validateResource: validateRules((rule, context) => {
        if (!ruleCoversSecrets(rule)) return;
        const enumerating = rule.verbs.filter((verb) => ENUMERATING_VERBS.includes(verb));
        if (enumerating.length > 0) {
            context.report(rule, "verbs", `grants ${enumerating.join(", ")} on secrets, which returns every Secret's data`, "remove list/watch; grant get on named Secrets only, or mount the Secret as a file");
        }
        if (rule.resourceNames.length === 0) {
            context.report(rule, "resourceNames", "is empty, so the rule reaches every Secret in scope", "set resourceNames to the Secrets the workload reads");
        }
    }),
};
