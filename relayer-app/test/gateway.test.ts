// The LLM gateway against local fake upstreams for all four providers: credential injection and stripping,
// streaming chunk by chunk (time to first byte measured), client abort, rate limits, breaker, size cap.
import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import fs from "node:fs";
import http from "node:http";
import type { AddressInfo } from "node:net";
import os from "node:os";
import path from "node:path";
import { Registry } from "prom-client";
import { createGatewayMetrics } from "../src/gateway/metrics";
import { createGateway, type Gateway, type UsageEvent } from "../src/gateway/proxy";
import { LLM_PROVIDERS, type GatewaySettings, type LlmProvider } from "../src/gateway/settings";
import { createLogger } from "../src/log/logger";
import { SecretFiles } from "../src/secrets/secret-files";
import { startFakeUpstream, type FakeUpstream } from "./fakes/fake-llm-upstream";

// Obviously fake keys, built at runtime (never a credential-shaped literal in the repository).
const relayerKey = (p: string) => `fake-relayer-${p}-key-${randomBytes(6).toString("hex")}`;
const CLIENT_KEY = `fake-client-key-${randomBytes(6).toString("hex")}`;
const PROMPT_MARKER = `prompt-marker-${randomBytes(6).toString("hex")}`;

interface Harness {
    gateway: Gateway;
    url: string;
    usage: UsageEvent[];
    registry: Registry;
    close(): Promise<void>;
}

