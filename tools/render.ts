// `npm run render -- --stack <name>`: the offline render, the project's main job on a machine without a cloud
// account. Evaluates the real program for a stack's committed config under the Pulumi mock runtime, runs the
// policy pack over every resource, validates every Kubernetes object against its schema, and writes manifests,
// cloud-side documents, resources.json, the policy report (Markdown, JSON, SARIF) and a component diagram to
// out/<stack>/. Phases print progress; the summary ends the run; the exit code says what went wrong.
import * as fs from "fs";
import * as path from "path";
import { StackConfigError } from "../components/config-values";
import { PolicyPackConfigError } from "../policy-pack/lib/pack-config";
import { readStackFiles, StackFileError, withConfigOverrides } from "./lib/stack-files";
import { EXIT, parseRenderArgs, RenderOptions, RenderUsageError, USAGE } from "./render/cli-args";
import { cloudDocuments } from "./render/cloud-documents";
import { componentTreeMermaid, resourcesPerComponent } from "./render/component-tree";
import { evaluateProgram } from "./render/evaluate";
import { manifestsYaml, validatedManifests } from "./render/manifests";
import { NoticeFacts } from "./render/offline-notice";
import { writeRenderOutput } from "./render/output-dir";
import { evaluatePolicies, loadPolicyConfigFile } from "./render/policy-phase";
import { blockingViolations, PolicyOutcome, SEVERITIES, violationCounts } from "./render/policy-outcome";
import { policyReportJson, policyReportMarkdown } from "./render/policy-report";
import { policyReportSarif } from "./render/policy-sarif";
import { RenderResource } from "./render/render-model";
import { resourcesJson, stackOutputsJson } from "./render/resources-json";
import { RENDER_FILES } from "./render/render-files";
import { componentSourceIndex, resourceLocator, SourceFile } from "./render/source-locations";
import { committedStacks, configOverridesFor } from "./render/stack-selection";

const repoRoot = path.resolve(__dirname, "..");
const PHASES = 5;

function phase(n: number, title: string, detail: string, startedAt: number): void {
    console.log(`[${n}/${PHASES}] ${title.padEnd(10)} ${detail} (${Date.now() - startedAt} ms)`);
}

/** Failures that are the operator's input (command line, stack config, policy config): exit 2. */
function isInputError(err: unknown): boolean {
    return err instanceof RenderUsageError || err instanceof StackFileError || err instanceof StackConfigError || err instanceof PolicyPackConfigError;
}

function programSources(): SourceFile[] {
    const files = ["index.ts"];
    for (const entry of fs.readdirSync(path.join(repoRoot, "components"), { recursive: true }) as string[]) {
        if (entry.endsWith(".ts")) files.push(path.posix.join("components", entry.split(path.sep).join("/")));
    }
    return files.map((file) => ({ path: file, text: fs.readFileSync(path.join(repoRoot, file), "utf8") }));
}

function printSummary(facts: NoticeFacts, resources: readonly RenderResource[], manifests: number, outcome: PolicyOutcome, outDir: string, files: number): void {
    const counts = violationCounts(outcome);
    const blocking = blockingViolations(outcome).length;
    const advisory = outcome.violations.length - blocking;
    console.log(`\nsummary of stack '${facts.stack}'`);
    console.log(`  resources: ${resources.filter((r) => r.custom).length} managed, ${resources.filter((r) => !r.custom).length} components`);
    for (const [component, n] of resourcesPerComponent(resources)) console.log(`    ${String(n).padStart(4)}  ${component}`);
    console.log(`  kubernetes objects: ${manifests}, all valid against their schemas`);
    console.log(`  policy violations: ${blocking} mandatory, ${advisory} advisory; ${outcome.undecided.length} undecided`);
    for (const s of SEVERITIES) console.log(`    ${s.padEnd(8)} mandatory ${counts[s].mandatory}, advisory ${counts[s].advisory}`);
    console.log(`  wrote ${files} files to ${path.relative(process.cwd(), outDir) || "."}`);
    const cpu = process.cpuUsage();
    // Process totals (start-up and module loading included): what the render budget is about.
    console.log(`  time: ${process.uptime().toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} s CPU`);
    console.log(blocking === 0 ? "result: PASSED" : `result: FAILED (${blocking} mandatory policy violation${blocking === 1 ? "" : "s"}; see ${path.join(path.relative(process.cwd(), outDir), RENDER_FILES.policyMarkdown)})`);
}

