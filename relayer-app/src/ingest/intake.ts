// The one place where an OTLP request becomes a spooled batch: bounded concurrency (bytes waiting for the
// spool), the spool append, and the received/rejected metrics shared by both transports.
import type { Logger } from "pino";
import type { RelayerMetrics } from "../metrics";
import { SpoolFullError, type Spool } from "../spool/spool";
import { MAX_PAYLOAD_BYTES } from "../uplink/frames";
import type { OtlpSignal } from "./otlp-signals";

export type Transport = "grpc" | "http";

export type IntakeOutcome =
    | { status: "accepted"; seq: number }
    | { status: "too_large"; message: string }
    | { status: "overloaded"; retryAfterSeconds: number; message: string }
    | { status: "spool_full"; retryAfterSeconds: number; message: string }
    | { status: "unavailable"; retryAfterSeconds: number; message: string };

/** Reasons for the rejected-requests metric. */
export type RejectReason = "too_large" | "unsupported_media_type" | "malformed" | "not_found" | "method_not_allowed" | "overloaded" | "spool_full" | "unavailable" | "shutting_down";

export class Intake {
    private pendingBytes = 0;

    constructor(
        private readonly spool: Spool,
        private readonly metrics: RelayerMetrics,
        private readonly log: Logger,
        /** Payload bytes allowed to wait for the spool at once; beyond this clients are told to retry. */
        private readonly maxPendingBytes: number,
    ) {}

    async accept(signal: OtlpSignal, transport: Transport, payload: Buffer): Promise<IntakeOutcome> {
        // PROTOCOL.md caps a batch payload at 16 MiB. The request limit keeps bodies below it, but OTLP/JSON can
        // grow when converted (a negative enum number becomes a 10-byte varint): a batch the backend must refuse
        // would be resent forever and block the uplink, so it is refused here, for good (not retryable).
        if (payload.length > MAX_PAYLOAD_BYTES) {
            this.reject(signal, transport, "too_large");
            return { status: "too_large", message: `request is ${payload.length} bytes as OTLP protobuf, above the uplink's ${MAX_PAYLOAD_BYTES}-byte batch limit; send smaller batches` };
        }
        if (this.pendingBytes + payload.length > this.maxPendingBytes) {
            this.reject(signal, transport, "overloaded");
            return { status: "overloaded", retryAfterSeconds: 1, message: "relayer is overloaded; retry later" };
        }
        this.pendingBytes += payload.length;
        try {
            const seq = await this.spool.append(signal.kind, payload);
            this.metrics.requestsReceived.inc({ signal: signal.name, transport });
            return { status: "accepted", seq };
        } catch (error) {
            if (error instanceof SpoolFullError) {
                this.reject(signal, transport, "spool_full");
                return { status: "spool_full", retryAfterSeconds: error.retryAfterSeconds, message: "relayer spool is full while the backend catches up; retry later" };
            }
            this.reject(signal, transport, "unavailable");
            this.log.error({ err: error }, "ingest: spool append failed");
            return { status: "unavailable", retryAfterSeconds: 5, message: "relayer cannot store data right now; retry later" };
        } finally {
            this.pendingBytes -= payload.length;
        }
    }

    reject(signal: OtlpSignal | undefined, transport: Transport, reason: RejectReason): void {
        this.metrics.requestsRejected.inc({ signal: signal?.name ?? "unknown", transport, reason });
    }
}
