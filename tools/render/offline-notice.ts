// The notice at the top of every file the offline render writes, in each file format's own comment syntax,
// so nobody mistakes a rendered file for the state of a real deployment.

/** Facts the notice states; all of them are inputs of the render, so the notice is deterministic. */
export interface NoticeFacts {
    project: string;
    stack: string;
}

/** The notice as plain lines (no comment markers). */
export function offlineNoticeLines(facts: NoticeFacts): string[] {
    return [
        `OFFLINE RENDER of Pulumi project '${facts.project}', stack '${facts.stack}' (npm run render -- --stack ${facts.stack}).`,
        "Evaluated under the Pulumi mock runtime without contacting any provider: values only a provider knows are",
        "visibly marked 'offline-' placeholders, and every secret is masked. This is not the state of a deployment.",
    ];
}

/** `# ` lines for YAML. */
export function yamlNotice(facts: NoticeFacts): string {
    return offlineNoticeLines(facts).map((line) => `# ${line}\n`).join("");
}

/** An HTML comment for Markdown (invisible when rendered) followed by a visible one-line note. */
export function markdownNotice(facts: NoticeFacts): string {
    const lines = offlineNoticeLines(facts);
    return `<!--\n${lines.join("\n")}\n-->\n> ${lines[0]}\n\n`;
}

/** `%% ` lines for Mermaid. */
export function mermaidNotice(facts: NoticeFacts): string {
    return offlineNoticeLines(facts).map((line) => `%% ${line}\n`).join("");
}

/** JSON has no comments: JSON files written by the render carry the notice as their first property. */
export const JSON_NOTICE_KEY = "//";

/** `{ "//": notice, ...body }` with the notice first (canonicalJson sorts `//` before any letter). */
export function withJsonNotice(facts: NoticeFacts, body: Record<string, unknown>): Record<string, unknown> {
    return { [JSON_NOTICE_KEY]: offlineNoticeLines(facts).join(" "), ...body };
}