async function render(options: RenderOptions): Promise<number> {
    const startedAt = Date.now();
    const stackFile = path.join(repoRoot, `Pulumi.${options.stack}.yaml`);
    if (!fs.existsSync(stackFile)) {
        throw new RenderUsageError(
            `stack '${options.stack}' has no committed config file Pulumi.${options.stack}.yaml`,
            `use --stack with one of: ${committedStacks(repoRoot).join(", ")}`,
        );
    }
    const committed = readStackFiles(repoRoot, options.stack);
    const overrides = configOverridesFor(committed, options.configOverrides, options.secretConfigOverrides);
    const files = withConfigOverrides(committed, overrides.values, overrides.secretKeys);
    const policyConfig = options.policyConfig ? loadPolicyConfigFile(options.policyConfig) : {};
    const facts: NoticeFacts = { project: files.project, stack: files.stack };
    const overridden = Object.keys(overrides.values).length;
    phase(1, "config", `Pulumi.yaml + Pulumi.${files.stack}.yaml: ${Object.keys(files.config).length} keys, ${files.secretKeys.length} secret${overridden ? `, ${overridden} overridden` : ""}`, startedAt);

    const evaluation = await evaluateProgram(repoRoot, files);
    if (evaluation.duplicateUrns.length > 0) {
        console.error(`error: URNs registered more than once: ${evaluation.duplicateUrns.join(", ")}; fix: give each resource a unique name`);
        return EXIT.renderFailure;
    }
    const resources = evaluation.resources;
    phase(2, "program", `index.ts evaluated under the mock runtime: ${resources.length} resources registered`, startedAt);

    const { manifests, problems } = await validatedManifests(resources);
    if (problems.length > 0) {
        for (const p of problems) console.error(`error: invalid Kubernetes object: ${p}`);
        return EXIT.renderFailure;
    }
    phase(3, "manifests", `${manifests.length} Kubernetes objects valid against their schemas`, startedAt);

    const outcome = evaluatePolicies(resources, policyConfig);
    const blocking = blockingViolations(outcome).length;
    phase(4, "policies", `${outcome.rules.length} policies: ${blocking} mandatory and ${outcome.violations.length - blocking} advisory violations, ${outcome.undecided.length} undecided`, startedAt);

    const locate = resourceLocator(resources, componentSourceIndex(programSources()), {
        program: { uri: "index.ts", line: 1 },
        stack: { uri: `Pulumi.${files.stack}.yaml`, line: 1 },
    });
    const output = new Map<string, string>([
        [RENDER_FILES.manifests, manifestsYaml(facts, manifests)],
        [RENDER_FILES.resources, resourcesJson(facts, resources)],
        [RENDER_FILES.stackOutputs, stackOutputsJson(facts, evaluation.outputs)],
        [RENDER_FILES.policyMarkdown, policyReportMarkdown(facts, outcome)],
        [RENDER_FILES.policyJson, policyReportJson(facts, outcome)],
        [RENDER_FILES.policySarif, policyReportSarif(facts, outcome, locate)],
        [RENDER_FILES.componentTree, componentTreeMermaid(facts, resources)],
        ...cloudDocuments(facts, resources),
    ]);
    const outDir = path.resolve(options.outDir ?? path.join(repoRoot, "out", files.stack));
    writeRenderOutput(outDir, output);
    phase(5, "write", `${output.size} files written to ${outDir}`, startedAt);

    printSummary(facts, resources, manifests.length, outcome, outDir, output.size);
    return blocking > 0 ? EXIT.policyViolation : EXIT.ok;
}

async function cli(argv: readonly string[]): Promise<number> {
    let options: RenderOptions;
    try {
        options = parseRenderArgs(argv);
    } catch (err) {
        console.error(`error: ${(err as Error).message}\n\n${USAGE}`);
        return EXIT.invalidInput;
    }
    if (options.help) {
        console.log(USAGE);
        return EXIT.ok;
    }
    try {
        return await render(options);
    } catch (err) {
        if (isInputError(err)) {
            console.error(`error: ${(err as Error).message}`);
            return EXIT.invalidInput;
        }
        console.error(`error: the render failed: ${(err as Error).stack ?? String(err)}`);
        return EXIT.renderFailure;
    }
}

// A failure inside a resource's apply surfaces as an unhandled rejection of the Pulumi runtime: report it as a
// render failure instead of Node's generic crash text.
process.on("unhandledRejection", (reason) => {
    console.error(`error: the program failed while registering resources: ${reason instanceof Error ? reason.message : String(reason)}`);
    process.exit(EXIT.renderFailure);
});

cli(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (err) => {
        console.error(`error: ${(err as Error).stack ?? String(err)}`);
        process.exit(EXIT.renderFailure);
    },
);
