// OTLP/JSON → protobuf bytes with the official schema. OTLP/JSON differs from protobuf's canonical JSON in two
// ways the generated `fromObject` does not know: trace/span ids are hex (not base64), and enum values may be
// names or numbers (handled by fromObject). 64-bit integers as decimal strings are handled by fromObject (Long).
import type { OtlpSignal } from "./otlp-signals";

const ID_FIELDS = new Set(["traceId", "spanId", "parentSpanId"]);
const ID_BYTES: Record<string, number> = { traceId: 16, spanId: 8, parentSpanId: 8 };

export class JsonPayloadError extends Error {}

/** Rewrite hex ids to the base64 that protobufjs expects for bytes fields, validating their length. */
function convertIds(value: unknown, depth: number): void {
    if (depth > 64) throw new JsonPayloadError("JSON nesting is deeper than 64 levels");
    if (Array.isArray(value)) {
        for (const item of value) convertIds(item, depth + 1);
        return;
    }
    if (value === null || typeof value !== "object") return;
    const object = value as Record<string, unknown>;
    for (const [key, item] of Object.entries(object)) {
        if (ID_FIELDS.has(key) && typeof item === "string") {
            if (item === "") continue;
            if (!/^[0-9a-fA-F]+$/.test(item) || item.length !== ID_BYTES[key] * 2) {
                throw new JsonPayloadError(`${key} "${item.slice(0, 40)}" must be ${ID_BYTES[key] * 2} hex characters (OTLP/JSON encodes ids as hex)`);
            }
            object[key] = Buffer.from(item, "hex").toString("base64");
        } else if (typeof item === "object") {
            convertIds(item, depth + 1);
        }
    }
}

/** Convert an OTLP/JSON request body to the protobuf encoding of the same request. Throws JsonPayloadError. */
export function otlpJsonToProtobuf(signal: OtlpSignal, body: Buffer): Buffer {
    let parsed: unknown;
    try {
        parsed = JSON.parse(body.toString("utf8"));
    } catch (error) {
        throw new JsonPayloadError(`body is not valid JSON (${(error as Error).message})`);
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new JsonPayloadError("body must be a JSON object (an OTLP Export request)");
    }
    convertIds(parsed, 0);
    try {
        const message = signal.requestType.fromObject(parsed as Record<string, unknown>);
        return Buffer.from(signal.requestType.encode(message).finish());
    } catch (error) {
        throw new JsonPayloadError(`body is not a valid OTLP ${signal.name} request: ${(error as Error).message}`);
    }
}
