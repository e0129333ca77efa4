// Cheap structural check of an OTLP Export*ServiceRequest without decoding it: walks the wire format of the
// top-level message and of each resource_* entry with protobufjs' Reader. Relaying needs no decode, but a
// truncated or non-protobuf body must be refused (400 / INVALID_ARGUMENT) instead of poisoning the backend.
import { Reader } from "protobufjs/minimal";

/** Undefined when well-formed, otherwise what is wrong. */
export function protobufProblem(body: Uint8Array): string | undefined {
    try {
        const reader = Reader.create(body);
        while (reader.pos < reader.len) {
            const tag = reader.uint32();
            const field = tag >>> 3;
            const wireType = tag & 7;
            if (field === 0) return `invalid field number 0 at byte ${reader.pos}`;
            if (field === 1) {
                if (wireType !== 2) return `field 1 (resource entries) has wire type ${wireType}, expected 2 (length-delimited)`;
                const start = reader.pos;
                const length = reader.uint32();
                const end = reader.pos + length;
                if (end > reader.len) return `resource entry at byte ${start} is truncated (${length} bytes announced, ${reader.len - reader.pos} present)`;
                const inner = Reader.create(body.subarray(reader.pos, end));
                while (inner.pos < inner.len) {
                    const innerTag = inner.uint32();
                    if (innerTag >>> 3 === 0) return `invalid field number 0 inside resource entry at byte ${start}`;
                    inner.skipType(innerTag & 7);
                }
                reader.pos = end;
            } else {
                reader.skipType(wireType);
            }
        }
        return undefined;
    } catch (error) {
        return `not a valid protobuf message (${(error as Error).message})`;
    }
}
