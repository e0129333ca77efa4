// RBAC rule access shared by the RBAC policies: Role and ClusterRole (and their patches) carry
// `rules`, each with apiGroups, resources, verbs, resourceNames and nonResourceURLs.
import type { ReportViolation, ResourceValidation, ResourceValidationArgs } from "@pulumi/policy";
import { k8sTypes, RBAC_VERSIONS } from "./k8s-types";
import { asRecord } from "./k8s-workloads";
import { checkEach } from "./unknowns";
import { formatFinding } from "./finding";

export const CLUSTER_ROLE_TYPES = k8sTypes(RBAC_VERSIONS, "ClusterRole", { patch: true });
export const ROLE_TYPES = [...k8sTypes(RBAC_VERSIONS, "Role", { patch: true }), ...CLUSTER_ROLE_TYPES];
export const BINDING_TYPES = [...k8sTypes(RBAC_VERSIONS, "RoleBinding", { patch: true }), ...k8sTypes(RBAC_VERSIONS, "ClusterRoleBinding", { patch: true })];

export interface RbacRule {
    index: number;
    apiGroups: string[];
    resources: string[];
    verbs: string[];
    resourceNames: string[];
    nonResourceURLs: string[];
}

function strings(value: unknown): string[] {
    return Array.isArray(value) ? value.map(String) : [];
}

export function kindOf(type: string): string {
    return type.slice(type.lastIndexOf(":") + 1);
}

export interface RuleContext {
    args: ResourceValidationArgs;
    kind: string;
    name: string;
    report(rule: RbacRule, field: string, problem: string, fix: string): void;
}

/** A validation that runs `check` on every rule of Roles/ClusterRoles (`kinds` narrows to some of them). */
export function validateRules(check: (rule: RbacRule, context: RuleContext) => void, kinds: readonly string[] = ROLE_TYPES): ResourceValidation {
    return (args, reportViolation: ReportViolation) => {
        if (!kinds.includes(args.type)) return;
        const rules = args.props["rules"];
        if (!Array.isArray(rules)) return;
        const context: RuleContext = {
            args,
            kind: kindOf(args.type),
            name: args.name,
            report: (rule, field, problem, fix) => reportViolation(formatFinding(`${kindOf(args.type)} '${args.name}' rule ${rule.index}`, `rules[${rule.index}].${field}`, problem, fix)),
        };
        checkEach(rules.map((raw, index) => ({ raw: asRecord(raw), index })), ({ raw, index }) =>
            check(
                {
                    index,
                    apiGroups: strings(raw["apiGroups"]),
                    resources: strings(raw["resources"]),
                    verbs: strings(raw["verbs"]),
                    resourceNames: strings(raw["resourceNames"]),
                    nonResourceURLs: strings(raw["nonResourceURLs"]),
                },
                context,
            ),
        );
    };
}

/** Does the rule grant access to core-group Secrets (directly or through a wildcard)? */
export function ruleCoversSecrets(rule: RbacRule): boolean {
    const coreGroup = rule.apiGroups.includes("") || rule.apiGroups.includes("*");
    return coreGroup && rule.resources.some((resource) => resource === "secrets" || resource === "*");
}
