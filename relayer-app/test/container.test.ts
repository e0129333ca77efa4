// The image contract without a Docker engine: the Dockerfile's shape is checked statically, and the built
// service is run the way the image runs it — as UID/GID 65534, with the whole root filesystem (including its
// install directory) read-only, a writable spool mount and a fresh /tmp — and shown to become ready, relay data
// and write only to its spool (anything else would fail with EROFS).
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { startFakeBackend, testCluster } from "./fake-backend/fake-backend";
import { postOtlp, traceRequest } from "./harness/otlp-client";
import { APP_DIR, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

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
        assert.match(dockerfile, /npm (ci|install) --omit=dev/);
        assert.doesNotMatch(runtime, /COPY (?!--from=)(?!--chown=0:0 package\.json).*src/, "no sources in the runtime stage");
        const ignore = fs.readFileSync(path.join(APP_DIR, ".dockerignore"), "utf8");
        for (const entry of ["node_modules", "dist", "test"]) assert.ok(ignore.split("\n").includes(entry));
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
            });
            const status = fs.readFileSync(`/proc/${relayer.child.pid}/status`, "utf8");
            // The wrapper exec()s into node, so the pid is the relayer's.
            assert.match(status, /^Uid:\s+65534\s+65534\s+65534\s+65534$/m);
            assert.match(fs.readFileSync(`/proc/${relayer.child.pid}/cmdline`, "utf8"), /dist\/main\.js/);
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
