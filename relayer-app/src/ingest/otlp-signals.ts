// The three OTLP signals: their batch kind, HTTP path, gRPC method path and protobufjs message type
// (from the official OTLP schema the relayer depends on: otlp-schema = @opentelemetry/otlp-transformer).
import * as otlpRoot from "otlp-schema/build/src/generated/root";
import { BatchKind, type BatchKindValue } from "../spool/batch-kind";

export type SignalName = "traces" | "metrics" | "logs";

/** The generated static message API we use: fromObject for OTLP/JSON, encode for protobuf bytes. */
export interface OtlpMessageType {
    fromObject(object: Record<string, unknown>): unknown;
    encode(message: unknown): { finish(): Uint8Array };
}

export interface OtlpSignal {
    name: SignalName;
    kind: BatchKindValue;
    httpPath: string;
    grpcService: string;
    /** Field number of the repeated resource_* field in the Export*ServiceRequest (all are 1). */
    requestType: OtlpMessageType;
}

// The generated root is typed as a namespace tree; reach the three request types once, here.
const collector = (otlpRoot as unknown as { opentelemetry: { proto: { collector: Record<string, Record<string, Record<string, OtlpMessageType>>> } } })
    .opentelemetry.proto.collector;

export const OTLP_SIGNALS: readonly OtlpSignal[] = [
    {
        name: "traces",
        kind: BatchKind.traces,
        httpPath: "/v1/traces",
        grpcService: "opentelemetry.proto.collector.trace.v1.TraceService",
        requestType: collector.trace.v1.ExportTraceServiceRequest,
    },
    {
        name: "metrics",
        kind: BatchKind.metrics,
        httpPath: "/v1/metrics",
        grpcService: "opentelemetry.proto.collector.metrics.v1.MetricsService",
        requestType: collector.metrics.v1.ExportMetricsServiceRequest,
    },
    {
        name: "logs",
        kind: BatchKind.logs,
        httpPath: "/v1/logs",
        grpcService: "opentelemetry.proto.collector.logs.v1.LogsService",
        requestType: collector.logs.v1.ExportLogsServiceRequest,
    },
];
