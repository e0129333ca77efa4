// Vault ACL policies: nothing that matches every path, nothing under sys/ (Vault's own configuration),
// no sudo, and policies meant for readers carry no write capability.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { matchesAnyGlob } from "../lib/glob";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { parseVaultPolicy, pathMatchesEverything, pathReachesSys, WRITE_CAPABILITIES } from "../lib/vault-policy";
import { formatFinding } from "../lib/finding";

const configSchema: PolicyConfigSchema = {
    properties: {
        readerPolicies: {
            type: "array",
            items: { type: "string" },
            description: "Vault policy names (`*` wildcard) bound to readers: these may not hold write capabilities.",
            default: ["*read*"],
        },
    },
};

export const vaultPolicyLeastPrivilege: PackResourcePolicy = {
    name: "vault-policy-least-privilege",
    description: 'Vault policies must not grant path "*", anything under sys/, sudo, or writes to readers.',
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: Vault"),
    remediationSteps: "Grant read (and list where needed) on the exact KV v2 data/metadata paths the workload uses.",
    configSchema,
    validateResource: (args, reportViolation) => {
        if (args.type !== "vault:index/policy:Policy") return;
        const { readerPolicies } = readPolicyConfig<{ readerPolicies: string[] }>(configSchema, args);
        const policyName = typeof args.props["name"] === "string" ? args.props["name"] : args.name;
        const where = `Vault policy '${policyName}'`;
        const text = args.props["policy"];
        if (typeof text !== "string") return;
        const parsed = parseVaultPolicy(text);
        if (!parsed.ok) {
            reportViolation(formatFinding(where, "policy", `the document ${parsed.problem}`, "write the policy as valid HCL or JSON"));
            return;
        }
        const reader = matchesAnyGlob(policyName, readerPolicies);
        for (const rule of parsed.rules) {
            const field = `policy path "${rule.path}" capabilities`;
            if (rule.capabilities.includes("deny")) continue;
            if (pathMatchesEverything(rule.path)) reportViolation(formatFinding(where, field, "the path matches every secret engine and Vault's own configuration", "name the exact mount and path"));
            else if (pathReachesSys(rule.path)) reportViolation(formatFinding(where, field, "the path reaches sys/, Vault's own configuration", "remove the sys/ grant; operators administer Vault separately"));
            if (rule.capabilities.includes("sudo")) reportViolation(formatFinding(where, field, "include sudo, which opens root-protected endpoints", "remove sudo"));
            const writes = rule.capabilities.filter((capability) => WRITE_CAPABILITIES.includes(capability) && capability !== "sudo");
            if (reader && writes.length > 0) reportViolation(formatFinding(where, field, `grant ${writes.join(", ")} although the policy is bound to readers`, "keep only read and list"));
        }
    },
};
