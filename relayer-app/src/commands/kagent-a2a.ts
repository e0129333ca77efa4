// A2A client for `agents.invoke`: JSON-RPC 2.0 `message/send` to the KAgent controller, which serves each Agent
// at `/api/a2a/<namespace>/<name>/` (kagent's A2A handler mux, port 8083). The reply is either a Message or a
// Task (A2A 0.3); the text is taken from the task's artifacts, else its status message, else the message parts.
import { randomUUID } from "node:crypto";
import { CommandError } from "./errors";

interface Part {
    kind?: string;
    text?: string;
}
interface A2aMessage {
    kind?: "message";
    parts?: Part[];
    taskId?: string;
}
interface A2aTask {
    kind?: "task";
    id?: string;
    status?: { state?: string; message?: A2aMessage };
    artifacts?: { parts?: Part[] }[];
}

export interface InvokeResult {
    text: string;
    taskId?: string;
}

/** Largest A2A reply read; an agent answer beyond this is refused rather than held in memory. */
const MAX_REPLY_BYTES = 4 * 1024 * 1024;

export function a2aEndpoint(kagentUrl: string, namespace: string, name: string): string {
    const base = kagentUrl.endsWith("/") ? kagentUrl.slice(0, -1) : kagentUrl;
    return `${base}/api/a2a/${encodeURIComponent(namespace)}/${encodeURIComponent(name)}/`;
}

/** The JSON-RPC request body of `message/send` with one user text part. */
export function messageSendRequest(text: string, id: string = randomUUID(), messageId: string = randomUUID()) {
    return {
        jsonrpc: "2.0" as const,
        id,
        method: "message/send" as const,
        params: { message: { kind: "message" as const, role: "user" as const, messageId, parts: [{ kind: "text" as const, text }] } },
    };
}

const texts = (parts: Part[] | undefined): string[] => (parts ?? []).filter((p) => (p.kind ?? "text") === "text" && typeof p.text === "string").map((p) => p.text as string);

/** Pure: the answer of a `message/send` result (a Task or a Message). */
export function replyText(result: unknown): InvokeResult {
    const r = (result ?? {}) as A2aTask & A2aMessage;
    if (r.kind === "task" || r.status !== undefined || r.artifacts !== undefined) {
        const state = r.status?.state;
        const fromArtifacts = (r.artifacts ?? []).flatMap((a) => texts(a.parts));
        const text = (fromArtifacts.length > 0 ? fromArtifacts : texts(r.status?.message?.parts)).join("\n");
        if (state === "failed" || state === "rejected") throw new CommandError("failed", `the agent's task ended in state ${state}${text ? `: ${text}` : ""}`);
        return { text, ...(r.id ? { taskId: r.id } : {}) };
    }
    return { text: texts(r.parts).join("\n"), ...(r.taskId ? { taskId: r.taskId } : {}) };
}

/** Send one message to an Agent and wait for its reply. Throws CommandError for answers that are not a reply. */
export async function invokeAgent(kagentUrl: string, namespace: string, name: string, text: string, signal: AbortSignal): Promise<InvokeResult> {
    const response = await fetch(a2aEndpoint(kagentUrl, namespace, name), {
        method: "POST",
        headers: { "content-type": "application/json", accept: "application/json" },
        body: JSON.stringify(messageSendRequest(text)),
        signal,
    });
    if (response.status === 404) {
        await response.body?.cancel();
        throw new CommandError("not_found", `agent ${namespace}/${name} is not served by the KAgent controller (HTTP 404)`);
    }
    if (response.status >= 500) {
        await response.body?.cancel();
        // Thrown as a plain error so the breaker counts it as a controller failure.
        throw Object.assign(new Error(`KAgent controller answered HTTP ${response.status}`), { code: "KAGENT_5XX" });
    }
    if (!response.ok) {
        await response.body?.cancel();
        throw new CommandError("failed", `KAgent controller answered HTTP ${response.status}`);
    }
    const replyBody = await readCapped(response, MAX_REPLY_BYTES);
    let body: { result?: unknown; error?: { code?: number; message?: string } };
    try {
        body = JSON.parse(replyBody) as typeof body;
    } catch {
        throw new CommandError("failed", "the KAgent controller's reply is not JSON-RPC (not valid JSON)");
    }
    if (body.error !== undefined) {
        throw new CommandError("failed", `the agent answered with JSON-RPC error ${body.error.code ?? "?"}: ${body.error.message ?? "no message"}`);
    }
    return replyText(body.result);
}

/** The body as text; refused beyond `max` bytes whatever Content-Length said (a chunked reply declares none). */
async function readCapped(response: Response, max: number): Promise<string> {
    if (Number(response.headers.get("content-length") ?? "0") > max) {
        await response.body?.cancel();
        throw new CommandError("failed", `the agent's reply is larger than ${max} bytes`);
    }
    const reader = response.body?.getReader();
    if (reader === undefined) return "";
    const chunks: Uint8Array[] = [];
    let size = 0;
    for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        size += value.byteLength;
        if (size > max) {
            await reader.cancel();
            throw new CommandError("failed", `the agent's reply is larger than ${max} bytes`);
        }
        chunks.push(value);
    }
    return Buffer.concat(chunks).toString("utf8");
}
