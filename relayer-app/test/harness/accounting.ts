// Load generation with per-item accounting: which span ids each client was told were accepted, and the check
// that every one of them reached the backend exactly once after de-duplication by seq.
import { strict as assert } from "node:assert";
import type { FakeBackend } from "../fake-backend/fake-backend";
import { spansOf } from "../fake-backend/otlp-decode";
import { GrpcTraceClient, postOtlp, traceRequest } from "./otlp-client";
import type { RelayerProcess } from "./relayer-process";

export class Ledger {
    readonly accepted = new Set<string>();
    readonly refused: number[] = [];
    sent = 0;
}

export interface LoadOptions {
    requests: number;
    spansPerRequest: number;
    concurrency: number;
    /** Stop early once this returns true. */
    stop?: () => boolean;
    /** Pause between requests of one worker. */
    pauseMs?: number;
    transport?: "http" | "grpc" | "mixed";
}

/** Send trace requests; record accepted span ids in `ledger`. Bounded by `requests`. */
export async function sendLoad(relayer: RelayerProcess, ledger: Ledger, options: LoadOptions): Promise<void> {
    let next = 0;
    const grpcClient = options.transport === "http" ? undefined : new GrpcTraceClient(relayer.ports.grpc);
    const worker = async (w: number) => {
        while (next < options.requests && !options.stop?.()) {
            const index = next++;
            const { body, spanIds } = traceRequest(options.spansPerRequest, `load-${index}`);
            ledger.sent++;
            const useGrpc = options.transport === "grpc" || (options.transport !== "http" && (index + w) % 2 === 1);
            const ok = useGrpc ? (await grpcClient!.export(body)).code === 0 : (await postOtlp(relayer.ports.http, "/v1/traces", body)).status === 200;
            if (ok) for (const id of spanIds) ledger.accepted.add(id);
            else ledger.refused.push(index);
            if (options.pauseMs) await new Promise((r) => setTimeout(r, options.pauseMs));
        }
    };
    try {
        await Promise.all(Array.from({ length: options.concurrency }, (_, w) => worker(w)));
    } finally {
        grpcClient?.close();
    }
}

/** Every accepted span id is held exactly once by the backend (unique batches by seq). */
export function assertExactlyOnce(backend: FakeBackend, replica: string, ledger: Ledger, excludedSeqs: ReadonlySet<number> = new Set()): void {
    const counts = new Map<string, number>();
    for (const span of spansOf(backend.received(replica))) counts.set(span.spanId, (counts.get(span.spanId) ?? 0) + 1);
    const missing = [...ledger.accepted].filter((id) => !counts.has(id));
    const duplicated = [...counts].filter(([, n]) => n > 1);
    assert.equal(missing.length, 0, `${missing.length} of ${ledger.accepted.size} accepted spans never reached the backend`);
    assert.equal(duplicated.length, 0, `${duplicated.length} spans are held twice under different seqs`);
    for (const seq of excludedSeqs) assert.ok(!backend.received(replica).some((b) => b.seq === seq));
}

/** Wait until the backend holds every accepted span (bounded). */
export async function waitDelivered(backend: FakeBackend, replica: string, ledger: Ledger, timeoutMs: number): Promise<void> {
    await backend.waitFor(
        () => {
            const held = new Set(spansOf(backend.received(replica)).map((s) => s.spanId));
            for (const id of ledger.accepted) if (!held.has(id)) return false;
            return true;
        },
        timeoutMs,
        `all ${ledger.accepted.size} accepted spans at the backend`,
    );
}
