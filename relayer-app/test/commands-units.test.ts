// Pure parts of the commands and the dispatcher's own rules (timeouts while waiting for a slot, overflow,
// session abort, error mapping, audit parameters), with small test-only command definitions.
import assert from "node:assert/strict";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { ApiException } from "@kubernetes/client-node";
import { z } from "zod";
import type { CommandContext, CommandDefinition } from "../src/commands/catalog";
import { auditParams, commandTimeoutMs, createCommandHandler } from "../src/commands/dispatcher";
import { CommandError, toCommandError } from "../src/commands/errors";
import { a2aEndpoint, invokeAgent, messageSendRequest, replyText } from "../src/commands/kagent-a2a";
import { capLogLines, readNewestLogLines } from "../src/commands/pod-logs";
import { createBreaker } from "../src/gateway/breaker";
import { createLogger } from "../src/log/logger";
import type { CommandFrame } from "../src/uplink/command-types";

describe("command helpers", () => {
    it("audits parameters without secrets and without message content", () => {
        assert.deepEqual(auditParams({ name: "a", message: "tell me everything" }), { name: "a", message: "[18 characters]" });
        assert.deepEqual(auditParams({ token: "abc", labelSelector: "app=x" }), { token: "[REDACTED]", labelSelector: "app=x" });
        assert.equal(auditParams(undefined), undefined);
    });

    it("builds the A2A message/send request and reads Task and Message replies", () => {
        assert.equal(a2aEndpoint("http://kagent-controller.kagent:8083/", "kagent", "k8s-agent"), "http://kagent-controller.kagent:8083/api/a2a/kagent/k8s-agent/");
        const req = messageSendRequest("hi", "1", "m1");
        assert.deepEqual(req, { jsonrpc: "2.0", id: "1", method: "message/send", params: { message: { kind: "message", role: "user", messageId: "m1", parts: [{ kind: "text", text: "hi" }] } } });
        assert.deepEqual(replyText({ kind: "task", id: "t1", status: { state: "completed" }, artifacts: [{ parts: [{ kind: "text", text: "a" }, { kind: "data" }] }, { parts: [{ kind: "text", text: "b" }] }] }), { text: "a\nb", taskId: "t1" });
        assert.deepEqual(replyText({ kind: "task", id: "t2", status: { state: "input-required", message: { parts: [{ kind: "text", text: "which namespace?" }] } } }), { text: "which namespace?", taskId: "t2" });
        assert.deepEqual(replyText({ kind: "message", parts: [{ kind: "text", text: "m" }] }), { text: "m" });
        assert.throws(() => replyText({ kind: "task", id: "t3", status: { state: "failed", message: { parts: [{ kind: "text", text: "boom" }] } } }), /state failed: boom/);
    });

    it("refuses an A2A reply over 4 MiB even without Content-Length, and a reply that is not JSON", async () => {
        // A controller that streams a chunked body with no length: the cap must hold while reading.
        const server = http.createServer((req, res) => {
            req.resume();
            res.writeHead(200, { "content-type": "application/json" });
            if (req.url?.includes("/garbled/")) return void res.end("<html>proxy error</html>");
            const chunk = Buffer.alloc(256 * 1024, 0x20);
            let sent = 0;
            const more = (): void => {
                while (sent < 32 && !res.destroyed) {
                    sent += 1;
                    if (!res.write(chunk)) return void res.once("drain", more);
                }
                res.end();
            };
            more();
        });
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
        try {
            const signal = AbortSignal.timeout(10_000);
            await assert.rejects(invokeAgent(url, "kagent", "chatty", "hi", signal), (e: unknown) => e instanceof CommandError && e.code === "failed" && /larger than 4194304 bytes/.test(e.message));
            await assert.rejects(invokeAgent(url, "kagent", "garbled", "hi", signal), (e: unknown) => e instanceof CommandError && e.code === "failed" && /not valid JSON/.test(e.message));
        } finally {
            server.closeAllConnections();
            await new Promise<void>((r) => server.close(() => r()));
        }
    });

    it("maps failures onto the protocol's error codes", () => {
        const api = (code: number) => new ApiException(code, "x", {}, {});
        assert.equal(toCommandError(api(403), "c").code, "forbidden");
        assert.equal(toCommandError(api(401), "c").code, "forbidden");
        assert.equal(toCommandError(api(404), "c").code, "not_found");
        assert.equal(toCommandError(api(503), "c").code, "unavailable");
        assert.equal(toCommandError(Object.assign(new Error("x"), { cause: { code: "ECONNREFUSED" } }), "c").code, "unavailable");
        assert.equal(toCommandError(Object.assign(new Error("open"), { code: "EOPENBREAKER" }), "c").code, "unavailable");
        assert.equal(toCommandError(new Error("odd"), "c").code, "failed");
        assert.equal(toCommandError(new CommandError("not_found", "n"), "c").code, "not_found");
    });

    it("keeps the newest log lines that fit the cap, redacted", () => {
        assert.deepEqual(capLogLines("a\nbb\nccc\n", 7, {}), { lines: ["bb", "ccc"], truncated: true });
        assert.deepEqual(capLogLines("a\nbb\n", 100, {}), { lines: ["a", "bb"], truncated: false });
        assert.deepEqual(capLogLines("a\nbb\ncc", 100, {}, true), { lines: ["a", "bb"], truncated: true });
        assert.deepEqual(capLogLines("Authorization: Bearer abcdefghijklmnop\n", 100, {}).lines, ["Authorization: Bearer [REDACTED]"]);
    });

    it("asks again for fewer lines when the API server cut the selection at limitBytes", async () => {
        const log = Array.from({ length: 100 }, (_, i) => `line-${String(i).padStart(3, "0")}`); // 8 bytes + newline each
        const reads: [number, number][] = [];
        const read = async (tail: number, limit: number) => {
            reads.push([tail, limit]);
            return Buffer.from(log.slice(-tail).join("\n") + "\n").subarray(0, limit).toString();
        };
        const out = await readNewestLogLines(read, 100, 90, {});
        assert.deepEqual(reads, [[100, 90], [9, 90]]);
        assert.equal(out.truncated, true);
        assert.equal(out.lines.at(-1), "line-099");
        assert.ok(Buffer.byteLength(out.lines.join("\n")) <= 90);
    });
});

