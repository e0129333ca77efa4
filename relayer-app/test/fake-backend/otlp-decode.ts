// Decoding of received batches with the official OTLP schema (not relayer code), for end-to-end assertions.
import * as otlpRoot from "otlp-schema/build/src/generated/root";
import type { StoredBatch } from "./fake-backend";

interface DecodeType {
    decode(bytes: Uint8Array): unknown;
    toObject(message: unknown, options: Record<string, unknown>): Record<string, unknown>;
}
const collector = (otlpRoot as unknown as { opentelemetry: { proto: { collector: Record<string, Record<string, Record<string, DecodeType>>> } } }).opentelemetry.proto.collector;
const TYPES: Record<number, DecodeType> = {
    1: collector.trace.v1.ExportTraceServiceRequest,
    2: collector.metrics.v1.ExportMetricsServiceRequest,
    3: collector.logs.v1.ExportLogsServiceRequest,
};
const TO_OBJECT = { longs: String, bytes: String, enums: String, defaults: false };

type Obj = Record<string, unknown>;
const list = (value: unknown): Obj[] => (Array.isArray(value) ? (value as Obj[]) : []);
const hex = (base64: unknown): string => Buffer.from(String(base64 ?? ""), "base64").toString("hex");

export interface DecodedSpan {
    traceId: string;
    spanId: string;
    name: string;
    seq: number;
}

export function decodeBatch(batch: StoredBatch): Obj {
    const type = TYPES[batch.kind];
    if (!type) throw new Error(`batch ${batch.seq} has kind ${batch.kind}, not OTLP`);
    return type.toObject(type.decode(batch.payload), TO_OBJECT);
}

// Stored batches never change, so each is decoded once (tests poll the backend repeatedly).
const spanCache = new WeakMap<StoredBatch, DecodedSpan[]>();

export function spansOf(batches: StoredBatch[]): DecodedSpan[] {
    const spans: DecodedSpan[] = [];
    for (const batch of batches.filter((b) => b.kind === 1)) {
        let decoded = spanCache.get(batch);
        if (!decoded) {
            decoded = [];
            for (const rs of list(decodeBatch(batch).resourceSpans))
                for (const ss of list(rs.scopeSpans))
                    for (const span of list(ss.spans)) decoded.push({ traceId: hex(span.traceId), spanId: hex(span.spanId), name: String(span.name), seq: batch.seq });
            spanCache.set(batch, decoded);
        }
        spans.push(...decoded);
    }
    return spans;
}

export function logRecordsOf(batches: StoredBatch[]): { body: string; traceId: string; spanId: string; seq: number }[] {
    const records: { body: string; traceId: string; spanId: string; seq: number }[] = [];
    for (const batch of batches.filter((b) => b.kind === 3)) {
        for (const rl of list(decodeBatch(batch).resourceLogs))
            for (const sl of list(rl.scopeLogs))
                for (const record of list(sl.logRecords)) {
                    const body = (record.body as Obj | undefined)?.stringValue;
                    records.push({ body: String(body ?? ""), traceId: hex(record.traceId), spanId: hex(record.spanId), seq: batch.seq });
                }
    }
    return records;
}

export function metricNamesOf(batches: StoredBatch[]): string[] {
    const names: string[] = [];
    for (const batch of batches.filter((b) => b.kind === 2)) {
        for (const rm of list(decodeBatch(batch).resourceMetrics)) for (const sm of list(rm.scopeMetrics)) for (const m of list(sm.metrics)) names.push(String(m.name));
    }
    return names;
}
