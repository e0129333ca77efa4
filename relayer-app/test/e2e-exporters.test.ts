// End to end with the official OpenTelemetry JS exporters: OTLP/gRPC, OTLP/HTTP protobuf and OTLP/HTTP JSON
// send known spans, logs and metrics through a real relayer process; the independent fake backend decodes
// exactly those, with matching ids.
import { strict as assert } from "node:assert";
import { context, trace } from "@opentelemetry/api";
import { SeverityNumber } from "@opentelemetry/api-logs";
import { OTLPLogExporter as LogsGrpc } from "@opentelemetry/exporter-logs-otlp-grpc";
import { OTLPLogExporter as LogsJson } from "@opentelemetry/exporter-logs-otlp-http";
import { OTLPLogExporter as LogsProto } from "@opentelemetry/exporter-logs-otlp-proto";
import { OTLPMetricExporter as MetricsGrpc } from "@opentelemetry/exporter-metrics-otlp-grpc";
import { OTLPMetricExporter as MetricsJson } from "@opentelemetry/exporter-metrics-otlp-http";
import { OTLPMetricExporter as MetricsProto } from "@opentelemetry/exporter-metrics-otlp-proto";
import { OTLPTraceExporter as TraceGrpc } from "@opentelemetry/exporter-trace-otlp-grpc";
import { OTLPTraceExporter as TraceJson } from "@opentelemetry/exporter-trace-otlp-http";
import { OTLPTraceExporter as TraceProto } from "@opentelemetry/exporter-trace-otlp-proto";
import { resourceFromAttributes } from "@opentelemetry/resources";
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor, type ReadableLogRecord } from "@opentelemetry/sdk-logs";
import { MeterProvider, MetricReader, type ResourceMetrics } from "@opentelemetry/sdk-metrics";
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from "@opentelemetry/sdk-trace-base";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { logRecordsOf, metricNamesOf, spansOf } from "./fake-backend/otlp-decode";
import { startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

interface ExportResult {
    code: number;
    error?: Error;
}
interface Exporter<T> {
    export(items: T, done: (result: ExportResult) => void): void;
    shutdown(): Promise<void>;
}

function exportWith<T>(exporter: Exporter<T>, items: T): Promise<ExportResult> {
    return new Promise((resolve) => exporter.export(items, resolve));
}

class CollectingReader extends MetricReader {
    protected onForceFlush(): Promise<void> {
        return Promise.resolve();
    }
    protected onShutdown(): Promise<void> {
        return Promise.resolve();
    }
}

const resource = resourceFromAttributes({ "service.name": "e2e-agent" });

function makeSpans(tag: string, count: number): ReadableSpan[] {
    const memory = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ resource, spanProcessors: [new SimpleSpanProcessor(memory)] });
    const tracer = provider.getTracer("e2e");
    for (let i = 0; i < count; i++) {
        const span = tracer.startSpan(`${tag}-span-${i}`, { attributes: { "test.transport": tag, "test.big": 2 ** 40 + i } });
        span.end();
    }
    return memory.getFinishedSpans();
}

function makeLogs(tag: string, count: number, spans: ReadableSpan[]): ReadableLogRecord[] {
    const memory = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({ resource, processors: [new SimpleLogRecordProcessor(memory)] });
    const logger = provider.getLogger("e2e");
    for (let i = 0; i < count; i++) {
        const ctx = spans[i].spanContext();
        logger.emit({
            body: `${tag}-log-${i}`,
            severityNumber: SeverityNumber.INFO,
            // Correlate with a span so trace/span ids travel in log records too (hex in OTLP/JSON).
            context: trace.setSpanContext(context.active(), ctx),
        });
    }
    return memory.getFinishedLogRecords();
}

async function makeMetrics(tag: string): Promise<ResourceMetrics> {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ resource, readers: [reader] });
    const meter = provider.getMeter("e2e");
    meter.createCounter(`${tag}_requests_total`).add(5, { route: "/x" });
    meter.createHistogram(`${tag}_latency_ms`).record(12.5);
    meter.createUpDownCounter(`${tag}_big_counter`).add(2 ** 53 - 1);
    const { resourceMetrics } = await reader.collect();
    return resourceMetrics;
}

