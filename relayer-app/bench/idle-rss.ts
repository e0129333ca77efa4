// Benchmark section: resident memory of an idle relayer (the built dist/main.js with the test harness env: no
// Kubernetes access, connected to a fake backend, no traffic). It is the floor under every load figure, so a
// dependency loaded eagerly but not used shows up here first.
import * as fs from "node:fs";
import { startFakeBackend, testCluster } from "../test/fake-backend/fake-backend";
import { startRelayerProcess } from "../test/harness/relayer-process";
import { fmt } from "./proc";

const ROUNDS = 3;
/** Let start-up garbage settle and the uplink connect before reading the figure. */
const SETTLE_MS = 3000;

function statusMiB(pid: number, field: "VmRSS" | "VmHWM"): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(new RegExp(`${field}:\\s+(\\d+)`).exec(status)?.[1] ?? 0) / 1024;
}

export async function idleRssBench(): Promise<void> {
    const cluster = testCluster();
    const backend = await startFakeBackend({ clusters: [cluster] });
    const rss: number[] = [];
    try {
        for (let round = 0; round < ROUNDS; round++) {
            const relayer = await startRelayerProcess({ backendUrl: backend.url, secrets: { "cluster-id": cluster.id, "cluster-token": cluster.token } });
            try {
                await new Promise((resolve) => setTimeout(resolve, SETTLE_MS));
                const pid = relayer.child.pid!;
                rss.push(statusMiB(pid, "VmRSS"));
                console.log(`round ${round + 1}: idle RSS ${fmt(statusMiB(pid, "VmRSS"), 1)} MiB (peak ${fmt(statusMiB(pid, "VmHWM"), 1)} MiB) ${SETTLE_MS} ms after ready`);
            } finally {
                await relayer.stop();
                relayer.removeDirs();
            }
        }
    } finally {
        await backend.stop();
    }
    const median = [...rss].sort((a, b) => a - b)[Math.floor(rss.length / 2)];
    console.log(`idle RSS median of ${ROUNDS}: ${fmt(median, 1)} MiB`);
}
