// The LLM gateway's request handler: route by path prefix, swap the client's credential for the relayer's,
// enforce size, rate and breaker limits, and stream both bodies through without buffering (SSE included).
// There are no retries here: an LLM request is not idempotent and the clients already retry.
import http from "node:http";
import https from "node:https";
import type { Logger } from "pino";
import { createBreaker, IgnoredByBreaker, isBreakerOpenError, type Breaker, type BreakerState } from "./breaker";
import type { GatewayMetrics } from "./metrics";
import { clientResponseHeaders, credentialFiles, modelFromPath, routeOf, upstreamRequestHeaders, upstreamUrl } from "./providers";
import { ProviderRateLimiter } from "./rate-limit";
import { LLM_PROVIDERS, type GatewaySettings, type LlmProvider } from "./settings";
import { UsageTap, type Usage } from "./usage";

/** One finished gateway request, as sent to the backend (a `{"type":"usage"}` text frame). Never any content. */
export interface UsageEvent {
    type: "usage";
    ts: number;
    provider: LlmProvider;
    model: string;
    status: number;
    inputTokens: number;
    outputTokens: number;
    /** False when the provider reported no usage (e.g. an OpenAI stream without stream_options.include_usage). */
    usageReported: boolean;
    durationMs: number;
    stream: boolean;
}

export interface GatewayDeps {
    settings: GatewaySettings;
    /** Current content of a secret file (trimmed), or undefined when absent; re-read when the file changes. */
    readSecret: (name: string) => string | undefined;
    log: Logger;
    metrics: GatewayMetrics;
    onUsage: (event: UsageEvent) => void;
    onBreakerChange?: (name: string, state: BreakerState) => void;
}

export interface Gateway {
    handle(req: http.IncomingMessage, res: http.ServerResponse): void;
    breakers: ReadonlyMap<LlmProvider, Breaker>;
    close(): void;
}

class UpstreamStatusError extends Error {
    constructor(readonly response: http.IncomingMessage) {
        super(`provider answered ${response.statusCode}`);
    }
}
class UpstreamTimeoutError extends Error {}
class ClientGoneError extends IgnoredByBreaker {}
class RequestTooLargeError extends IgnoredByBreaker {}

