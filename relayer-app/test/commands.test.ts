// Every backend command end to end: the independent fake backend sends `command` frames to a real relayer
// process, which reads a local fake Kubernetes API server and a fake KAgent controller. Also covers the events
// informer and the LLM gateway in the same process (kind-4 batches and usage frames at the backend), the audit
// line of every command, and that every API request the relayer made is in its RBAC contract.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import { relayerApiCalls, apiCallOfRequest } from "../src/kube/api-calls";
import { readVersion } from "../src/version";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { startFakeKagent, type FakeKagent } from "./fakes/fake-kagent";
import { startFakeKubeApi, type FakeKubeApi } from "./fakes/fake-kube-api";
import { startFakeUpstream, type FakeUpstream } from "./fakes/fake-llm-upstream";
import { makeTestTls } from "./fakes/test-tls";
import { registerTestSecret, startRelayerProcess, tempDir, type RelayerProcess } from "./harness/relayer-process";

const NAMESPACE = "consonant-system"; // the harness's RELAYER_NAMESPACE
const KAGENT_NAMESPACES = ["kagent", "team-a"];
const REPLICA = "relayer-cmd-0";

type Result = { type: "result"; id: string; ok: boolean; data?: unknown; error?: { code: string; message: string } };

describe("backend commands, events and gateway end to end", function () {
    this.timeout(60_000);
    let api: FakeKubeApi;
    let kagent: FakeKagent;
    let backend: FakeBackend;
    let upstream: FakeUpstream;
    let relayer: RelayerProcess;
    /** Kubeconfig and test certificate; removed at the end. */
    let scratchDir = "";
    const prompt = `agent-prompt-${randomBytes(6).toString("hex")}`;
    const openaiKey = `fake-relayer-openai-key-${randomBytes(8).toString("hex")}`;
    // Built at runtime: credential-shaped text in a pod's log that pods.logs must redact.
    const leakedInLog = ["password", "=", "hunter2", randomBytes(4).toString("hex")].join("");

    const send = (name: string, params?: unknown, timeoutMs?: number) =>
        backend.sendCommand(REPLICA, { name, ...(params !== undefined ? { params } : {}), ...(timeoutMs !== undefined ? { timeoutMs } : {}) }) as Promise<Result>;
    const expectError = async (code: string, name: string, params?: unknown, timeoutMs?: number): Promise<string> => {
        const r = await send(name, params, timeoutMs);
        assert.equal(r.ok, false, `${name} should fail with ${code}: ${JSON.stringify(r)}`);
        assert.equal(r.error?.code, code, JSON.stringify(r.error));
        return r.error!.message;
    };

    before(async () => {
        api = await startFakeKubeApi();
        kagent = await startFakeKagent();
        // The provider is reached over HTTPS, like the real APIs; the relayer trusts the test CA via NODE_EXTRA_CA_CERTS.
        scratchDir = tempDir("commands");
        const tls = makeTestTls(scratchDir);
        upstream = await startFakeUpstream({ tls });
        registerTestSecret(prompt);
        registerTestSecret(upstream.completionMarker);
        const cluster = testCluster();
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 1_000 });
        api.pods[NAMESPACE] = [
            { metadata: { name: "relayer-a", labels: { app: "relayer" } }, spec: { nodeName: "node-1" }, status: { phase: "Running", conditions: [{ type: "Ready", status: "True" }], containerStatuses: [{ name: "relayer", restartCount: 2 }] } },
            { metadata: { name: "other-b", labels: { app: "other" } }, spec: { nodeName: "node-2" }, status: { phase: "Pending", conditions: [], containerStatuses: [] } },
        ];
        api.podLogs[`${NAMESPACE}/relayer-a`] = Array.from({ length: 50 }, (_, i) => `line ${i}${i === 49 ? ` login ${leakedInLog}` : ""}`).join("\n") + "\n";
        api.podLogs[`${NAMESPACE}/other-b`] = Array.from({ length: 1000 }, (_, i) => `${"x".repeat(40)} ${i}`).join("\n") + "\n";
        const agent = (name: string, ns: string, ready: boolean) => ({
            apiVersion: "kagent.dev/v1alpha2",
            kind: "Agent",
            metadata: { name, namespace: ns },
            spec: { type: "Declarative", description: `${name} helps`, declarative: { modelConfig: "default-model-config", tools: [{ type: "McpServer", mcpServer: { name: "kagent-tool-server", toolNames: ["k8s_get_resources"] } }] } },
            status: { conditions: [{ type: "Accepted", status: "True", reason: "Reconciled", message: "" }, { type: "Ready", status: ready ? "True" : "False", reason: "DeploymentReady", message: "" }] },
        });
        api.agents.kagent = [agent("k8s-agent", "kagent", true), agent("helm-agent", "kagent", false)];
        api.agents["team-a"] = [agent("team-agent", "team-a", true)];
        kagent.agents.set("kagent/k8s-agent", { reply: "task", text: "there are 3 pods" });
        kagent.agents.set("kagent/helm-agent", { reply: "message", text: "helm says hi" });
        kagent.agents.set("kagent/slow-agent", { reply: "task", text: "late", delayMs: 5_000 });
        kagent.agents.set("kagent/steady-agent", { reply: "task", text: "steady", delayMs: 600 });
        kagent.agents.set("kagent/sad-agent", { reply: "jsonrpc-error", message: "model quota exceeded" });
        kagent.agents.set("team-a/broken-agent", { reply: "http-500" });
        api.putEvent(NAMESPACE, { uid: "ev-own", reason: "BackOff", message: "Back-off restarting failed container", type: "Warning" });
        api.putEvent("kagent", { uid: "ev-noise", reason: "Pulled", message: "Successfully pulled image" });

        relayer = await startRelayerProcess({
            backendUrl: backend.url,
            replica: REPLICA,
            secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token, "llm-openai-api-key": openaiKey },
            env: {
                RELAYER_KUBECONFIG: api.writeKubeconfig(scratchDir),
                RELAYER_KAGENT_URL: kagent.url,
                RELAYER_KAGENT_NAMESPACES: KAGENT_NAMESPACES.join(","),
                RELAYER_COMMAND_CONCURRENCY: "2",
                RELAYER_COMMAND_MAX_TIMEOUT_MS: "3000",
                RELAYER_POD_LOGS_MAX_BYTES: "2048",
                RELAYER_EVENTS_FLUSH_MS: "200",
                RELAYER_LLM_PROVIDERS: "openai",
                RELAYER_LLM_OPENAI_BASE_URL: upstream.baseUrl("openai"),
                NODE_EXTRA_CA_CERTS: tls.certPath,
            },
        });
        // Commands are valid only after welcome, which the backend sends in answer to hello on the same socket.
        await backend.waitFor(() => backend.textFrames.some((f) => f.type === "hello" && f.replica === REPLICA), 15_000, "the relayer's hello");
    });

    after(async () => {
        await relayer?.stop();
        relayer?.removeDirs();
        await backend?.stop();
        await kagent?.stop();
        await api?.stop();
        await upstream?.stop();
        if (scratchDir) fs.rmSync(scratchDir, { recursive: true, force: true });
    });

    it("cluster.info reports the API server version, namespace, relayer version and replica", async () => {
        const r = await send("cluster.info");
        assert.deepEqual(r.data, { kubernetesVersion: "v1.31.0-fake", namespace: NAMESPACE, relayerVersion: readVersion(), replica: REPLICA });
    });

    it("answers unavailable when the Kubernetes API is failing", async () => {
        api.failNext(/^\/version$/, 503);
        assert.match(await expectError("unavailable", "cluster.info"), /Kubernetes API is unavailable \(HTTP 503\)/);
    });

    it("relayer.status reports spool figures, breakers and uptime", async () => {
        const r = await send("relayer.status");
        const data = r.data as Record<string, unknown>;
        assert.deepEqual(Object.keys(data).sort(), ["breakers", "oldestUnackedMs", "spoolBatches", "spoolBytes", "uptimeSeconds"]);
        assert.deepEqual(data.breakers, { kagent: "closed", "llm-openai": "closed" });
    });

    it("agents.list lists kagent Agents of an allowed namespace and refuses others", async () => {
        assert.deepEqual((await send("agents.list")).data, [
            { name: "k8s-agent", namespace: "kagent", ready: true, description: "k8s-agent helps" },
            { name: "helm-agent", namespace: "kagent", ready: false, description: "helm-agent helps" },
        ]);
        assert.deepEqual((await send("agents.list", { namespace: "team-a" })).data, [{ name: "team-agent", namespace: "team-a", ready: true, description: "team-agent helps" }]);
        assert.match(await expectError("forbidden", "agents.list", { namespace: "kube-system" }), /not one of the relayer's KAgent namespaces/);
        assert.match(await expectError("invalid_params", "agents.list", { namespace: "Not_A_Namespace" }), /namespace: must be a Kubernetes name/);
        assert.match(await expectError("invalid_params", "agents.list", { extra: 1 }), /Unrecognized key/i);
    });

    it("agents.get returns the spec summary and conditions, not_found for a missing agent", async () => {
        const r = await send("agents.get", { name: "k8s-agent" });
        assert.deepEqual(r.data, {
            name: "k8s-agent",
            namespace: "kagent",
            ready: true,
            spec: { type: "Declarative", description: "k8s-agent helps", modelConfig: "default-model-config", stream: null, tools: [{ type: "McpServer", name: "kagent-tool-server", toolNames: ["k8s_get_resources"] }], image: null },
            conditions: [
                { type: "Accepted", status: "True", reason: "Reconciled", message: "", lastTransitionTime: null },
                { type: "Ready", status: "True", reason: "DeploymentReady", message: "", lastTransitionTime: null },
            ],
        });
        assert.equal(((await send("agents.get", { name: "team-agent", namespace: "team-a" })).data as { name: string }).name, "team-agent");
        await expectError("not_found", "agents.get", { name: "ghost" });
        await expectError("invalid_params", "agents.get", {});
        assert.match(await expectError("forbidden", "agents.get", { name: "k8s-agent", namespace: "kube-system" }), /not one of the relayer's KAgent namespaces/);
    });

    it("agents.invoke speaks A2A message/send to the KAgent controller", async () => {
        assert.deepEqual((await send("agents.invoke", { name: "k8s-agent", message: prompt })).data, { text: "there are 3 pods", taskId: "task-fake-1" });
        assert.deepEqual((await send("agents.invoke", { name: "helm-agent", message: "hi" })).data, { text: "helm says hi" });
        const request = kagent.requests.find((r) => r.path === "/api/a2a/kagent/k8s-agent/")!;
        assert.ok(request, "posted to /api/a2a/<namespace>/<agent>/");
        assert.equal((request.body as { params: { message: { parts: { text: string }[] } } }).params.message.parts[0]!.text, prompt);
        assert.deepEqual(kagent.problems, []);
        assert.match(await expectError("failed", "agents.invoke", { name: "sad-agent", message: "hi" }), /model quota exceeded/);
        await expectError("not_found", "agents.invoke", { name: "nobody", message: "hi" });
        await expectError("forbidden", "agents.invoke", { name: "k8s-agent", namespace: "default", message: "hi" });
        await expectError("invalid_params", "agents.invoke", { name: "k8s-agent" });
    });

    it("applies the command's timeoutMs, capped by RELAYER_COMMAND_MAX_TIMEOUT_MS", async () => {
        let started = Date.now();
        assert.match(await expectError("timeout", "agents.invoke", { name: "slow-agent", message: "hi" }, 400), /within 400 ms/);
        assert.ok(Date.now() - started < 2_500);
        started = Date.now();
        assert.match(await expectError("timeout", "agents.invoke", { name: "slow-agent", message: "hi" }, 999_999), /within 3000 ms/);
        assert.ok(Date.now() - started >= 2_900, "the cap applies");
        // A Kubernetes API call that does not answer in time is given up too (and its request aborted).
        api.delay(/\/namespaces\/consonant-system\/pods\?/, 10_000);
        try {
            const pending = api.calls.length;
            assert.match(await expectError("timeout", "pods.list", { labelSelector: "app=relayer" }, 300), /pods\.list: did not finish within 300 ms/);
            assert.ok(api.calls.slice(pending).some((c) => c.url.includes("labelSelector=app%3Drelayer")), "the API server was asked");
        } finally {
            api.clearDelays();
        }
    });

    it("runs at most RELAYER_COMMAND_CONCURRENCY commands of one name at once; the others wait", async () => {
        kagent.maxConcurrent = 0;
        let invokesDone = false;
        const invokes = Promise.all([1, 2, 3, 4].map(() => send("agents.invoke", { name: "steady-agent", message: "hi" }, 3_000))).finally(() => (invokesDone = true));
        // The four invokes take two rounds of 600 ms; other commands are not queued behind them.
        assert.equal((await send("relayer.status")).ok, true);
        assert.equal(invokesDone, false, "relayer.status answered while agents.invoke commands were still running and waiting");
        const results = await invokes;
        assert.ok(results.every((r) => r.ok), JSON.stringify(results));
        assert.equal(kagent.maxConcurrent, 2);
    });

    it("pods.list lists the relayer namespace's pods, filtered by label selector", async () => {
        assert.deepEqual((await send("pods.list", { labelSelector: "app=relayer" })).data, [{ name: "relayer-a", phase: "Running", ready: true, restarts: 2, node: "node-1" }]);
        assert.equal(((await send("pods.list")).data as unknown[]).length, 2);
    });

    it("pods.logs returns redacted, capped lines", async () => {
        const r = await send("pods.logs", { name: "relayer-a", tailLines: 5 });
        const data = r.data as { lines: string[]; truncated: boolean };
        assert.equal(data.lines.length, 5);
        assert.equal(data.lines[0], "line 45");
        assert.ok(!JSON.stringify(data).includes(leakedInLog), "credentials in logs are redacted");
        assert.match(data.lines[4]!, /^line 49 login password=\[REDACTED\]/);
        const big = (await send("pods.logs", { name: "other-b", tailLines: 1000 })).data as { lines: string[]; truncated: boolean };
        assert.equal(big.truncated, true);
        assert.ok(Buffer.byteLength(big.lines.join("\n")) <= 2048);
        assert.match(big.lines.at(-1)!, /^x{40} 999$/, "the newest lines, whole");
        await expectError("not_found", "pods.logs", { name: "ghost" });
        assert.match(await expectError("invalid_params", "pods.logs", { name: "relayer-a", tailLines: 5000 }), /tailLines: must be at most 1000/);
    });

    it("maps Kubernetes RBAC refusals to forbidden and unknown commands to unknown_command", async () => {
        api.forbiddenNamespaces.add("team-a");
        try {
            assert.match(await expectError("forbidden", "agents.list", { namespace: "team-a" }), /HTTP 403.*workload Role/);
        } finally {
            api.forbiddenNamespaces.delete("team-a");
        }
        assert.match(await expectError("unknown_command", "pods.delete", { name: "x" }), /this relayer knows cluster\.info/);
    });

    it("writes one audit line per command, with the message reduced to its size", async () => {
        const id = `audit-${randomBytes(4).toString("hex")}`;
        await backend.sendCommand(REPLICA, { id, name: "agents.invoke", params: { name: "k8s-agent", message: prompt } });
        const line = await relayer.waitForLog((l) => l.audit === true && l.event === "command" && l.id === id, 5_000, "the audit line");
        assert.equal(line.name, "agents.invoke");
        assert.equal(line.outcome, "ok");
        assert.equal(typeof line.durationMs, "number");
        assert.deepEqual(line.params, { name: "k8s-agent", message: `[${prompt.length} characters]` });
        const commandAudits = relayer.logs().filter((l) => l.audit === true && l.event === "command");
        assert.equal(commandAudits.filter((l) => l.id === id).length, 1);
        assert.ok(!relayer.allOutput().includes(prompt), "the message never reaches the log");
    });

    it("sends Kubernetes events of the relayer's and the KAgent namespaces as kind-4 batches, without noise", async () => {
        api.putEvent("team-a", { uid: "ev-team", reason: "FailedMount", message: "volume missing", type: "Warning" });
        const events = () =>
            backend
                .received(REPLICA)
                .filter((b) => b.kind === 4)
                .flatMap((b) => JSON.parse(b.payload.toString("utf8")) as { uid: string; namespace: string; reason: string }[]);
        await backend.waitFor(() => events().some((e) => e.uid === "ev-team"), 10_000, "the team-a event");
        const uids = events().map((e) => e.uid);
        assert.ok(uids.includes("ev-own"), "the relayer's namespace");
        assert.ok(!uids.includes("ev-noise"), "noise reasons are dropped");
        assert.equal(new Set(uids).size, uids.length, "no duplicates");
    });

    it("relays LLM calls through the gateway port to an HTTPS provider and reports usage to the backend", async () => {
        const reply = await new Promise<{ status: number; body: string }>((resolve, reject) => {
            const req = http.request({ host: "127.0.0.1", port: relayer.ports.gateway, path: "/openai/v1/chat/completions", method: "POST", headers: { "content-type": "application/json", authorization: "Bearer agent-has-no-key" } }, (res) => {
                let body = "";
                res.on("data", (c: Buffer) => (body += c.toString()));
                res.on("end", () => resolve({ status: res.statusCode ?? 0, body }));
            });
            req.on("error", reject);
            req.end(JSON.stringify({ model: "gpt-fake-1", messages: [{ role: "user", content: prompt }] }));
        });
        assert.equal(reply.status, 200);
        assert.equal(upstream.received.at(-1)!.headers.authorization, `Bearer ${openaiKey}`);
        await backend.waitFor(() => backend.textFrames.some((f) => f.type === "usage"), 5_000, "a usage frame");
        const frame = backend.textFrames.find((f) => f.type === "usage") as { events: Record<string, unknown>[] };
        assert.equal(frame.events.length, 1);
        const usage = frame.events[0]!;
        assert.deepEqual(
            { provider: usage.provider, model: usage.model, status: usage.status, inputTokens: usage.inputTokens, outputTokens: usage.outputTokens },
            { provider: "openai", model: "gpt-fake-1", status: 200, inputTokens: 13, outputTokens: 5 },
        );
        assert.ok(!JSON.stringify(usage).includes(prompt) && !JSON.stringify(usage).includes(upstream.completionMarker), "no content in usage events");
        const metrics = await new Promise<string>((resolve) => {
            http.get({ host: "127.0.0.1", port: relayer.ports.ops, path: "/metrics" }, (res) => {
                let text = "";
                res.on("data", (c: Buffer) => (text += c.toString()));
                res.on("end", () => resolve(text));
            });
        });
        assert.match(metrics, /relayer_llm_tokens_total\{provider="openai",model="gpt-fake-1",direction="output"\} 5/);
    });

    // Last of the agents.invoke tests: the breaker stays open for its 30 s cooldown.
    it("opens the KAgent breaker after repeated controller failures and answers unavailable", async () => {
        const before = kagent.requests.length;
        for (let i = 0; i < 3; i++) assert.match(await expectError("failed", "agents.invoke", { name: "broken-agent", namespace: "team-a", message: "hi" }), /HTTP 500/);
        assert.match(await expectError("unavailable", "agents.invoke", { name: "broken-agent", namespace: "team-a", message: "hi" }), /circuit breaker is open/);
        assert.equal(kagent.requests.length - before, 3, "an open breaker does not call the controller");
        assert.equal(((await send("relayer.status")).data as { breakers: Record<string, string> }).breakers.kagent, "open");
    });

    it("made only the Kubernetes API calls listed in its RBAC contract (read-only)", () => {
        const allowed = relayerApiCalls(NAMESPACE, KAGENT_NAMESPACES);
        assert.ok(api.calls.length > 0);
        for (const call of api.calls) {
            if (call.url.startsWith("/version")) continue;
            const rbac = apiCallOfRequest(call.method, call.url);
            assert.ok(rbac, `unexpected API request ${call.method} ${call.url}`);
            const match = allowed.some((a) => a.verb === rbac.verb && a.apiGroup === rbac.apiGroup && a.resource === rbac.resource && (a.subresource ?? "") === (rbac.subresource ?? "") && a.namespace === rbac.namespace);
            assert.ok(match, `API request ${call.method} ${call.url} (${JSON.stringify(rbac)}) is not in relayerApiCalls()`);
        }
        // And the contract has no entry the relayer never needed (every entry was exercised).
        const used = new Set(api.calls.map((c) => JSON.stringify(apiCallOfRequest(c.method, c.url))));
        const unused = allowed.filter((a) => !used.has(JSON.stringify({ verb: a.verb, apiGroup: a.apiGroup, resource: a.resource, namespace: a.namespace, ...(a.subresource ? { subresource: a.subresource } : {}) })));
        assert.deepEqual(unused.map((a) => `${a.verb} ${a.resource} ${a.namespace}`), []);
    });
});
