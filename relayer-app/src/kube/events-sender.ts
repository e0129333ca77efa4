// Which replica sends the cluster's Events. Every replica could watch them, but then the backend would get each
// event once per replica. Without write access to the API (no Lease), the replicas agree from what they can
// read: the oldest Ready, not terminating pod among the relayer's replicas is the sender. Each replica decides
// alone from the same pod list, so they converge within one check interval; a short overlap only repeats events
// (records carry uid and count), and the new sender's initial list covers any gap (Events live for an hour).
import type { CoreV1Api } from "@kubernetes/client-node";
import type { Logger } from "pino";
import type { ManagedService } from "../service";
import { abortableCall } from "./client";

/** The workload's labels that identify the relayer's replicas (the same across a rolling update). */
export const PEER_LABELS = ["app.kubernetes.io/name", "app.kubernetes.io/instance"] as const;

export interface PodLike {
    metadata?: { name?: string; labels?: Record<string, string>; creationTimestamp?: unknown; deletionTimestamp?: unknown };
    status?: { conditions?: { type?: string; status?: string }[] };
}

const created = (p: PodLike): number => {
    const t = p.metadata?.creationTimestamp;
    const ms = t instanceof Date ? t.getTime() : typeof t === "string" ? Date.parse(t) : Number.NaN;
    return Number.isNaN(ms) ? Number.MAX_SAFE_INTEGER : ms;
};
const ready = (p: PodLike): boolean => (p.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");
const terminating = (p: PodLike): boolean => p.metadata?.deletionTimestamp !== undefined && p.metadata.deletionTimestamp !== null;

/**
 * Pure: whether replica `self` sends the Events. It does when it cannot tell (its own pod is not in the list or has
 * none of the peer labels, e.g. outside Kubernetes): a duplicate is better than a lost event.
 */
export function isEventsSender(pods: readonly PodLike[], self: string): boolean {
    const me = pods.find((p) => p.metadata?.name === self);
    if (me === undefined) return true;
    const keys = PEER_LABELS.filter((k) => me.metadata?.labels?.[k] !== undefined);
    if (keys.length === 0) return true;
    const peers = pods.filter((p) => keys.every((k) => p.metadata?.labels?.[k] === me.metadata?.labels?.[k]));
    const candidates = peers.filter((p) => ready(p) && !terminating(p));
    // Nobody ready (this replica is starting, the others are gone): send rather than leave a gap.
    if (candidates.length === 0) return true;
    candidates.sort((a, b) => created(a) - created(b) || (a.metadata?.name ?? "").localeCompare(b.metadata?.name ?? ""));
    return candidates[0]?.metadata?.name === self;
}

export interface EventsSenderElectionOptions {
    namespace: string;
    replica: string;
    core: CoreV1Api;
    log: Logger;
    checkMs: number;
    /** Called when this replica becomes (true) or stops being (false) the sender. */
    onChange: (sending: boolean) => Promise<void>;
}

/** Re-evaluates the sender every `checkMs` from the pod list of the relayer's namespace. */
export class EventsSenderElection implements ManagedService {
    readonly name = "events-sender-election";
    private sending: boolean | undefined;
    private timer: NodeJS.Timeout | undefined;
    private checking: Promise<void> = Promise.resolve();
    private readonly stopController = new AbortController();

    constructor(private readonly o: EventsSenderElectionOptions) {}

    async start(): Promise<void> {
        // Not awaited: an API server that does not answer must not hold up the relayer's other services (the
        // gateway, the uplink); the informer starts watching once the first check has decided.
        void this.check();
        this.timer = setInterval(() => void this.check(), this.o.checkMs);
    }

    async stop(): Promise<void> {
        clearInterval(this.timer);
        this.stopController.abort();
        await this.checking;
    }

    check(): Promise<void> {
        this.checking = this.checking.then(async () => {
            let next: boolean;
            try {
                const signal = AbortSignal.any([this.stopController.signal, AbortSignal.timeout(Math.max(1_000, this.o.checkMs))]);
                const pods = await this.o.core.listNamespacedPod({ namespace: this.o.namespace }, abortableCall(signal));
                next = isEventsSender(pods.items as PodLike[], this.o.replica);
            } catch (err) {
                if (this.stopController.signal.aborted) return;
                // Keep the current role; at start, send (a duplicate is better than a gap).
                next = this.sending ?? true;
                this.o.log.warn({ err: err instanceof Error ? err.message : String(err) }, "events sender check: pods could not be listed; keeping the current role");
            }
            if (next === this.sending || this.stopController.signal.aborted) return;
            this.sending = next;
            this.o.log.info({ replica: this.o.replica, sending: next }, next ? "this replica now sends the cluster's Events" : "another replica sends the cluster's Events; this one stops watching them");
            await this.o.onChange(next);
        });
        return this.checking;
    }
}