describe("LLM gateway", function () {
    this.timeout(20_000);
    let upstream: FakeUpstream;
    let secretsDir: string;
    const keys = Object.fromEntries(LLM_PROVIDERS.map((p) => [p, relayerKey(p)])) as Record<LlmProvider, string>;
    const logText: string[] = [];
    const log = createLogger({ level: "debug", redactIps: false, destination: { write: (s: string) => void logText.push(s) } });
    const open: Harness[] = [];

    before(async () => {
        upstream = await startFakeUpstream({ chunkDelayMs: 150 });
        secretsDir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-secrets-"));
        for (const p of LLM_PROVIDERS) fs.writeFileSync(path.join(secretsDir, `llm-${p}-api-key`), `${keys[p]}\n`);
        fs.writeFileSync(path.join(secretsDir, "azure-openai-endpoint"), upstream.baseUrl("azure"));
    });

    after(async () => {
        for (const h of open) await h.close();
        await upstream.stop();
        fs.rmSync(secretsDir, { recursive: true, force: true });
        // No log line carries a key, a prompt or a completion (and the gateway did log its requests).
        const all = logText.join("");
        assert.ok(all.includes("llm request"), "the gateway logs request metadata");
        for (const secret of [...Object.values(keys), CLIENT_KEY, PROMPT_MARKER, upstream.completionMarker]) {
            assert.ok(!all.includes(secret), "a key, prompt or completion reached the log");
        }
    });

    function settings(overrides: Partial<GatewaySettings> = {}): GatewaySettings {
        const none = { requestsPerMinute: 0, tokensPerMinute: 0 };
        return {
            listed: ["anthropic", "openai", "gemini", "azure"],
            baseUrls: { anthropic: upstream.baseUrl("anthropic"), openai: upstream.baseUrl("openai"), gemini: upstream.baseUrl("gemini") },
            limits: { anthropic: none, openai: none, gemini: none, azure: none },
            maxRequestBytes: 64 * 1024,
            upstreamTimeoutMs: 5_000,
            breaker: { minRequests: 3, cooldownMs: 400 },
            ...overrides,
        };
    }

    async function startGateway(s: GatewaySettings = settings(), dir = secretsDir): Promise<Harness> {
        const registry = new Registry();
        const usage: UsageEvent[] = [];
        const secrets = new SecretFiles(dir);
        const gateway = createGateway({ settings: s, readSecret: (n) => secrets.read(n), log, metrics: createGatewayMetrics(registry), onUsage: (e) => usage.push(e) });
        const server = http.createServer((req, res) => gateway.handle(req, res));
        await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
        const h: Harness = {
            gateway,
            usage,
            registry,
            url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
            async close() {
                gateway.close();
                server.closeAllConnections();
                await new Promise<void>((r) => server.close(() => r()));
            },
        };
        open.push(h);
        return h;
    }

    interface Reply {
        status: number;
        headers: http.IncomingHttpHeaders;
        body: string;
        chunkTimes: number[];
        startedAt: number;
    }

    function call(url: string, init: { method?: string; headers?: Record<string, string>; body?: string } = {}): Promise<Reply> {
        return new Promise((resolve, reject) => {
            const startedAt = Date.now();
            const req = http.request(url, { method: init.method ?? "POST", headers: { "content-type": "application/json", ...init.headers } }, (res) => {
                const chunks: Buffer[] = [];
                const chunkTimes: number[] = [];
                res.on("data", (c: Buffer) => {
                    chunks.push(c);
                    chunkTimes.push(Date.now());
                });
                res.on("end", () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString("utf8"), chunkTimes, startedAt }));
            });
            req.on("error", reject);
            req.end(init.body ?? JSON.stringify({ model: "m", messages: [{ role: "user", content: PROMPT_MARKER }] }));
        });
    }

    /** Every way a client can send a credential, all of which must be stripped. */
    const clientCredentials = { authorization: `Bearer ${CLIENT_KEY}`, "x-api-key": CLIENT_KEY, "api-key": CLIENT_KEY, "x-goog-api-key": CLIENT_KEY };
    const expectedHeader: Record<LlmProvider, [string, (k: string) => string]> = {
        anthropic: ["x-api-key", (k) => k],
        openai: ["authorization", (k) => `Bearer ${k}`],
        gemini: ["x-goog-api-key", (k) => k],
        azure: ["api-key", (k) => k],
    };
    const paths: Record<LlmProvider, string> = {
        anthropic: "/anthropic/v1/messages",
        openai: "/openai/v1/chat/completions",
        gemini: "/gemini/v1beta/models/gemini-fake-2:generateContent",
        azure: "/azure/openai/deployments/dep-fake/chat/completions?api-version=2024-10-21",
    };
    const expectedUsage: Record<LlmProvider, { model: string; input: number; output: number }> = {
        anthropic: { model: "claude-fake-1", input: 11, output: 7 },
        openai: { model: "gpt-fake-1", input: 13, output: 5 },
        gemini: { model: "gemini-fake-2", input: 9, output: 4 },
        azure: { model: "gpt-fake-1", input: 13, output: 5 },
    };

    for (const provider of LLM_PROVIDERS) {
        it(`${provider}: injects the relayer's key, strips every client credential, relays the answer and counts usage`, async () => {
            const h = await startGateway();
            const before = upstream.received.length;
            const sep = paths[provider].includes("?") ? "&" : "?";
            const reply = await call(`${h.url}${paths[provider]}${sep}key=${CLIENT_KEY}&keep=1`, { headers: clientCredentials });
            assert.equal(reply.status, 200);
            assert.equal(reply.headers["x-accel-buffering"], "no");
            assert.equal(reply.headers["x-upstream"], "fake");
            assert.ok(reply.body.includes(upstream.completionMarker), "the completion reaches the client unchanged");
            const got = upstream.received.slice(before);
            assert.equal(got.length, 1);
            const r = got[0]!;
            assert.equal(r.provider, provider);
            const [name, value] = expectedHeader[provider];
            assert.equal(r.headers[name], value(keys[provider]), "the relayer's key is injected in the provider's header");
            for (const h2 of ["authorization", "x-api-key", "api-key", "x-goog-api-key"].filter((n) => n !== name)) {
                assert.equal(r.headers[h2], undefined, `client credential header ${h2} is stripped`);
            }
            assert.ok(!JSON.stringify(r.headers).includes(CLIENT_KEY), "no client credential reaches the provider");
            assert.equal(r.query.get("key"), null, "the key query parameter is stripped");
            assert.equal(r.query.get("keep"), "1", "other query parameters are kept");
            if (provider === "azure") assert.equal(r.query.get("api-version"), "2024-10-21");
            assert.ok(r.body.toString("utf8").includes(PROMPT_MARKER), "the request body reaches the provider unchanged");

            const u = h.usage.at(-1)!;
            assert.deepEqual(
                { provider: u.provider, model: u.model, status: u.status, input: u.inputTokens, output: u.outputTokens, reported: u.usageReported, stream: u.stream },
                { provider, model: expectedUsage[provider].model, status: 200, input: expectedUsage[provider].input, output: expectedUsage[provider].output, reported: true, stream: false },
            );
            const metrics = await h.registry.getSingleMetricAsString("relayer_llm_tokens_total");
            assert.ok(metrics.includes(`relayer_llm_tokens_total{provider="${provider}",model="${expectedUsage[provider].model}",direction="input"} ${expectedUsage[provider].input}`), metrics);
            const requests = await h.registry.getSingleMetricAsString("relayer_llm_requests_total");
            assert.ok(requests.includes(`relayer_llm_requests_total{provider="${provider}",model="${expectedUsage[provider].model}",status="200"} 1`), requests);
        });
    }

    const streamPaths: Record<LlmProvider, string> = {
        anthropic: "/anthropic/v1/messages",
        openai: "/openai/v1/chat/completions",
        gemini: "/gemini/v1beta/models/gemini-fake-2:streamGenerateContent?alt=sse",
        azure: "/azure/openai/deployments/dep-fake/chat/completions?api-version=2024-10-21",
    };
    const streamUsage: Record<LlmProvider, [number, number]> = { anthropic: [21, 15], openai: [17, 6], gemini: [8, 5], azure: [17, 6] };

    for (const provider of LLM_PROVIDERS) {
        it(`${provider}: server-sent events arrive chunk by chunk (TTFB measured) and streamed usage is counted`, async () => {
            const h = await startGateway();
            const reply = await call(`${h.url}${streamPaths[provider]}`, {
                headers: { "x-fake-scenario": "slow-stream" },
                body: JSON.stringify({ model: "m", stream: true, messages: [{ role: "user", content: PROMPT_MARKER }] }),
            });
            assert.equal(reply.status, 200);
            assert.equal(reply.headers["content-type"], "text/event-stream");
            assert.equal(reply.headers["x-accel-buffering"], "no");
            const ttfb = reply.chunkTimes[0]! - reply.startedAt;
            const total = reply.chunkTimes.at(-1)! - reply.startedAt;
            console.log(`      ${provider}: time to first byte ${ttfb} ms, last byte ${total} ms, ${reply.chunkTimes.length} chunks`);
            // The fake spaces its 5 deltas 150 ms apart: a buffering gateway would deliver everything at the end.
            assert.ok(reply.chunkTimes.length >= 5, `expected the stream in several chunks, got ${reply.chunkTimes.length}`);
            assert.ok(total - ttfb >= 450, `first byte at ${ttfb} ms but last at ${total} ms: the stream was buffered`);
            const u = h.usage.at(-1)!;
            assert.equal(u.stream, true);
            assert.deepEqual([u.inputTokens, u.outputTokens, u.usageReported], [...streamUsage[provider], true]);
        });
    }

    it("streams the request body to the provider as it arrives", async () => {
        const h = await startGateway();
        const before = upstream.received.length;
        const reply = new Promise<number>((resolve, reject) => {
            const req = http.request(`${h.url}/openai/v1/chat/completions`, { method: "POST", headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
                res.resume();
                res.on("end", () => resolve(res.statusCode ?? 0));
            });
            req.on("error", reject);
            req.write(`{"model":"m","messages":[{"role":"user","content":"${PROMPT_MARKER}`);
            // Send the rest only once the provider has the first part: a buffering gateway would hang here.
            const wait = setInterval(() => {
                const r = upstream.received[before];
                if (r && r.chunkTimes.length > 0) {
                    clearInterval(wait);
                    req.end(`"}]}`);
                }
            }, 10);
            setTimeout(() => clearInterval(wait), 5_000).unref();
        });
        assert.equal(await reply, 200);
        assert.ok(upstream.received[before]!.chunkTimes.length >= 2, "the body arrived at the provider in pieces");
    });

    it("aborts the upstream request when the client goes away (during a stream and before headers)", async () => {
        const h = await startGateway();
        for (const scenario of ["hang-after-headers", "hang-before-headers"]) {
            const before = upstream.received.length;
            await new Promise<void>((resolve, reject) => {
                const req = http.request(`${h.url}/anthropic/v1/messages`, { method: "POST", headers: { "content-type": "application/json", "x-fake-scenario": scenario } }, (res) => {
                    res.once("data", () => req.destroy());
                });
                req.on("error", () => undefined);
                req.on("close", () => resolve());
                req.end(JSON.stringify({ stream: true, messages: [] }));
                if (scenario === "hang-before-headers") {
                    const t = setInterval(() => {
                        if (upstream.received.length > before) {
                            clearInterval(t);
                            req.destroy();
                        }
                    }, 10);
                }
                setTimeout(() => reject(new Error("client never finished")), 5_000).unref();
            });
            const deadline = Date.now() + 3_000;
            while (!upstream.received[before]?.closedEarly && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
            assert.equal(upstream.received[before]?.closedEarly, true, `${scenario}: the provider's request was not cancelled`);
        }
        await new Promise((r) => setTimeout(r, 50));
        assert.ok(h.usage.some((u) => u.status === 499), "a cancelled request is accounted as 499");
    });

    it("answers 429 with Retry-After when the requests-per-minute limit is reached", async () => {
        const h = await startGateway(settings({ limits: { anthropic: { requestsPerMinute: 2, tokensPerMinute: 0 }, openai: { requestsPerMinute: 0, tokensPerMinute: 0 }, gemini: { requestsPerMinute: 0, tokensPerMinute: 0 }, azure: { requestsPerMinute: 0, tokensPerMinute: 0 } } }));
        const before = upstream.received.length;
        assert.equal((await call(`${h.url}/anthropic/v1/messages`)).status, 200);
        assert.equal((await call(`${h.url}/anthropic/v1/messages`)).status, 200);
        const limited = await call(`${h.url}/anthropic/v1/messages`);
        assert.equal(limited.status, 429);
        assert.ok(Number(limited.headers["retry-after"]) >= 1, "Retry-After in whole seconds");
        assert.match(JSON.parse(limited.body).error.message, /requests-per-minute limit for anthropic/);
        assert.equal(upstream.received.length - before, 2, "the limited request never reached the provider");
        // Another provider is not affected.
        assert.equal((await call(`${h.url}/openai/v1/chat/completions`)).status, 200);
    });

    it("answers 429 once the tokens-per-minute budget is used up by reported usage", async () => {
        const none = { requestsPerMinute: 0, tokensPerMinute: 0 };
        const h = await startGateway(settings({ limits: { anthropic: none, openai: { requestsPerMinute: 0, tokensPerMinute: 10 }, gemini: none, azure: none } }));
        assert.equal((await call(`${h.url}/openai/v1/chat/completions`)).status, 200); // uses 18 tokens
        const limited = await call(`${h.url}/openai/v1/chat/completions`);
        assert.equal(limited.status, 429);
        assert.match(JSON.parse(limited.body).error.message, /tokens-per-minute/);
        assert.ok(Number(limited.headers["retry-after"]) >= 1);
    });

    it("opens the provider's breaker after repeated 5xx (503 without calling it) and recovers after the cooldown", async () => {
        const h = await startGateway();
        const before = upstream.received.length;
        for (let i = 0; i < 3; i++) {
            const r = await call(`${h.url}/gemini/v1beta/models/g:generateContent`, { headers: { "x-fake-scenario": "error-500" } });
            assert.equal(r.status, 500, "the provider's own 5xx is relayed (no retry)");
        }
        assert.equal(upstream.received.length - before, 3, "no retries inside the gateway");
        assert.equal(h.gateway.breakers.get("gemini")!.state(), "open");
        const refused = await call(`${h.url}/gemini/v1beta/models/g:generateContent`);
        assert.equal(refused.status, 503);
        assert.ok(Number(refused.headers["retry-after"]) >= 1);
        assert.equal(upstream.received.length - before, 3, "an open breaker does not call the provider");
        assert.equal((await call(`${h.url}/anthropic/v1/messages`)).status, 200, "other providers keep working");
        await new Promise((r) => setTimeout(r, 450));
        assert.equal(h.gateway.breakers.get("gemini")!.state(), "halfOpen");
        assert.equal((await call(`${h.url}/gemini/v1beta/models/g:generateContent`)).status, 200, "the trial request passes");
        assert.equal(h.gateway.breakers.get("gemini")!.state(), "closed");
    });

    it("counts upstream timeouts (504) towards the breaker", async () => {
        const h = await startGateway(settings({ upstreamTimeoutMs: 150 }));
        for (let i = 0; i < 3; i++) {
            const r = await call(`${h.url}/openai/v1/chat/completions`, { headers: { "x-fake-scenario": "hang-before-headers" } });
            assert.equal(r.status, 504);
            assert.match(JSON.parse(r.body).error.message, /no response within 150 ms/);
        }
        assert.equal((await call(`${h.url}/openai/v1/chat/completions`)).status, 503);
    });

    it("refuses oversized requests with 413 (declared length and chunked bodies) without calling the provider", async () => {
        const h = await startGateway(settings({ maxRequestBytes: 2048 }));
        const before = upstream.received.length;
        const declared = await call(`${h.url}/anthropic/v1/messages`, { body: "x".repeat(4096) });
        assert.equal(declared.status, 413);
        assert.match(JSON.parse(declared.body).error.message, /RELAYER_LLM_MAX_REQUEST_BYTES/);
        assert.equal(upstream.received.length, before);
        const chunked = await new Promise<number>((resolve) => {
            const req = http.request(`${h.url}/anthropic/v1/messages`, { method: "POST", headers: { "transfer-encoding": "chunked" } }, (res) => {
                res.resume();
                resolve(res.statusCode ?? 0);
            });
            req.on("error", () => resolve(-1));
            for (let i = 0; i < 8; i++) req.write("y".repeat(512));
            req.end();
        });
        assert.equal(chunked, 413);
        assert.equal(h.gateway.breakers.get("anthropic")!.state(), "closed", "a client's oversized body is not the provider's failure");
    });

    it("answers 404 with a clear message for unknown paths, providers not enabled and missing key files, and picks up a key file added later", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "gw-secrets-partial-"));
        try {
            fs.writeFileSync(path.join(dir, "llm-openai-api-key"), keys.openai);
            const h = await startGateway(settings({ listed: ["openai", "anthropic"] }), dir);
            const unknown = await call(`${h.url}/cohere/v1/chat`);
            assert.equal(unknown.status, 404);
            assert.match(JSON.parse(unknown.body).error.message, /\/anthropic\/…, \/openai\/…, \/gemini\/… or \/azure\/…/);
            const notListed = await call(`${h.url}/gemini/v1beta/models/g:generateContent`);
            assert.equal(notListed.status, 404);
            assert.match(JSON.parse(notListed.body).error.message, /gemini is not enabled.*RELAYER_LLM_PROVIDERS.*llm-gemini-api-key/);
            const noKey = await call(`${h.url}/anthropic/v1/messages`);
            assert.equal(noKey.status, 404);
            assert.match(JSON.parse(noKey.body).error.message, /no key file.*llm-anthropic-api-key/);
            assert.equal((await call(`${h.url}/openai/v1/chat/completions`)).status, 200);
            fs.writeFileSync(path.join(dir, "llm-anthropic-api-key"), keys.anthropic);
            assert.equal((await call(`${h.url}/anthropic/v1/messages`)).status, 200, "a key file that appears later enables the provider");
        } finally {
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
