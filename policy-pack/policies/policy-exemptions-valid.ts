// An exemption is a reviewed, temporary decision: without a reason or past its expiry it is not
// honoured, and this policy reports it so the finding does not silently come back (or linger).
import { EXEMPTION_KEY, exemptionText, parseExemption } from "../lib/exemptions";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { formatFinding } from "../lib/finding";

export const EXEMPTIONS_POLICY_NAME = "policy-exemptions-valid";

/** Built with the pack's policy names so that exemptions naming unknown policies are caught. */
export function makePolicyExemptionsValid(knownPolicies: readonly string[]): PackResourcePolicy {
    return {
        name: EXEMPTIONS_POLICY_NAME,
        description: `Exemptions (${EXEMPTION_KEY}) must name known policies and carry a reason and an unexpired date.`,
        severity: "medium",
        enforcementLevel: "mandatory",
        framework: securityGuide("Exemptions"),
        remediationSteps: `Write the annotation/tag as "policies=<policy>+<policy> expires=<YYYY-MM-DD> reason=<why>", or fix the finding and remove it.`,
        validateResource: (args, reportViolation) => {
            const text = exemptionText(args.props);
            if (text === undefined) return;
            const field = args.type.startsWith("kubernetes:") ? `metadata.annotations["${EXEMPTION_KEY}"]` : `tags["${EXEMPTION_KEY}"]`;
            const where = `${args.type.slice(args.type.lastIndexOf(":") + 1)} '${args.name}'`;
            const parsed = parseExemption(text);
            for (const problem of parsed.problems) {
                const [what, fix] = problem.split("; ");
                reportViolation(formatFinding(where, field, `the exemption is not honoured: ${what}`, fix ?? "correct the exemption"));
            }
            const unknown = parsed.policies.filter((name) => !knownPolicies.includes(name) || name === EXEMPTIONS_POLICY_NAME);
            if (unknown.length > 0) {
                reportViolation(formatFinding(where, field, `names [${unknown.join(", ")}], which are not exemptable policies of this pack`, "use the exact policy names from the pack"));
            }
        },
    };
}
