// Pure transformation of a Kubernetes core/v1 Event into the kind-4 record of PROTOCOL.md, plus the keys used to
// drop noise and duplicates. Messages are redacted here, before anything leaves the process.
import { redactText, type RedactOptions } from "../log/redact";

/** One event as the backend receives it (PROTOCOL.md, kind 4). */
export interface RelayEvent {
    uid: string;
    namespace: string;
    reason: string;
    type: string;
    message: string;
    count: number;
    firstTimestamp: string | null;
    lastTimestamp: string | null;
    involvedObject: { kind: string; name: string; namespace: string; uid: string };
}

/** The fields of a core/v1 Event the relayer reads (plain JSON from a watch, or Date objects from a list). */
export interface KubeEventLike {
    metadata?: { uid?: string; namespace?: string; name?: string; resourceVersion?: string; creationTimestamp?: unknown };
    reason?: string;
    type?: string;
    message?: string;
    count?: number;
    firstTimestamp?: unknown;
    lastTimestamp?: unknown;
    eventTime?: unknown;
    series?: { count?: number; lastObservedTime?: unknown };
    involvedObject?: { kind?: string; name?: string; namespace?: string; uid?: string };
}

function iso(value: unknown): string | null {
    if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.toISOString();
    return typeof value === "string" && value.length > 0 ? value : null;
}

/** Event messages are free text written by controllers; a very long one is cut (the head carries the meaning). */
const MAX_MESSAGE_CHARS = 4096;

export function toRelayEvent(event: KubeEventLike, redact: RedactOptions): RelayEvent | undefined {
    const uid = event.metadata?.uid;
    if (uid === undefined || uid.length === 0) return undefined;
    // New-style events (events.k8s.io written through core/v1) carry their repetition in `series`.
    const count = event.series?.count ?? event.count ?? 1;
    const first = iso(event.firstTimestamp) ?? iso(event.eventTime) ?? iso(event.metadata?.creationTimestamp);
    const last = iso(event.series?.lastObservedTime) ?? iso(event.lastTimestamp) ?? first;
    const message = redactText(event.message ?? "", redact);
    return {
        uid,
        namespace: event.metadata?.namespace ?? "",
        reason: event.reason ?? "",
        type: event.type ?? "",
        message: message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
        count,
        firstTimestamp: first,
        lastTimestamp: last,
        involvedObject: {
            kind: event.involvedObject?.kind ?? "",
            name: event.involvedObject?.name ?? "",
            namespace: event.involvedObject?.namespace ?? "",
            uid: event.involvedObject?.uid ?? "",
        },
    };
}

/** What makes two observations of one event the same occurrence (a repeat bumps count and lastTimestamp). */
export function occurrenceKey(e: RelayEvent): string {
    return `${e.count}|${e.lastTimestamp ?? ""}`;
}

/** Remembers the last occurrence sent per event uid, bounded (oldest forgotten first). */
export class OccurrenceMemory {
    private readonly seen = new Map<string, string>();
    constructor(private readonly capacity = 20_000) {}

    /** True if this occurrence is new (and remembers it); false for a duplicate. */
    admit(e: RelayEvent): boolean {
        const key = occurrenceKey(e);
        if (this.seen.get(e.uid) === key) return false;
        this.seen.delete(e.uid);
        this.seen.set(e.uid, key);
        if (this.seen.size > this.capacity) {
            const oldest = this.seen.keys().next().value;
            if (oldest !== undefined) this.seen.delete(oldest);
        }
        return true;
    }
}
