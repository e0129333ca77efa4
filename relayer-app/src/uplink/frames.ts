// Pure encoding/decoding of uplink frames (PROTOCOL.md, "Frames" and "Messages").
import { z } from "zod";
import type { BatchKindValue } from "../spool/batch-kind";

export const PROTOCOL_VERSION = 1;
export const BATCH_HEADER_BYTES = 10;
export const MAX_PAYLOAD_BYTES = 16 * 1024 * 1024;

/** The 10-byte header of a binary batch frame; the payload follows it in the same frame. */
export function encodeBatchHeader(kind: BatchKindValue, seq: number): Buffer {
    const header = Buffer.allocUnsafe(BATCH_HEADER_BYTES);
    header.writeUInt8(PROTOCOL_VERSION, 0);
    header.writeUInt8(kind, 1);
    header.writeBigUInt64BE(BigInt(seq), 2);
    return header;
}

const seqNumber = z.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER);

const welcome = z.object({
    type: z.literal("welcome"),
    session: z.string(),
    heartbeatMs: z.number().int().min(100).max(600_000),
    maxInFlight: z.number().int().min(1).max(100_000),
    lastSeq: seqNumber,
});
const ack = z.object({ type: z.literal("ack"), seq: seqNumber });
const nack = z.object({ type: z.literal("nack"), seq: seqNumber, code: z.string().default("rejected"), message: z.string().default("") });
const command = z.object({
    type: z.literal("command"),
    id: z.string().min(1).max(256),
    name: z.string().min(1).max(256),
    params: z.unknown().optional(),
    timeoutMs: z.number().int().positive().optional(),
});
const close = z.object({ type: z.literal("close"), reason: z.string().default(""), retryAfterMs: z.number().int().nonnegative().max(3_600_000).default(0) });

export type WelcomeMessage = z.infer<typeof welcome>;
export type BackendMessage =
    | WelcomeMessage
    | z.infer<typeof ack>
    | z.infer<typeof nack>
    | z.infer<typeof command>
    | z.infer<typeof close>
    | { type: "unknown"; name: string }
    | { type: "invalid"; problem: string };

const byType: Record<string, z.ZodType> = { welcome, ack, nack, command, close };

/** Parse a text frame from the backend. Unknown types are reported as such (PROTOCOL.md: ignored). */
export function parseBackendMessage(text: string): BackendMessage {
    let value: unknown;
    try {
        value = JSON.parse(text);
    } catch {
        return { type: "invalid", problem: "text frame is not JSON" };
    }
    if (typeof value !== "object" || value === null || typeof (value as { type?: unknown }).type !== "string") {
        return { type: "invalid", problem: "message has no string type" };
    }
    const type = (value as { type: string }).type;
    const schema = byType[type];
    if (!schema) return { type: "unknown", name: type.slice(0, 64) };
    const parsed = schema.safeParse(value);
    if (!parsed.success) return { type: "invalid", problem: `${type}: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` };
    return parsed.data as BackendMessage;
}
