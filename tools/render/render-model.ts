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

/** Masks a recorded registration. Sorted by URN by the caller for a stable order. */
export function toRenderResource(recorded: RecordedResource): RenderResource {
    return {
        type: recorded.type,
        name: recorded.name,
        urn: recorded.urn,
        parent: recorded.parent,
        provider: recorded.provider,
        dependencies: [...recorded.dependencies].sort(),
        custom: recorded.custom,
        inputs: maskSecrets(recorded.inputs, SECRET_MASK) as Record<string, unknown>,
        outputs: maskSecrets(recorded.outputs, SECRET_MASK) as Record<string, unknown>,
    };
}

/** Registration order depends on promise timing; URN order does not. */
export function byUrn(a: { urn: string }, b: { urn: string }): number {
    return a.urn < b.urn ? -1 : a.urn > b.urn ? 1 : 0;
}
