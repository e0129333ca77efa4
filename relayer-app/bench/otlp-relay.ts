// Benchmark section: OTLP/gRPC through the relayer vs directly to the backend, interleaved.
// Processes: load generator, relayer (the built dist/main.js, fsync policy "always"), fake backend.
// Prints: spans/s through the relayer per relayer CPU-second, relay/direct throughput ratio, added p50/p99
// latency at a fixed 10k spans/s, peak RSS, and the measured spool write+fsync time.
import { testCluster } from "../test/fake-backend/fake-backend";
import { httpGet, startRelayerProcess } from "../test/harness/relayer-process";
import { cpuSeconds, fmt, peakRssMiB, startScript } from "./proc";

interface LoadResult {
    ok: number;
    failed: number;
    spans: number;
    seconds: number;
    p50: number;
    p99: number;
    bytesPerRequest: number;
}

const THROUGHPUT_SECONDS = 4;
const THROUGHPUT_ROUNDS = 2;
const LATENCY_SECONDS = 6;
/** Odd, so the median round is a real round; the machine is shared, so single rounds are noisy. */
const LATENCY_ROUNDS = 3;

async function load(port: number, args: { spansPerRequest: number; concurrency: number; rate: number; seconds: number }): Promise<LoadResult> {
    const { firstLine } = startScript("loadgen-process.ts", [JSON.stringify({ port, ...args })]);
    return (await firstLine) as unknown as LoadResult;
}

async function getText(port: number, path: string): Promise<string> {
    return (await httpGet(port, path)).body;
}

