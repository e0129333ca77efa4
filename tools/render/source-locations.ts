// Where in the repository a resource comes from, so code-scanning findings point at the component source that
// creates the offending resource rather than at a generated file nobody commits.
import { Locator, SourceLocation } from "./policy-sarif";
import { RenderResource } from "./render-model";

/** A source file of the program: path relative to the repository root, and its text. */
export interface SourceFile {
    path: string;
    text: string;
}

/** Component type tokens of this project (`consonant:<module>:<Name>`) as they appear in source. */
const COMPONENT_TOKEN = /["'`](consonant:[A-Za-z0-9_-]+:[A-Za-z0-9_]+)["'`]/g;

/** Type token → the first place (file order as given, then line) where a source file names it. */
export function componentSourceIndex(files: readonly SourceFile[]): Map<string, SourceLocation> {
    const index = new Map<string, SourceLocation>();
    for (const file of [...files].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0))) {
        file.text.split("\n").forEach((line, i) => {
            for (const match of line.matchAll(COMPONENT_TOKEN)) {
                if (!index.has(match[1])) index.set(match[1], { uri: file.path, line: i + 1 });
            }
        });
    }
    return index;
}

/**
 * A resource is located at its nearest component (itself, if it is one) whose type token the index knows;
 * resources outside any component at the composition root; stack-level findings at the stack's config file.
 */
export function resourceLocator(
    resources: readonly RenderResource[],
    index: ReadonlyMap<string, SourceLocation>,
    fallbacks: { program: SourceLocation; stack: SourceLocation },
): Locator {
    const byUrn = new Map(resources.map((r) => [r.urn, r]));
    return (urn) => {
        if (urn === undefined) return fallbacks.stack;
        let current = byUrn.get(urn);
        while (current) {
            const found = index.get(current.type);
            if (found) return found;
            current = current.parent ? byUrn.get(current.parent) : undefined;
        }
        return fallbacks.program;
    };
}
