// OTLP/JSON → protobuf (hex ids, 64-bit integers as strings) and the structural protobuf check.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as grpc from "@grpc/grpc-js";
import pino from "pino";
import { OtlpGrpcServer } from "../src/ingest/grpc-server";
import { OtlpHttpServer } from "../src/ingest/http-server";
import { Intake } from "../src/ingest/intake";
import { createMetrics } from "../src/metrics";
import { Spool } from "../src/spool/spool";
import { otlpJsonToProtobuf, JsonPayloadError } from "../src/ingest/json-to-protobuf";
import { OTLP_SIGNALS } from "../src/ingest/otlp-signals";
import { protobufProblem } from "../src/ingest/validate-protobuf";
import { MAX_PAYLOAD_BYTES } from "../src/uplink/frames";
import { decodeBatch } from "./fake-backend/otlp-decode";
import { GrpcTraceClient, postOtlp, traceRequest } from "./harness/otlp-client";

const traces = OTLP_SIGNALS.find((s) => s.name === "traces")!;
const logs = OTLP_SIGNALS.find((s) => s.name === "logs")!;
interface SpanObject {
    traceId: string;
    spanId: string;
    startTimeUnixNano: string;
    kind: string;
    attributes: { value: { intValue: string } }[];
}
const decodeTraces = (bytes: Uint8Array) => decodeBatch({ seq: 1, kind: 1, payload: Buffer.from(bytes) }) as { resourceSpans: { scopeSpans: { spans: SpanObject[] }[] }[] };

