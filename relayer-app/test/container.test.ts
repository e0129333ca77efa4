// The image contract without a Docker engine: the Dockerfile's shape is checked statically; its deps stage (COPY
// of the manifests and the root lockfile, then its `npm ci` line, taken from the Dockerfile text) is executed in a
// temp directory standing in for the image, its runtime stage's COPY lines add dist/ from the build; and the
// service is started from THAT install the way the image runs it — as UID/GID 65534, with the whole root
// filesystem (including its install directory) read-only, a writable spool mount and a fresh /tmp — and shown to
// become ready, relay data and write only to its spool (anything else would fail with EROFS).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { startFakeBackend, testCluster } from "./fake-backend/fake-backend";
import { emulateStage, parseDockerfile, runArgv, splitFlags, stageNamed, type DockerStage } from "./harness/dockerfile";
import { postOtlp, traceRequest } from "./harness/otlp-client";
import { APP_DIR, ensureBuilt, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

/** The Docker build context: the repository root, where the workspaces' one package-lock.json lives. */
const REPO_ROOT = path.resolve(APP_DIR, "..");
const dockerfileStages = (): DockerStage[] => parseDockerfile(fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8"));

/** Pure: the lines of a .dockerignore (comments and blanks dropped). */
function ignorePatterns(text: string): string[] {
    return text
        .split("\n")
        .map((l) => l.trim())
        .filter((l) => l.length > 0 && !l.startsWith("#"));
}

/** The child's env without the npm_* variables `npm test` exports (e.g. a workspace filter), so npm ci sees only its flags. */
function envWithoutNpmConfig(): NodeJS.ProcessEnv {
    return Object.fromEntries(Object.entries(process.env).filter(([k]) => !/^npm_/i.test(k)));
}

describe("container image contract", function () {
    this.timeout(60_000);

    it("Dockerfile: multi-stage, production dependencies only, distroless runtime (no shell), UID 65534", () => {
        const dockerfile = fs.readFileSync(path.join(APP_DIR, "Dockerfile"), "utf8");
        const stages = dockerfile.split(/^FROM /m).slice(1);
        assert.ok(stages.length >= 2, "multi-stage");
        const runtime = stages.at(-1)!;
        assert.match(runtime, /^gcr\.io\/distroless\/nodejs20-debian12/, "distroless Node 20 runtime: no shell");
        assert.doesNotMatch(runtime, /^RUN /m, "nothing runs a shell in the runtime stage");
        assert.match(runtime, /^USER 65534:65534$/m);
        assert.match(runtime, /^ENTRYPOINT \["[^"]+node", "dist\/main\.js"\]$/m, "exec-form entrypoint");
        assert.doesNotMatch(runtime, /^COPY (?!--from=)/m, "the runtime stage copies only from the deps and build stages");
    });

    it("Dockerfile: installs exactly the root lockfile (npm ci), production dependencies of the relayer workspace only", () => {
        const stages = dockerfileStages();
        const deps = stageNamed(stages, "deps");
        const copied = deps.instructions.filter((i) => i.keyword === "COPY").flatMap((i) => splitFlags(i.args).rest.slice(0, -1));
        for (const manifest of ["package.json", "package-lock.json", "relayer-app/package.json", "policy-pack/package.json"]) {
            assert.ok(copied.includes(manifest), `deps stage copies ${manifest} from the repository root`);
        }
        const runs = deps.instructions.filter((i) => i.keyword === "RUN").map(runArgv);
        assert.equal(runs.length, 1, "the deps stage is one npm ci");
        const [install] = runs;
        assert.deepEqual(install.slice(0, 2), ["npm", "ci"], "npm ci: the lockfile or a failure, never a re-resolve");
        for (const flag of ["--omit=dev", "--ignore-scripts", "--workspace=@consonant/relayer", "--include-workspace-root=false"]) assert.ok(install.includes(flag), flag);
        const build = stageNamed(stages, "build");
        assert.ok(build.instructions.some((i) => i.keyword === "RUN" && /^npm ci .*--workspace=@consonant\/relayer/.test(splitFlags(i.args).rest.join(" "))), "the build stage installs from the lockfile too");
        assert.ok(build.instructions.some((i) => i.keyword === "RUN" && i.args === "npx --no-install tsc -p relayer-app/tsconfig.build.json"), "compiled by the locked TypeScript");
    });

    it("Dockerfile.dockerignore: the root context sends only what the Dockerfile copies", () => {
        const patterns = ignorePatterns(fs.readFileSync(path.join(APP_DIR, "Dockerfile.dockerignore"), "utf8"));
        assert.equal(patterns[0], "*", "an allowlist: everything is excluded first");
        const allowed = patterns.filter((p) => p.startsWith("!")).map((p) => p.slice(1).replace(/\/$/, ""));
        const contextSources = dockerfileStages()
            .flatMap((stage) => stage.instructions)
            .filter((i) => i.keyword === "COPY" && splitFlags(i.args).flags.from === undefined)
            .flatMap((i) => splitFlags(i.args).rest.slice(0, -1));
        assert.deepEqual([...new Set(contextSources)].sort(), [...allowed].sort(), "every COPY source is allowed, nothing else is");
        for (const never of ["node_modules", "dist", ".git", "out", "test", "policy-pack/policies", "Pulumi.prod.yaml"]) {
            assert.ok(!allowed.some((a) => a === never || a.split("/").includes(never) || never.startsWith(`${a}/`)), `${never} stays out of the context`);
        }
        assert.ok(!fs.existsSync(path.join(REPO_ROOT, ".dockerignore")), "no root .dockerignore that could be read instead");
    });

    describe("the image's install, emulated from the Dockerfile", () => {
        /** Stands in for the image's "/"; outside /tmp (the sandbox mounts a fresh tmpfs there) and outside the repo. */
        let imageRoot: string;
        let entry: string;
        let runtimeEnv: Record<string, string>;

        before(function () {
            // npm ci from the warm cache (.ci/run runs npm ci first) takes ~6 s here; bounded by the timeout below.
            this.timeout(120_000);
            ensureBuilt();
            imageRoot = fs.mkdtempSync("/var/tmp/relayer-image-");
            fs.chmodSync(imageRoot, 0o755);
            const stages = dockerfileStages();
            emulateStage(stageNamed(stages, "deps"), {
                imageRoot,
                context: REPO_ROOT,
                extraRunArgs: ["--prefer-offline", "--loglevel=error"],
                env: envWithoutNpmConfig(),
                timeoutMs: 110_000,
            });
            // The build stage's /app is the repository (dist/ compiled by ensureBuilt with the same tsconfig.build.json).
            const runtime = emulateStage(stages.at(-1)!, { imageRoot, context: REPO_ROOT, stageDirs: { build: { workdir: "/app", dir: REPO_ROOT } }, timeoutMs: 10_000 });
            const entrypoint = JSON.parse(stages.at(-1)!.instructions.find((i) => i.keyword === "ENTRYPOINT")!.args) as string[];
            entry = path.join(imageRoot, path.posix.resolve(runtime.workdir, entrypoint[1]));
            runtimeEnv = runtime.env;
        });

        after(() => {
            if (imageRoot) fs.rmSync(imageRoot, { recursive: true, force: true });
        });

        it("holds every production dependency of the relayer and nothing else: no devDependency, no Pulumi program, no policy pack", () => {
            const lock = JSON.parse(fs.readFileSync(path.join(REPO_ROOT, "package-lock.json"), "utf8")) as { packages: Record<string, { dev?: boolean }> };
            const installed = (lockPath: string) => fs.existsSync(path.join(imageRoot, "app", lockPath));
            const devOnly = Object.entries(lock.packages).filter(([p, meta]) => p.includes("node_modules/") && meta.dev === true);
            assert.ok(devOnly.length > 100, "the lockfile marks the dev-only packages");
            assert.deepEqual(devOnly.filter(([p]) => installed(p)).map(([p]) => p), [], "no dev-only package from the lockfile is installed");
            for (const name of ["mocha", "typescript", "ts-node", "@opentelemetry/sdk-trace-base", "@pulumi/pulumi", "@pulumi/policy"]) {
                assert.ok(!installed(`node_modules/${name}`) && !installed(`relayer-app/node_modules/${name}`), `${name} is not in the image`);
            }
            const manifest = JSON.parse(fs.readFileSync(path.join(APP_DIR, "package.json"), "utf8")) as { dependencies: Record<string, string> };
            for (const name of Object.keys(manifest.dependencies)) {
                assert.ok(installed(`relayer-app/node_modules/${name}`) || installed(`node_modules/${name}`), `${name} is installed`);
            }
            assert.ok(fs.existsSync(entry), "dist/main.js sits where the ENTRYPOINT expects it");
        });

        it("runs as 65534 on a read-only root filesystem: ready, relays, writes only to the spool and /tmp", async () => {
            const cluster = testCluster();
            const backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
            // Outside /tmp, because the sandbox mounts a fresh tmpfs on /tmp (like the pod's emptyDir).
            const base = fs.mkdtempSync("/var/tmp/relayer-ro-");
            fs.chmodSync(base, 0o755);
            const spoolDir = path.join(base, "spool");
            const secretsDir = path.join(base, "secrets");
            fs.mkdirSync(spoolDir);
            fs.chownSync(spoolDir, 65534, 65534);
            fs.mkdirSync(secretsDir, { mode: 0o755 });
            const sandbox = [
                "unshare",
                "--mount",
                "--propagation",
                "private",
                "--",
                "/bin/sh",
                "-c",
                // The spool becomes its own (writable) mount, then / is remounted read-only, then /tmp gets a tmpfs.
                'set -e; mount --bind "$0" "$0"; mount -o remount,bind,ro /; mount -t tmpfs -o size=16m,mode=1777 tmpfs /tmp; exec setpriv --reuid 65534 --regid 65534 --clear-groups --no-new-privs "$@"',
                spoolDir,
            ];
            let relayer: RelayerProcess | undefined;
            try {
                relayer = await startRelayerProcess({
                    backendUrl: backend.url,
                    secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token },
                    spoolDir,
                    secretsDir,
                    wrapper: sandbox,
                    entry,
                    env: runtimeEnv,
                });
                const status = fs.readFileSync(`/proc/${relayer.child.pid}/status`, "utf8");
                // The wrapper exec()s into node, so the pid is the relayer's.
                assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
                assert.equal(fs.readFileSync(`/proc/${relayer.child.pid}/cmdline`, "utf8").split("\0")[1], entry, "started from the emulated image");
                for (let i = 0; i < 3; i++) assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(5).body)).status, 200);
                const replica = relayer.options.replica;
                await backend.waitFor(() => backend.lastSeq(replica) === 3, 15_000, "delivery");
                const spoolFiles = fs.readdirSync(spoolDir);
                assert.ok(spoolFiles.some((f) => f.endsWith(".seg")), "segments in the spool");
                for (const file of spoolFiles) assert.equal(fs.statSync(path.join(spoolDir, file)).uid, 65534);
                assert.ok(!relayer.allOutput().includes("EROFS"), "no write outside the spool and /tmp was attempted");
                assert.equal(await relayer.stop(), 0);
                assert.ok(!relayer.allOutput().includes("EROFS"));
            } finally {
                await relayer?.kill();
                await backend.stop();
                fs.rmSync(base, { recursive: true, force: true });
            }
        });
    });
});
