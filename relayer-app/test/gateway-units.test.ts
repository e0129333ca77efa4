// Pure parts of the gateway: routing, URL building, usage extraction, rate-limit buckets.
import assert from "node:assert/strict";
import { clientResponseHeaders, modelFromPath, routeOf, upstreamRequestHeaders, upstreamUrl } from "../src/gateway/providers";
import { ProviderRateLimiter } from "../src/gateway/rate-limit";
import { emptyUsage, foldUsage, UsageTap } from "../src/gateway/usage";
import { UsageReporter } from "../src/gateway/usage-reporter";
import type { UsageEvent } from "../src/gateway/proxy";
import { createLogger } from "../src/log/logger";

describe("gateway routing and headers", () => {
    it("routes by the first path segment and keeps the rest with its query", () => {
        assert.deepEqual(routeOf("/anthropic/v1/messages?beta=1"), { provider: "anthropic", rest: "/v1/messages?beta=1" });
        assert.deepEqual(routeOf("/openai"), { provider: "openai", rest: "/" });
        assert.deepEqual(routeOf("/gemini?x=1"), { provider: "gemini", rest: "/?x=1" });
        assert.deepEqual(routeOf("/mistral/v1/chat"), { unknownPrefix: "mistral" });
        assert.deepEqual(routeOf("/openaix/v1"), { unknownPrefix: "openaix" });
    });

    it("joins base URL path and request path and drops credential query parameters", () => {
        assert.equal(upstreamUrl("https://example.test/base/", "/v1/models?key=k&api_key=k&api-key=k&a=1").toString(), "https://example.test/base/v1/models?a=1");
        assert.equal(upstreamUrl("http://127.0.0.1:9/", "/").toString(), "http://127.0.0.1:9/");
    });

    it("forwards the client's headers minus credentials and hop-by-hop ones, plus the provider's key header", () => {
        const out = upstreamRequestHeaders(
            { authorization: "Bearer c", "x-api-key": "c", "api-key": "c", "x-goog-api-key": "c", cookie: "c", connection: "keep-alive, x-hop", "x-hop": "1", host: "gw", "anthropic-version": "2023-06-01", "accept-encoding": "gzip" },
            "anthropic",
            "relayer-key",
            "api.example.test",
        );
        assert.deepEqual(out, { "anthropic-version": "2023-06-01", "x-api-key": "relayer-key", host: "api.example.test", "accept-encoding": "identity" });
        assert.equal(upstreamRequestHeaders({}, "openai", "k", "h").authorization, "Bearer k");
        assert.equal(upstreamRequestHeaders({}, "gemini", "k", "h")["x-goog-api-key"], "k");
        assert.equal(upstreamRequestHeaders({}, "azure", "k", "h")["api-key"], "k");
        assert.deepEqual(clientResponseHeaders({ "content-type": "text/event-stream", "transfer-encoding": "chunked", connection: "close" }), { "content-type": "text/event-stream", "x-accel-buffering": "no" });
    });

    it("reads the model from Gemini and Azure paths", () => {
        assert.equal(modelFromPath("gemini", "/v1beta/models/gemini-2.5-pro:streamGenerateContent?alt=sse"), "gemini-2.5-pro");
        assert.equal(modelFromPath("azure", "/openai/deployments/my-gpt/chat/completions"), "my-gpt");
        assert.equal(modelFromPath("openai", "/v1/chat/completions"), undefined);
    });
});