describe("command dispatcher", () => {
    const log = createLogger({ level: "silent", redactIps: false });
    let release: () => void = () => undefined;
    const gate = () => new Promise<void>((r) => (release = r));
    const commands: Record<string, CommandDefinition> = {
        "test.wait": { params: z.object({}), run: async (_p, _c, signal) => { await Promise.race([gate(), new Promise((_, rej) => signal.addEventListener("abort", () => rej(signal.reason)))]); return { done: true }; } },
        "test.fail": { params: z.object({}), run: async () => { throw new Error(`upstream said token=${["s", "e", "c", "r", "e", "t", "v", "a", "l", "u", "e"].join("")}`); } },
        "test.echo": { params: z.strictObject({ n: z.number().int() }), run: async (p) => p },
    };
    const context = { kagentBreaker: createBreaker("t", { minRequests: 1, cooldownMs: 1000 }) } as unknown as CommandContext;
    const frame = (name: string, params: unknown = {}, timeoutMs?: number): CommandFrame => ({ type: "command", id: name, name, params, ...(timeoutMs ? { timeoutMs } : {}) });

    it("validates parameters and answers unknown commands", async () => {
        const handle = createCommandHandler({ settings: { concurrency: 1, maxTimeoutMs: 5_000, podLogsMaxBytes: 1024 }, context, log, commands });
        const session = new AbortController().signal;
        assert.deepEqual(await handle(frame("test.echo", { n: 2 }), session), { ok: true, data: { n: 2 } });
        const bad = await handle(frame("test.echo", { n: "x" }), session);
        assert.equal(bad.ok ? "" : bad.error.code, "invalid_params");
        const unknown = await handle(frame("nope"), session);
        assert.equal(unknown.ok ? "" : unknown.error.code, "unknown_command");
        const failed = await handle(frame("test.fail"), session);
        assert.equal(failed.ok ? "" : failed.error.code, "failed");
        assert.ok(!JSON.stringify(failed).includes("secretvalue"), "error messages sent to the backend are redacted");
    });

    it("takes a fractional timeoutMs (rounded up, capped) and writes exactly one audit line per command", async () => {
        assert.equal(commandTimeoutMs(50.2, 5_000), 51);
        assert.equal(commandTimeoutMs(999_999, 5_000), 5_000, "capped");
        assert.equal(commandTimeoutMs(undefined, 60_000), 30_000, "default");
        assert.equal(commandTimeoutMs(undefined, 5_000), 5_000, "the default is capped too");
        for (const bad of [-1, 0, Number.NaN, "100"]) assert.equal(commandTimeoutMs(bad, 60_000), 30_000, String(bad));
        const lines: string[] = [];
        const auditLog = createLogger({ level: "info", redactIps: false, destination: { write: (s: string) => void lines.push(s) } });
        const handle = createCommandHandler({ settings: { concurrency: 1, maxTimeoutMs: 5_000, podLogsMaxBytes: 1024 }, context, log: auditLog, commands });
        const session = new AbortController().signal;
        const timedOut = await handle(frame("test.wait", {}, 50.5), session);
        assert.deepEqual(timedOut, { ok: false, error: { code: "timeout", message: "test.wait: did not finish within 51 ms" } });
        assert.equal((await handle(frame("nope"), session)).ok, false);
        const audits = lines.map((l) => JSON.parse(l) as Record<string, unknown>).filter((l) => l.audit === true && l.event === "command");
        assert.deepEqual(
            audits.map((a) => [a.id, a.name, a.outcome, a.timeoutMs, typeof a.durationMs]),
            [
                ["test.wait", "test.wait", "timeout", 51, "number"],
                ["nope", "nope", "unknown_command", 5_000, "number"],
            ],
        );
    });

    it("answers unavailable, naming why and the fix, for cluster commands when there is no Kubernetes API access", async () => {
        const offline: CommandContext = {
            kube: { ok: false, reason: "not running in a cluster; fix: set RELAYER_KUBECONFIG for development" },
            namespace: "consonant-system",
            kagentNamespaces: ["kagent"],
            replica: "relayer-0",
            relayerVersion: "0.0.0-test",
            kagentUrl: "http://127.0.0.1:9",
            kagentBreaker: createBreaker("kagent-offline", { minRequests: 3, cooldownMs: 1_000 }),
            status: () => ({ spoolBatches: 0, spoolBytes: 0, oldestUnackedMs: 0, breakers: {}, uptimeSeconds: 1 }),
            podLogsMaxBytes: 1024,
            redact: {},
        };
        const handle = createCommandHandler({ settings: { concurrency: 2, maxTimeoutMs: 5_000, podLogsMaxBytes: 1024 }, context: offline, log });
        const session = new AbortController().signal;
        for (const [name, params] of [["cluster.info", undefined], ["pods.list", {}], ["pods.logs", { name: "p" }], ["agents.list", {}], ["agents.get", { name: "a" }]] as const) {
            const r = await handle(frame(name, params), session);
            assert.equal(r.ok ? "" : r.error.code, "unavailable", name);
            assert.match(r.ok ? "" : r.error.message, /no Kubernetes API access: not running in a cluster; fix: set RELAYER_KUBECONFIG/, name);
        }
        assert.deepEqual(await handle(frame("relayer.status"), session), { ok: true, data: { spoolBatches: 0, spoolBytes: 0, oldestUnackedMs: 0, breakers: {}, uptimeSeconds: 1 } });
        offline.kagentBreaker.shutdown();
    });

    it("limits each command on its own: counts the wait for a slot against the timeout, refuses beyond the waiting list, stops on session abort", async () => {
        const handle = createCommandHandler({ settings: { concurrency: 1, maxTimeoutMs: 5_000, podLogsMaxBytes: 1024 }, context, log, commands });
        const session = new AbortController();
        const first = handle(frame("test.wait", {}, 5_000), session.signal);
        const waiting = await handle(frame("test.wait", {}, 100), session.signal);
        assert.deepEqual(waiting, { ok: false, error: { code: "timeout", message: "test.wait: no free slot within 100 ms (1 test.wait commands at once)" } });
        assert.deepEqual(await handle(frame("test.echo", { n: 1 }, 100), session.signal), { ok: true, data: { n: 1 } }, "another command is not held up by a busy one");
        const queued = Array.from({ length: 64 }, () => handle(frame("test.wait", {}, 5_000), session.signal));
        const overflow = await handle(frame("test.wait", {}, 5_000), session.signal);
        assert.equal(overflow.ok ? "" : overflow.error.code, "unavailable");
        session.abort();
        const results = await Promise.all([first, ...queued]);
        assert.ok(results.every((r) => !r.ok && r.error.code === "unavailable"), JSON.stringify(results.slice(0, 2)));
        release();
    });
});
