// Bad input corpus against a real relayer process: every case gets the status the OTLP specification asks for,
// with a message saying what was wrong; the process stays up and its memory stays bounded.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import { gzipSync } from "node:zlib";
import * as grpc from "@grpc/grpc-js";
import { startFakeBackend, testCluster, type FakeBackend } from "./fake-backend/fake-backend";
import { GrpcTraceClient, postOtlp, traceRequest } from "./harness/otlp-client";
import { httpStatus, startRelayerProcess, type RelayerProcess } from "./harness/relayer-process";

const LIMIT = 1024 * 1024;

function rssMiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

/** A chunked POST (no Content-Length) streaming `total` bytes. */
function postChunked(port: number, total: number, headers: Record<string, string>): Promise<number> {
    return new Promise((resolve) => {
        const request = http.request({ host: "127.0.0.1", port, path: "/v1/traces", method: "POST", headers }, (response) => {
            response.resume();
            resolve(response.statusCode ?? 0);
        });
        request.on("error", () => resolve(-1));
        const chunk = Buffer.alloc(64 * 1024, 1);
        let sent = 0;
        const write = () => {
            while (sent < total) {
                sent += chunk.length;
                if (!request.write(chunk)) return void request.once("drain", write);
            }
            request.end();
        };
        write();
    });
}

function rawRequest(port: number, text: string): Promise<string> {
    return new Promise((resolve) => {
        const socket = net.connect(port, "127.0.0.1", () => socket.write(text));
        let out = "";
        socket.on("data", (d: Buffer) => (out += d.toString()));
        socket.on("close", () => resolve(out));
        socket.on("error", () => resolve(out));
        socket.setTimeout(5000, () => socket.destroy());
    });
}

