// Benchmark backend process: the independent fake backend (uplink, payloads not retained) plus an OTLP/gRPC
// sink that answers exports directly — the "direct client-to-backend" baseline. Prints its ports as JSON.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import * as grpc from "@grpc/grpc-js";
import { startFakeBackend } from "../test/fake-backend/fake-backend";
import { TRACE_EXPORT } from "../test/harness/otlp-client";

async function main(): Promise<void> {
    const [clusterId, clusterToken] = [process.env.BENCH_CLUSTER_ID!, process.env.BENCH_CLUSTER_TOKEN!];
    const backend = await startFakeBackend({ clusters: [{ id: clusterId, token: clusterToken }], heartbeatMs: 15_000, maxInFlight: 32, retainPayloads: false });
    const sink = new grpc.Server({ "grpc.max_receive_message_length": 16 * 1024 * 1024 });
    sink.addService(
        { Export: TRACE_EXPORT },
        { Export: (_call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) => callback(null, Buffer.alloc(0)) },
    );
    const grpcPort = await new Promise<number>((resolve, reject) =>
        sink.bindAsync("127.0.0.1:0", grpc.ServerCredentials.createInsecure(), (error, port) => (error ? reject(error) : resolve(port))),
    );
    const admin = http.createServer((request, response) => {
        const replica = new URL(request.url ?? "/", "http://x").searchParams.get("replica") ?? "";
        response.end(JSON.stringify({ lastSeq: backend.lastSeq(replica), duplicates: backend.store.duplicates }));
    });
    await new Promise<void>((resolve) => admin.listen(0, "127.0.0.1", () => resolve()));
    process.stdout.write(`${JSON.stringify({ wsUrl: backend.url, grpcPort, adminPort: (admin.address() as AddressInfo).port })}\n`);
    process.on("SIGTERM", () => process.exit(0));
}

void main();
