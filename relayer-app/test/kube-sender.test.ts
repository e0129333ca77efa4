// Which replica sends the cluster's Events: the pure choice (oldest Ready, not terminating peer), and two real
// relayer processes against one fake API server and one fake backend, where only the chosen one sends and the
// other takes over when the first one's pod is terminating.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { loadKubeAccess } from "../src/kube/client";
import { EventsSenderElection, isEventsSender, type PodLike } from "../src/kube/events-sender";
import { createLogger } from "../src/log/logger";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { startFakeKubeApi, type FakeKubeApi } from "./fakes/fake-kube-api";
import { startRelayerProcess, tempDir, type RelayerProcess } from "./harness/relayer-process";

const labels = { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "prod" };
const pod = (name: string, created: string, extra: { ready?: boolean; deleting?: boolean; labels?: Record<string, string> } = {}): PodLike => ({
    metadata: { name, labels: extra.labels ?? labels, creationTimestamp: created, ...(extra.deleting ? { deletionTimestamp: "2026-01-01T00:10:00Z" } : {}) },
    status: { conditions: [{ type: "Ready", status: extra.ready === false ? "False" : "True" }] },
});

describe("events sender choice", () => {
    const a = pod("relayer-a", "2026-01-01T00:00:00Z");
    const b = pod("relayer-b", "2026-01-01T00:01:00Z");

    it("is the oldest ready replica", () => {
        assert.equal(isEventsSender([b, a], "relayer-a"), true);
        assert.equal(isEventsSender([b, a], "relayer-b"), false);
    });

    it("passes to the next replica when the oldest is terminating or not ready", () => {
        assert.equal(isEventsSender([pod("relayer-a", "2026-01-01T00:00:00Z", { deleting: true }), b], "relayer-b"), true);
        assert.equal(isEventsSender([pod("relayer-a", "2026-01-01T00:00:00Z", { ready: false }), b], "relayer-b"), true);
        assert.equal(isEventsSender([a, pod("relayer-b", "2026-01-01T00:01:00Z", { ready: false })], "relayer-b"), false, "a starting replica defers to a ready one");
    });

    it("ignores pods of other workloads and breaks ties by name", () => {
        const other = pod("zz-other", "2025-01-01T00:00:00Z", { labels: { "app.kubernetes.io/name": "something-else" } });
        assert.equal(isEventsSender([other, b], "relayer-b"), true);
        const twin = pod("relayer-0", "2026-01-01T00:01:00Z");
        assert.equal(isEventsSender([b, twin], "relayer-0"), true);
    });

    it("sends when it cannot tell (not in the list, no labels, nobody ready)", () => {
        assert.equal(isEventsSender([a, b], "relayer-local"), true);
        assert.equal(isEventsSender([pod("relayer-x", "2026-01-01T00:00:00Z", { labels: {} })], "relayer-x"), true);
        assert.equal(isEventsSender([pod("relayer-a", "2026-01-01T00:00:00Z", { ready: false }), pod("relayer-b", "2026-01-01T00:01:00Z", { ready: false })], "relayer-b"), true);
    });
});

