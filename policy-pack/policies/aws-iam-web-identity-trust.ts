// A role trusted for web identity (IRSA / OIDC federation) must pin both the token's subject (which
// ServiceAccount) and audience; otherwise any workload of the identity provider can assume it.
import { describeStatement, parseIamDocument } from "../lib/iam-document";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

// Operators that only match when the token carries the key with an expected value. `ForAllValues:*` is
// not one of them: it is also true when the key is absent, so it pins nothing.
const POSITIVE_OPERATORS = ["StringEquals", "StringLike", "ForAnyValue:StringEquals", "ForAnyValue:StringLike"];

function conditionValues(conditions: Record<string, Record<string, string[]>>, suffix: string): string[] | undefined {
    let found: string[] | undefined;
    for (const [operator, keys] of Object.entries(conditions)) {
        if (!POSITIVE_OPERATORS.includes(operator)) continue;
        for (const [key, values] of Object.entries(keys)) if (key.toLowerCase().endsWith(suffix)) found = [...(found ?? []), ...values];
    }
    return found;
}

export const awsIamWebIdentityTrust: PackResourcePolicy = {
    name: "aws-iam-web-identity-trust",
    description: "Web-identity trust policies must condition on both the token's `:sub` and `:aud`.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: AWS IAM"),
    remediationSteps: 'Add Condition StringEquals "<issuer>:sub": "system:serviceaccount:<namespace>:<name>" and "<issuer>:aud": "sts.amazonaws.com".',
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:iam/role:Role") return;
        const parsed = parseIamDocument(args.props["assumeRolePolicy"]);
        const where = `Role '${args.name}'`;
        if (!parsed.ok) {
            reportViolation(formatFinding(where, "assumeRolePolicy", `the trust policy ${parsed.problem}`, "provide a valid IAM trust policy document"));
            return;
        }
        parsed.statements.forEach((statement, index) => {
            const webIdentity = statement.actions.some((action) => action === "*" || action.toLowerCase() === "sts:assumerolewithwebidentity" || action.toLowerCase() === "sts:*");
            if (statement.effect !== "Allow" || !webIdentity || !statement.principals["Federated"]) return;
            const field = `assumeRolePolicy ${describeStatement(statement, index)} Condition`;
            const sub = conditionValues(statement.conditions, ":sub");
            const aud = conditionValues(statement.conditions, ":aud");
            if (!sub || sub.length === 0) reportViolation(formatFinding(where, field, "has no StringEquals/StringLike condition on <issuer>:sub, so any identity of the provider can assume the role", 'add "<issuer>:sub": "system:serviceaccount:<namespace>:<serviceaccount>"'));
            else if (sub.some((value) => value.includes("*"))) reportViolation(formatFinding(where, `${field} :sub`, "uses a wildcard, admitting more than one ServiceAccount", "name the exact system:serviceaccount:<namespace>:<name>"));
            if (!aud || aud.length === 0) reportViolation(formatFinding(where, field, "has no StringEquals condition on <issuer>:aud", 'add "<issuer>:aud": "sts.amazonaws.com"'));
            else if (aud.some((value) => value.includes("*"))) reportViolation(formatFinding(where, `${field} :aud`, "uses a wildcard", 'set it to "sts.amazonaws.com"'));
        });
    },
};
