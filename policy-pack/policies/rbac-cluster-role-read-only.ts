// Cluster-wide grants reach every namespace, so a ClusterRole may only read an allow-listed set of
// resources (e.g. nodes, which no namespaced Role can grant).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateRules } from "../lib/rbac";

const READ_VERBS = ["get", "list", "watch"];
const CLUSTER_ROLES = ["kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "kubernetes:rbac.authorization.k8s.io/v1:ClusterRolePatch"];

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

export const rbacClusterRoleReadOnly: PackResourcePolicy = {
    name: "rbac-cluster-role-read-only",
    description: "ClusterRoles may only grant read-only verbs on an allow-listed set of resources.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("RBAC: least privilege"),
    remediationSteps: "Move namespaced permissions into a Role; keep ClusterRoles to get/list/watch on allow-listed resources.",
    configSchema,
    validateResource: validateRules((rule, context) => {
        const { allowedResources } = readPolicyConfig<{ allowedResources: string[] }>(configSchema, context.args);
        const writes = rule.verbs.filter((verb) => !READ_VERBS.includes(verb));
        if (writes.length > 0) context.report(rule, "verbs", `grants ${writes.join(", ")} cluster-wide`, "limit the ClusterRole to get, list and watch, and grant writes with a namespaced Role");
        const groups = rule.apiGroups.length > 0 ? rule.apiGroups : [""];
        const outside = rule.resources.flatMap((resource) => groups.map((group) => (group === "" ? resource : `${resource}.${group}`))).filter((name) => !allowedResources.includes(name));
        if (outside.length > 0) context.report(rule, "resources", `reaches [${outside.join(", ")}], outside the cluster-wide allow-list [${allowedResources.join(", ")}]`, "grant these with a namespaced Role, or add them to allowedResources after review");
    }, CLUSTER_ROLES),
};

