// Data source of the `relayer.status` command: spool figures, circuit-breaker states, uptime.
import type { SpoolStats } from "./spool/spool";

export type BreakerState = "closed" | "open" | "halfOpen";

export interface RelayerStatusData {
    spoolBatches: number;
    spoolBytes: number;
    oldestUnackedMs: number;
    breakers: Record<string, BreakerState>;
    uptimeSeconds: number;
}

export class StatusRegistry {
    private readonly breakers = new Map<string, () => BreakerState>();

    constructor(
        private readonly spool: { stats(): SpoolStats },
        private readonly startedAt: number,
    ) {}

    /** Features register each circuit breaker once, with a function reading its current state. */
    registerBreaker(name: string, state: () => BreakerState): void {
        this.breakers.set(name, state);
    }

    snapshot(now = Date.now()): RelayerStatusData {
        const stats = this.spool.stats();
        const breakers: Record<string, BreakerState> = {};
        for (const [name, state] of this.breakers) breakers[name] = state();
        return {
            spoolBatches: stats.batches,
            spoolBytes: stats.bytes,
            oldestUnackedMs: stats.oldestUnackedMs,
            breakers,
            uptimeSeconds: Math.floor((now - this.startedAt) / 1000),
        };
    }
}
