// Gateway benchmark: the relayer's LLM gateway (a real relayer process) against a direct call to the same local
// fake upstream (its own process), interleaved round by round so both see the same machine load, at
// concurrency 1 and 32. Prints added p50/p99 latency and the throughput ratio. Loops are bounded in requests
// and time; everything runs on 127.0.0.1.
import http from "node:http";
import { startFakeBackend, testCluster } from "../test/fake-backend/fake-backend";
import { startRelayerProcess } from "../test/harness/relayer-process";
import { cpuSeconds, startScript } from "./proc";

export interface GatewayBenchRow {
    concurrency: number;
    requests: number;
    directP50Ms: number;
    directP99Ms: number;
    gatewayP50Ms: number;
    gatewayP99Ms: number;
    addedP50Ms: number;
    addedP99Ms: number;
    directRps: number;
    gatewayRps: number;
    throughputRatio: number;
    /** Relayer process CPU per gateway request (user+system), in ms. */
    gatewayCpuMsPerRequest: number;
}

const BODY = JSON.stringify({ model: "gpt-fake-1", messages: [{ role: "user", content: "benchmark request" }] });
const ROUND_DEADLINE_MS = 30_000;

function percentile(sorted: number[], p: number): number {
    if (sorted.length === 0) return Number.NaN;
    return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

/** Send `total` requests with `concurrency` in flight; latencies in ms and the wall time of the round. */
async function round(url: URL, agent: http.Agent, total: number, concurrency: number): Promise<{ latencies: number[]; seconds: number }> {
    const latencies: number[] = [];
    let issued = 0;
    const started = performance.now();
    const deadline = Date.now() + ROUND_DEADLINE_MS;
    const one = () =>
        new Promise<void>((resolve, reject) => {
            const t0 = performance.now();
            const req = http.request(url, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(BODY) } }, (res) => {
                res.on("data", () => undefined);
                res.on("end", () => {
                    if (res.statusCode !== 200) return reject(new Error(`HTTP ${res.statusCode} from ${url.host}`));
                    latencies.push(performance.now() - t0);
                    resolve();
                });
            });
            req.on("error", reject);
            req.end(BODY);
        });
    const worker = async () => {
        while (issued < total && Date.now() < deadline) {
            issued += 1;
            await one();
        }
    };
    await Promise.all(Array.from({ length: concurrency }, worker));
    return { latencies, seconds: (performance.now() - started) / 1000 };
}