describe("bad input corpus", function () {
    this.timeout(60_000);
    const cluster = testCluster();
    let backend: FakeBackend;
    let relayer: RelayerProcess;
    let grpcClient: GrpcTraceClient;
    let peakRss = 0;
    const valid = traceRequest(20).body;
    const pb = { "Content-Type": "application/x-protobuf" };
    const json = { "Content-Type": "application/json" };

    before(async () => {
        backend = await startFakeBackend({ clusters: [cluster], heartbeatMs: 2000 });
        relayer = await startRelayerProcess({
            backendUrl: backend.url,
            secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token },
            env: { RELAYER_OTLP_MAX_REQUEST_BYTES: String(LIMIT) },
        });
        grpcClient = new GrpcTraceClient(relayer.ports.grpc);
    });
    afterEach(async () => {
        assert.ok(relayer.running, "the relayer process must stay up");
        assert.equal(await httpStatus(relayer.ports.ops, "/healthz"), 200);
        peakRss = Math.max(peakRss, rssMiB(relayer.child.pid!));
    });
    after(async () => {
        grpcClient?.close();
        await relayer?.stop();
        await backend?.stop();
        relayer?.removeDirs();
    });

    const httpCases: { name: string; send: () => Promise<{ status: number; body?: Buffer }>; status: number; message?: RegExp }[] = [
        { name: "truncated protobuf", send: () => postOtlp(relayer.ports.http, "/v1/traces", valid.subarray(0, valid.length - 7), pb), status: 400, message: /truncated|not a valid/ },
        { name: "random bytes as protobuf", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from([0xff, 0xff, 0xff, 0xff, 0x0f, 0x01]), pb), status: 400, message: /not a valid OTLP/ },
        { name: "field 1 with the wrong wire type", send: () => postOtlp(relayer.ports.http, "/v1/logs", Buffer.from([0x08, 0x01]), pb), status: 400, message: /wire type/ },
        { name: "text/plain content type", send: () => postOtlp(relayer.ports.http, "/v1/traces", valid, { "Content-Type": "text/plain" }), status: 415, message: /application\/x-protobuf or application\/json/ },
        { name: "no content type", send: () => postOtlp(relayer.ports.http, "/v1/traces", valid, {}), status: 415 },
        { name: "application/xml", send: () => postOtlp(relayer.ports.http, "/v1/metrics", Buffer.from("<a/>"), { "Content-Type": "application/xml" }), status: 415 },
        { name: "invalid JSON", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from("{\"resourceSpans\": [}"), json), status: 400, message: /not valid JSON/ },
        { name: "JSON array instead of an object", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from("[]"), json), status: 400, message: /JSON object/ },
        { name: "JSON with wrong field types", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from("{\"resourceSpans\": 5}"), json), status: 400, message: /array expected/ },
        {
            name: "JSON with a non-hex trace id",
            send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from(JSON.stringify({ resourceSpans: [{ scopeSpans: [{ spans: [{ traceId: "zz", spanId: "0102030405060708", name: "x" }] }] }] })), json),
            status: 400,
            message: /traceId .* hex/,
        },
        { name: "JSON nested too deeply", send: () => postOtlp(relayer.ports.http, "/v1/logs", Buffer.from(`{"a":${"[".repeat(100)}${"]".repeat(100)}}`), json), status: 400, message: /deeper/ },
        { name: "gzip bomb (64 MiB of zeros)", send: () => postOtlp(relayer.ports.http, "/v1/traces", gzipSync(Buffer.alloc(64 * 1024 * 1024)), { ...pb, "Content-Encoding": "gzip" }), status: 413, message: /after decompression/ },
        { name: "corrupt gzip", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.from("this is not gzip"), { ...pb, "Content-Encoding": "gzip" }), status: 400, message: /could not be read/ },
        { name: "unsupported Content-Encoding", send: () => postOtlp(relayer.ports.http, "/v1/traces", valid, { ...pb, "Content-Encoding": "br" }), status: 415, message: /Content-Encoding/ },
        { name: "body over the limit (Content-Length)", send: () => postOtlp(relayer.ports.http, "/v1/traces", Buffer.alloc(LIMIT + 1), pb), status: 413, message: /exceeds the limit/ },
        { name: "body over the limit (chunked, no length)", send: async () => ({ status: await postChunked(relayer.ports.http, 4 * LIMIT, pb) }), status: 413 },
        { name: "wrong path", send: () => postOtlp(relayer.ports.http, "/v1/spans", valid, pb), status: 404, message: /\/v1\/traces/ },
        { name: "root path", send: () => postOtlp(relayer.ports.http, "/", valid, json), status: 404 },
        {
            name: "GET instead of POST",
            send: () =>
                new Promise((resolve) => http.get({ host: "127.0.0.1", port: relayer.ports.http, path: "/v1/traces" }, (r) => (r.resume(), resolve({ status: r.statusCode ?? 0 })))),
            status: 405,
        },
        {
            name: "huge headers (64 KiB)",
            send: async () => ({ status: Number(/HTTP\/1\.1 (\d+)/.exec(await rawRequest(relayer.ports.http, `POST /v1/traces HTTP/1.1\r\nHost: x\r\nX-Big: ${"a".repeat(64 * 1024)}\r\n\r\n`))?.[1]) }),
            status: 431,
        },
        { name: "malformed HTTP request line", send: async () => ({ status: Number(/HTTP\/1\.1 (\d+)/.exec(await rawRequest(relayer.ports.http, "BLAH\r\n\r\n"))?.[1]) }), status: 400 },
    ];

    for (const c of httpCases) {
        it(`HTTP: ${c.name} → ${c.status}`, async () => {
            const result = await c.send();
            assert.equal(result.status, c.status);
            if (c.message) assert.match(result.body?.toString() ?? "", c.message);
        });
    }

    const grpcCases: { name: string; send: () => Promise<{ code: number; details: string }>; code: grpc.status; message?: RegExp }[] = [
        { name: "truncated protobuf", send: () => grpcClient.export(valid.subarray(0, valid.length - 3)), code: grpc.status.INVALID_ARGUMENT, message: /truncated|not a valid/ },
        { name: "garbage bytes", send: () => grpcClient.export(Buffer.from("definitely not protobuf \u00ff\u00fe")), code: grpc.status.INVALID_ARGUMENT },
        { name: "oversized message", send: () => grpcClient.export(Buffer.alloc(LIMIT + 100)), code: grpc.status.RESOURCE_EXHAUSTED },
        {
            name: "oversized after decompression (gzip)",
            send: async () => {
                const client = new GrpcTraceClient(relayer.ports.grpc, { "grpc.default_compression_algorithm": 2 });
                try {
                    return await client.export(Buffer.alloc(8 * LIMIT));
                } finally {
                    client.close();
                }
            },
            code: grpc.status.RESOURCE_EXHAUSTED,
        },
        {
            name: "unknown method",
            send: () =>
                new Promise((resolve) => {
                    const client = new grpc.Client(`127.0.0.1:${relayer.ports.grpc}`, grpc.credentials.createInsecure());
                    const id = (b: Buffer) => b;
                    client.makeUnaryRequest("/opentelemetry.proto.collector.trace.v1.TraceService/Nope", id, id, valid, (error) => {
                        client.close();
                        resolve({ code: error?.code ?? 0, details: error?.details ?? "" });
                    });
                }),
            code: grpc.status.UNIMPLEMENTED,
        },
    ];

    for (const c of grpcCases) {
        it(`gRPC: ${c.name} → ${grpc.status[c.code]}`, async () => {
            const result = await c.send();
            assert.equal(result.code, c.code, result.details);
            if (c.message) assert.match(result.details, c.message);
        });
    }

    it("still accepts valid data after the corpus, and memory stayed bounded", async () => {
        for (let i = 0; i < 3; i++) {
            assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", gzipSync(Buffer.alloc(64 * 1024 * 1024)), { ...pb, "Content-Encoding": "gzip" })).status, 413);
        }
        assert.equal((await postOtlp(relayer.ports.http, "/v1/traces", valid, pb)).status, 200);
        assert.equal((await grpcClient.export(valid)).code, 0);
        peakRss = Math.max(peakRss, rssMiB(relayer.child.pid!));
        console.log(`      relayer peak RSS during the corpus: ${peakRss.toFixed(1)} MiB`);
        assert.ok(peakRss < 200, `RSS ${peakRss} MiB`);
        assert.ok(httpCases.length + grpcCases.length >= 20);
    });
});
