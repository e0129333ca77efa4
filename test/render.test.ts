// The offline render end to end, as an operator runs it: a child process per render (it installs process-global
// Pulumi mocks), for both committed stacks, checking exit codes, the file set, determinism, secrecy, the SARIF
// schema, and the failures an operator can cause (broken config, policy violation, bad policy config).
import * as assert from "assert";
import { execFile } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { EXIT } from "../tools/render/cli-args";
import { offlineNoticeLines } from "../tools/render/offline-notice";
import { renderNodeArgs } from "../tools/render/render-command";
import { RENDER_FILES } from "../tools/render/render-files";
import { sarifSchemaProblems } from "../tools/render/sarif-schema";
import { committedStacks } from "../tools/render/stack-selection";
import { readStackFiles } from "../tools/lib/stack-files";

const root = path.resolve(__dirname, "..");
const tmp = fs.mkdtempSync(path.join(os.tmpdir(), "render-test-"));

interface RenderRun {
    code: number;
    stdout: string;
    stderr: string;
    out: string;
}

/** Runs `tools/render.ts` exactly as `npm run render` does, into a fresh directory. */
function render(label: string, args: string[]): Promise<RenderRun> {
    const out = path.join(tmp, label);
    return new Promise((resolve) => {
        execFile(
            process.execPath,
            renderNodeArgs(root, ["--out", out, ...args]),
            { cwd: root, timeout: 90_000, maxBuffer: 16 * 1024 * 1024 },
            (error, stdout, stderr) => {
                const code = error ? (typeof error.code === "number" ? error.code : -1) : 0;
                resolve({ code, stdout, stderr, out });
            },
        );
    });
}

/** Every file under `dir`, relative, sorted. */
function listFiles(dir: string): string[] {
    if (!fs.existsSync(dir)) return [];
    return (fs.readdirSync(dir, { recursive: true }) as string[])
        .filter((f) => fs.statSync(path.join(dir, f)).isFile())
        .map((f) => f.split(path.sep).join("/"))
        .sort();
}

const readAll = (dir: string) => listFiles(dir).map((f) => [f, fs.readFileSync(path.join(dir, f), "utf8")] as const);

const stacks = ["dev", "prod"] as const;
/** A value per secret key that must never appear in anything the render writes or prints. */
const canary = (stack: string, key: string) => `canary-${stack}-${key}-must-never-appear`;

/**
 * Secrets flowing through the program: the committed `secure:` keys (if any) and an LLM API key set as secret
 * config (`--secret-config`, as `pulumi config set --secret` would store it), with the provider enabled so the key
 * is written to the stack's secret store.
 */
function canaryArgs(stack: string): string[] {
    const files = readStackFiles(root, stack);
    const secretKeys = new Set([...files.secretKeys.filter((k) => !k.includes(":")), "llmAnthropicApiKey"]);
    const providers = new Set([...(JSON.parse(files.config.llmProviders ?? "[]") as string[]), "anthropic"]);
    const sources = { ...(JSON.parse(files.config.llmKeySources ?? "{}") as Record<string, string>), anthropic: "config" };
    return [
        "--config", `llmProviders=${JSON.stringify([...providers])}`,
        "--config", `llmKeySources=${JSON.stringify(sources)}`,
        ...[...secretKeys].flatMap((k) => ["--secret-config", `${k}=${canary(stack, k)}`]),
    ];
}

// Every render of this file writes under `tmp`; removed once all of them are done.
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

