// The GitHub workflows are part of the product: these checks keep their essentials true (triggers, least
// privilege, OIDC instead of stored credentials, never running privileged jobs for forks, the policy pack on
// every preview and update, the render of every committed stack with its SARIF uploaded).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { parse } from "yaml";
import { RENDER_FILES } from "../tools/render/render-files";
import { committedStacks } from "../tools/render/stack-selection";

const root = path.resolve(__dirname, "..");
const workflowDir = path.join(root, ".github", "workflows");

type Json = Record<string, unknown>;
interface Step {
    name?: string;
    uses?: string;
    run?: string;
    if?: string;
    with?: Record<string, unknown>;
    env?: Record<string, unknown>;
}
interface Job {
    if?: string;
    needs?: string | string[];
    environment?: string | { name: string };
    permissions?: Record<string, string> | string;
    strategy?: { matrix?: { stack?: string[] } };
    steps: Step[];
}
interface Workflow {
    on: Json;
    permissions?: Record<string, string> | string;
    jobs: Record<string, Job>;
}

function load(file: string): { text: string; wf: Workflow } {
    const text = fs.readFileSync(path.join(workflowDir, file), "utf8");
    return { text, wf: parse(text) as Workflow };
}

/** Stacks with a committed config file: every one must be rendered and previewed. */
const stacks = committedStacks(root);

const usesOf = (job: Job, action: string) => job.steps.filter((s) => s.uses?.split("@")[0] === action);
const runs = (job: Job) => job.steps.map((s) => s.run ?? "").join("\n");
const writePermissions = (p: Job["permissions"]) =>
    typeof p === "object" ? Object.entries(p).filter(([, v]) => v === "write").map(([k]) => k).sort() : [];

