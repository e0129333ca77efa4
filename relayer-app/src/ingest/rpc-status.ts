// google.rpc.Status, the error body of OTLP/HTTP responses (OTLP spec: "Failures"). Built with protobufjs
// reflection because the OTLP schema package does not ship google.rpc types.
import { Field, Type } from "protobufjs";

const StatusType = new Type("Status").add(new Field("code", 1, "int32")).add(new Field("message", 2, "string"));

/** gRPC status codes used in OTLP/HTTP error bodies. */
export const RpcCode = { INVALID_ARGUMENT: 3, NOT_FOUND: 5, RESOURCE_EXHAUSTED: 8, UNAVAILABLE: 14, UNIMPLEMENTED: 12 } as const;

export function encodeStatus(code: number, message: string, json: boolean): Buffer {
    if (json) return Buffer.from(JSON.stringify({ code, message }));
    return Buffer.from(StatusType.encode(StatusType.create({ code, message })).finish());
}
