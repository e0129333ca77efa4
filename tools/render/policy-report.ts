// The policy report as Markdown (pull-request comments, job summaries) and JSON (machines).
import { canonicalJson } from "./canonical-json";
import { markdownNotice, NoticeFacts, withJsonNotice } from "./offline-notice";
import {
    blockingViolations,
    compareFindings,
    isBlocking,
    PolicyFinding,
    PolicyOutcome,
    SEVERITIES,
    violationCounts,
} from "./policy-outcome";

/** Table cells: pipes would split the cell and newlines would end the row. */
function cell(value: string): string {
    return value.replace(/\\/g, "\\\\").replace(/\|/g, "\\|").replace(/\r?\n/g, " ");
}

function resourceCell(f: PolicyFinding): string {
    return f.resource ? `\`${cell(f.resource.name)}\` (${cell(f.resource.type)})` : "(stack)";
}

export function policyReportMarkdown(facts: NoticeFacts, outcome: PolicyOutcome): string {
    const blocking = blockingViolations(outcome);
    const counts = violationCounts(outcome);
    const lines: string[] = [
        `# Policy report: stack \`${facts.stack}\``,
        "",
        blocking.length === 0
            ? `**PASSED**: no mandatory policy is violated (${outcome.rules.length} policies of \`${outcome.packName}\` evaluated).`
            : `**FAILED**: ${blocking.length} mandatory violation${blocking.length === 1 ? "" : "s"} (${outcome.rules.length} policies of \`${outcome.packName}\` evaluated). \`pulumi preview\` with this pack would fail.`,
        "",
        "| severity | mandatory | advisory |",
        "|---|---:|---:|",
        ...SEVERITIES.map((s) => `| ${s} | ${counts[s].mandatory} | ${counts[s].advisory} |`),
        "",
        "## Violations",
        "",
    ];
    const violations = [...outcome.violations].sort(compareFindings);
    if (violations.length === 0) lines.push("None.");
    else {
        lines.push("| level | severity | policy | resource | message |", "|---|---|---|---|---|");
        for (const v of violations) {
            lines.push(`| ${v.enforcementLevel} | ${v.severity} | \`${cell(v.policyName)}\` | ${resourceCell(v)} | ${cell(v.message)} |`);
        }
    }
    lines.push("", "## Could not be decided offline", "");
    const undecided = [...outcome.undecided].sort(compareFindings);
    if (undecided.length === 0) lines.push("None: every check had the values it needed.");
    else {
        lines.push("| policy | resource | why |", "|---|---|---|");
        for (const u of undecided) lines.push(`| \`${cell(u.policyName)}\` | ${resourceCell(u)} | ${cell(u.message)} |`);
    }
    lines.push("", "## Policies evaluated", "", "| policy | severity | level | description |", "|---|---|---|---|");
    for (const r of [...outcome.rules].sort((a, b) => (a.name < b.name ? -1 : 1))) {
        lines.push(`| \`${cell(r.name)}\` | ${r.severity} | ${r.enforcementLevel} | ${cell(r.description)} |`);
    }
    return `${markdownNotice(facts)}${lines.join("\n")}\n`;
}

export function policyReportJson(facts: NoticeFacts, outcome: PolicyOutcome): string {
    const blocking = blockingViolations(outcome);
    return canonicalJson(
        withJsonNotice(facts, {
            project: facts.project,
            stack: facts.stack,
            policyPack: outcome.packName,
            passed: blocking.length === 0,
            mandatoryViolations: blocking.length,
            counts: violationCounts(outcome),
            violations: [...outcome.violations].sort(compareFindings).map((v) => ({ ...v, blocking: isBlocking(v.enforcementLevel) })),
            undecided: [...outcome.undecided].sort(compareFindings),
            policies: [...outcome.rules].sort((a, b) => (a.name < b.name ? -1 : 1)),
        }),
    );
}