describe("events sender election", function () {
    this.timeout(20_000);

    it("does not hold up the relayer's start while the API server does not answer, and decides once a check completes", async () => {
        const api = await startFakeKubeApi();
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "sender-election-"));
        const access = loadKubeAccess(api.writeKubeconfig(dir));
        assert.ok(access.ok);
        api.pods.ns = [pod("relayer-x", "2026-01-01T00:00:00Z")];
        api.delay(/\/pods/, 60_000);
        const changes: boolean[] = [];
        const election = new EventsSenderElection({
            namespace: "ns",
            replica: "relayer-x",
            core: access.apis.core,
            log: createLogger({ level: "silent", redactIps: false }),
            checkMs: 3_000,
            onChange: async (sending) => void changes.push(sending),
        });
        const podLists = () => api.calls.filter((c) => c.url.startsWith("/api/v1/namespaces/ns/pods")).length;
        try {
            // The first pod list hangs until it is given up (after checkMs); start() must return long before that.
            const outcome = await Promise.race([election.start().then(() => "started"), new Promise((r) => setTimeout(() => r("blocked"), 1_000))]);
            assert.equal(outcome, "started");
            const deadline = Date.now() + 10_000;
            while (podLists() === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            assert.equal(podLists(), 1, "the first check is waiting for the API server");
            assert.deepEqual(changes, [], "no decision before a check completed");
            api.clearDelays();
            while (changes.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
            assert.deepEqual(changes, [true], "this replica sends once a check has completed");
        } finally {
            await election.stop();
            await api.stop();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});

describe("events sender across two relayer processes", function () {
    this.timeout(60_000);
    let api: FakeKubeApi;
    let backend: FakeBackend;
    let dir: string;
    const relayers: RelayerProcess[] = [];

    before(async () => {
        api = await startFakeKubeApi();
        dir = tempDir("sender");
        const cluster = testCluster();
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1_000 });
        api.pods["consonant-system"] = [pod("relayer-ev-0", "2026-01-01T00:00:00Z"), pod("relayer-ev-1", "2026-01-01T00:01:00Z")];
        api.putEvent("consonant-system", { uid: "ev-before", reason: "BackOff", message: "m" });
        for (const replica of ["relayer-ev-0", "relayer-ev-1"]) {
            relayers.push(
                await startRelayerProcess({
                    backendUrl: backend.url,
                    replica,
                    secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token },
                    env: { RELAYER_KUBECONFIG: api.writeKubeconfig(dir), RELAYER_KAGENT_NAMESPACES: "kagent", RELAYER_EVENTS_FLUSH_MS: "100", RELAYER_EVENTS_SENDER_CHECK_SECONDS: "1" },
                }),
            );
        }
    });

    after(async () => {
        for (const r of relayers) {
            await r.stop();
            r.removeDirs();
        }
        await backend?.stop();
        await api?.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    const uidsFrom = (replica: string) =>
        backend
            .received(replica)
            .filter((b) => b.kind === 4)
            .flatMap((b) => (JSON.parse(b.payload.toString("utf8")) as { uid: string }[]).map((e) => e.uid));

    it("only the oldest ready replica sends, and the next one takes over when its pod terminates", async () => {
        await backend.waitFor(() => uidsFrom("relayer-ev-0").includes("ev-before"), 15_000, "the sender's first batch");
        api.putEvent("consonant-system", { uid: "ev-1", reason: "BackOff", message: "m" });
        await backend.waitFor(() => uidsFrom("relayer-ev-0").includes("ev-1"), 10_000, "ev-1 from the sender");
        await new Promise((r) => setTimeout(r, 1_500));
        assert.deepEqual(uidsFrom("relayer-ev-1"), [], "the other replica sends nothing");
        assert.ok(api.calls.some((c) => c.url.startsWith("/api/v1/namespaces/consonant-system/pods")), "replicas decide from the pod list");

        // Rolling update: relayer-ev-0's pod is being deleted.
        api.pods["consonant-system"] = [pod("relayer-ev-0", "2026-01-01T00:00:00Z", { deleting: true }), pod("relayer-ev-1", "2026-01-01T00:01:00Z")];
        await relayers[1]!.waitForLog((l) => l.msg === "this replica now sends the cluster's Events", 10_000, "relayer-ev-1 taking over");
        await relayers[0]!.waitForLog((l) => l.msg === "another replica sends the cluster's Events; this one stops watching them", 10_000, "relayer-ev-0 stepping down");
        api.putEvent("consonant-system", { uid: "ev-2", reason: "BackOff", message: "m" });
        await backend.waitFor(() => uidsFrom("relayer-ev-1").includes("ev-2"), 10_000, "ev-2 from the new sender");
        assert.ok(!uidsFrom("relayer-ev-0").includes("ev-2"), "the old sender stopped");
    });
});