describe("offline render (end to end, both committed stacks)", function () {
    this.timeout(240_000);
    const runs: Record<string, RenderRun> = {};

    before(async () => {
        // Two renders per stack for the determinism check, plus one with every secret replaced by a canary.
        // At most two at a time: the machine's two cores are shared.
        const jobs: [string, string[]][] = [];
        for (const stack of stacks) {
            jobs.push([`${stack}-1`, ["--stack", stack]], [`${stack}-2`, ["--stack", stack]]);
            jobs.push([`${stack}-canary`, ["--stack", stack, ...canaryArgs(stack)]]);
        }
        for (let i = 0; i < jobs.length; i += 2) {
            const batch = await Promise.all(jobs.slice(i, i + 2).map(([label, args]) => render(label, args)));
            batch.forEach((run, j) => (runs[jobs[i + j][0]] = run));
        }
    });

    it("covers every committed stack", () => {
        assert.deepStrictEqual([...stacks], committedStacks(root));
    });

    for (const stack of stacks) {
        describe(`stack ${stack}`, () => {
            it("exits 0 with a progress line per phase and a PASSED summary", () => {
                const run = runs[`${stack}-1`];
                assert.strictEqual(run.code, EXIT.ok, `${run.stdout}\n${run.stderr}`);
                for (let n = 1; n <= 5; n++) assert.match(run.stdout, new RegExp(`^\\[${n}/5\\] `, "m"));
                assert.match(run.stdout, /^summary of stack/m);
                assert.match(run.stdout, /policy violations: 0 mandatory/);
                assert.match(run.stdout, /^result: PASSED$/m);
            });

            it("writes the documented file set, every file opening with the offline-render notice", () => {
                const files = listFiles(runs[`${stack}-1`].out);
                for (const name of Object.values(RENDER_FILES)) assert.ok(files.includes(name), `${name} is written`);
                const extra = files.filter((f) => !(Object.values(RENDER_FILES) as string[]).includes(f));
                for (const f of extra) assert.match(f, /^cloud\/(aws-iam|aws-kms|vault|cloudflare)\/[A-Za-z0-9._-]+\.json$/);
                const notice = offlineNoticeLines({ project: "consonant-relayer", stack })[0];
                for (const [file, text] of readAll(runs[`${stack}-1`].out)) {
                    assert.ok(text.slice(0, 400).includes(notice), `${file} starts with the notice`);
                    assert.ok(!text.includes(root), `${file} names no path of this checkout (renders of every clone are identical)`);
                }
            });

            it("is byte-for-byte deterministic (two runs, same files, same bytes)", () => {
                assert.deepStrictEqual(readAll(runs[`${stack}-2`].out), readAll(runs[`${stack}-1`].out));
            });

            it("never writes or prints a secret value (secret config set to canaries flows into the store, masked)", () => {
                const run = runs[`${stack}-canary`];
                assert.strictEqual(run.code, EXIT.ok, run.stderr);
                const masked = (r: RenderRun) => fs.readFileSync(path.join(r.out, RENDER_FILES.resources), "utf8").split('"[secret]"').length;
                assert.ok(masked(run) > masked(runs[`${stack}-1`]), "the canary secret reached resources (masked): the check is not vacuous");
                const everything = [run.stdout, run.stderr, ...readAll(run.out).map(([, text]) => text)].join("\n");
                assert.ok(!everything.includes("canary-"), "a secret value leaked into the render's output");
                // The committed `secure:` placeholders are secrets too: masked, never written.
                assert.ok(!readAll(runs[`${stack}-1`].out).some(([, text]) => text.includes("offline-placeholder-not-a-secret:")));
            });

            it("writes SARIF that validates against the SARIF 2.1.0 schema", () => {
                const sarif = JSON.parse(fs.readFileSync(path.join(runs[`${stack}-1`].out, RENDER_FILES.policySarif), "utf8"));
                assert.deepStrictEqual(sarifSchemaProblems(sarif), []);
                assert.strictEqual(sarif.runs[0].tool.driver.name, "consonant-security");
                assert.ok(sarif.runs[0].tool.driver.rules.length > 20, "every policy of the pack is a rule");
            });

            it("writes apply-ready manifests: one named object per YAML document, stable order", () => {
                const text = fs.readFileSync(path.join(runs[`${stack}-1`].out, RENDER_FILES.manifests), "utf8");
                const docs = parseAllDocuments(text).map((d) => d.toJS() as { apiVersion: string; kind: string; metadata: { name: string } });
                assert.ok(docs.length > 5);
                for (const d of docs) assert.ok(d.apiVersion && d.kind && d.metadata?.name, `${d.kind} has apiVersion, kind and name`);
                assert.strictEqual(docs[0].kind, "Namespace");
                const resources = JSON.parse(fs.readFileSync(path.join(runs[`${stack}-1`].out, RENDER_FILES.resources), "utf8"));
                const k8sObjects = resources.resources.filter((r: { type: string }) => /^kubernetes:[^:]+\/[^:]+:(?!.*(Patch|List)$)/.test(r.type));
                assert.strictEqual(docs.length, k8sObjects.length, "every Kubernetes resource is in manifests.yaml");
            });
        });
    }

    it("prod also writes the cloud-side documents of its secret store and Cloudflare edge", () => {
        const files = listFiles(runs["prod-1"].out).filter((f) => f.startsWith("cloud/"));
        for (const kind of [/^cloud\/aws-iam\/.*\.trust-policy\.json$/, /^cloud\/aws-iam\/.*policy\.json$/, /^cloud\/aws-kms\/.*\.key-policy\.json$/, /^cloud\/cloudflare\/.*\.tunnel-ingress\.json$/, /^cloud\/cloudflare\/.*\.access-application\.json$/, /^cloud\/cloudflare\/.*\.access-policy\.json$/]) {
            assert.ok(files.some((f) => kind.test(f)), `prod writes a file matching ${kind} (has: ${files.join(", ")})`);
        }
        const ingress = JSON.parse(fs.readFileSync(path.join(runs["prod-1"].out, files.find((f) => f.endsWith(".tunnel-ingress.json")) as string), "utf8"));
        const rules = ingress.document.ingresses as { service: string }[];
        assert.strictEqual(rules[rules.length - 1].service, "http_status:404", "the catch-all rule is last");
    });
});

