// The component tree of an evaluated stack: which component owns which resource, as counts for the summary and
// as a Mermaid diagram for people reading the render.
import { mermaidNotice, NoticeFacts } from "./offline-notice";
import { byUrn, RenderResource } from "./render-model";

/** Label used for resources that no component owns (explicit providers, top-level resources). */
export const NO_COMPONENT = "(stack)";

/** `name (type)` of the nearest component ancestor of each custom resource → number of resources it owns. */
export function resourcesPerComponent(resources: readonly RenderResource[]): Map<string, number> {
    const byUrnIndex = new Map(resources.map((r) => [r.urn, r]));
    const counts = new Map<string, number>();
    for (const r of [...resources].sort(byUrn)) {
        if (!r.custom) continue;
        let parent = r.parent ? byUrnIndex.get(r.parent) : undefined;
        // The stack resource itself (pulumi:pulumi:Stack) is not a component of ours.
        while (parent && (parent.custom || parent.type === "pulumi:pulumi:Stack")) {
            parent = parent.parent ? byUrnIndex.get(parent.parent) : undefined;
        }
        const label = parent ? `${parent.name} (${parent.type})` : NO_COMPONENT;
        counts.set(label, (counts.get(label) ?? 0) + 1);
    }
    return new Map([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/** Mermaid labels are quoted strings; quotes and angle brackets must be entities. */
function mermaidText(text: string): string {
    return text.replace(/&/g, "#amp;").replace(/"/g, "#quot;").replace(/</g, "#lt;").replace(/>/g, "#gt;");
}

/**
 * A Mermaid flowchart: the stack at the root, components as rounded nodes, provider-managed resources as boxes,
 * an edge from each parent to its children. Node ids follow URN order, so the text is deterministic.
 */
export function componentTreeMermaid(facts: NoticeFacts, resources: readonly RenderResource[]): string {
    const sorted = [...resources].filter((r) => r.type !== "pulumi:pulumi:Stack").sort(byUrn);
    const ids = new Map(sorted.map((r, i) => [r.urn, `r${i + 1}`]));
    const lines = [
        "flowchart LR",
        `  stack(["stack: ${mermaidText(`${facts.project}/${facts.stack}`)}"])`,
        "  classDef component fill:#e8f0fe,stroke:#3367d6",
        "  classDef provider fill:#f1f3f4,stroke:#80868b,stroke-dasharray:3 3",
    ];
    for (const r of sorted) {
        const id = ids.get(r.urn) as string;
        const label = mermaidText(`${r.name}<br/>${r.type}`).replace(/#lt;br\/#gt;/, "<br/>");
        if (!r.custom) lines.push(`  ${id}("${label}"):::component`);
        else if (r.type.startsWith("pulumi:providers:")) lines.push(`  ${id}["${label}"]:::provider`);
        else lines.push(`  ${id}["${label}"]`);
    }
    for (const r of sorted) {
        const parentId = r.parent ? ids.get(r.parent) : undefined;
        lines.push(`  ${parentId ?? "stack"} --> ${ids.get(r.urn)}`);
    }
    return `${mermaidNotice(facts)}${lines.join("\n")}\n`;
}
