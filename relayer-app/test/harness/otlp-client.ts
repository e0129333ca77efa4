// A minimal OTLP load client for fault tests and the benchmark: builds trace requests with known, unique span
// ids using the official OTLP schema and sends them over HTTP (protobuf) or gRPC, reporting the status.
import { randomBytes } from "node:crypto";
import * as http from "node:http";
import * as grpc from "@grpc/grpc-js";
import * as otlpRoot from "otlp-schema/build/src/generated/root";

interface EncodeType {
    fromObject(object: Record<string, unknown>): unknown;
    encode(message: unknown): { finish(): Uint8Array };
}
const TraceRequest = (otlpRoot as unknown as { opentelemetry: { proto: { collector: { trace: { v1: { ExportTraceServiceRequest: EncodeType } } } } } }).opentelemetry
    .proto.collector.trace.v1.ExportTraceServiceRequest;

/** An encoded ExportTraceServiceRequest with `count` spans and their hex span ids. */
export function traceRequest(count: number, namePrefix = "span"): { body: Buffer; spanIds: string[] } {
    const traceId = randomBytes(16);
    const spanIds: string[] = [];
    const spans = [];
    const now = BigInt(Date.now()) * 1_000_000n;
    for (let i = 0; i < count; i++) {
        const spanId = randomBytes(8);
        spanIds.push(spanId.toString("hex"));
        spans.push({
            traceId: traceId.toString("base64"),
            spanId: spanId.toString("base64"),
            name: `${namePrefix}-${i}`,
            kind: 2,
            startTimeUnixNano: String(now),
            endTimeUnixNano: String(now + 1_000_000n),
            attributes: [{ key: "http.route", value: { stringValue: "/api/items" } }],
        });
    }
    const message = TraceRequest.fromObject({
        resourceSpans: [{ resource: { attributes: [{ key: "service.name", value: { stringValue: "load" } }] }, scopeSpans: [{ scope: { name: "test" }, spans }] }],
    });
    return { body: Buffer.from(TraceRequest.encode(message).finish()), spanIds };
}

export interface PostResult {
    status: number;
    headers: http.IncomingHttpHeaders;
    body: Buffer;
}

const agent = new http.Agent({ keepAlive: true, maxSockets: 64 });

export function postOtlp(port: number, urlPath: string, body: Buffer, headers: Record<string, string> = { "Content-Type": "application/x-protobuf" }, timeoutMs = 10_000): Promise<PostResult> {
    return new Promise((resolve) => {
        const request = http.request({ host: "127.0.0.1", port, path: urlPath, method: "POST", headers: { ...headers, "Content-Length": String(body.length) }, agent, timeout: timeoutMs }, (response) => {
            const chunks: Buffer[] = [];
            response.on("data", (c: Buffer) => chunks.push(c));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, headers: response.headers, body: Buffer.concat(chunks) }));
            response.on("error", () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
        });
        request.on("error", () => resolve({ status: 0, headers: {}, body: Buffer.alloc(0) }));
        request.on("timeout", () => request.destroy());
        request.end(body);
    });
}

const identity = (b: Buffer) => b;
/** The OTLP/gRPC trace Export method on raw bytes (clients here, the benchmark's direct sink). */
export const TRACE_EXPORT: grpc.MethodDefinition<Buffer, Buffer> = {
    path: "/opentelemetry.proto.collector.trace.v1.TraceService/Export",
    requestStream: false,
    responseStream: false,
    requestSerialize: identity,
    requestDeserialize: identity,
    responseSerialize: identity,
    responseDeserialize: identity,
};

/** A raw-bytes OTLP/gRPC trace client. */
export class GrpcTraceClient {
    private readonly client: grpc.Client;

    constructor(port: number, options: grpc.ChannelOptions = {}) {
        this.client = new grpc.Client(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_send_message_length": 64 * 1024 * 1024, ...options });
    }

    export(body: Buffer, metadata = new grpc.Metadata(), timeoutMs = 10_000): Promise<{ code: number; details: string }> {
        return new Promise((resolve) => {
            this.client.makeUnaryRequest(TRACE_EXPORT.path, identity, identity, body, metadata, { deadline: Date.now() + timeoutMs }, (error) => {
                resolve(error ? { code: error.code ?? 2, details: error.details ?? error.message } : { code: 0, details: "" });
            });
        });
    }

    close(): void {
        this.client.close();
    }
}
