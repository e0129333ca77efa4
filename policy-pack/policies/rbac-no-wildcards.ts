// Wildcards grant today's and tomorrow's resources and verbs alike.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateRules } from "../lib/rbac";

export const rbacNoWildcards: PackResourcePolicy = {
    name: "rbac-no-wildcards",
    description: "RBAC rules must not use wildcard verbs, resources, API groups or non-resource URLs.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: least privilege"),
    remediationSteps: "List the exact verbs, resources and API groups the workload needs.",
    validateResource: validateRules((rule, context) => {
        for (const field of ["verbs", "resources", "apiGroups", "nonResourceURLs"] as const) {
            const wild = rule[field].filter((value) => value.includes("*"));
            if (wild.length > 0) context.report(rule, field, `contains the wildcard ${wild.map((w) => `"${w}"`).join(", ")}`, `list the exact ${field} needed`);
        }
    }),
};