describe("GitHub workflows", () => {
    const files = fs.readdirSync(workflowDir).filter((f) => f.endsWith(".yml") || f.endsWith(".yaml"));

    it("are the CI, preview and deploy workflows, all valid YAML", () => {
        assert.deepStrictEqual(files.sort(), ["ci.yml", "deploy.yml", "preview.yml"]);
        for (const f of files) assert.ok(load(f).wf.jobs, `${f} has jobs`);
    });

    describe("every workflow", () => {
        for (const file of ["ci.yml", "preview.yml", "deploy.yml"]) {
            it(`${file}: read-only token by default, no stored secrets, no fork-privileged trigger, pinned actions`, () => {
                const { text, wf } = load(file);
                assert.deepStrictEqual(wf.permissions, { contents: "read" }, "top-level permissions are contents: read");
                assert.ok(!("pull_request_target" in wf.on), "pull_request_target would run with a write token for forks");
                assert.ok(!/write-all|read-all/.test(text), "no blanket permissions");
                // OIDC and the built-in token only: no repository or organisation secret is referenced at all.
                assert.ok(!/\$\{\{\s*secrets\./.test(text), "no ${{ secrets.* }} reference (credentials come through OIDC)");
                assert.ok(!/AKIA[0-9A-Z]{16}|-----BEGIN|sk-ant-|ghp_[A-Za-z0-9]{20,}|xox[bp]-/.test(text), "no credential-shaped literal");
                for (const [jobName, job] of Object.entries(wf.jobs)) {
                    for (const step of job.steps) {
                        for (const [key, value] of Object.entries(step.env ?? {})) {
                            if (/TOKEN|SECRET|PASSWORD|PASSPHRASE|KEY/i.test(key)) {
                                assert.match(String(value), /^\$\{\{.*\}\}$/, `${jobName}: env ${key} must come from an expression, not a literal`);
                            }
                        }
                        if (step.uses && !step.uses.startsWith("./")) {
                            assert.match(step.uses, /@(v\d+(\.\d+)*|[0-9a-f]{40})$/, `${jobName}: ${step.uses} is pinned to a release or commit`);
                        }
                    }
                }
            });
        }
    });

    describe("ci.yml", () => {
        const { wf } = load("ci.yml");
        it("runs on pull requests and pushes to main", () => {
            assert.ok("pull_request" in wf.on && "push" in wf.on);
            assert.deepStrictEqual((wf.on.push as Json).branches, ["main"]);
        });
        it("installs from the lockfile and runs typecheck, lint and every test suite", () => {
            const text = runs(wf.jobs.test);
            for (const cmd of ["npm ci", "npm run typecheck", "npm run lint", "npm run test:program", "npm test --workspaces"]) {
                assert.ok(text.includes(cmd), `test job runs '${cmd}'`);
            }
        });
        it("renders every committed stack and publishes SARIF and the Markdown report", () => {
            const job = wf.jobs.render;
            assert.deepStrictEqual([...(job.strategy?.matrix?.stack ?? [])].sort(), stacks);
            assert.ok(runs(job).includes('npm run render -- --stack "${{ matrix.stack }}"'));
            const [upload] = usesOf(job, "github/codeql-action/upload-sarif");
            assert.ok(upload, "SARIF is uploaded to code scanning");
            assert.strictEqual(upload.with?.sarif_file, `out/\${{ matrix.stack }}/${RENDER_FILES.policySarif}`);
            assert.ok(upload.if?.includes("!cancelled()"), "SARIF is uploaded even when the render fails on a violation");
            const comment = usesOf(job, "actions/github-script")[0];
            assert.ok(comment && String(comment.with?.script).includes(RENDER_FILES.policyMarkdown), "the Markdown report is commented");
            assert.ok(comment.if?.includes("github.event.pull_request.head.repo.full_name == github.repository"), "no comment attempt for forks");
            assert.ok(runs(job).includes(`${RENDER_FILES.policyMarkdown}" >> "$GITHUB_STEP_SUMMARY"`), "the report is in the job summary");
            assert.deepStrictEqual(writePermissions(job.permissions), ["pull-requests", "security-events"]);
            assert.deepStrictEqual(writePermissions(wf.jobs.test.permissions), [], "the test job needs no write access");
        });
    });

    describe("preview.yml", () => {
        const { wf } = load("preview.yml");
        const job = wf.jobs.preview;
        it("runs only for pull requests from this repository, never from forks", () => {
            assert.deepStrictEqual(Object.keys(wf.on), ["pull_request"]);
            assert.match(job.if ?? "", /github\.event\.pull_request\.head\.repo\.full_name == github\.repository/);
        });
        it("previews every committed stack with pulumi/actions, the policy pack and a PR comment", () => {
            assert.deepStrictEqual([...(job.strategy?.matrix?.stack ?? [])].sort(), stacks);
            const [pulumi] = usesOf(job, "pulumi/actions");
            assert.strictEqual(pulumi.with?.command, "preview");
            assert.strictEqual(pulumi.with?.policyPacks, "policy-pack");
            assert.ok(fs.existsSync(path.join(root, "policy-pack", "PulumiPolicy.yaml")), "the policy pack directory holds the pack");
            assert.strictEqual(pulumi.with?.["comment-on-pr"], true);
        });
        it("gets credentials through OIDC only", () => {
            assert.strictEqual((job.permissions as Record<string, string>)["id-token"], "write");
            assert.deepStrictEqual(writePermissions(job.permissions), ["id-token", "pull-requests"]);
            assert.strictEqual(usesOf(job, "pulumi/auth-actions").length, 1, "Pulumi Cloud token through OIDC");
            assert.ok(usesOf(job, "aws-actions/configure-aws-credentials")[0]?.with?.["role-to-assume"], "AWS role through OIDC");
        });
    });

    describe("deploy.yml", () => {
        const { wf } = load("deploy.yml");
        it("deploys dev on every merge to main", () => {
            assert.deepStrictEqual((wf.on.push as Json).branches, ["main"]);
            const [up] = usesOf(wf.jobs.dev, "pulumi/actions");
            assert.strictEqual(up.with?.command, "up");
            assert.match(String(up.with?.["stack-name"]), /\/dev$/);
            assert.strictEqual(up.with?.policyPacks, "policy-pack");
        });
        it("deploys prod only after dev and behind the production environment's approval", () => {
            const prod = wf.jobs.prod;
            assert.strictEqual(prod.needs, "dev");
            assert.strictEqual(prod.environment, "production");
            const [up] = usesOf(prod, "pulumi/actions");
            assert.strictEqual(up.with?.command, "up");
            assert.match(String(up.with?.["stack-name"]), /\/prod$/);
            assert.strictEqual(up.with?.policyPacks, "policy-pack");
        });
        it("never runs on a fork, and gets credentials through OIDC only", () => {
            for (const job of [wf.jobs.dev, wf.jobs.prod]) {
                assert.match(job.if ?? "", /!github\.event\.repository\.fork/);
                assert.deepStrictEqual(writePermissions(job.permissions), ["id-token"]);
                assert.strictEqual(usesOf(job, "pulumi/auth-actions").length, 1);
            }
        });
    });
});
