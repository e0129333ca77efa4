// The render's view of one evaluated resource: what the mock runtime recorded, with every secret already masked.
// Everything after the evaluation phase works on these, so no later phase can write a secret by accident.
import { maskSecrets, RecordedResource } from "../lib/mock-runtime";

/** The text every secret value becomes in anything the render writes. */
export const SECRET_MASK = "[secret]";

export interface RenderResource {
    type: string;
    name: string;
    urn: string;
    /** URN of the parent resource (component), when there is one. */
    parent?: string;
    /** Provider reference `<provider urn>::<id>` when an explicit provider was passed. */
    provider?: string;
    dependencies: string[];
    /** False for component resources. */
    custom: boolean;
    /** Inputs as the engine received them, secrets replaced by SECRET_MASK. */
    inputs: Record<string, unknown>;
    /** Placeholder outputs of the mocks (auto-names, ids), secrets replaced by SECRET_MASK. */
    outputs: Record<string, unknown>;
}

/**
 * A copy of `value` where every string naming a path inside `root` is made relative to it (`./relayer-app`), so
 * renders from different checkouts of the same commit are identical.
 */
export function relativizePaths(value: unknown, root: string): unknown {
    if (typeof value === "string") {
        if (value === root) return ".";
        return value.startsWith(`${root}/`) ? `./${value.slice(root.length + 1)}` : value;
    }
    if (Array.isArray(value)) return value.map((v) => relativizePaths(v, root));
    if (value !== null && typeof value === "object") {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, relativizePaths(v, root)]));
    }
    return value;
}

/** Masks a recorded registration and relativizes paths under `repoRoot`. Sorted by URN by the caller. */
export function toRenderResource(recorded: RecordedResource, repoRoot: string): RenderResource {
    return {
        type: recorded.type,
        name: recorded.name,
        urn: recorded.urn,
        parent: recorded.parent,
        provider: recorded.provider,
        dependencies: [...recorded.dependencies].sort(),
        custom: recorded.custom,
        inputs: relativizePaths(maskSecrets(recorded.inputs, SECRET_MASK), repoRoot) as Record<string, unknown>,
        outputs: relativizePaths(maskSecrets(recorded.outputs, SECRET_MASK), repoRoot) as Record<string, unknown>,
    };
}

/** Registration order depends on promise timing; URN order does not. */
export function byUrn(a: { urn: string }, b: { urn: string }): number {
    return a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0;
}
