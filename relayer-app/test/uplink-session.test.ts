// Uplink session rules of PROTOCOL.md against a real relayer process and the independent fake backend: the
// backend must select the subprotocol, no batch before welcome, resend from the welcome's lastSeq (and only
// from there), a nacked batch is never sent again, pings every heartbeatMs and the pong deadline.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as path from "node:path";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { postOtlp, traceRequest } from "./harness/otlp-client";
import { metricValue, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

describe("uplink session rules", function () {
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

    async function post(count: number): Promise<void> {
        for (let i = 0; i < count; i++) assert.equal((await postOtlp(relayer!.ports.http, "/v1/traces", traceRequest(2).body)).status, 200);
    }

    const spooled = () => metricValue(relayer!.ports.ops, "relayer_spool_batches");

    it("refuses a backend that does not select consonant.relay.v1 (no hello) and warns that ws:// is unencrypted", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 500, subprotocol: false });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await post(1);
        await backend.waitFor(() => backend!.attempts.filter((a) => a.status === 101).length >= 2, 15_000, "a retry after the refused session");
        assert.equal(backend.textFrames.filter((f) => f.type === "hello").length, 0, "no hello on a session without the subprotocol");
        assert.equal(backend.seqsReceived.length, 0);
        assert.equal(await spooled(), 1, "the batch stays in the spool");
        assert.ok(relayer.logs().some((l) => l.level === "warn" && /NOT encrypted/.test(String(l.msg))), "ws:// logs a warning");
        // Backoff resets only after a welcome, not after an upgrade: these sessions never get one, so the delays
        // keep doubling (1, 2, 4, 8 s ceilings) — a reset per upgrade would mean ~12 attempts in 6 s.
        const first = backend.attempts[0].at;
        await new Promise((r) => setTimeout(r, Math.max(0, first + 6000 - Date.now())));
        const attempts = backend.attempts.filter((a) => a.at <= first + 6000).length;
        assert.ok(attempts <= 8, `${attempts} attempts within 6 s`);
    });

    it("survives a credential file that cannot go into a header, and connects once it is fixed", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets: { ...secrets, "cluster-id": `${cluster.id}\u0001x` } });
        await relayer.waitForLog((l) => /cannot build the handshake/.test(String(l.msg)), 10_000, "the handshake error");
        assert.ok(relayer.running, "the relayer stays up");
        fs.writeFileSync(path.join(relayer.options.secretsDir, "cluster-id"), cluster.id);
        await backend.waitFor(() => backend!.establishedSessions === 1, 15_000, "a session once the file is fixed");
    });

    it("sends no batch before welcome, then everything in seq order", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000, welcomeDelayMs: 1500 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.textFrames.some((f) => f.type === "hello"), 10_000, "hello");
        await post(3); // spooled while the backend has not welcomed yet
        await backend.waitFor(() => backend!.lastSeq(relayer!.options.replica) === 3, 15_000, "delivery after the welcome");
        assert.equal(backend.batchesBeforeWelcome, 0);
        assert.deepEqual(backend.seqsReceived, [1, 2, 3]);
    });

    it("after a reconnect drops what the welcome's lastSeq covers and resends only the rest, in order", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.holdAcks = true;
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        await post(5);
        await backend.waitFor(() => backend!.seqsReceived.length === 5, 10_000, "five batches in flight");
        backend.lastSeqOverride = 3; // the backend says it durably holds 1..3 only
        backend.cutConnections();
        await backend.waitFor(() => backend!.seqsReceived.length >= 7, 15_000, "the resend after the reconnect");
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(backend.seqsReceived, [1, 2, 3, 4, 5, 4, 5], "1..3 are not resent, 4 and 5 are, in order");
        assert.equal(await spooled(), 2, "batches up to lastSeq were deleted on welcome");
        backend.lastSeqOverride = undefined;
        backend.holdAcks = false;
        backend.flushAcks();
        await backend.waitFor(() => backend!.textFrames.some((f) => f.type === "heartbeat" && f.spoolBatches === 0), 10_000, "an empty spool");
    });

    it("never sends a nacked batch again, even when the backend's lastSeq does not cover it", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.holdAcks = true;
        backend.nackSeqs = new Set([2]);
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        await post(3);
        await backend.waitFor(() => backend!.seqsReceived.length === 3, 10_000, "three batches");
        for (let i = 0; i < 50 && (await metricValue(relayer.ports.ops, "relayer_uplink_nacked_batches_total")) < 1; i++) await new Promise((r) => setTimeout(r, 100));
        backend.lastSeqOverride = 0; // nothing held durably: every batch still in the spool must come again
        backend.cutConnections();
        await backend.waitFor(() => backend!.seqsReceived.length >= 5, 15_000, "the resend after the reconnect");
        await new Promise((r) => setTimeout(r, 200));
        assert.deepEqual(backend.seqsReceived, [1, 2, 3, 1, 3]);
        assert.equal(await metricValue(relayer.ports.ops, "relayer_uplink_nacked_batches_total"), 1);
    });

    it("pings every heartbeatMs; a backend that keeps talking but never answers pings is cut after 2 × heartbeatMs", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 300, autoPong: false });
        // Frames keep arriving (unknown types are ignored), so only the missing pong can end the session.
        const chatter = setInterval(() => backend?.sendMessage({ type: "x-test-chatter" }), 100);
        try {
            relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
            const ended = await relayer.waitForLog((l) => l.event === "uplink_session_ended", 10_000, "session end");
            assert.match(String(ended.reason), /no pong/);
            // First ping one heartbeat after welcome, cut two heartbeats later (generous slack for a loaded machine).
            assert.ok(Number(ended.durationMs) < 3 * 300 + 600, `ended after ${String(ended.durationMs)} ms`);
            assert.ok(backend.pingsReceived >= 1);
        } finally {
            clearInterval(chatter);
        }
    });

    it("with pongs answered, pings keep coming every heartbeatMs and the session stays up", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 200 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        const pingsBefore = backend.pingsReceived;
        await new Promise((r) => setTimeout(r, 1500));
        assert.ok(backend.pingsReceived - pingsBefore >= 5, `${backend.pingsReceived - pingsBefore} pings in 1.5 s at heartbeatMs 200`);
        assert.equal(backend.attempts.length, 1, "no reconnect: pongs (and acks) keep the session alive");
    });
});
