// Symmetric KMS keys rotate yearly (or sooner); asymmetric and HMAC keys cannot rotate in KMS.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

export const awsKmsKeyRotation: PackResourcePolicy = {
    name: "aws-kms-key-rotation",
    description: "Symmetric KMS keys must have automatic rotation enabled.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Cloud: AWS secrets"),
    remediationSteps: "Set enableKeyRotation: true (optionally rotationPeriodInDays).",
    validateResource: (args, reportViolation) => {
        if (args.type !== "aws:kms/key:Key") return;
        const spec = args.props["customerMasterKeySpec"] ?? "SYMMETRIC_DEFAULT";
        if (spec !== "SYMMETRIC_DEFAULT" || (args.props["customKeyStoreId"] ?? "") !== "") {
            args.notApplicable(`key spec ${String(spec)}${args.props["customKeyStoreId"] ? " in a custom key store" : ""} cannot rotate automatically`);
        }
        if (args.props["enableKeyRotation"] !== true) {
            reportViolation(formatFinding(`Key '${args.name}'`, "enableKeyRotation", "is not true, so key material never rotates", "set enableKeyRotation: true"));
        }
    },
};