export async function runGatewayBench(options: { rounds?: number; requestsPerRound?: Record<number, number> } = {}): Promise<GatewayBenchRow[]> {
    const rounds = options.rounds ?? 8;
    const perRound = options.requestsPerRound ?? { 1: 300, 32: 3000 };
    const upstreamProcess = startScript("fake-upstream-process.ts");
    const upstreamBase = String((await upstreamProcess.firstLine).baseUrl);
    const cluster = testCluster();
    const backend = await startFakeBackend({ clusters: [cluster] });
    const relayer = await startRelayerProcess({
        backendUrl: backend.url,
        replica: "relayer-bench-gw",
        secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token, "llm-openai-api-key": `fake-bench-key-${Date.now()}` },
        env: { RELAYER_LLM_PROVIDERS: "openai", RELAYER_LLM_OPENAI_BASE_URL: upstreamBase, RELAYER_LOG_LEVEL: "warn", RELAYER_EVENTS_ENABLED: "false" },
    });
    const direct = new URL(`${upstreamBase}/v1/chat/completions`);
    const viaGateway = new URL(`http://127.0.0.1:${relayer.ports.gateway}/openai/v1/chat/completions`);
    const rows: GatewayBenchRow[] = [];
    try {
        for (const concurrency of [1, 32]) {
            const agents = { direct: new http.Agent({ keepAlive: true, maxSockets: concurrency }), gateway: new http.Agent({ keepAlive: true, maxSockets: concurrency }) };
            const total = perRound[concurrency] ?? 300;
            // Warm-up: connections, JIT, the relayer's upstream pool.
            await round(direct, agents.direct, Math.min(total, 200), concurrency);
            await round(viaGateway, agents.gateway, Math.min(total, 200), concurrency);
            const lat = { direct: [] as number[], gateway: [] as number[] };
            const secs = { direct: 0, gateway: 0 };
            const count = { direct: 0, gateway: 0 };
            let gatewayCpu = 0;
            for (let r = 0; r < rounds; r++) {
                // Alternate which side goes first so drift in machine load hits both equally.
                const order = r % 2 === 0 ? (["direct", "gateway"] as const) : (["gateway", "direct"] as const);
                for (const side of order) {
                    const cpuBefore = cpuSeconds(relayer.child.pid!);
                    const res = await round(side === "direct" ? direct : viaGateway, agents[side], total, concurrency);
                    if (side === "gateway") gatewayCpu += cpuSeconds(relayer.child.pid!) - cpuBefore;
                    lat[side].push(...res.latencies);
                    secs[side] += res.seconds;
                    count[side] += res.latencies.length;
                }
            }
            agents.direct.destroy();
            agents.gateway.destroy();
            const d = lat.direct.sort((a, b) => a - b);
            const g = lat.gateway.sort((a, b) => a - b);
            const row: GatewayBenchRow = {
                concurrency,
                requests: count.direct + count.gateway,
                directP50Ms: percentile(d, 50),
                directP99Ms: percentile(d, 99),
                gatewayP50Ms: percentile(g, 50),
                gatewayP99Ms: percentile(g, 99),
                addedP50Ms: percentile(g, 50) - percentile(d, 50),
                addedP99Ms: percentile(g, 99) - percentile(d, 99),
                directRps: count.direct / secs.direct,
                gatewayRps: count.gateway / secs.gateway,
                throughputRatio: count.gateway / secs.gateway / (count.direct / secs.direct),
                gatewayCpuMsPerRequest: (gatewayCpu * 1000) / count.gateway,
            };
            rows.push(row);
        }
    } finally {
        await relayer.stop();
        relayer.removeDirs();
        await backend.stop();
        const exited = new Promise((r) => upstreamProcess.child.once("exit", r));
        upstreamProcess.child.kill("SIGTERM");
        await exited;
    }
    return rows;
}

export function formatGatewayBench(rows: GatewayBenchRow[]): string {
    const f = (n: number) => n.toFixed(3);
    const lines = [
        "LLM gateway overhead (relayer process vs direct call to the same fake upstream, interleaved rounds, keep-alive)",
        "concurrency | requests | direct p50/p99 ms | gateway p50/p99 ms | added p50 ms | added p99 ms | direct rps | gateway rps | throughput ratio | relayer CPU ms/req",
        ...rows.map((r) => `${String(r.concurrency).padStart(11)} | ${String(r.requests).padStart(8)} | ${f(r.directP50Ms)} / ${f(r.directP99Ms)} | ${f(r.gatewayP50Ms)} / ${f(r.gatewayP99Ms)} | ${f(r.addedP50Ms)} | ${f(r.addedP99Ms)} | ${r.directRps.toFixed(0)} | ${r.gatewayRps.toFixed(0)} | ${r.throughputRatio.toFixed(3)} | ${f(r.gatewayCpuMsPerRequest)}`),
        `goal: added p50 < 1 ms at concurrency 1 → ${rows[0] && rows[0].addedP50Ms < 1 ? "met" : "NOT met"} (published: Bifrost ~0.4 ms, Portkey ~2.4 ms, LiteLLM ~4.3 ms)`,
    ];
    return lines.join("\n");
}

/** The `npm run bench` section (bench/run.ts). */
export async function gatewayBench(): Promise<void> {
    console.log(formatGatewayBench(await runGatewayBench()));
}
