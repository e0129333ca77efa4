// The relayer's Prometheus metrics (prom-client). One registry per process, exposed on :8080/metrics;
// features register their own metrics on `registry` with the `relayer_` prefix.
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from "prom-client";

export type UplinkState = "disconnected" | "connecting" | "connected" | "draining";
export const UPLINK_STATES: readonly UplinkState[] = ["disconnected", "connecting", "connected", "draining"];

export interface RelayerMetrics {
    registry: Registry;
    requestsReceived: Counter<"signal" | "transport">;
    requestsRejected: Counter<"signal" | "transport" | "reason">;
    spoolWriteSeconds: Histogram;
    spoolSyncSeconds: Histogram;
    uplinkState: Gauge<"state">;
    uplinkReconnects: Counter;
    uplinkAuthFailures: Counter;
    uplinkAcks: Counter;
    uplinkNacks: Counter<"code">;
    uplinkBatchesSent: Counter;
    uplinkRoundTripSeconds: Histogram;
    uplinkInvalidFrames: Counter;
}

/** Spool gauges are read at scrape time from this source. */
export interface SpoolGaugeSource {
    stats(): { batches: number; bytes: number; diskBytes: number; oldestUnackedMs: number };
}

export function createMetrics(): RelayerMetrics {
    const registry = new Registry();
    collectDefaultMetrics({ register: registry });
    const registers = [registry];
    return {
        registry,
        requestsReceived: new Counter({
            name: "relayer_otlp_requests_received_total",
            help: "OTLP export requests accepted into the spool",
            labelNames: ["signal", "transport"],
            registers,
        }),
        requestsRejected: new Counter({
            name: "relayer_otlp_requests_rejected_total",
            help: "OTLP export requests rejected, by reason",
            labelNames: ["signal", "transport", "reason"],
            registers,
        }),
        spoolWriteSeconds: new Histogram({
            name: "relayer_spool_write_seconds",
            help: "Duration of one spool write (group commit), including fdatasync with fsync policy always",
            buckets: [0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5],
            registers,
        }),
        spoolSyncSeconds: new Histogram({
            name: "relayer_spool_background_sync_seconds",
            help: "Duration of background fdatasync rounds (fsync policy interval)",
            buckets: [0.0001, 0.0005, 0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.5, 1],
            registers,
        }),
        uplinkState: new Gauge({
            name: "relayer_uplink_state",
            help: "1 for the uplink's current state",
            labelNames: ["state"],
            registers,
        }),
        uplinkReconnects: new Counter({ name: "relayer_uplink_reconnects_total", help: "Uplink connection attempts after the first", registers }),
        uplinkAuthFailures: new Counter({
            name: "relayer_uplink_auth_failures_total",
            help: "Handshakes the backend (or Cloudflare Access) refused with 401/403",
            registers,
        }),
        uplinkAcks: new Counter({ name: "relayer_uplink_acked_batches_total", help: "Batches acknowledged by the backend", registers }),
        uplinkNacks: new Counter({
            name: "relayer_uplink_nacked_batches_total",
            help: "Batches rejected by the backend (deleted, never retried)",
            labelNames: ["code"],
            registers,
        }),
        uplinkBatchesSent: new Counter({ name: "relayer_uplink_batches_sent_total", help: "Batch frames sent (resends included)", registers }),
        uplinkRoundTripSeconds: new Histogram({
            name: "relayer_uplink_round_trip_seconds",
            help: "Time from sending a batch to its acknowledgement",
            buckets: [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
            registers,
        }),
        uplinkInvalidFrames: new Counter({
            name: "relayer_uplink_invalid_frames_total",
            help: "Frames from the backend that were not valid protocol messages (ignored)",
            registers,
        }),
    };
}

/** Spool gauges computed at scrape time. */
export function registerSpoolGauges(metrics: RelayerMetrics, spool: SpoolGaugeSource): void {
    const registers = [metrics.registry];
    new Gauge({
        name: "relayer_spool_batches",
        help: "Batches in the spool waiting for the backend's ack",
        registers,
        collect() {
            this.set(spool.stats().batches);
        },
    });
    new Gauge({
        name: "relayer_spool_bytes",
        help: "Payload bytes in the spool waiting for the backend's ack",
        registers,
        collect() {
            this.set(spool.stats().bytes);
        },
    });
    new Gauge({
        name: "relayer_spool_disk_bytes",
        help: "Bytes of spool segment files on disk (limited by RELAYER_SPOOL_MAX_BYTES)",
        registers,
        collect() {
            this.set(spool.stats().diskBytes);
        },
    });
    new Gauge({
        name: "relayer_spool_oldest_age_seconds",
        help: "Age of the oldest unacknowledged batch",
        registers,
        collect() {
            this.set(spool.stats().oldestUnackedMs / 1000);
        },
    });
}

export function setUplinkState(metrics: RelayerMetrics, state: UplinkState): void {
    for (const s of UPLINK_STATES) metrics.uplinkState.set({ state: s }, s === state ? 1 : 0);
}

/** `relayer_circuit_breaker_open{breaker}`: 1 while a breaker registered in the status registry is open. */
export function registerBreakerGauge(metrics: RelayerMetrics, source: { snapshot(): { breakers: Record<string, string> } }): void {
    new Gauge({
        name: "relayer_circuit_breaker_open",
        help: "1 while the named circuit breaker is open (half-open counts as not open)",
        labelNames: ["breaker"],
        registers: [metrics.registry],
        collect() {
            this.reset();
            for (const [breaker, state] of Object.entries(source.snapshot().breakers)) this.set({ breaker }, state === "open" ? 1 : 0);
        },
    });
}