describe("ingest units", () => {
    it("converts OTLP/JSON with hex ids and string 64-bit integers without precision loss", () => {
        const json = {
            resourceSpans: [
                {
                    scopeSpans: [
                        {
                            spans: [
                                {
                                    traceId: "5b8efff798038103d269b633813fc60c",
                                    spanId: "eee19b7ec3c1b174",
                                    parentSpanId: "",
                                    name: "GET /items",
                                    kind: "SPAN_KIND_SERVER",
                                    startTimeUnixNano: "1700000000123456789",
                                    endTimeUnixNano: "1700000000987654321",
                                    attributes: [{ key: "n", value: { intValue: "9007199254740993" } }],
                                },
                            ],
                        },
                    ],
                },
            ],
        };
        const bytes = otlpJsonToProtobuf(traces, Buffer.from(JSON.stringify(json)));
        assert.equal(protobufProblem(bytes), undefined);
        const span = decodeTraces(bytes).resourceSpans[0].scopeSpans[0].spans[0];
        assert.equal(Buffer.from(span.traceId, "base64").toString("hex"), "5b8efff798038103d269b633813fc60c");
        assert.equal(Buffer.from(span.spanId, "base64").toString("hex"), "eee19b7ec3c1b174");
        assert.equal(span.startTimeUnixNano, "1700000000123456789");
        assert.equal(span.kind, "SPAN_KIND_SERVER");
        assert.equal(span.attributes[0].value.intValue, "9007199254740993");
    });

    it("converts log records' hex ids too and rejects ids of the wrong length", () => {
        const body = { resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: "5b8efff798038103d269b633813fc60c", spanId: "eee19b7ec3c1b174", body: { stringValue: "x" } }] }] }] };
        assert.ok(otlpJsonToProtobuf(logs, Buffer.from(JSON.stringify(body))).length > 0);
        body.resourceLogs[0].scopeLogs[0].logRecords[0].spanId = "abcd";
        assert.throws(() => otlpJsonToProtobuf(logs, Buffer.from(JSON.stringify(body))), JsonPayloadError);
    });

    it("finds truncation and wrong wire types in protobuf bodies", () => {
        const good = otlpJsonToProtobuf(traces, Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ name: "a" }] }] }] })));
        assert.equal(protobufProblem(good), undefined);
        assert.equal(protobufProblem(Buffer.alloc(0)), undefined, "an empty request is valid protobuf");
        assert.match(protobufProblem(good.subarray(0, good.length - 1))!, /truncated|not a valid/);
        assert.match(protobufProblem(Buffer.from([0x08, 0x01]))!, /wire type 0/);
        assert.match(protobufProblem(Buffer.from([0x00]))!, /field number 0/);
    });

    it("refuses for good a batch above the uplink's 16 MiB frame limit (OTLP/JSON can grow when converted)", async () => {
        // A negative enum number is 2-3 JSON characters but a 10-byte protobuf varint: conversion can grow a body.
        const json = Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: Array.from({ length: 1000 }, () => ({ kind: -1 })) }] }] }));
        assert.ok(otlpJsonToProtobuf(traces, json).length > json.length, "the protobuf is larger than the JSON it came from");
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-test-"));
        const log = pino({ level: "silent" });
        const spool = await Spool.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync: "interval" }, log);
        const metrics = createMetrics();
        const intake = new Intake(spool, metrics, log, 64 * 1024 * 1024);
        try {
            const outcome = await intake.accept(traces, "http", Buffer.alloc(MAX_PAYLOAD_BYTES + 1));
            assert.equal(outcome.status, "too_large");
            assert.match(outcome.status === "too_large" ? outcome.message : "", /batch limit; send smaller batches/);
            assert.equal(spool.stats().batches, 0, "nothing the backend would have to refuse reaches the spool");
            assert.match(await metrics.registry.metrics(), /relayer_otlp_requests_rejected_total\{signal="traces",transport="http",reason="too_large"\} 1/);
            assert.equal((await intake.accept(traces, "http", Buffer.alloc(MAX_PAYLOAD_BYTES))).status, "accepted", "exactly 16 MiB fits");
        } finally {
            await spool.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("maps refusals to the OTLP codes exporters retry on: HTTP 429/503 with Retry-After, gRPC UNAVAILABLE", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-test-"));
        const log = pino({ level: "silent" });
        const spool = await Spool.open({ dir, maxBytes: 1024 * 1024, segmentBytes: 64 * 1024, fsync: "interval" }, log);
        const metrics = createMetrics();
        const body = traceRequest(20).body;
        const overloaded = new Intake(spool, metrics, log, 1); // every request is more than may wait for the spool
        const full = new Intake(spool, metrics, log, 64 * 1024 * 1024);
        const servers = [
            new OtlpHttpServer({ host: "127.0.0.1", port: 0, maxRequestBytes: 1024 * 1024, intake: overloaded, log }),
            new OtlpGrpcServer({ host: "127.0.0.1", port: 0, maxRequestBytes: 1024 * 1024, intake: overloaded, log }),
            new OtlpHttpServer({ host: "127.0.0.1", port: 0, maxRequestBytes: 1024 * 1024, intake: full, log }),
            new OtlpGrpcServer({ host: "127.0.0.1", port: 0, maxRequestBytes: 1024 * 1024, intake: full, log }),
        ] as const;
        const clients: GrpcTraceClient[] = [];
        try {
            for (const server of servers) await server.start();
            const [httpOverloaded, grpcOverloaded, httpFull, grpcFull] = servers;
            const tooMany = await postOtlp(httpOverloaded.port, "/v1/traces", body);
            assert.equal(tooMany.status, 429);
            assert.ok(Number(tooMany.headers["retry-after"]) > 0, "429 carries Retry-After");
            clients.push(new GrpcTraceClient(grpcOverloaded.port), new GrpcTraceClient(grpcFull.port));
            assert.equal((await clients[0].export(body)).code, grpc.status.UNAVAILABLE);
            // Fill the spool until not even a 1 KiB record fits (bounded: 1 MiB cap).
            let refused = false;
            for (let i = 0; i < 2048 && !refused; i++) await spool.append(1, Buffer.alloc(1024)).catch(() => (refused = true));
            assert.ok(refused, "the spool is full");
            const unavailable = await postOtlp(httpFull.port, "/v1/traces", body);
            assert.equal(unavailable.status, 503);
            assert.ok(Number(unavailable.headers["retry-after"]) > 0, "503 carries Retry-After");
            assert.equal((await clients[1].export(body)).code, grpc.status.UNAVAILABLE);
        } finally {
            for (const client of clients) client.close();
            for (const server of servers) await server.stop(Date.now());
            await spool.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });

    it("answers overloaded (429/UNAVAILABLE upstream) when too many bytes wait for the spool, and counts it", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "intake-test-"));
        const log = pino({ level: "silent" });
        const spool = await Spool.open({ dir, maxBytes: 64 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync: "always" }, log);
        const metrics = createMetrics();
        const intake = new Intake(spool, metrics, log, 1024 * 1024);
        try {
            const outcomes = await Promise.all(Array.from({ length: 20 }, () => intake.accept(traces, "http", Buffer.alloc(200 * 1024))));
            const accepted = outcomes.filter((o) => o.status === "accepted").length;
            const overloaded = outcomes.filter((o) => o.status === "overloaded");
            assert.ok(accepted >= 1 && overloaded.length >= 1, `${accepted} accepted, ${overloaded.length} overloaded`);
            assert.ok(overloaded.every((o) => o.status === "overloaded" && o.retryAfterSeconds > 0));
            assert.equal(spool.stats().batches, accepted, "only accepted requests are in the spool");
            const text = await metrics.registry.metrics();
            assert.match(text, new RegExp(`relayer_otlp_requests_rejected_total\\{signal="traces",transport="http",reason="overloaded"\\} ${overloaded.length}`));
            assert.equal((await intake.accept(traces, "http", Buffer.alloc(1024))).status, "accepted", "accepts again once the backlog is written");
        } finally {
            await spool.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
