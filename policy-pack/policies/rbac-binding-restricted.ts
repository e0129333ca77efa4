// Bindings must not hand out cluster-admin or grant anything to Kubernetes' built-in groups and users
// (system:authenticated, system:unauthenticated, system:masters, system:anonymous, ...).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { BINDING_TYPES, kindOf } from "../lib/rbac";
import { checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";

const configSchema: PolicyConfigSchema = {
    properties: {
        forbiddenRoles: { type: "array", items: { type: "string" }, description: "Roles no binding may reference.", default: ["cluster-admin"] },
    },
};

export const rbacBindingRestricted: PackResourcePolicy = {
    name: "rbac-binding-restricted",
    description: "Bindings must not reference cluster-admin or bind system groups and users.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: least privilege"),
    remediationSteps: "Bind a least-privilege Role to the workload's own ServiceAccount.",
    configSchema,
    validateResource: (args, reportViolation) => {
        if (!BINDING_TYPES.includes(args.type)) return;
        const { forbiddenRoles } = readPolicyConfig<{ forbiddenRoles: string[] }>(configSchema, args);
        const where = `${kindOf(args.type)} '${args.name}'`;
        const roleName = asRecord(args.props["roleRef"])["name"];
        if (typeof roleName === "string" && forbiddenRoles.includes(roleName)) {
            reportViolation(formatFinding(where, "roleRef.name", `binds "${roleName}", which is not allowed`, "bind a Role that grants only what the subject needs"));
        }
        const subjects = args.props["subjects"];
        if (!Array.isArray(subjects)) return;
        checkEach(subjects.map((subject, index) => ({ subject: asRecord(subject), index })), ({ subject, index }) => {
            const name = subject["name"];
            if (subject["kind"] !== "ServiceAccount" && typeof name === "string" && name.startsWith("system:")) {
                reportViolation(formatFinding(where, `subjects[${index}]`, `grants to the built-in ${String(subject["kind"])} "${name}", which covers identities this stack does not control`, "bind the workload's own ServiceAccount instead"));
            }
        });
    },
};
