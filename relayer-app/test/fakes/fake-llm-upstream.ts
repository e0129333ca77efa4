// A local stand-in for the four LLM providers' HTTP APIs (127.0.0.1 only), written from their public API shapes:
// Anthropic Messages, OpenAI/Azure Chat Completions, Gemini generateContent, each as JSON and as SSE. It records
// every request it receives and lets tests pick a behaviour with the `x-fake-scenario` request header.
import http from "node:http";
import https from "node:https";
import type { AddressInfo } from "node:net";

export type Scenario = "normal" | "slow-stream" | "hang-after-headers" | "hang-before-headers" | "error-500";

export interface ReceivedRequest {
    provider: string;
    method: string;
    path: string;
    query: URLSearchParams;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
    /** Epoch ms of each body chunk's arrival (to see that bodies stream, not arrive in one piece). */
    chunkTimes: number[];
    /** Set when the gateway closed the connection before the response was complete (client abort propagated). */
    closedEarly: boolean;
}

export interface FakeUpstream {
    /** Base URL for a provider, e.g. http://127.0.0.1:1234/up/anthropic */
    baseUrl(provider: string): string;
    received: ReceivedRequest[];
    /** Text the fake puts in every completion, so tests can check it never reaches a log. */
    completionMarker: string;
    stop(): Promise<void>;
}

const SLOW_CHUNKS = 5;

/** `tls`: serve HTTPS with this key and certificate (as the real providers do). */
export async function startFakeUpstream(options: { chunkDelayMs?: number; completionMarker?: string; tls?: { key: string; cert: string } } = {}): Promise<FakeUpstream> {
    const chunkDelayMs = options.chunkDelayMs ?? 150;
    const marker = options.completionMarker ?? `completion-marker-${Math.random().toString(16).slice(2)}`;
    const received: ReceivedRequest[] = [];
    const sockets = new Set<import("node:net").Socket>();

    const handler = (req: http.IncomingMessage, res: http.ServerResponse): void => {
        const url = new URL(req.url ?? "/", "http://fake");
        const [, up, provider, ...restParts] = url.pathname.split("/");
        const path = `/${restParts.join("/")}`;
        const record: ReceivedRequest = { provider: up === "up" ? (provider ?? "") : "", method: req.method ?? "", path, query: url.searchParams, headers: req.headers, body: Buffer.alloc(0), chunkTimes: [], closedEarly: false };
        received.push(record);
        const chunks: Buffer[] = [];
        req.on("data", (c: Buffer) => {
            chunks.push(c);
            record.chunkTimes.push(Date.now());
        });
        res.on("close", () => {
            if (!res.writableFinished) record.closedEarly = true;
        });
        req.on("end", () => {
            record.body = Buffer.concat(chunks);
            const scenario = (req.headers["x-fake-scenario"] as Scenario | undefined) ?? "normal";
            let stream = false;
            try {
                stream = JSON.parse(record.body.toString("utf8") || "{}").stream === true;
            } catch {
                /* not JSON: answer as non-streaming */
            }
            stream ||= path.includes(":streamGenerateContent");
            respond(record.provider, path, scenario, stream, res);
        });
    };
    const server = options.tls ? https.createServer({ key: options.tls.key, cert: options.tls.cert }, handler) : http.createServer(handler);
    server.on("connection", (s) => {
        sockets.add(s);
        s.on("close", () => sockets.delete(s));
    });

    function respond(provider: string, path: string, scenario: Scenario, stream: boolean, res: http.ServerResponse): void {
        if (scenario === "hang-before-headers") return;
        if (scenario === "error-500") {
            res.writeHead(500, { "content-type": "application/json" });
            res.end(JSON.stringify({ error: { message: "fake upstream failure" } }));
            return;
        }
        if (!stream) {
            const body = JSON.stringify(jsonAnswer(provider, path));
            res.writeHead(200, { "content-type": "application/json", "content-length": Buffer.byteLength(body), "x-upstream": "fake" });
            res.end(body);
            return;
        }
        res.writeHead(200, { "content-type": "text/event-stream", "cache-control": "no-cache", "x-upstream": "fake" });
        const events = sseAnswer(provider, path, scenario === "slow-stream" || scenario === "hang-after-headers" ? SLOW_CHUNKS : 2);
        if (scenario === "hang-after-headers") {
            res.write(events[0]);
            return;
        }
        const delay = scenario === "slow-stream" ? chunkDelayMs : 0;
        let i = 0;
        const next = (): void => {
            if (res.destroyed) return;
            if (i >= events.length) {
                res.end();
                return;
            }
            res.write(events[i++]);
            if (delay > 0) setTimeout(next, delay);
            else next();
        };
        next();
    }

    function jsonAnswer(provider: string, path: string): unknown {
        if (provider === "anthropic") {
            return { id: "msg_fake", type: "message", role: "assistant", model: "claude-fake-1", content: [{ type: "text", text: marker }], usage: { input_tokens: 11, output_tokens: 7 } };
        }
        if (provider === "gemini") {
            return { candidates: [{ content: { role: "model", parts: [{ text: marker }] } }], usageMetadata: { promptTokenCount: 9, candidatesTokenCount: 4, totalTokenCount: 13 }, modelVersion: /models\/([^:]+)/.exec(path)?.[1] ?? "gemini-fake" };
        }
        return { id: "chatcmpl-fake", object: "chat.completion", model: "gpt-fake-1", choices: [{ index: 0, message: { role: "assistant", content: marker } }], usage: { prompt_tokens: 13, completion_tokens: 5, total_tokens: 18 } };
    }

    function sseAnswer(provider: string, path: string, deltas: number): string[] {
        const data = (o: unknown, event?: string) => `${event ? `event: ${event}\n` : ""}data: ${JSON.stringify(o)}\n\n`;
        const parts = Array.from({ length: deltas }, (_, i) => `${marker}-${i}`);
        if (provider === "anthropic") {
            return [
                data({ type: "message_start", message: { id: "msg_fake", model: "claude-fake-1", usage: { input_tokens: 21, output_tokens: 1 } } }, "message_start"),
                ...parts.map((t) => data({ type: "content_block_delta", index: 0, delta: { type: "text_delta", text: t } }, "content_block_delta")),
                data({ type: "message_delta", delta: { stop_reason: "end_turn" }, usage: { output_tokens: 15 } }, "message_delta"),
                data({ type: "message_stop" }, "message_stop"),
            ];
        }
        if (provider === "gemini") {
            const model = /models\/([^:]+)/.exec(path)?.[1] ?? "gemini-fake";
            return parts.map((t, i) => data({ candidates: [{ content: { parts: [{ text: t }] } }], usageMetadata: { promptTokenCount: 8, candidatesTokenCount: i + 1 }, modelVersion: model }));
        }
        return [
            ...parts.map((t) => data({ id: "chatcmpl-fake", object: "chat.completion.chunk", model: "gpt-fake-1", choices: [{ index: 0, delta: { content: t } }] })),
            data({ id: "chatcmpl-fake", object: "chat.completion.chunk", model: "gpt-fake-1", choices: [], usage: { prompt_tokens: 17, completion_tokens: 6 } }),
            "data: [DONE]\n\n",
        ];
    }

    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
    const port = (server.address() as AddressInfo).port;
    return {
        baseUrl: (provider) => `${options.tls ? "https" : "http"}://127.0.0.1:${port}/up/${provider}`,
        received,
        completionMarker: marker,
        async stop() {
            for (const s of sockets) s.destroy();
            await new Promise<void>((resolve) => server.close(() => resolve()));
        },
    };
}
