// bind, escalate and impersonate let a subject grant itself more than it holds.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateRules } from "../lib/rbac";

const ESCALATION_VERBS = ["bind", "escalate", "impersonate"];

export const rbacNoEscalationVerbs: PackResourcePolicy = {
    name: "rbac-no-escalation-verbs",
    description: "RBAC rules must not grant bind, escalate or impersonate.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: least privilege"),
    remediationSteps: "Remove bind/escalate/impersonate; have an administrator create the bindings instead.",
    validateResource: validateRules((rule, context) => {
        const found = rule.verbs.filter((verb) => ESCALATION_VERBS.includes(verb.toLowerCase()));
        if (found.length > 0) context.report(rule, "verbs", `grants ${found.join(", ")}, which lets the subject exceed its own permissions`, `remove ${found.join(", ")}`);
    }),
};