describe("usage extraction", () => {
    it("reads each provider's usage shape", () => {
        assert.deepEqual(foldUsage(emptyUsage(), { model: "c", usage: { input_tokens: 5, cache_read_input_tokens: 2, cache_creation_input_tokens: 1, output_tokens: 3 } }), { model: "c", inputTokens: 8, outputTokens: 3, reported: true });
        assert.deepEqual(foldUsage(emptyUsage(), { model: "g", usage: { prompt_tokens: 4, completion_tokens: 6 } }), { model: "g", inputTokens: 4, outputTokens: 6, reported: true });
        assert.deepEqual(foldUsage(emptyUsage(), { type: "response.completed", response: { model: "r", usage: { input_tokens: 7, output_tokens: 1 } } }), { model: "r", inputTokens: 7, outputTokens: 1, reported: true });
        assert.deepEqual(foldUsage(emptyUsage(), [{ usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 1 } }, { modelVersion: "gm", usageMetadata: { promptTokenCount: 3, candidatesTokenCount: 4, thoughtsTokenCount: 2 } }]), { model: "gm", inputTokens: 3, outputTokens: 6, reported: true });
        assert.deepEqual(foldUsage(emptyUsage(), { choices: [] }), emptyUsage());
    });

    it("finds usage in SSE lines split across chunks and skips content lines", () => {
        const tap = new UsageTap("text/event-stream; charset=utf-8", "fallback");
        const stream = 'event: message_start\ndata: {"type":"message_start","message":{"model":"claude-x","usage":{"input_tokens":30,"output_tokens":1}}}\n\ndata: {"type":"content_block_delta","delta":{"text":"hi"}}\n\ndata: {"type":"message_delta","usage":{"output_tokens":12}}\n\n';
        for (let i = 0; i < stream.length; i += 7) tap.write(Buffer.from(stream.slice(i, i + 7)));
        assert.deepEqual(tap.end(), { model: "claude-x", inputTokens: 30, outputTokens: 12, reported: true });
    });

    it("reports no usage when the provider sent none, with the path's model as fallback", () => {
        const tap = new UsageTap("text/event-stream", "dep");
        tap.write(Buffer.from('data: {"choices":[{"delta":{"content":"x"}}]}\n\ndata: [DONE]\n\n'));
        assert.deepEqual(tap.end(), { model: "dep", inputTokens: 0, outputTokens: 0, reported: false });
        const plain = new UsageTap("text/plain", undefined);
        plain.write(Buffer.from('{"usage":{"input_tokens":1}}'));
        assert.equal(plain.end().reported, false);
    });
});

describe("rate-limit buckets", () => {
    it("admits requestsPerMinute at once, then refills continuously", () => {
        let now = 0;
        const limiter = new ProviderRateLimiter({ requestsPerMinute: 2, tokensPerMinute: 0 }, () => now);
        assert.deepEqual(limiter.admit(), { ok: true });
        assert.deepEqual(limiter.admit(), { ok: true });
        assert.deepEqual(limiter.admit(), { ok: false, limit: "requests", retryAfterSeconds: 30 });
        now = 30_000;
        assert.deepEqual(limiter.admit(), { ok: true });
    });

    it("charges reported tokens after the response and refuses while the token budget is spent", () => {
        let now = 0;
        const limiter = new ProviderRateLimiter({ requestsPerMinute: 0, tokensPerMinute: 600 }, () => now);
        assert.deepEqual(limiter.admit(), { ok: true });
        limiter.charge(900);
        // 300 tokens over budget at 10 tokens/s: 31 s until one token is available again.
        assert.deepEqual(limiter.admit(), { ok: false, limit: "tokens", retryAfterSeconds: 31 });
        now = 31_000;
        assert.deepEqual(limiter.admit(), { ok: true });
    });

    it("does nothing when the limits are 0", () => {
        const limiter = new ProviderRateLimiter({ requestsPerMinute: 0, tokensPerMinute: 0 });
        limiter.charge(1e9);
        for (let i = 0; i < 100; i++) assert.deepEqual(limiter.admit(), { ok: true });
    });
});

describe("usage reporter", () => {
    const event = (i: number): UsageEvent => ({ type: "usage", ts: i, provider: "openai", model: "m", status: 200, inputTokens: i, outputTokens: 1, usageReported: true, durationMs: 5, stream: false });

    it("batches events into usage frames and keeps them while no session is up", () => {
        const frames: { type: string; events: { inputTokens: number }[] }[] = [];
        let up = false;
        const reporter = new UsageReporter((f) => (up ? (frames.push(f as (typeof frames)[number]), true) : false), createLogger({ level: "silent", redactIps: false }));
        for (let i = 0; i < 1_500; i++) reporter.add(event(i));
        reporter.flush();
        assert.equal(frames.length, 0, "nothing sent without a session");
        up = true;
        reporter.flush();
        assert.deepEqual(frames.map((f) => [f.type, f.events.length]), [["usage", 1000], ["usage", 500]]);
        assert.equal(frames[0]!.events[0]!.inputTokens, 0);
        assert.ok(!("type" in frames[0]!.events[0]!), "events carry no type of their own");
    });
});
