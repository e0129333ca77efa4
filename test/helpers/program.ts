// Evaluates the real program (index.ts) for a stack under the offline mocks, with config from the committed
// stack files (optionally changed per test), and returns every registration and the resolved stack outputs.
import * as path from "path";
import { installMocks, MockRecorder, RecordedResource, ResolvedOutput, resolveStackOutputs, settleRegistrations, unwrapSecrets } from "../../tools/lib/mock-runtime";
import { readStackFiles, StackFiles, withConfigOverrides } from "../../tools/lib/stack-files";

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

export interface ProgramRun {
    files: StackFiles;
    recorder: MockRecorder;
    outputs: Record<string, ResolvedOutput>;
    /** The raw object main() returned (Outputs). */
    rawOutputs: Record<string, unknown>;
}

export interface RunOptions {
    preview?: boolean;
    /** Config changes over the committed stack file (`undefined` removes a key). */
    overrides?: Readonly<Record<string, string | undefined>>;
    /** Keys of `overrides` to mark as set with --secret. */
    secret?: readonly string[];
}

/** Overrides that make a stack deploy the cloudflared connector in-cluster (with a digest-pinned test image). */
export const CONNECTOR_OVERRIDES: Readonly<Record<string, string>> = {
    cloudflareConnectorEnabled: "true",
    cloudflareConnectorImage: `cloudflare/cloudflared:2025.11.1@sha256:${"c".repeat(64)}`,
};

/** Config of a committed stack with optional changes. */
export function stackFiles(stack: string, options: RunOptions = {}): StackFiles {
    const files = readStackFiles(REPO_ROOT, stack);
    return options.overrides ? withConfigOverrides(files, options.overrides, options.secret ?? []) : files;
}

/** Runs index.ts's main() for `stack` under fresh mocks. */
export async function runProgram(stack: string, options: RunOptions = {}): Promise<ProgramRun> {
    const files = stackFiles(stack, options);
    const recorder = await installMocks({ project: files.project, stack, preview: options.preview ?? false, config: files });
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const main = require("../../index") as () => Promise<Record<string, unknown>>;
    const rawOutputs = await main();
    await settleRegistrations();
    const outputs = await resolveStackOutputs(rawOutputs);
    await settleRegistrations();
    return { files, recorder, outputs, rawOutputs };
}

/** The single registration of `type` whose logical name ends with `suffix` (e.g. "-deployment"). */
export function one(recorder: MockRecorder, type: string, suffix = ""): RecordedResource {
    const found = recorder.ofType(type).filter((r) => r.name.endsWith(suffix));
    if (found.length !== 1) {
        throw new Error(`expected one ${type}${suffix ? ` named *${suffix}` : ""}, found ${found.length}: ${found.map((r) => r.name).join(", ")}`);
    }
    return found[0];
}

/** Inputs of a registration with secret wrappers removed (for assertions on structure). */
export function plainInputs<T = Record<string, unknown>>(r: RecordedResource): T {
    return unwrapSecrets(r.inputs) as T;
}
