// Operations of a real relayer process: health/readiness/metrics, the uplink handshake and liveness rules,
// credential re-reads and audit lines, SIGTERM drain, config errors.
import { strict as assert } from "node:assert";
import { spawn } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as path from "node:path";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { spansOf } from "./fake-backend/otlp-decode";
import { postOtlp, traceRequest } from "./harness/otlp-client";
import { APP_DIR, ensureBuilt, freePort, httpGet as get, httpStatus, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe("operations", function () {
    this.timeout(60_000);
    const cluster = testCluster();
    const secrets = { "cluster-id": cluster.id, "cluster-token": cluster.token };
    let backend: FakeBackend | undefined;
    let relayer: RelayerProcess | undefined;

    afterEach(async () => {
        await relayer?.kill();
        relayer?.removeDirs();
        await backend?.stop();
        relayer = backend = undefined;
    });

    it("serves /healthz, /readyz and /metrics with the relay's metrics", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 500 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(3).body)).status, 200);
        assert.equal((await postOtlp(relayer.ports.http, "/v1/nope", Buffer.alloc(1))).status, 404);
        await backend.waitFor(() => backend!.lastSeq(relayer!.options.replica) === 1, 10_000, "ack");
        assert.equal((await get(relayer.ports.ops, "/healthz")).status, 200);
        assert.equal((await get(relayer.ports.ops, "/readyz")).status, 200);
        const metrics = (await get(relayer.ports.ops, "/metrics")).body;
        for (const name of [
            'relayer_otlp_requests_received_total{signal="traces",transport="http"} 1',
            'relayer_otlp_requests_rejected_total{signal="unknown",transport="http",reason="not_found"} 1',
            "relayer_spool_batches ",
            "relayer_spool_bytes ",
            "relayer_spool_oldest_age_seconds ",
            'relayer_uplink_state{state="connected"} 1',
            "relayer_uplink_reconnects_total ",
            "relayer_uplink_acked_batches_total 1",
            "relayer_uplink_nacked_batches_total",
            "relayer_uplink_round_trip_seconds_bucket",
            "relayer_spool_write_seconds_bucket",
            "process_cpu_user_seconds_total",
            "process_resident_memory_bytes",
        ]) {
            assert.ok(metrics.includes(name), `metrics lack ${name}`);
        }
        assert.equal((await get(relayer.ports.ops, "/nothing")).status, 404);
    });

    it("sends a signed handshake with a fresh nonce, hello first, then heartbeats and pings", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 200 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets, replica: "relayer-abc-1" });
        await backend.waitFor(() => backend!.textFrames.filter((f) => f.type === "heartbeat").length >= 2, 10_000, "heartbeats");
        const attempt = backend.attempts[0];
        assert.equal(attempt.status, 101, "the fake backend verified the HMAC signature");
        assert.equal(attempt.headers["x-consonant-replica"], "relayer-abc-1");
        assert.match(String(attempt.headers["user-agent"]), /^consonant-relayer\/\d+\.\d+\.\d+/);
        assert.equal(attempt.headers["sec-websocket-protocol"], "consonant.relay.v1");
        assert.equal(attempt.headers["sec-websocket-extensions"], undefined, "permessage-deflate is off");
        const hello = backend.textFrames[0];
        assert.equal(hello.type, "hello");
        assert.equal(hello.replica, "relayer-abc-1");
        assert.ok(Array.isArray(hello.capabilities) && typeof hello.startedAt === "number" && typeof hello.version === "string");
        const heartbeat = backend.textFrames.find((f) => f.type === "heartbeat")!;
        for (const key of ["ts", "spoolBatches", "spoolBytes", "oldestUnackedMs"]) assert.equal(typeof heartbeat[key], "number", key);
        backend.cutConnections();
        await backend.waitFor(() => backend!.attempts.length >= 2, 10_000, "reconnect");
        assert.notEqual(backend.attempts[0].headers["x-consonant-nonce"], backend.attempts[1].headers["x-consonant-nonce"]);
    });

    it("terminates a session whose backend stops answering pings, and reconnects", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 300, autoPong: false });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await relayer.waitForLog((l) => l.event === "uplink_session_ended" && /no (pong|frame)/.test(String(l.reason)), 10_000, "liveness end");
        await backend.waitFor(() => backend!.attempts.filter((a) => a.status === 101).length >= 2, 10_000, "reconnect");
    });

    it("on close with retryAfterMs, reconnects after that delay", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        const sentAt = Date.now();
        backend.sendMessage({ type: "close", reason: "maintenance", retryAfterMs: 1500 });
        await backend.waitFor(() => backend!.attempts.length >= 2, 10_000, "reconnect");
        const delay = backend.attempts[1].at - sentAt;
        assert.ok(delay >= 1450 && delay < 4000, `reconnected after ${delay} ms`);
    });

    it("on 401 writes an audit line, re-reads the credential files and connects once they are fixed; Access headers are sent", async () => {
        const access = { clientId: "fake-access-id.access", clientSecret: `fake-access-secret-${Date.now()}` };
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000, access });
        relayer = await startRelayerProcess({
            backendUrl: backend.url,
            secrets: { ...secrets, "cluster-token": "fake-wrong-token-of-sufficient-length-123456", "access-client-id": access.clientId, "access-client-secret": access.clientSecret },
        });
        await relayer.waitForLog((l) => l.event === "uplink_auth_failed" && l.status === 401, 10_000, "auth failure audit");
        fs.writeFileSync(path.join(relayer.options.secretsDir, "cluster-token"), cluster.token);
        await backend.waitFor(() => backend!.sessions === 1, 20_000, "session after the token was fixed");
        assert.equal(backend.attempts.at(-1)!.headers["cf-access-client-id"], access.clientId);
        await relayer.waitForLog((l) => l.event === "uplink_session_started", 5000, "session audit");
        await relayer.waitForLog((l) => l.event === "config_reload" && l.file === "cluster-token", 10_000, "config reload audit");
        // Backoff: never faster than the schedule (full jitter, 1 s doubling): at most a handful of attempts.
        const failures = backend.attempts.filter((a) => a.status === 401);
        assert.ok(failures.length <= 6, `${failures.length} attempts`);
        assert.ok(!relayer.allOutput().includes(cluster.token), "the token never appears in logs");
    });

    it("starts without credential files (audit line, still ready) and connects once they appear", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets: { "cluster-id": cluster.id } });
        await relayer.waitForLog((l) => l.event === "uplink_credentials_missing", 5000, "credentials-missing audit");
        assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(2).body)).status, 200);
        assert.equal(await httpStatus(relayer.ports.ops, "/readyz"), 200);
        fs.writeFileSync(path.join(relayer.options.secretsDir, "cluster-token"), cluster.token);
        await backend.waitFor(() => backend!.lastSeq(relayer!.options.replica) === 1, 15_000, "delivery once the token file exists");
    });

    it("keeps accepting into the spool and stays ready while the backend is away", async () => {
        const closedPort = await freePort();
        relayer = await startRelayerProcess({ backendUrl: `ws://127.0.0.1:${closedPort}`, secrets });
        for (let i = 0; i < 5; i++) assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(2).body)).status, 200);
        assert.equal(await httpStatus(relayer.ports.ops, "/readyz"), 200);
        assert.match((await get(relayer.ports.ops, "/metrics")).body, /relayer_spool_batches 5/);
    });

    it("SIGTERM: readiness off, listeners closed, spool drained to the backend, exit 0", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.holdAcks = true;
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets, env: { RELAYER_DRAIN_SECONDS: "20" } });
        for (let i = 0; i < 5; i++) assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(2).body)).status, 200);
        relayer.child.kill("SIGTERM");
        await relayer.waitForLog((l) => String(l.msg).startsWith("shutting down"), 5000, "shutdown start");
        await sleep(300);
        assert.notEqual(await httpStatus(relayer.ports.ops, "/readyz"), 200, "not ready while shutting down");
        assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", traceRequest(1).body)).status, 0, "the OTLP listener no longer accepts");
        backend.holdAcks = false;
        backend.flushAcks();
        assert.equal(await relayer.wait(), 0);
        assert.equal(backend.lastSeq(relayer.options.replica), 5);
        assert.ok(relayer.logs().some((l) => l.msg === "stopped; spool drained"));
    });

    it("SIGTERM lets a request that is in flight finish and relays it", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets, env: { RELAYER_DRAIN_SECONDS: "10" } });
        const { body, spanIds } = traceRequest(50);
        // Send the headers and half the body, SIGTERM the relayer, then send the rest.
        const answer = new Promise<number>((resolve) => {
            const request = http.request(
                { host: "127.0.0.1", port: relayer!.ports.http, path: "/v1/traces", method: "POST", headers: { "Content-Type": "application/x-protobuf", "Content-Length": String(body.length) } },
                (response) => {
                    response.resume();
                    resolve(response.statusCode ?? 0);
                },
            );
            request.on("error", () => resolve(-1));
            request.write(body.subarray(0, 100));
            setTimeout(() => {
                relayer!.child.kill("SIGTERM");
                setTimeout(() => request.end(body.subarray(100)), 500);
            }, 200);
        });
        assert.equal(await answer, 200);
        assert.equal(await relayer.wait(), 0);
        const held = new Set(spansOf(backend.received(relayer.options.replica)).map((s) => s.spanId));
        assert.ok(spanIds.every((id) => held.has(id)), "the in-flight request's spans were relayed during the drain");
    });

    it("SIGTERM with the backend away: exits 0 after the drain budget, the data waits in the spool for the next start", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        const port = backend.port;
        await backend.stop();
        relayer = await startRelayerProcess({ backendUrl: `ws://127.0.0.1:${port}`, secrets, env: { RELAYER_DRAIN_SECONDS: "1" } });
        const ids: string[] = [];
        for (let i = 0; i < 3; i++) {
            const request = traceRequest(2);
            ids.push(...request.spanIds);
            assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", request.body)).status, 200);
        }
        const started = Date.now();
        assert.equal(await relayer.stop(), 0);
        assert.ok(Date.now() - started < 5000);
        assert.ok(relayer.logs().some((l) => String(l.msg).includes("stay in the spool") && l.spoolBatches === 3));
        await backend.start();
        relayer = await relayer.restart();
        await backend.waitFor(() => backend!.lastSeq(relayer!.options.replica) === 3, 15_000, "delivery after restart");
    });

    it("config errors: exit 1 with one line per bad variable, naming the variable and the fix", async () => {
        ensureBuilt();
        const child = spawn(process.execPath, [path.join(APP_DIR, "dist", "main.js")], {
            env: {
                PATH: process.env.PATH,
                RELAYER_CLUSTER_NAME: "c",
                RELAYER_NAMESPACE: "Bad_Namespace",
                RELAYER_REPLICA: "r-0",
                RELAYER_SPOOL_MAX_BYTES: "lots",
                RELAYER_LOG_LEVEL: "loud",
            },
            stdio: ["ignore", "pipe", "pipe"],
        });
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c));
        const code = await new Promise((resolve) => child.on("exit", resolve));
        assert.equal(code, 1);
        const lines = stderr.trim().split("\n");
        assert.deepEqual(
            lines.map((l) => /^config error: (RELAYER_[A-Z_]+):/.exec(l)?.[1]).sort(),
            ["RELAYER_BACKEND_URL", "RELAYER_LOG_LEVEL", "RELAYER_NAMESPACE", "RELAYER_SPOOL_MAX_BYTES"],
        );
        for (const line of lines) assert.match(line, /; fix: /);
    });
});
