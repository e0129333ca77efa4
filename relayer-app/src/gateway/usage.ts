// Token usage read from the providers' own usage fields, for metrics, the tokens-per-minute limit and the
// backend's usage events. The tap sees response bytes as they stream past; it keeps only what it needs to find
// the usage fields and never logs or returns any prompt or completion text.

export interface Usage {
    model?: string;
    inputTokens: number;
    outputTokens: number;
    /** Whether any usage field was seen (false: the provider sent none, e.g. OpenAI streams without include_usage). */
    reported: boolean;
}

export function emptyUsage(): Usage {
    return { inputTokens: 0, outputTokens: 0, reported: false };
}

type Json = Record<string, unknown>;

const isObject = (v: unknown): v is Json => typeof v === "object" && v !== null && !Array.isArray(v);
const num = (v: unknown): number => (typeof v === "number" && Number.isFinite(v) && v >= 0 ? v : 0);

/**
 * Fold one provider JSON document (a whole response, or one streamed event) into `usage`. Providers report
 * cumulative counts in streams (Anthropic message_start/message_delta, Gemini chunks, OpenAI's final chunk), so
 * the larger value wins. Shapes covered:
 * - Anthropic: `usage.{input_tokens, cache_creation_input_tokens, cache_read_input_tokens, output_tokens}`,
 *   streamed under `message.usage` (message_start) and `usage` (message_delta)
 * - OpenAI / Azure chat: `usage.{prompt_tokens, completion_tokens}`; Responses API `usage.{input_tokens,
 *   output_tokens}`, streamed under `response.usage` (response.completed)
 * - Gemini: `usageMetadata.{promptTokenCount, candidatesTokenCount, thoughtsTokenCount}`, model `modelVersion`
 */
export function foldUsage(usage: Usage, doc: unknown): Usage {
    if (Array.isArray(doc)) return doc.reduce<Usage>((u, d) => foldUsage(u, d), usage);
    if (!isObject(doc)) return usage;
    let next = usage;
    const model = [doc.model, doc.modelVersion, isObject(doc.message) ? doc.message.model : undefined, isObject(doc.response) ? doc.response.model : undefined].find(
        (m): m is string => typeof m === "string" && m.length > 0,
    );
    if (model !== undefined && next.model === undefined) next = { ...next, model };
    for (const u of [doc.usage, isObject(doc.message) ? doc.message.usage : undefined, isObject(doc.response) ? doc.response.usage : undefined]) {
        if (!isObject(u)) continue;
        const input = num(u.input_tokens) + num(u.cache_creation_input_tokens) + num(u.cache_read_input_tokens) + num(u.prompt_tokens);
        const output = num(u.output_tokens) + num(u.completion_tokens);
        next = { ...next, inputTokens: Math.max(next.inputTokens, input), outputTokens: Math.max(next.outputTokens, output), reported: true };
    }
    if (isObject(doc.usageMetadata)) {
        const m = doc.usageMetadata;
        next = {
            ...next,
            inputTokens: Math.max(next.inputTokens, num(m.promptTokenCount)),
            outputTokens: Math.max(next.outputTokens, num(m.candidatesTokenCount) + num(m.thoughtsTokenCount)),
            reported: true,
        };
    }
    return next;
}

/** Largest JSON body the tap keeps to read usage from; beyond it the response still streams, uncounted. */
const MAX_JSON_BYTES = 8 * 1024 * 1024;
/** Longest SSE line the tap keeps; longer lines (large content deltas) cannot carry usage and are skipped. */
const MAX_SSE_LINE_BYTES = 1024 * 1024;

/** Watches a response body chunk by chunk and reports the usage at the end. */
export class UsageTap {
    private usage: Usage;
    private readonly mode: "sse" | "json" | "none";
    private jsonChunks: Buffer[] = [];
    private jsonBytes = 0;
    private lineCarry = "";
    private skippingLongLine = false;

    /** `fallbackModel`: the model named in the URL, used when the response names none (the response's wins). */
    constructor(
        contentType: string | undefined,
        private readonly fallbackModel: string | undefined,
    ) {
        this.usage = emptyUsage();
        const type = (contentType ?? "").toLowerCase();
        this.mode = type.includes("text/event-stream") ? "sse" : type.includes("json") ? "json" : "none";
    }

    write(chunk: Buffer): void {
        if (this.mode === "json") {
            this.jsonBytes += chunk.length;
            if (this.jsonBytes <= MAX_JSON_BYTES) this.jsonChunks.push(chunk);
            else this.jsonChunks = [];
        } else if (this.mode === "sse") {
            this.scanSse(chunk.toString("utf8"));
        }
    }

    end(): Usage {
        if (this.mode === "json" && this.jsonBytes > 0 && this.jsonBytes <= MAX_JSON_BYTES) {
            this.usage = foldUsage(this.usage, parseJson(Buffer.concat(this.jsonChunks).toString("utf8")));
            this.jsonChunks = [];
        } else if (this.mode === "sse" && this.lineCarry.length > 0) {
            this.scanLine(this.lineCarry);
            this.lineCarry = "";
        }
        return this.usage.model === undefined && this.fallbackModel !== undefined ? { ...this.usage, model: this.fallbackModel } : this.usage;
    }

    private scanSse(text: string): void {
        let start = 0;
        for (let nl = text.indexOf("\n"); nl !== -1; nl = text.indexOf("\n", start)) {
            const piece = text.slice(start, nl);
            start = nl + 1;
            if (this.skippingLongLine) {
                this.skippingLongLine = false;
                continue;
            }
            this.scanLine(this.lineCarry + piece);
            this.lineCarry = "";
        }
        if (this.skippingLongLine) return;
        this.lineCarry += text.slice(start);
        if (this.lineCarry.length > MAX_SSE_LINE_BYTES) {
            this.lineCarry = "";
            this.skippingLongLine = true;
        }
    }

    private scanLine(line: string): void {
        // Only `data:` lines that can carry a model or usage are parsed: content deltas are skipped unparsed.
        if (!line.startsWith("data:")) return;
        if (!line.includes("sage") && !line.includes('"model')) return;
        this.usage = foldUsage(this.usage, parseJson(line.slice(5).trim()));
    }
}

function parseJson(text: string): unknown {
    try {
        return JSON.parse(text);
    } catch {
        return undefined;
    }
}
