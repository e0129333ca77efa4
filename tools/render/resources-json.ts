// `resources.json`: every registered resource with its type, name, parent and inputs (secrets masked), and
// `stack-outputs.json`: the stack outputs as `pulumi stack output` would show them (secrets masked).
import type { ResolvedOutput } from "../lib/mock-runtime";
import { maskSecrets } from "../lib/mock-runtime";
import { canonicalJson } from "./canonical-json";
import { NoticeFacts, withJsonNotice } from "./offline-notice";
import { byUrn, RenderResource, SECRET_MASK } from "./render-model";

export function resourcesJson(facts: NoticeFacts, resources: readonly RenderResource[]): string {
    return canonicalJson(
        withJsonNotice(facts, {
            project: facts.project,
            stack: facts.stack,
            resources: [...resources].sort(byUrn).map((r) => ({
                type: r.type,
                name: r.name,
                urn: r.urn,
                parent: r.parent ?? null,
                provider: r.provider ?? null,
                custom: r.custom,
                inputs: r.inputs,
            })),
        }),
    );
}

export function stackOutputsJson(facts: NoticeFacts, outputs: Readonly<Record<string, ResolvedOutput>>): string {
    const shown = Object.fromEntries(
        Object.entries(outputs).map(([key, out]) => [key, out.secret ? SECRET_MASK : maskSecrets(out.value, SECRET_MASK)]),
    );
    return canonicalJson(withJsonNotice(facts, { project: facts.project, stack: facts.stack, outputs: shown }));
}