/** Upper bound of the histogram bucket holding the p-th percentile (prom-client bucket lines). */
function bucketPercentile(text: string, name: string, p: number): number {
    const buckets = text
        .split("\n")
        .filter((l) => l.startsWith(`${name}_bucket{le="`) && !l.includes('le="+Inf"'))
        .map((l) => ({ le: Number(/le="([^"]+)"/.exec(l)![1]), count: Number(l.split(" ")[1]) }));
    const total = metric(text, `${name}_count`);
    return buckets.find((b) => b.count >= (p / 100) * total)?.le ?? Infinity;
}

function metric(text: string, name: string): number {
    const line = text.split("\n").find((l) => l.startsWith(`${name} `));
    return line ? Number(line.split(" ")[1]) : NaN;
}

export async function otlpRelayBench(): Promise<void> {
    for (const policy of ["always", "interval"] as const) await benchPolicy(policy);
}

async function benchPolicy(policy: "always" | "interval"): Promise<void> {
    const cluster = testCluster();
    const backend = startScript("backend-process.ts", [], { BENCH_CLUSTER_ID: cluster.id, BENCH_CLUSTER_TOKEN: cluster.token });
    const ports = (await backend.firstLine) as { wsUrl: string; grpcPort: number; adminPort: number };
    const relayer = await startRelayerProcess({
        backendUrl: ports.wsUrl,
        secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token },
        env: { RELAYER_LOG_LEVEL: "warn", RELAYER_SPOOL_FSYNC: policy },
    });
    const pid = relayer.child.pid!;
    try {
        console.log(`--- spool fsync policy: ${policy} ---`);
        await load(relayer.ports.grpc, { spansPerRequest: 512, concurrency: 8, rate: 0, seconds: 1 }); // warm-up
        console.log("OTLP/gRPC relay vs direct (closed loop, 8 concurrent exporters, 512 spans per request)");
        let relaySpans = 0;
        let relaySeconds = 0;
        let relayCpu = 0;
        let directSpans = 0;
        let directSeconds = 0;
        for (let round = 1; round <= THROUGHPUT_ROUNDS; round++) {
            const direct = await load(ports.grpcPort, { spansPerRequest: 512, concurrency: 8, rate: 0, seconds: THROUGHPUT_SECONDS });
            const cpuBefore = cpuSeconds(pid);
            const relay = await load(relayer.ports.grpc, { spansPerRequest: 512, concurrency: 8, rate: 0, seconds: THROUGHPUT_SECONDS });
            const cpu = cpuSeconds(pid) - cpuBefore;
            directSpans += direct.spans;
            directSeconds += direct.seconds;
            relaySpans += relay.spans;
            relaySeconds += relay.seconds;
            relayCpu += cpu;
            console.log(
                `  round ${round}: direct ${fmt(direct.spans / direct.seconds)} spans/s | relay ${fmt(relay.spans / relay.seconds)} spans/s, ` +
                    `relayer CPU ${fmt(cpu, 2)} s, failed ${relay.failed} (request ${fmt(relay.bytesPerRequest / 1024, 1)} KiB)`,
            );
        }
        const perCpu = relaySpans / relayCpu;
        console.log(`  spans/s through the relayer per relayer CPU-second: ${fmt(perCpu)}  (goal >= 100,000)`);
        console.log(`  relay/direct throughput ratio: ${fmt(relaySpans / relaySeconds / (directSpans / directSeconds), 2)}`);

        console.log("OTLP/gRPC latency at a fixed 10,000 spans/s (100 requests/s x 100 spans), interleaved");
        const added50: number[] = [];
        const added99: number[] = [];
        for (let round = 1; round <= LATENCY_ROUNDS; round++) {
            const direct = await load(ports.grpcPort, { spansPerRequest: 100, concurrency: 0, rate: 100, seconds: LATENCY_SECONDS });
            const relay = await load(relayer.ports.grpc, { spansPerRequest: 100, concurrency: 0, rate: 100, seconds: LATENCY_SECONDS });
            added50.push(relay.p50 - direct.p50);
            added99.push(relay.p99 - direct.p99);
            console.log(
                `  round ${round}: direct p50 ${fmt(direct.p50, 2)} ms p99 ${fmt(direct.p99, 2)} ms | relay p50 ${fmt(relay.p50, 2)} ms p99 ${fmt(relay.p99, 2)} ms | failed ${relay.failed}`,
            );
        }
        const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
        console.log(`  added latency (median of ${LATENCY_ROUNDS} rounds): p50 ${fmt(median(added50), 2)} ms, p99 ${fmt(median(added99), 2)} ms  (goal p99 < 5 ms)`);

        const metrics = await getText(relayer.ports.ops, "/metrics");
        const writes = metric(metrics, "relayer_spool_write_seconds_count");
        const writeSum = metric(metrics, "relayer_spool_write_seconds_sum");
        const syncs = metric(metrics, "relayer_spool_background_sync_seconds_count");
        const syncSum = metric(metrics, "relayer_spool_background_sync_seconds_sum");
        const received = metric(metrics, 'relayer_otlp_requests_received_total{signal="traces",transport="grpc"}');
        console.log(
            `  spool writes (group commit${policy === "always" ? " incl. fdatasync" : ""}): ${fmt(writes)} for ${fmt(received)} requests, mean ${fmt((writeSum / writes) * 1000, 3)} ms, ` +
                `p99 <= ${fmt(bucketPercentile(metrics, "relayer_spool_write_seconds", 99) * 1000, 1)} ms` +
                (policy === "interval" ? `; background fdatasync rounds: ${fmt(syncs)}, mean ${fmt((syncSum / syncs) * 1000, 3)} ms` : ""),
        );
        // Everything accepted must reach the backend.
        const deadline = Date.now() + 60_000;
        let stats = { lastSeq: 0, duplicates: 0 };
        while (Date.now() < deadline) {
            stats = JSON.parse(await getText(ports.adminPort, `/stats?replica=${relayer.options.replica}`)) as typeof stats;
            if (stats.lastSeq >= received) break;
            await new Promise((r) => setTimeout(r, 100));
        }
        console.log(`  backend holds ${fmt(stats.lastSeq)} of ${fmt(received)} accepted batches (${stats.duplicates} duplicates)`);
        console.log(`  relayer peak RSS: ${fmt(peakRssMiB(pid), 1)} MiB  (goal < 200 MiB)`);
    } finally {
        await relayer.stop();
        relayer.removeDirs();
        backend.child.kill("SIGTERM");
    }
}