describe("offline render: failures an operator can cause", function () {
    this.timeout(180_000);

    it("a broken stack config exits 2 with every problem as `pulumi preview` prints it, and writes nothing", async () => {
        const run = await render("broken", ["--stack", "prod", "--config", "logLevel=loud", "--config", "secretsMode=kubernetes"]);
        assert.strictEqual(run.code, EXIT.invalidInput, run.stdout);
        assert.match(run.stderr, /invalid stack config \(\d+ problems\)/);
        assert.match(run.stderr, /config 'logLevel': must be one of fatal, error, warn, info, debug, trace; fix: run `pulumi config set logLevel info`/);
        assert.match(run.stderr, /config 'secretsMode': 'kubernetes' keeps secrets in Pulumi config and is refused for production-like stacks; fix: run `pulumi config set secretsMode vault`/);
        assert.deepStrictEqual(listFiles(run.out), []);
    });

    it("a mandatory policy violation exits 1 and still writes the reports naming it", async () => {
        const run = await render("violation", ["--stack", "dev", "--config", "imageRef=ghcr.io/consonant/relayer:1.0.0", "--config", "imageRepository="]);
        assert.strictEqual(run.code, EXIT.policyViolation, run.stderr);
        assert.match(run.stdout, /^result: FAILED \(\d+ mandatory policy violations?; see /m);
        const report = JSON.parse(fs.readFileSync(path.join(run.out, RENDER_FILES.policyJson), "utf8"));
        assert.strictEqual(report.passed, false);
        assert.ok(report.violations.some((v: { policyName: string; blocking: boolean }) => v.policyName === "image-pinned-by-digest" && v.blocking));
        assert.match(fs.readFileSync(path.join(run.out, RENDER_FILES.policyMarkdown), "utf8"), /\*\*FAILED\*\*/);
    });

    it("--policy-config changes enforcement exactly like --policy-pack-config (the same violation made advisory passes)", async () => {
        const config = path.join(tmp, "policy-config.json");
        fs.writeFileSync(config, JSON.stringify({ "image-pinned-by-digest": "advisory" }));
        const run = await render("advisory", ["--stack", "dev", "--config", "imageRef=ghcr.io/consonant/relayer:1.0.0", "--config", "imageRepository=", "--policy-config", config]);
        assert.strictEqual(run.code, EXIT.ok, run.stderr);
        const report = JSON.parse(fs.readFileSync(path.join(run.out, RENDER_FILES.policyJson), "utf8"));
        assert.ok(report.violations.some((v: { policyName: string; enforcementLevel: string }) => v.policyName === "image-pinned-by-digest" && v.enforcementLevel === "advisory"));
    });

    it("an invalid policy config, an unknown stack and a bad argument exit 2 naming the fix (--help exits 0)", async () => {
        const config = path.join(tmp, "bad-policy-config.json");
        fs.writeFileSync(config, JSON.stringify({ "no-such-policy": "mandatory" }));
        const [badPolicy, badStack, badArg, help] = await Promise.all([
            render("bad-policy", ["--stack", "dev", "--policy-config", config]),
            render("bad-stack", ["--stack", "staging-eu"]),
            render("bad-arg", ["--stak", "dev"]),
            render("help", ["--help"]),
        ]);
        assert.strictEqual(help.code, EXIT.ok);
        assert.match(help.stdout, /^usage: npm run render -- /);
        assert.strictEqual(badPolicy.code, EXIT.invalidInput);
        assert.match(badPolicy.stderr, /"no-such-policy" is not a policy of this pack/);
        assert.strictEqual(badStack.code, EXIT.invalidInput);
        assert.match(badStack.stderr, /stack 'staging-eu' has no committed config file Pulumi\.staging-eu\.yaml; fix: use --stack with one of: dev, prod/);
        assert.strictEqual(badArg.code, EXIT.invalidInput);
        assert.match(badArg.stderr, /unknown argument '--stak'/);
    });
});
