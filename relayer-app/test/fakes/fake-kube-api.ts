// A local fake Kubernetes API server (HTTP on 127.0.0.1) that serves what the relayer reads: list and watch of
// core/v1 Events (with resourceVersions, 410 Gone after compaction, server-side timeouts, dropped and stalled watches),
// Pods and their logs, kagent.dev/v1alpha2 Agents and /version. It checks the bearer token, can refuse
// namespaces with 403, and records every request so tests can compare them with the relayer's RBAC contract.
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo, Socket } from "node:net";
import path from "node:path";

export interface RecordedCall {
    method: string;
    url: string;
}

interface StoredEvent {
    rv: number;
    namespace: string;
    object: Record<string, unknown>;
}

interface ActiveWatch {
    namespace: string;
    res: http.ServerResponse;
    stalled: boolean;
}

export interface FakeKubeApi {
    url: string;
    token: string;
    calls: RecordedCall[];
    /** Add or update (same uid) an Event; watchers of its namespace get it at once. Returns its resourceVersion. */
    putEvent(namespace: string, event: { uid: string; reason: string; message: string; type?: string; count?: number; involvedName?: string }): number;
    /** Forget history up to now: watches from an older resourceVersion get 410 Gone. */
    compact(): void;
    /** How 410 is reported: as HTTP status, or as an ERROR watch event in a 200 stream (both happen in practice). */
    goneAs: "status" | "event";
    /** Close every open watch connection abruptly. */
    dropWatches(): void;
    /** The watches open now send nothing more and never end (a half-dead connection); new watches are healthy. */
    stallOpenWatches(): void;
    /** Answer the next `n` requests whose path matches `pattern` with `status`. */
    failNext(pattern: RegExp, status: number, n?: number): void;
    /** Delay answers to requests whose path and query match `pattern` (e.g. /watch=true/ stalls before headers). */
    delay(pattern: RegExp, ms: number): void;
    clearDelays(): void;
    forbiddenNamespaces: Set<string>;
    pods: Record<string, object[]>;
    podLogs: Record<string, string>;
    agents: Record<string, object[]>;
    /** Number of watch requests per namespace so far. */
    watchCount(namespace: string): number;
    /** Write a kubeconfig for this server into `dir` and return its path. */
    writeKubeconfig(dir: string): string;
    stop(): Promise<void>;
}

