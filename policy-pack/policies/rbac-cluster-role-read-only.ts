// Cluster-wide grants reach every namespace, so a ClusterRole may only read an allow-listed set of
// resources (e.g. nodes, which no namespaced Role can grant).
import type { PolicyConfigSchema, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { formatFinding } from "../lib/finding";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { CLUSTER_ROLE_TYPES, validateRules } from "../lib/rbac";

const READ_VERBS = ["get", "list", "watch"];

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedResources: {
            type: "array",
            items: { type: "string" },
            description: "Resources a ClusterRole may read, as `resource` (core group) or `resource.group` (e.g. `agents.kagent.dev`).",
            default: ["nodes"],
        },
    },
};

const readOnlyAllowListedRules = validateRules((rule, context) => {
    const { allowedResources } = readPolicyConfig<{ allowedResources: string[] }>(configSchema, context.args);
    const writes = rule.verbs.filter((verb) => !READ_VERBS.includes(verb));
    if (writes.length > 0) context.report(rule, "verbs", `grants ${writes.join(", ")} cluster-wide`, "limit the ClusterRole to get, list and watch, and grant writes with a namespaced Role");
    // A rule without apiGroups matches no resource (the authorizer compares group by group).
    const reached = rule.resources.flatMap((resource) => rule.apiGroups.map((group) => (group === "" ? resource : `${resource}.${group}`)));
    const outside = reached.filter((name) => !allowedResources.includes(name));
    if (outside.length > 0) context.report(rule, "resources", `reaches [${outside.join(", ")}], outside the cluster-wide allow-list [${allowedResources.join(", ")}]`, "grant these with a namespaced Role, or add them to allowedResources after review");
}, CLUSTER_ROLE_TYPES);

/** Aggregated ClusterRoles get their rules at runtime from labelled roles: nothing here can vouch for them. */
function notAggregated(args: ResourceValidationArgs, reportViolation: ReportViolation): void {
    if (!CLUSTER_ROLE_TYPES.includes(args.type)) return;
    const aggregation = args.props["aggregationRule"];
    if (aggregation !== undefined && aggregation !== null) {
        reportViolation(formatFinding(`ClusterRole '${args.name}'`, "aggregationRule", "pulls in the rules of every ClusterRole matching its selectors at runtime, which this policy cannot check", "list the read-only rules explicitly instead of aggregating"));
    }
}

export const rbacClusterRoleReadOnly: PackResourcePolicy = {
    name: "rbac-cluster-role-read-only",
    description: "ClusterRoles may only grant read-only verbs on an allow-listed set of resources.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: least privilege"),
    remediationSteps: "Move namespaced permissions into a Role; keep ClusterRoles to get/list/watch on allow-listed resources, without aggregationRule.",
    configSchema,
    validateResource: [readOnlyAllowListedRules, notAggregated],
};