describe("end to end with the official OpenTelemetry exporters", function () {
    this.timeout(60_000);
    const cluster = testCluster();
    let backend: FakeBackend;
    let relayer: RelayerProcess;

    before(async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 2000 });
        relayer = await startRelayerProcess({ backendUrl: backend.url, secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token } });
    });
    after(async () => {
        await relayer?.stop();
        await backend?.stop();
        relayer?.removeDirs();
    });

    const transports = [
        {
            tag: "grpc",
            traces: (p: RelayerProcess) => new TraceGrpc({ url: `http://127.0.0.1:${p.ports.grpc}`, compression: "gzip" as never }),
            logs: (p: RelayerProcess) => new LogsGrpc({ url: `http://127.0.0.1:${p.ports.grpc}` }),
            metrics: (p: RelayerProcess) => new MetricsGrpc({ url: `http://127.0.0.1:${p.ports.grpc}` }),
        },
        {
            tag: "httpproto",
            traces: (p: RelayerProcess) => new TraceProto({ url: `http://127.0.0.1:${p.ports.http}/v1/traces`, compression: "gzip" as never }),
            logs: (p: RelayerProcess) => new LogsProto({ url: `http://127.0.0.1:${p.ports.http}/v1/logs` }),
            metrics: (p: RelayerProcess) => new MetricsProto({ url: `http://127.0.0.1:${p.ports.http}/v1/metrics` }),
        },
        {
            tag: "httpjson",
            traces: (p: RelayerProcess) => new TraceJson({ url: `http://127.0.0.1:${p.ports.http}/v1/traces` }),
            logs: (p: RelayerProcess) => new LogsJson({ url: `http://127.0.0.1:${p.ports.http}/v1/logs`, compression: "gzip" as never }),
            metrics: (p: RelayerProcess) => new MetricsJson({ url: `http://127.0.0.1:${p.ports.http}/v1/metrics` }),
        },
    ];

    for (const transport of transports) {
        it(`relays spans, logs and metrics sent over ${transport.tag} with matching ids`, async () => {
            const spans = makeSpans(transport.tag, 7);
            const logs = makeLogs(transport.tag, 3, spans);
            const metrics = await makeMetrics(transport.tag);

            const traceExporter = transport.traces(relayer) as unknown as Exporter<ReadableSpan[]>;
            const logExporter = transport.logs(relayer) as unknown as Exporter<ReadableLogRecord[]>;
            const metricExporter = transport.metrics(relayer) as unknown as Exporter<ResourceMetrics>;
            try {
                assert.equal((await exportWith(traceExporter, spans)).code, 0, "trace export must succeed");
                assert.equal((await exportWith(logExporter, logs)).code, 0, "log export must succeed");
                assert.equal((await exportWith(metricExporter, metrics)).code, 0, "metric export must succeed");
            } finally {
                await Promise.all([traceExporter.shutdown(), logExporter.shutdown(), metricExporter.shutdown()]);
            }

            const expectedSpans = spans.map((s) => `${s.spanContext().traceId}/${s.spanContext().spanId}/${s.name}`).sort();
            const receivedSpans = () =>
                spansOf(backend.received(relayer.options.replica))
                    .filter((s) => s.name.startsWith(`${transport.tag}-`))
                    .map((s) => `${s.traceId}/${s.spanId}/${s.name}`)
                    .sort();
            await backend.waitFor(() => receivedSpans().length >= expectedSpans.length, 15_000, `${transport.tag} spans at the backend`);
            assert.deepEqual(receivedSpans(), expectedSpans);

            const receivedLogs = () => logRecordsOf(backend.received(relayer.options.replica)).filter((l) => l.body.startsWith(`${transport.tag}-`));
            await backend.waitFor(() => receivedLogs().length >= 3, 15_000, `${transport.tag} logs at the backend`);
            assert.ok(logs.every((l, i) => l.spanContext?.spanId === spans[i].spanContext().spanId), "log records carry their span's ids");
            assert.deepEqual(
                receivedLogs().map((l) => `${l.body}/${l.traceId}/${l.spanId}`).sort(),
                logs.map((l) => `${String(l.body)}/${l.spanContext?.traceId}/${l.spanContext?.spanId}`).sort(),
            );

            await backend.waitFor(() => metricNamesOf(backend.received(relayer.options.replica)).some((n) => n.startsWith(transport.tag)), 15_000, "metrics");
            assert.deepEqual(
                metricNamesOf(backend.received(relayer.options.replica))
                    .filter((n) => n.startsWith(transport.tag))
                    .sort(),
                [`${transport.tag}_big_counter`, `${transport.tag}_latency_ms`, `${transport.tag}_requests_total`],
            );
        });
    }

    it("sent every batch with a distinct seq and the backend saw no duplicate", () => {
        const seqs = backend.received(relayer.options.replica).map((b) => b.seq);
        assert.equal(new Set(seqs).size, seqs.length);
        assert.deepEqual(seqs, Array.from({ length: seqs.length }, (_, i) => i + 1), "seqs start at 1 and have no gaps");
        assert.equal(backend.store.duplicates, 0);
    });
});
