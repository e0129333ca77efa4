// Cloudflare Access: every allow policy that admits people requires a second factor; nothing includes
// `everyone`; nothing bypasses Access. Checked on standalone Access policies and on policies written
// inline in an Access application.
import type { PolicyConfigSchema, ReportViolation } from "@pulumi/policy";
import { ACCESS_APPLICATION_TYPES, ACCESS_POLICY_TYPES, admitsPeople, DEFAULT_MFA_METHODS, requiresMfa, selectorsOf } from "../lib/access-rules";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";


const configSchema: PolicyConfigSchema = {
    properties: {
        mfaMethods: {
            type: "array",
            items: { type: "string" },
            description: "Authentication method references (AMR) accepted as MFA in a require rule's authMethod.",
            default: DEFAULT_MFA_METHODS,
        },
    },
};

function checkRules(where: string, fieldPrefix: string, policy: Record<string, unknown>, mfaMethods: string[], report: ReportViolation): void {
    const decision = policy["decision"];
    if (decision === "bypass") report(formatFinding(where, `${fieldPrefix}decision`, '"bypass" turns Access off for everyone matching the rule', 'use "allow" with an identity and MFA, or "non_identity" for service tokens'));
    for (const field of ["includes", "requires"]) {
        if (selectorsOf(policy[field]).includes("everyone")) report(formatFinding(where, `${fieldPrefix}${field}`, "contains `everyone`, admitting anyone on the internet", "include specific email domains, groups or service tokens"));
    }
    if (decision !== "allow" || !admitsPeople(policy["includes"])) return;
    if (requiresMfa(policy, mfaMethods)) return;
    const disabled = asRecord(policy["mfaConfig"])["mfaDisabled"] === true;
    report(formatFinding(where, disabled ? `${fieldPrefix}mfaConfig.mfaDisabled` : `${fieldPrefix}requires`,
        `admits people without MFA: no require rule with authMethod in [${mfaMethods.join(", ")}]${disabled ? " and Cloudflare MFA is disabled" : " and no Cloudflare mfaConfig with authenticators"}`,
        'add a require rule { authMethod: { authMethod: "mfa" } }, or mfaConfig { allowedAuthenticators: [...] } without mfaDisabled'));
}

export const cloudflareAccessPolicy: PackResourcePolicy = {
    name: "cloudflare-access-policy",
    description: "Cloudflare Access allow policies for people must require MFA; no `everyone` include and no `bypass`.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Edge: Cloudflare Access"),
    remediationSteps: 'Use decision "allow" with specific identities plus a require rule authMethod "mfa"; use "non_identity" with service tokens for machines.',
    configSchema,
    validateResource: (args, reportViolation) => {
        const standalone = ACCESS_POLICY_TYPES.includes(args.type);
        if (!standalone && !ACCESS_APPLICATION_TYPES.includes(args.type)) return;
        const { mfaMethods } = readPolicyConfig<{ mfaMethods: string[] }>(configSchema, args);
        if (standalone) {
            checkRules(`Access policy '${args.name}'`, "", args.props, mfaMethods, reportViolation);
            return;
        }
        const inline = args.props["policies"];
        if (!Array.isArray(inline)) return;
        checkEach(inline.map((policy, index) => ({ policy: asRecord(policy), index })), ({ policy, index }) => {
            // An entry with only an id references a standalone policy, which is checked on its own.
            if (policy["decision"] === undefined && policy["includes"] === undefined) return;
            checkRules(`Access application '${args.name}' policy ${index}`, `policies[${index}].`, policy, mfaMethods, reportViolation);
        });
    },
};
