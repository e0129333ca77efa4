// The policy report as SARIF 2.1.0, the format code-scanning tools (GitHub code scanning among them) read, so
// findings appear on the pull request next to the component source that creates the offending resource.
import { createHash } from "crypto";
import type { EnforcementLevel, Severity } from "@pulumi/policy";
import { sortKeysDeep } from "./canonical-json";
import { NoticeFacts, offlineNoticeLines } from "./offline-notice";
import { compareFindings, PolicyFinding, PolicyOutcome } from "./policy-outcome";

export const SARIF_SCHEMA_URI = "https://json.schemastore.org/sarif-2.1.0.json";

/** A place in the repository: file path relative to the repository root and a 1-based line. */
export interface SourceLocation {
    uri: string;
    line: number;
}

/** Maps a finding's resource URN (or undefined for stack findings) to the source that declares it. */
export type Locator = (urn: string | undefined) => SourceLocation;

/** SARIF result level: blocking findings are errors, advisory ones warnings (disabled policies report nothing). */
export function sarifLevel(level: EnforcementLevel): "error" | "warning" | "none" {
    if (level === "mandatory" || level === "remediate") return "error";
    if (level === "advisory") return "warning";
    return "none";
}

/** GitHub orders and filters alerts by this score (its documented bands: ≥9 critical, ≥7 high, ≥4 medium). */
const securitySeverity: Record<Severity, string> = { critical: "9.5", high: "8.0", medium: "5.5", low: "3.0" };

function fingerprint(f: PolicyFinding): string {
    return createHash("sha256").update(`${f.policyName}\n${f.resource?.urn ?? "(stack)"}\n${f.message}`).digest("hex");
}

export function policyReportSarif(facts: NoticeFacts, outcome: PolicyOutcome, locate: Locator): string {
    const rules = [...outcome.rules].sort((a, b) => (a.name < b.name ? -1 : 1));
    const ruleIndex = new Map(rules.map((r, i) => [r.name, i]));
    const result = (f: PolicyFinding, level: string, kind: "fail" | "review") => {
        const where = locate(f.resource?.urn);
        return {
            ruleId: f.policyName,
            ...(ruleIndex.has(f.policyName) ? { ruleIndex: ruleIndex.get(f.policyName) } : {}),
            kind,
            level,
            message: { text: f.resource ? `${f.resource.type} '${f.resource.name}': ${f.message}` : f.message },
            locations: [
                {
                    physicalLocation: { artifactLocation: { uri: where.uri }, region: { startLine: where.line } },
                    logicalLocations: f.resource
                        ? [{ fullyQualifiedName: f.resource.urn, name: f.resource.name, kind: "resource" }]
                        : [{ fullyQualifiedName: `${facts.project}/${facts.stack}`, kind: "module" }],
                },
            ],
            partialFingerprints: { "consonantPolicyFinding/v1": fingerprint(f) },
            properties: { enforcementLevel: f.enforcementLevel, severity: f.severity, stack: facts.stack },
        };
    };
    const run = {
        tool: {
            driver: {
                name: outcome.packName,
                rules: rules.map((r) => ({
                    id: r.name,
                    name: r.name,
                    shortDescription: { text: r.description },
                    fullDescription: { text: r.description },
                    help: { text: r.remediation, markdown: r.remediation },
                    defaultConfiguration: { level: sarifLevel(r.enforcementLevel), enabled: r.enforcementLevel !== "disabled" },
                    properties: {
                        tags: ["security", ...(r.framework?.name ? [r.framework.name] : [])],
                        precision: "high",
                        "security-severity": securitySeverity[r.severity],
                        ...(r.framework ? { framework: r.framework } : {}),
                    },
                })),
            },
        },
        automationDetails: { id: `offline-render/${facts.stack}/` },
        columnKind: "unicodeCodePoints",
        results: [
            ...[...outcome.violations].sort(compareFindings).map((v) => result(v, sarifLevel(v.enforcementLevel), "fail")),
            // A check the policy could not decide is a call for review, which SARIF requires to carry level "none".
            ...[...outcome.undecided].sort(compareFindings).map((u) => result(u, "none", "review")),
        ],
    };
    // Key order: the notice first (the log's property bag is the one place SARIF allows free text at the top).
    const log = {
        properties: { offlineRender: offlineNoticeLines(facts).join(" ") },
        $schema: SARIF_SCHEMA_URI,
        version: "2.1.0",
        runs: [sortKeysDeep(run)],
    };
    return `${JSON.stringify(log, null, 2)}\n`;
}
