// The policy pack's verdict on one stack, in the shape every report format (Markdown, JSON, SARIF) and the
// summary read. Built from the offline runner's result in the policy phase of the render.
import type { EnforcementLevel, PolicyComplianceFramework, Severity } from "@pulumi/policy";

/** One policy of the pack, with the enforcement level in effect for this render (after --policy-config). */
export interface PolicyRuleInfo {
    name: string;
    description: string;
    severity: Severity;
    enforcementLevel: EnforcementLevel;
    remediation: string;
    framework?: PolicyComplianceFramework;
}

/** One thing a policy reported: a violation, or a check it could not decide offline. */
export interface PolicyFinding {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    severity: Severity;
    message: string;
    /** Absent for stack-level findings that concern no single resource. */
    resource?: { urn: string; type: string; name: string };
}

export interface PolicyOutcome {
    /** Name of the policy pack (SARIF tool name). */
    packName: string;
    rules: PolicyRuleInfo[];
    violations: PolicyFinding[];
    undecided: PolicyFinding[];
}

export const SEVERITIES: readonly Severity[] = ["critical", "high", "medium", "low"];

/** Levels that fail `pulumi preview`/`up` (a remediate policy without a remediation acts as mandatory). */
export function isBlocking(level: EnforcementLevel): boolean {
    return level === "mandatory" || level === "remediate";
}

export function blockingViolations(outcome: PolicyOutcome): PolicyFinding[] {
    return outcome.violations.filter((v) => isBlocking(v.enforcementLevel));
}

/** Counts per severity, split into blocking (mandatory) and advisory, every severity present (zeros included). */
export function violationCounts(outcome: PolicyOutcome): Record<Severity, { mandatory: number; advisory: number }> {
    const counts = Object.fromEntries(SEVERITIES.map((s) => [s, { mandatory: 0, advisory: 0 }])) as Record<
        Severity,
        { mandatory: number; advisory: number }
    >;
    for (const v of outcome.violations) {
        if (isBlocking(v.enforcementLevel)) counts[v.severity].mandatory++;
        else counts[v.severity].advisory++;
    }
    return counts;
}

const text = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);

/** Blocking first, then by severity, policy, resource and message: the order every report lists findings in. */
export function compareFindings(a: PolicyFinding, b: PolicyFinding): number {
    return (
        Number(isBlocking(b.enforcementLevel)) - Number(isBlocking(a.enforcementLevel)) ||
        SEVERITIES.indexOf(a.severity) - SEVERITIES.indexOf(b.severity) ||
        text(a.policyName, b.policyName) ||
        text(a.resource?.urn ?? "", b.resource?.urn ?? "") ||
        text(a.message, b.message)
    );
}
