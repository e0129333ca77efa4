// Benchmark load generator process: OTLP/gRPC trace exports to one target, either as fast as `concurrency`
// allows or at a fixed request rate; prints one JSON line with counts and latency percentiles.
import { GrpcTraceClient, traceRequest } from "../test/harness/otlp-client";

interface Args {
    port: number;
    seconds: number;
    spansPerRequest: number;
    concurrency: number;
    /** Requests per second; 0 = closed loop as fast as possible. */
    rate: number;
}

function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function main(): Promise<void> {
    const args = JSON.parse(process.argv[2]) as Args;
    const bodies = Array.from({ length: 32 }, () => traceRequest(args.spansPerRequest, "bench").body);
    const client = new GrpcTraceClient(args.port);
    await client.export(bodies[0]); // warm the channel
    const latencies: number[] = [];
    let ok = 0;
    let failed = 0;
    let issued = 0;
    const started = performance.now();
    const end = started + args.seconds * 1000;
    const one = async () => {
        const body = bodies[issued++ % bodies.length];
        const t0 = performance.now();
        const result = await client.export(body);
        latencies.push(performance.now() - t0);
        if (result.code === 0) ok++;
        else failed++;
    };
    if (args.rate > 0) {
        const interval = 1000 / args.rate;
        const pending: Promise<void>[] = [];
        for (let i = 0; performance.now() < end && i < args.rate * args.seconds; i++) {
            const due = started + i * interval;
            const wait = due - performance.now();
            if (wait > 0) await new Promise((r) => setTimeout(r, wait));
            pending.push(one());
        }
        await Promise.all(pending);
    } else {
        await Promise.all(
            Array.from({ length: args.concurrency }, async () => {
                while (performance.now() < end) await one();
            }),
        );
    }
    const seconds = (performance.now() - started) / 1000;
    latencies.sort((a, b) => a - b);
    client.close();
    process.stdout.write(
        `${JSON.stringify({ ok, failed, spans: ok * args.spansPerRequest, seconds, p50: percentile(latencies, 50), p99: percentile(latencies, 99), bytesPerRequest: bodies[0].length })}\n`,
    );
}

void main();
