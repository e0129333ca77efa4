// Secrets Manager secrets are encrypted with a customer-managed KMS key, so key policy and rotation are
// the organisation's, and access to the secret needs access to the key.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

export const awsSecretsManagerCmk: PackResourcePolicy = {
    name: "aws-secretsmanager-cmk",
    description: "Secrets Manager secrets must be encrypted with a customer-managed KMS key.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: AWS secrets"),
    remediationSteps: "Create an aws.kms.Key with rotation enabled and set kmsKeyId to its ARN.",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:secretsmanager/secret:Secret") return;
        const keyId = args.props["kmsKeyId"];
        const where = `Secret '${args.name}'`;
        if (keyId === undefined || keyId === null || keyId === "") {
            reportViolation(formatFinding(where, "kmsKeyId", "is not set, so the AWS-managed key aws/secretsmanager is used", "set kmsKeyId to a customer-managed KMS key ARN"));
        } else if (typeof keyId === "string" && /(^|[:/])alias\/aws\//.test(keyId)) {
            reportViolation(formatFinding(where, "kmsKeyId", `"${keyId}" is an AWS-managed key`, "use a customer-managed KMS key"));
        }
    },
};
