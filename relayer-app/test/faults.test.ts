// Fault tests: every item the clients were told was accepted reaches the backend exactly once after
// de-duplication by seq — through backend restarts, held acks, torn frames, SIGKILL, a full spool, nacks and
// garbage frames. Real relayer processes, the independent fake backend, 127.0.0.1 only, bounded loops.
import { strict as assert } from "node:assert";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { assertExactlyOnce, Ledger, sendLoad, waitDelivered } from "./harness/accounting";
import { postOtlp, traceRequest } from "./harness/otlp-client";
import { httpStatus, metricValue as metricAt, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

const metricValue = (relayer: RelayerProcess, prefix: string) => metricAt(relayer.ports.ops, prefix);

import { CuttingProxy } from "./harness/tcp-proxy";

describe("faults: exactly once after de-duplication", function () {
    this.timeout(90_000);
    const cluster = testCluster();
    const secrets = { "cluster-id": cluster.id, "cluster-token": cluster.token };
    let backend: FakeBackend | undefined;
    let relayer: RelayerProcess | undefined;
    let proxy: CuttingProxy | undefined;

    afterEach(async () => {
        await relayer?.kill();
        relayer?.removeDirs();
        await backend?.stop();
        await proxy?.stop();
        relayer = backend = proxy = undefined;
    });

    it("backend restarted repeatedly during load", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        const ledger = new Ledger();
        let restartsDone = false;
        // Load runs until the restarts are over (bounded by the request count as well).
        const load = sendLoad(relayer, ledger, { requests: 5000, spansPerRequest: 10, concurrency: 4, pauseMs: 5, transport: "mixed", stop: () => restartsDone });
        for (let i = 0; i < 4; i++) {
            await new Promise((r) => setTimeout(r, 300));
            await backend.restart(100);
        }
        await new Promise((r) => setTimeout(r, 300));
        restartsDone = true;
        await load;
        assert.ok(ledger.accepted.size > 0);
        assert.equal(ledger.refused.length, 0, "the backend being away must not refuse clients: the spool absorbs it");
        await waitDelivered(backend, relayer.options.replica, ledger, 30_000);
        assertExactlyOnce(backend, relayer.options.replica, ledger);
        assert.ok(backend.attempts.filter((a) => a.status === 101).length >= 2, "the relayer reconnected after restarts");
    });

    it("backend holding acks: the window caps unacknowledged batches, the spool keeps accepting", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000, maxInFlight: 4 });
        backend.holdAcks = true;
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        const ledger = new Ledger();
        await sendLoad(relayer, ledger, { requests: 20, spansPerRequest: 5, concurrency: 2, transport: "http" });
        assert.equal(ledger.refused.length, 0);
        await new Promise((r) => setTimeout(r, 300));
        assert.equal(backend.received(relayer.options.replica).length, 4, "exactly maxInFlight batches were sent without acks");
        assert.equal(await httpStatus(relayer.ports.ops, "/readyz"), 200, "held acks do not make the replica unready");
        backend.holdAcks = false;
        backend.flushAcks();
        await waitDelivered(backend, relayer.options.replica, ledger, 20_000);
        assertExactlyOnce(backend, relayer.options.replica, ledger);
    });

    it("connection cut mid-frame", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        proxy = new CuttingProxy(backend.port);
        // The first three sessions are torn after the handshake, inside a large batch frame.
        proxy.cutAfter.push(60_000, 150_000, 90_000);
        await proxy.start();
        backend.holdAcks = false;
        relayer = await startRelayerProcess({ backendUrl: `ws://127.0.0.1:${proxy.port}`, secrets });
        const ledger = new Ledger();
        await sendLoad(relayer, ledger, { requests: 40, spansPerRequest: 300, concurrency: 2, transport: "http" });
        await waitDelivered(backend, relayer.options.replica, ledger, 45_000);
        assert.ok(proxy.cuts >= 1, "at least one connection was cut mid-frame");
        assertExactlyOnce(backend, relayer.options.replica, ledger);
    });

    it("relayer killed with SIGKILL and restarted on the same spool", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.holdAcks = true; // keep data in the spool at the moment of the kill
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        const ledger = new Ledger();
        await sendLoad(relayer, ledger, { requests: 30, spansPerRequest: 10, concurrency: 3, transport: "mixed" });
        // Kill during further load: requests in flight at the kill are not counted unless answered 200.
        const more = sendLoad(relayer, ledger, { requests: 200, spansPerRequest: 10, concurrency: 3, transport: "mixed" });
        await new Promise((r) => setTimeout(r, 150));
        await relayer.kill();
        await more;
        const beforeRestart = ledger.accepted.size;
        backend.holdAcks = false;
        relayer = await relayer.restart();
        await sendLoad(relayer, ledger, { requests: 10, spansPerRequest: 10, concurrency: 2, transport: "http" });
        assert.ok(ledger.accepted.size > beforeRestart);
        await waitDelivered(backend, relayer.options.replica, ledger, 30_000);
        assertExactlyOnce(backend, relayer.options.replica, ledger);
        const seqs = backend.received(relayer.options.replica).map((b) => b.seq);
        assert.equal(new Set(seqs).size, seqs.length);
        assert.equal(Math.max(...seqs), seqs.length, "no seq was reused or skipped across the restart");
    });

    it("spool full: 503 with Retry-After and not ready, then recovers when the backend acknowledges", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000, maxInFlight: 1000 });
        backend.holdAcks = true;
        relayer = await startRelayerProcess({
            backendUrl: backend.url,
            secrets,
            env: { RELAYER_SPOOL_MAX_BYTES: String(1024 * 1024), RELAYER_SPOOL_SEGMENT_BYTES: String(64 * 1024) },
        });
        const ledger = new Ledger();
        let full: { status: number; retryAfter?: string } | undefined;
        for (let i = 0; i < 200 && !full; i++) {
            const { body, spanIds } = traceRequest(100, `fill-${i}`);
            const result = await postOtlp(relayer.ports.http, "/v1/traces", body);
            if (result.status === 200) for (const id of spanIds) ledger.accepted.add(id);
            else full = { status: result.status, retryAfter: result.headers["retry-after"] as string | undefined };
        }
        assert.deepEqual(full && { status: full.status, hasRetryAfter: Number(full.retryAfter) > 0 }, { status: 503, hasRetryAfter: true });
        assert.equal(await httpStatus(relayer.ports.ops, "/readyz"), 503, "a full spool makes the replica unready");
        assert.ok((await metricValue(relayer, 'relayer_otlp_requests_rejected_total{signal="traces",transport="http",reason="spool_full"}')) >= 1);
        backend.holdAcks = false;
        backend.flushAcks();
        await waitDelivered(backend, relayer.options.replica, ledger, 20_000);
        for (let i = 0; i < 50; i++) {
            if ((await httpStatus(relayer.ports.ops, "/readyz")) === 200) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        assert.equal(await httpStatus(relayer.ports.ops, "/readyz"), 200, "ready again once acknowledged data is deleted");
        await sendLoad(relayer, ledger, { requests: 5, spansPerRequest: 100, concurrency: 1, transport: "http" });
        await waitDelivered(backend, relayer.options.replica, ledger, 20_000);
        assertExactlyOnce(backend, relayer.options.replica, ledger);
    });

    it("backend nack of a batch: deleted, counted, logged, never retried", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.nackSeqs = new Set([2, 3]);
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        const perRequest: string[][] = [];
        for (let i = 0; i < 6; i++) {
            const { body, spanIds } = traceRequest(4, `nack-${i}`);
            assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", body)).status, 200);
            perRequest.push(spanIds);
        }
        await backend.waitFor(() => backend!.lastSeq(relayer!.options.replica) === 6, 10_000, "all six seqs handled");
        // Reconnect: nacked batches must not come back.
        backend.cutConnections();
        await backend.waitFor(() => backend!.attempts.filter((a) => a.status === 101).length >= 2, 15_000, "reconnect");
        await new Promise((r) => setTimeout(r, 300));
        const ledger = new Ledger();
        for (const [i, ids] of perRequest.entries()) if (i !== 1 && i !== 2) for (const id of ids) ledger.accepted.add(id);
        assertExactlyOnce(backend, relayer.options.replica, ledger, new Set([2, 3]));
        assert.equal(backend.store.rejected.get(backend.store.key(cluster.id, relayer.options.replica))?.size, 2);
        assert.equal(await metricValue(relayer, "relayer_uplink_nacked_batches_total"), 2);
        assert.equal(relayer.logs().filter((l) => String(l.msg).includes("rejected a batch for good")).length, 2);
        const stats = await metricValue(relayer, "relayer_spool_batches");
        assert.equal(stats, 0, "nacked batches are deleted from the spool");
    });

    it("backend sending garbage frames: ignored and counted, nothing lost, nothing deleted early", async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1000 });
        backend.holdAcks = true;
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets });
        await backend.waitFor(() => backend!.establishedSessions === 1, 10_000, "session");
        const ledger = new Ledger();
        await sendLoad(relayer, ledger, { requests: 10, spansPerRequest: 5, concurrency: 2, transport: "http" });
        const garbage: (string | Buffer)[] = [
            "not json at all",
            "{\"no\":\"type\"}",
            "[1,2,3]",
            JSON.stringify({ type: "ack", seq: 10_000 }), // beyond anything sent: must NOT delete data
            JSON.stringify({ type: "ack", seq: "7" }),
            JSON.stringify({ type: "nack", seq: 9999, code: "x", message: "unknown seq" }),
            JSON.stringify({ type: "welcome", session: "again", heartbeatMs: 1000, maxInFlight: 1, lastSeq: 9999 }),
            JSON.stringify({ type: "command" }),
            JSON.stringify({ type: "some-future-type", x: 1 }),
            Buffer.from([1, 1, 0, 0, 0, 0, 0, 0, 0, 1, 0xff]),
            "\u0000\u0001\u0002",
        ];
        for (const frame of garbage) backend.sendRaw(frame);
        await new Promise((r) => setTimeout(r, 300));
        assert.ok(relayer.running, "the relayer stays up");
        assert.ok((await metricValue(relayer, "relayer_uplink_invalid_frames_total")) >= 8);
        const spooled = await metricValue(relayer, "relayer_spool_batches");
        assert.equal(spooled, 10, "a bogus ack or welcome deleted nothing from the spool");
        backend.holdAcks = false;
        backend.flushAcks();
        await waitDelivered(backend, relayer.options.replica, ledger, 20_000);
        assertExactlyOnce(backend, relayer.options.replica, ledger);
    });
});