export async function startFakeKubeApi(): Promise<FakeKubeApi> {
    const token = `fake-sa-token-${Math.random().toString(16).slice(2)}`;
    const calls: RecordedCall[] = [];
    let rv = 100;
    let compactedRv = 0;
    const events: StoredEvent[] = [];
    const watches = new Set<ActiveWatch>();
    const watchCounts = new Map<string, number>();
    const failures: { pattern: RegExp; status: number; left: number }[] = [];
    const delays: { pattern: RegExp; ms: number }[] = [];
    const sockets = new Set<Socket>();

    const api: FakeKubeApi = {
        url: "",
        token,
        calls,
        goneAs: "status",
        forbiddenNamespaces: new Set(),
        pods: {},
        podLogs: {},
        agents: {},
        putEvent(namespace, e) {
            rv += 1;
            const now = new Date(Date.UTC(2026, 0, 1, 0, 0, rv % 60)).toISOString();
            const existing = events.find((s) => (s.object.metadata as { uid: string }).uid === e.uid);
            const object = {
                apiVersion: "v1",
                kind: "Event",
                metadata: { name: `${e.involvedName ?? "pod"}.${e.uid}`, namespace, uid: e.uid, resourceVersion: String(rv), creationTimestamp: now },
                involvedObject: { kind: "Pod", name: e.involvedName ?? "agent-pod", namespace, uid: `obj-${e.uid}` },
                reason: e.reason,
                message: e.message,
                type: e.type ?? "Normal",
                count: e.count ?? 1,
                firstTimestamp: now,
                lastTimestamp: now,
            };
            if (existing) {
                existing.rv = rv;
                existing.object = object;
            } else events.push({ rv, namespace, object });
            for (const w of watches) {
                if (w.namespace === namespace && !w.stalled) w.res.write(`${JSON.stringify({ type: existing ? "MODIFIED" : "ADDED", object })}\n`);
            }
            return rv;
        },
        compact() {
            compactedRv = rv;
        },
        dropWatches() {
            for (const w of watches) w.res.socket?.destroy();
            watches.clear();
        },
        stallOpenWatches() {
            for (const w of watches) w.stalled = true;
        },
        failNext(pattern, status, n = 1) {
            failures.push({ pattern, status, left: n });
        },
        delay(pattern, ms) {
            delays.push({ pattern, ms });
        },
        clearDelays() {
            delays.length = 0;
        },
        watchCount: (ns) => watchCounts.get(ns) ?? 0,
        writeKubeconfig(dir) {
            const file = path.join(dir, "kubeconfig.json");
            fs.writeFileSync(
                file,
                JSON.stringify({
                    apiVersion: "v1",
                    kind: "Config",
                    // client-node refuses plain HTTP unless TLS verification is off; the fake serves HTTP on 127.0.0.1 only.
                    clusters: [{ name: "fake", cluster: { server: api.url, "insecure-skip-tls-verify": true } }],
                    users: [{ name: "relayer", user: { token } }],
                    contexts: [{ name: "fake", context: { cluster: "fake", user: "relayer" } }],
                    "current-context": "fake",
                }),
            );
            return file;
        },
        async stop() {
            for (const w of watches) w.res.destroy();
            for (const s of sockets) s.destroy();
            await new Promise<void>((r) => server.close(() => r()));
        },
    };

    const status = (res: http.ServerResponse, code: number, reason: string, message: string): void => {
        res.writeHead(code, { "content-type": "application/json" });
        res.end(JSON.stringify({ kind: "Status", apiVersion: "v1", status: "Failure", code, reason, message }));
    };
    const json = (res: http.ServerResponse, body: unknown): void => {
        const text = JSON.stringify(body);
        res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(text) });
        res.end(text);
    };

    const server = http.createServer((req, res) => {
        const url = new URL(req.url ?? "/", "http://fake");
        calls.push({ method: req.method ?? "GET", url: `${url.pathname}${url.search}` });
        if (req.headers.authorization !== `Bearer ${token}`) return status(res, 401, "Unauthorized", "Unauthorized");
        const failure = failures.find((f) => f.left > 0 && f.pattern.test(url.pathname));
        if (failure) {
            failure.left -= 1;
            return status(res, failure.status, "InjectedFailure", `injected HTTP ${failure.status}`);
        }
        const wait = delays.find((d) => d.pattern.test(url.pathname + url.search))?.ms ?? 0;
        if (wait > 0) {
            const timer = setTimeout(() => route(req, res, url), wait);
            res.on("close", () => clearTimeout(timer));
        }
        else route(req, res, url);
    });

    function route(req: http.IncomingMessage, res: http.ServerResponse, url: URL): void {
        if (req.method !== "GET") return status(res, 405, "MethodNotAllowed", "the fake API server is read-only");
        if (url.pathname === "/version") return json(res, { major: "1", minor: "31", gitVersion: "v1.31.0-fake", platform: "linux/amd64" });
        const m = /^\/api\/v1\/namespaces\/([^/]+)\/(events|pods)(?:\/([^/]+)(?:\/(log))?)?$/.exec(url.pathname);
        const agentMatch = /^\/apis\/kagent\.dev\/v1alpha2\/namespaces\/([^/]+)\/agents(?:\/([^/]+))?$/.exec(url.pathname);
        const namespace = decodeURIComponent((m ?? agentMatch)?.[1] ?? "");
        if (namespace && api.forbiddenNamespaces.has(namespace)) {
            return status(res, 403, "Forbidden", `namespace ${namespace} is forbidden for this ServiceAccount`);
        }
        if (agentMatch) {
            const items = api.agents[namespace] ?? [];
            const name = agentMatch[2];
            if (name === undefined) return json(res, { apiVersion: "kagent.dev/v1alpha2", kind: "AgentList", metadata: { resourceVersion: String(rv) }, items });
            const agent = items.find((a) => (a as { metadata: { name: string } }).metadata.name === name);
            return agent ? json(res, agent) : status(res, 404, "NotFound", `agents.kagent.dev "${name}" not found`);
        }
        if (!m) return status(res, 404, "NotFound", "the fake API server does not serve this path");
        const [, , resource, name, sub] = m;
        if (resource === "pods") {
            const items = (api.pods[namespace] ?? []) as { metadata: { name: string; labels?: Record<string, string> } }[];
            if (name === undefined) {
                const selector = url.searchParams.get("labelSelector");
                const wanted = selector ? selector.split(",").map((p) => p.split("=")) : [];
                const selected = items.filter((p) => wanted.every(([k, v]) => p.metadata.labels?.[k ?? ""] === v));
                return json(res, { apiVersion: "v1", kind: "PodList", metadata: { resourceVersion: String(rv) }, items: selected });
            }
            if (!items.some((p) => p.metadata.name === name)) return status(res, 404, "NotFound", `pods "${name}" not found`);
            if (sub !== "log") return json(res, items.find((p) => p.metadata.name === name));
            let text = api.podLogs[`${namespace}/${name}/${url.searchParams.get("container") ?? ""}`] ?? api.podLogs[`${namespace}/${name}`] ?? "";
            const tail = Number(url.searchParams.get("tailLines") ?? "0");
            if (tail > 0) text = text.split("\n").filter((l, i, all) => !(i === all.length - 1 && l === "")).slice(-tail).join("\n") + "\n";
            const limit = Number(url.searchParams.get("limitBytes") ?? "0");
            if (limit > 0 && Buffer.byteLength(text) > limit) text = Buffer.from(text).subarray(0, limit).toString("utf8");
            res.writeHead(200, { "content-type": "text/plain" });
            res.end(text);
            return;
        }
        // Events.
        if (url.searchParams.get("watch") !== "true") {
            const items = events.filter((e) => e.namespace === namespace).map((e) => e.object);
            return json(res, { apiVersion: "v1", kind: "EventList", metadata: { resourceVersion: String(rv) }, items });
        }
        watchCounts.set(namespace, (watchCounts.get(namespace) ?? 0) + 1);
        const from = Number(url.searchParams.get("resourceVersion") || String(rv));
        if (from < compactedRv) {
            if (api.goneAs === "status") return status(res, 410, "Expired", `too old resource version: ${from} (${compactedRv})`);
            res.writeHead(200, { "content-type": "application/json" });
            res.end(`${JSON.stringify({ type: "ERROR", object: { kind: "Status", apiVersion: "v1", status: "Failure", code: 410, reason: "Expired", message: "too old resource version" } })}\n`);
            return;
        }
        res.writeHead(200, { "content-type": "application/json", "transfer-encoding": "chunked" });
        res.flushHeaders();
        const watch: ActiveWatch = { namespace, res, stalled: false };
        watches.add(watch);
        for (const e of events) if (e.namespace === namespace && e.rv > from) res.write(`${JSON.stringify({ type: "ADDED", object: e.object })}\n`);
        const timeoutSeconds = Number(url.searchParams.get("timeoutSeconds") ?? "0");
        const timer = timeoutSeconds > 0 ? setTimeout(() => !watch.stalled && res.end(), timeoutSeconds * 1000) : undefined;
        res.on("close", () => {
            clearTimeout(timer);
            watches.delete(watch);
        });
    }

    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });
    await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
    api.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    return api;
}