export function createGateway(deps: GatewayDeps): Gateway {
    const { settings, log, metrics } = deps;
    const limiters = new Map<LlmProvider, ProviderRateLimiter>();
    const breakers = new Map<LlmProvider, Breaker>();
    for (const p of LLM_PROVIDERS) {
        limiters.set(p, new ProviderRateLimiter(settings.limits[p]));
        breakers.set(p, createBreaker(`llm-${p}`, settings.breaker, deps.onBreakerChange));
    }
    // Kept-alive upstream connections: a new TLS handshake per request would cost more than the whole gateway.
    const agents = {
        "http:": new http.Agent({ keepAlive: true, maxSockets: 512, scheduling: "lifo" }),
        "https:": new https.Agent({ keepAlive: true, maxSockets: 512, scheduling: "lifo" }),
    };

    function handle(req: http.IncomingMessage, res: http.ServerResponse): void {
        const startedAt = performance.now();
        const route = routeOf(req.url ?? "/");
        if ("unknownPrefix" in route) {
            return reject(res, 404, "unknown_provider", `no provider at this path; fix: call /anthropic/…, /openai/…, /gemini/… or /azure/… on the relayer gateway`);
        }
        const { provider, rest } = route;
        let finished = false;
        const finish = (status: number, usage: Usage | undefined, stream: boolean): void => {
            if (finished) return;
            finished = true;
            const seconds = (performance.now() - startedAt) / 1000;
            const model = usage?.model ?? modelFromPath(provider, rest);
            const inputTokens = usage?.inputTokens ?? 0;
            const outputTokens = usage?.outputTokens ?? 0;
            metrics.observe({ provider, model, status, seconds, inputTokens, outputTokens });
            limiters.get(provider)?.charge(inputTokens + outputTokens);
            deps.onUsage({
                type: "usage",
                ts: Date.now(),
                provider,
                model: model ?? "unknown",
                status,
                inputTokens,
                outputTokens,
                usageReported: usage?.reported ?? false,
                durationMs: Math.round(seconds * 1000),
                stream,
            });
            // Only metadata: the path, headers and bodies (prompts, completions, keys) are never logged.
            log.debug({ provider, model, status, durationMs: Math.round(seconds * 1000), inputTokens, outputTokens }, "llm request");
        };
        const localAnswer = (status: number, code: string, message: string, retryAfterSeconds?: number): void => {
            reject(res, status, code, message, retryAfterSeconds);
            finish(status, undefined, false);
        };

        if (!settings.listed.includes(provider)) {
            return localAnswer(404, "provider_not_enabled", `provider ${provider} is not enabled on this relayer; fix: add ${provider} to RELAYER_LLM_PROVIDERS and mount its key file ${credentialFiles(provider).apiKey}`);
        }
        const files = credentialFiles(provider);
        const apiKey = deps.readSecret(files.apiKey);
        if (apiKey === undefined || apiKey.length === 0) {
            return localAnswer(404, "provider_not_enabled", `provider ${provider} has no key file; fix: provide the secret file ${files.apiKey} in the relayer's secrets directory`);
        }
        const baseUrl = provider === "azure" ? deps.readSecret(files.endpoint ?? "") : settings.baseUrls[provider];
        if (baseUrl === undefined || !/^https?:\/\//.test(baseUrl)) {
            return localAnswer(404, "provider_not_enabled", `provider ${provider} has no endpoint; fix: provide the secret file ${files.endpoint} with the https:// endpoint of the Azure OpenAI resource`);
        }
        const declaredLength = Number(req.headers["content-length"] ?? "0");
        if (declaredLength > settings.maxRequestBytes) {
            res.setHeader("connection", "close");
            return localAnswer(413, "request_too_large", `request body of ${declaredLength} bytes is over the gateway's limit of ${settings.maxRequestBytes}; fix: send a smaller request or raise RELAYER_LLM_MAX_REQUEST_BYTES`);
        }
        const admission = limiters.get(provider)!.admit();
        if (!admission.ok) {
            return localAnswer(429, "rate_limited", `the relayer's ${admission.limit}-per-minute limit for ${provider} is reached; retry after ${admission.retryAfterSeconds} s (limit set by RELAYER_LLM_${provider.toUpperCase()}_${admission.limit.toUpperCase()}_PER_MINUTE)`, admission.retryAfterSeconds);
        }
        const breaker = breakers.get(provider)!;
        let target: URL;
        try {
            target = upstreamUrl(baseUrl, rest);
        } catch {
            return localAnswer(400, "bad_path", "the request path is not a valid URL path; fix: send a path like /openai/v1/chat/completions");
        }

        let upstreamReq: http.ClientRequest | undefined;
        let clientGone = false;
        res.on("close", () => {
            // The client went away before the whole answer was written: stop paying for the generation.
            if (!res.writableFinished) {
                clientGone = true;
                upstreamReq?.destroy(new ClientGoneError("client closed the connection"));
            }
        });

        const send = (): Promise<http.IncomingMessage> =>
            new Promise((resolve, rejectSend) => {
                const transport = target.protocol === "https:" ? https : http;
                const outgoing = transport.request(target, {
                    method: req.method,
                    headers: upstreamRequestHeaders(req.headers, provider, apiKey, target.host),
                    agent: agents[target.protocol as "http:" | "https:"],
                });
                upstreamReq = outgoing;
                if (clientGone) outgoing.destroy(new ClientGoneError("client closed the connection"));
                const timer = setTimeout(() => outgoing.destroy(new UpstreamTimeoutError(`no response headers within ${settings.upstreamTimeoutMs} ms`)), settings.upstreamTimeoutMs);
                outgoing.on("response", (upstreamRes) => {
                    clearTimeout(timer);
                    if ((upstreamRes.statusCode ?? 502) >= 500) rejectSend(new UpstreamStatusError(upstreamRes));
                    else resolve(upstreamRes);
                });
                outgoing.on("error", (err) => {
                    clearTimeout(timer);
                    rejectSend(err);
                });
                let bytes = 0;
                req.on("data", (chunk: Buffer) => {
                    bytes += chunk.length;
                    if (bytes > settings.maxRequestBytes) {
                        req.unpipe(outgoing);
                        outgoing.destroy(new RequestTooLargeError(`request body is over ${settings.maxRequestBytes} bytes`));
                    }
                });
                req.pipe(outgoing);
            });

        breaker
            .run(send)
            .then(
                (upstreamRes) => relay(upstreamRes),
                (err: unknown) => {
                    if (err instanceof UpstreamStatusError) return relay(err.response);
                    if (clientGone || err instanceof ClientGoneError) return finish(499, undefined, false);
                    if (err instanceof RequestTooLargeError) {
                        res.setHeader("connection", "close");
                        return localAnswer(413, "request_too_large", `request body is over the gateway's limit of ${settings.maxRequestBytes} bytes; fix: send a smaller request or raise RELAYER_LLM_MAX_REQUEST_BYTES`);
                    }
                    if (isBreakerOpenError(err)) {
                        const wait = Math.max(1, Math.ceil(breaker.msUntilTrial() / 1000));
                        return localAnswer(503, "provider_unavailable", `${provider} is failing (circuit breaker open after repeated errors or timeouts); retry after ${wait} s`, wait);
                    }
                    if (err instanceof UpstreamTimeoutError) {
                        return localAnswer(504, "upstream_timeout", `${provider} sent no response within ${settings.upstreamTimeoutMs} ms; fix: retry later or raise RELAYER_LLM_UPSTREAM_TIMEOUT_MS`);
                    }
                    log.warn({ provider, err: errorCode(err) }, "llm provider unreachable");
                    return localAnswer(502, "upstream_unreachable", `${provider} could not be reached (${errorCode(err)}); the relayer does not retry, retry later`);
                },
            )
            .catch((err: unknown) => {
                log.error({ provider, err: errorCode(err) }, "llm gateway internal error");
                if (!res.headersSent) reject(res, 500, "internal_error", "the gateway failed to relay the request");
                else res.destroy();
            });

        function relay(upstreamRes: http.IncomingMessage): void {
            const status = upstreamRes.statusCode ?? 502;
            const contentType = upstreamRes.headers["content-type"];
            const stream = typeof contentType === "string" && contentType.includes("text/event-stream");
            if (clientGone) {
                upstreamRes.destroy();
                return finish(499, undefined, stream);
            }
            const tap = new UsageTap(contentType, modelFromPath(provider, rest));
            res.writeHead(status, clientResponseHeaders(upstreamRes.headers));
            // A stream's headers go out at once (the first token may take seconds); other answers send headers with
            // the first body bytes, one write instead of two.
            if (stream) res.flushHeaders();
            upstreamRes.on("data", (chunk: Buffer) => tap.write(chunk));
            upstreamRes.on("end", () => finish(status, tap.end(), stream));
            // The provider dropped the stream midway (or the client left and we cut it): count what was seen.
            upstreamRes.on("close", () => {
                if (upstreamRes.complete) return;
                finish(clientGone ? 499 : status, tap.end(), stream);
                res.destroy();
            });
            upstreamRes.on("error", () => res.destroy());
            upstreamRes.pipe(res);
        }
    }

    return {
        handle,
        breakers,
        close() {
            for (const b of breakers.values()) b.shutdown();
            agents["http:"].destroy();
            agents["https:"].destroy();
        },
    };
}

function reject(res: http.ServerResponse, status: number, code: string, message: string, retryAfterSeconds?: number): void {
    if (res.headersSent) {
        res.destroy();
        return;
    }
    const body = JSON.stringify({ error: { type: "relayer_gateway_error", code, message } });
    const headers: http.OutgoingHttpHeaders = { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-accel-buffering": "no" };
    if (retryAfterSeconds !== undefined) headers["retry-after"] = String(retryAfterSeconds);
    res.writeHead(status, headers);
    res.end(body);
}

function errorCode(err: unknown): string {
    if (typeof err === "object" && err !== null && typeof (err as { code?: unknown }).code === "string") return (err as { code: string }).code;
    return err instanceof Error ? err.constructor.name : "unknown";
}
