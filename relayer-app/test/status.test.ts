// relayer.status data source and the breaker gauge computed from it.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";
import { createMetrics, registerBreakerGauge } from "../src/metrics";
import { BatchKind } from "../src/spool/batch-kind";
import { Spool } from "../src/spool/spool";
import { StatusRegistry, type BreakerState } from "../src/status";

describe("relayer status", () => {
    it("reports spool figures, registered breakers and uptime; exports open breakers as a gauge", async () => {
        const dir = fs.mkdtempSync(path.join(os.tmpdir(), "status-test-"));
        const spool = await Spool.open({ dir, maxBytes: 8 * 1024 * 1024, segmentBytes: 1024 * 1024, fsync: "interval" }, pino({ level: "silent" }));
        try {
            await spool.append(BatchKind.traces, Buffer.alloc(100));
            await spool.append(BatchKind.logs, Buffer.alloc(50));
            const status = new StatusRegistry(spool, Date.now() - 42_500);
            let kagent: BreakerState = "closed";
            status.registerBreaker("kagent", () => kagent);
            status.registerBreaker("llm-openai", () => "halfOpen");
            const snapshot = status.snapshot();
            assert.equal(snapshot.spoolBatches, 2);
            assert.equal(snapshot.spoolBytes, 150);
            assert.ok(snapshot.oldestUnackedMs >= 0);
            assert.equal(snapshot.uptimeSeconds, 42);
            assert.deepEqual(snapshot.breakers, { kagent: "closed", "llm-openai": "halfOpen" });

            const metrics = createMetrics();
            registerBreakerGauge(metrics, status);
            kagent = "open";
            const text = await metrics.registry.metrics();
            assert.match(text, /relayer_circuit_breaker_open\{breaker="kagent"\} 1/);
            assert.match(text, /relayer_circuit_breaker_open\{breaker="llm-openai"\} 0/);
        } finally {
            await spool.close();
            fs.rmSync(dir, { recursive: true, force: true });
        }
    });
});
