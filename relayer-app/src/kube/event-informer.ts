// The Events informer service: one EventWatch per watched namespace (the relayer's own and the KAgent ones),
// noise and duplicates dropped, messages redacted, and the rest appended to the spool as kind-4 batches, so
// events travel to the backend exactly like telemetry (durable, acknowledged, resent after reconnects).
// The watches run only while this replica is the events sender (events-sender.ts decides, via setSending).
import type { CoreV1Api, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { Counter, type Registry } from "prom-client";
import type { RedactOptions } from "../log/redact";
import type { ManagedService } from "../service";
import { BatchKind, type BatchKindValue } from "../spool/batch-kind";
import { SpoolFullError } from "../spool/spool";
import { OccurrenceMemory, toRelayEvent, type KubeEventLike, type RelayEvent } from "./event-record";
import { EventWatch } from "./event-watch";

export interface EventInformerOptions {
    namespaces: readonly string[];
    dropReasons: ReadonlySet<string>;
    flushMs: number;
    watchdogMs: number;
    core: CoreV1Api;
    watch: Watch;
    spool: { append(kind: BatchKindValue, payload: Buffer): Promise<number> };
    log: Logger;
    registry: Registry;
    redact: RedactOptions;
    backoffMs?: (attempt: number) => number;
}

/** Events per kind-4 batch: keeps a batch well below the 16 MiB payload limit even with 4 KiB messages. */
const MAX_BATCH_EVENTS = 500;
/** Events held in memory while the spool is full; beyond it the oldest are dropped with a log line. */
const MAX_PENDING_EVENTS = 10_000;

export class EventInformer implements ManagedService {
    readonly name = "events-informer";
    private watches: EventWatch[] = [];
    private stopped = false;
    private readonly memory = new OccurrenceMemory();
    private pending: RelayEvent[] = [];
    private timer: NodeJS.Timeout | undefined;
    private flushing: Promise<void> = Promise.resolve();
    private readonly events: Counter<"outcome">;
    private readonly restarts: Counter<"namespace" | "reason">;

    constructor(private readonly o: EventInformerOptions) {
        this.events = new Counter({
            name: "relayer_kube_events_total",
            help: "Kubernetes Events seen by the informer, by outcome (spooled, noise, duplicate, dropped_spool_full).",
            labelNames: ["outcome"],
            registers: [o.registry],
        });
        this.restarts = new Counter({
            name: "relayer_kube_watch_restarts_total",
            help: "Events watch restarts by namespace and reason (closed, gone = 410 re-list, error, stall = watchdog).",
            labelNames: ["namespace", "reason"],
            registers: [o.registry],
        });
    }

    async start(): Promise<void> {
        this.timer = setInterval(() => void this.flush(), this.o.flushMs);
    }

    /** Start (a list and a watch per namespace) or stop watching, as this replica becomes or stops being the sender. */
    async setSending(sending: boolean): Promise<void> {
        // The sender election stops in parallel with the informer; a late "start sending" must not revive it.
        if (sending && this.stopped) return;
        if (sending && this.watches.length === 0) {
            this.watches = this.o.namespaces.map(
                (namespace) =>
                    new EventWatch({
                        namespace,
                        core: this.o.core,
                        watch: this.o.watch,
                        log: this.o.log,
                        watchdogMs: this.o.watchdogMs,
                        onEvent: (e) => this.accept(e),
                        onRestart: (reason) => this.restarts.inc({ namespace, reason }),
                        ...(this.o.backoffMs ? { backoffMs: this.o.backoffMs } : {}),
                    }),
            );
            for (const w of this.watches) w.start();
            this.o.log.info({ namespaces: this.o.namespaces }, "events informer watching");
        } else if (!sending && this.watches.length > 0) {
            const stopping = this.watches;
            this.watches = [];
            await Promise.all(stopping.map((w) => w.stop()));
            this.o.log.info({ namespaces: this.o.namespaces }, "events informer stopped watching");
        }
    }

    async stop(deadline: number): Promise<void> {
        this.stopped = true;
        clearInterval(this.timer);
        await this.setSending(false);
        // What was already seen still goes to the spool if the drain budget allows.
        await Promise.race([this.flush(), new Promise((r) => setTimeout(r, Math.max(0, deadline - Date.now())).unref())]);
    }

    private accept(event: KubeEventLike): void {
        if (event.reason !== undefined && this.o.dropReasons.has(event.reason)) {
            this.events.inc({ outcome: "noise" });
            return;
        }
        const record = toRelayEvent(event, this.o.redact);
        if (record === undefined) return;
        if (!this.memory.admit(record)) {
            this.events.inc({ outcome: "duplicate" });
            return;
        }
        this.pending.push(record);
        if (this.pending.length > MAX_PENDING_EVENTS) {
            const dropped = this.pending.splice(0, this.pending.length - MAX_PENDING_EVENTS);
            this.events.inc({ outcome: "dropped_spool_full" }, dropped.length);
            this.o.log.warn({ dropped: dropped.length }, "events dropped: the spool has been full for a while (backend not acknowledging)");
        }
    }

    /** Append everything pending to the spool, in batches; serialised so batches keep their order. */
    flush(): Promise<void> {
        this.flushing = this.flushing.then(async () => {
            while (this.pending.length > 0) {
                const batch = this.pending.slice(0, MAX_BATCH_EVENTS);
                try {
                    await this.o.spool.append(BatchKind.kubeEvents, Buffer.from(JSON.stringify(batch), "utf8"));
                } catch (err) {
                    // Full spool: keep the events and try again at the next flush (bounded by MAX_PENDING_EVENTS).
                    if (!(err instanceof SpoolFullError)) this.o.log.error({ err }, "events batch could not be written to the spool");
                    return;
                }
                this.pending.splice(0, batch.length);
                this.events.inc({ outcome: "spooled" }, batch.length);
            }
        });
        return this.flushing;
    }
}
