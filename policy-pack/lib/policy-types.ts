// Shared shape of every policy in the pack: @pulumi/policy's types with the metadata the issue makes
// mandatory (severity, enforcement level, framework, remediation) turned into required fields, so a
// policy that forgets one does not compile.
import type {
    EnforcementLevel,
    PolicyComplianceFramework,
    ResourceValidationPolicy,
    Severity,
    StackValidationPolicy,
} from "@pulumi/policy";

interface RequiredMetadata {
    severity: Severity;
    enforcementLevel: EnforcementLevel;
    framework: PolicyComplianceFramework;
    remediationSteps: string;
}

export type PackResourcePolicy = ResourceValidationPolicy & RequiredMetadata;
export type PackStackPolicy = StackValidationPolicy & RequiredMetadata;
export type PackPolicy = PackResourcePolicy | PackStackPolicy;

export function isStackPolicy(policy: PackPolicy): policy is PackStackPolicy {
    return "validateStack" in policy && typeof policy.validateStack === "function";
}

/** The written guide every policy enforces; `specification` names the section. */
export function securityGuide(section: string): PolicyComplianceFramework {
    return {
        name: "Consonant Security Guide",
        version: "1.0",
        reference: `consonant-security-guide#${section.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`,
        specification: section,
    };
}
