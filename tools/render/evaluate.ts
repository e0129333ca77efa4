// The evaluation phase: runs the real program (index.ts) for one stack under the offline mocks and collects
// every registration and the stack outputs. Installs process-global mocks, so it runs once per process.
import { installMocks, resolveStackOutputs, ResolvedOutput, settleRegistrations } from "../lib/mock-runtime";
import { StackFiles } from "../lib/stack-files";
import { byUrn, RenderResource, toRenderResource } from "./render-model";

export interface Evaluation {
    /** Every registered resource, secrets masked, in URN order. */
    resources: RenderResource[];
    outputs: Record<string, ResolvedOutput>;
    /** URNs registered twice: the engine would refuse the program. */
    duplicateUrns: string[];
}

/** `export = async function main()` of index.ts: returns the stack outputs. */
type ProgramMain = () => Promise<Record<string, unknown>>;

/** Evaluates index.ts (in `repoRoot`) for the stack `files` describe. */
export async function evaluateProgram(repoRoot: string, files: StackFiles): Promise<Evaluation> {
    // Not a preview: the mocks' placeholder outputs resolve, so every input that depends on one is known.
    const recorder = await installMocks({ project: files.project, stack: files.stack, preview: false, config: files });
    // Loaded only now, after the mocks and the config are in place, exactly as the Pulumi CLI would run it.
    const program = (await import("../../index")) as unknown as ProgramMain | { default: ProgramMain };
    const main = typeof program === "function" ? program : program.default;
    const rawOutputs = (await main()) ?? {};
    await settleRegistrations();
    const outputs = await resolveStackOutputs(rawOutputs);
    await settleRegistrations();
    return {
        resources: recorder.resources.map((r) => toRenderResource(r, repoRoot)).sort(byUrn),
        outputs,
        duplicateUrns: recorder.duplicateUrns(),
    };
}
