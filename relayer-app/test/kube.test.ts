// The Events informer against a local fake Kubernetes API server: list + watch, resume on resourceVersion,
// 410 Gone (as status and as watch event), dropped watches, stalls (after and before headers), API errors with
// backoff, and the informer's noise filter, de-duplication, redaction and kind-4 batches in the real spool.
import assert from "node:assert/strict";
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { loadKubeAccess, type KubeApis } from "../src/kube/client";
import { EventInformer } from "../src/kube/event-informer";
import type { KubeEventLike, RelayEvent } from "../src/kube/event-record";
import { EventWatch } from "../src/kube/event-watch";
import { createLogger } from "../src/log/logger";
import { BatchKind } from "../src/spool/batch-kind";
import { Spool } from "../src/spool/spool";
import { startFakeKubeApi, type FakeKubeApi } from "./fakes/fake-kube-api";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function until(what: string, predicate: () => boolean, ms = 5_000): Promise<void> {
    const deadline = Date.now() + ms;
    while (!predicate()) {
        if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
        await sleep(20);
    }
}

describe("kubernetes events informer", function () {
    this.timeout(30_000);
    let api: FakeKubeApi;
    let dir: string;
    let apis: KubeApis;
    const logText: string[] = [];
    const log = createLogger({ level: "debug", redactIps: false, destination: { write: (s: string) => void logText.push(s) } });
    const running: EventWatch[] = [];

    beforeEach(async () => {
        api = await startFakeKubeApi();
        dir = fs.mkdtempSync(path.join(os.tmpdir(), "kube-test-"));
        const access = loadKubeAccess(api.writeKubeconfig(dir));
        assert.ok(access.ok);
        apis = access.apis;
    });

    afterEach(async () => {
        await Promise.all(running.splice(0).map((w) => w.stop()));
        await api.stop();
        fs.rmSync(dir, { recursive: true, force: true });
    });

    function watchNamespace(namespace: string, watchdogMs = 60_000) {
        const seen: KubeEventLike[] = [];
        const restarts: string[] = [];
        /** The consecutive-failure count of every backoff the watch waited (0 = first failure). */
        const backoffs: number[] = [];
        const backoffMs = (attempt: number) => {
            backoffs.push(attempt);
            return 50;
        };
        const w = new EventWatch({ namespace, core: apis.core, watch: apis.watch, log, watchdogMs, onEvent: (e) => seen.push(e), onRestart: (r) => restarts.push(r), backoffMs });
        running.push(w);
        w.start();
        return { w, seen, restarts, backoffs, uids: () => seen.map((e) => e.metadata?.uid) };
    }

    const listCalls = (ns: string) => api.calls.filter((c) => c.url.startsWith(`/api/v1/namespaces/${ns}/events`) && !c.url.includes("watch=true")).length;
    const watchCalls = (ns: string) => api.calls.filter((c) => c.url.startsWith(`/api/v1/namespaces/${ns}/events`) && c.url.includes("watch=true"));

    it("lists existing events, then watches new ones from the list's resourceVersion", async () => {
        api.putEvent("ns1", { uid: "e1", reason: "BackOff", message: "back-off restarting" });
        const listRv = api.putEvent("other", { uid: "x1", reason: "BackOff", message: "other namespace" });
        const { uids, w } = watchNamespace("ns1");
        await until("the listed event", () => uids().includes("e1"));
        await until("a watch", () => api.watchCount("ns1") === 1);
        const rv = api.putEvent("ns1", { uid: "e2", reason: "Failed", message: "pull failed" });
        await until("the watched event", () => uids().includes("e2"));
        assert.deepEqual(uids(), ["e1", "e2"], "only the watched namespace");
        assert.equal(w.version, String(rv));
        assert.match(watchCalls("ns1")[0]!.url, new RegExp(`resourceVersion=${listRv}\\b`));
        assert.match(watchCalls("ns1")[0]!.url, /allowWatchBookmarks=true/);
    });

    it("resumes from the last resourceVersion when the server ends a watch, without re-listing", async () => {
        // watchdog 2.5 s → the server is asked to end each watch after 2 s.
        const { uids } = watchNamespace("ns1", 2_500);
        await until("a watch", () => api.watchCount("ns1") === 1);
        const rv = api.putEvent("ns1", { uid: "e1", reason: "BackOff", message: "m" });
        await until("the second watch", () => api.watchCount("ns1") >= 2, 6_000);
        assert.match(watchCalls("ns1")[1]!.url, new RegExp(`resourceVersion=${rv}\\b`));
        assert.equal(listCalls("ns1"), 1);
        assert.deepEqual(uids(), ["e1"]);
    });

    for (const goneAs of ["status", "event"] as const) {
        it(`re-lists after 410 Gone reported as ${goneAs === "status" ? "HTTP status" : "an ERROR watch event"}`, async () => {
            api.goneAs = goneAs;
            const { uids, restarts } = watchNamespace("ns1");
            await until("a watch", () => api.watchCount("ns1") === 1);
            api.putEvent("ns1", { uid: "e1", reason: "BackOff", message: "m" });
            await until("e1", () => uids().includes("e1"));
            // Drop the watch and expire the version the relayer holds, while an event happens in the gap.
            api.compact();
            api.dropWatches();
            api.putEvent("ns1", { uid: "e2", reason: "BackOff", message: "m2" });
            api.compact();
            await until("the re-list", () => listCalls("ns1") === 2);
            await until("e2 from the re-list", () => uids().includes("e2"));
            assert.ok(restarts.includes("gone"), `restarts: ${restarts.join(",")}`);
        });
    }

    it("restarts a dropped watch from its resourceVersion and gets what happened meanwhile", async () => {
        const { uids, restarts } = watchNamespace("ns1");
        await until("a watch", () => api.watchCount("ns1") === 1);
        api.dropWatches();
        api.putEvent("ns1", { uid: "e-gap", reason: "Unhealthy", message: "probe failed" });
        await until("the gap event", () => uids().includes("e-gap"));
        assert.equal(listCalls("ns1"), 1, "no re-list for a dropped watch");
        assert.ok(restarts.length >= 1);
    });

    it("a watchdog restarts a watch that went silent (after headers and before headers)", async () => {
        const { uids, restarts } = watchNamespace("ns1", 1_000);
        await until("a watch", () => api.watchCount("ns1") === 1);
        api.stallOpenWatches();
        api.putEvent("ns1", { uid: "e-stalled", reason: "BackOff", message: "m" });
        await until("the event after the stall", () => uids().includes("e-stalled"), 5_000);
        assert.ok(restarts.includes("stall"), `restarts: ${restarts.join(",")}`);

        // Now the API server accepts watches but never answers their headers.
        const watchesBefore = watchCalls("ns1").length;
        api.delay(/watch=true/, 60_000);
        api.dropWatches();
        await sleep(1_800);
        api.clearDelays();
        api.putEvent("ns1", { uid: "e-after", reason: "BackOff", message: "m" });
        await until("the event after a header stall", () => uids().includes("e-after"), 6_000);
        assert.ok(restarts.filter((r) => r === "stall").length >= 2, `restarts: ${restarts.join(",")}`);
        assert.ok(watchCalls("ns1").length >= watchesBefore + 2, "the header-stalled watch was abandoned and retried");
    });

    it("retries with backoff after API errors and says how to fix a 403", async () => {
        api.failNext(/\/events$/, 500, 2);
        api.putEvent("ns1", { uid: "e1", reason: "BackOff", message: "m" });
        const { uids, restarts, backoffs } = watchNamespace("ns1");
        await until("the event after two failed lists", () => uids().includes("e1"));
        assert.equal(restarts.filter((r) => r === "error").length, 2);
        assert.deepEqual(backoffs, [0, 1], "each failure waits a backoff that grows with the consecutive failures");
        api.forbiddenNamespaces.add("locked");
        const locked = watchNamespace("locked");
        await until("a refusal", () => locked.restarts.includes("error"));
        assert.ok(logText.join("").includes("grant list/watch on events in this namespace"));
    });

    it("spools kind-4 batches: noise dropped, duplicates dropped, messages redacted", async () => {
        const spoolDir = path.join(dir, "spool");
        const spool = await Spool.open({ dir: spoolDir, maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync: "interval" }, log);
        const registry = new Registry();
        const informer = new EventInformer({
            namespaces: ["ns1", "kagent"],
            dropReasons: new Set(["Pulled", "Scheduled"]),
            flushMs: 100,
            watchdogMs: 60_000,
            core: apis.core,
            watch: apis.watch,
            spool,
            log,
            registry,
            redact: {},
            backoffMs: () => 50,
        });
        // Built at runtime: a credential-shaped value the redactor must catch inside a free-text message.
        const leaked = ["sk", "ant", "fakefakefakefakefakefake"].join("-");
        api.putEvent("ns1", { uid: "a", reason: "Pulled", message: "image pulled" });
        api.putEvent("ns1", { uid: "b", reason: "BackOff", message: `restart failed, token=${leaked}` });
        api.putEvent("kagent", { uid: "c", reason: "FailedMount", message: "secret missing", type: "Warning" });
        await informer.start();
        await informer.setSending(true);
        await until("a watch per namespace", () => api.watchCount("ns1") >= 1 && api.watchCount("kagent") >= 1);
        api.putEvent("kagent", { uid: "c", reason: "FailedMount", message: "secret missing", type: "Warning", count: 2 });
        api.putEvent("ns1", { uid: "d", reason: "Scheduled", message: "noise" });
        // A re-list after 410 replays everything: nothing may be sent twice.
        api.compact();
        api.dropWatches();
        await until("the re-list", () => listCalls("ns1") >= 2 && listCalls("kagent") >= 2);
        await sleep(300);
        await informer.stop(Date.now() + 2_000);
        const sent: RelayEvent[] = [];
        for (let seq = 1; seq < spool.stats().nextSeq; seq++) {
            const batch = await spool.read(seq);
            assert.equal(batch?.kind, BatchKind.kubeEvents);
            sent.push(...(JSON.parse(batch!.payload.toString("utf8")) as RelayEvent[]));
        }
        await spool.close();
        assert.deepEqual(sent.map((e) => `${e.uid}:${e.count}`).sort(), ["b:1", "c:1", "c:2"]);
        const b = sent.find((e) => e.uid === "b")!;
        assert.ok(!b.message.includes(leaked), "the message is redacted");
        assert.match(b.message, /restart failed/);
        assert.deepEqual(Object.keys(b).sort(), ["count", "firstTimestamp", "involvedObject", "lastTimestamp", "message", "namespace", "reason", "type", "uid"]);
        assert.deepEqual(b.involvedObject, { kind: "Pod", name: "agent-pod", namespace: "ns1", uid: "obj-b" });
        const counts = await registry.getSingleMetricAsString("relayer_kube_events_total");
        assert.match(counts, /outcome="noise"} [2-9]/);
        assert.match(counts, /outcome="duplicate"} [1-9]/);
        assert.match(counts, /outcome="spooled"} 3/);
    });
});
