// List-then-watch of core/v1 Events in one namespace, driven by the client's `Watch` directly. The client's
// ListWatch informer is not used because it stops for good after any error, cannot abort a watch that stalls
// before its response headers, and asks for neither bookmarks nor a server-side timeout; a cluster agent needs
// all of that:
// - resumes from the last resourceVersion after a watch ends or fails (no re-list, no replay);
// - re-lists when the server says the version is gone (410, as HTTP status or as an ERROR watch event);
// - restarts with full-jitter backoff after errors and after a watch that ends at once without data;
// - a watchdog restarts a watch that has been silent longer than `watchdogMs` (bookmarks count as activity, and
//   the server is asked to end healthy watches before that, so only a stalled connection trips it).
import type { CoreV1Api, Watch } from "@kubernetes/client-node";
import type { Logger } from "pino";
import { backoffDelayMs } from "../uplink/backoff";
import { abortableCall, apiStatus } from "./client";
import type { KubeEventLike } from "./event-record";

export interface EventWatchOptions {
    namespace: string;
    core: CoreV1Api;
    watch: Watch;
    log: Logger;
    watchdogMs: number;
    /** Called for every added or modified Event (list items included). */
    onEvent: (event: KubeEventLike) => void;
    /** Called when a watch is restarted, with why (metrics). */
    onRestart?: (reason: "gone" | "error" | "stall" | "closed") => void;
    /** Backoff delay for the n-th consecutive failure (defaults to the relayer's 1 s ×2, 60 s cap, full jitter). */
    backoffMs?: (attempt: number) => number;
}

/** Time a list call may take before it counts as failed. */
const LIST_TIMEOUT_MS = 60_000;

type WatchEnd = "closed" | "gone" | "stall";

export class EventWatch {
    private stopped = false;
    private resourceVersion = "";
    private readonly stopController = new AbortController();
    private loop: Promise<void> | undefined;
    private readonly path: string;

    constructor(private readonly o: EventWatchOptions) {
        this.path = `/api/v1/namespaces/${encodeURIComponent(o.namespace)}/events`;
    }

    start(): void {
        this.loop ??= this.run();
    }

    async stop(): Promise<void> {
        this.stopped = true;
        this.stopController.abort();
        await this.loop;
    }

    /** The resourceVersion the next watch resumes from ("" = re-list first). */
    get version(): string {
        return this.resourceVersion;
    }

    private async run(): Promise<void> {
        let failures = 0;
        const backoff = this.o.backoffMs ?? ((n: number) => backoffDelayMs(n, false));
        while (!this.stopped) {
            let delayMs = 0;
            try {
                if (this.resourceVersion === "") await this.list();
                const started = Date.now();
                const { end, delivered } = await this.watchOnce();
                if (this.stopped) break;
                if (end === "gone") {
                    this.o.log.info({ namespace: this.o.namespace }, "events watch: resourceVersion expired (410 Gone), re-listing");
                    this.resourceVersion = "";
                } else if (end === "stall") {
                    this.o.log.warn({ namespace: this.o.namespace, silentMs: this.o.watchdogMs }, "events watch stalled; restarting it from the last resourceVersion");
                }
                this.o.onRestart?.(end);
                // A watch that ends at once with nothing (a flapping proxy, an overloaded API server) must not turn
                // into a tight reconnect loop; a watch that delivered or ran a while resets the backoff.
                if (delivered || Date.now() - started > 5_000 || end === "gone") failures = 0;
                else delayMs = backoff(failures++);
            } catch (err) {
                if (this.stopped) break;
                const status = apiStatus(err);
                if (status === 410) {
                    this.resourceVersion = "";
                    this.o.onRestart?.("gone");
                    continue;
                }
                this.o.onRestart?.("error");
                delayMs = backoff(failures++);
                this.o.log.warn(
                    { namespace: this.o.namespace, status, err: err instanceof Error ? err.message : String(err), retryInMs: delayMs },
                    status === 403 || status === 401
                        ? "events watch refused by the API server; fix: grant list/watch on events in this namespace to the relayer's ServiceAccount (workload Role)"
                        : "events list/watch failed; retrying with backoff",
                );
            }
            if (delayMs > 0) await this.sleep(delayMs);
        }
    }

    private async list(): Promise<void> {
        const signal = AbortSignal.any([this.stopController.signal, AbortSignal.timeout(LIST_TIMEOUT_MS)]);
        const list = await this.o.core.listNamespacedEvent({ namespace: this.o.namespace }, abortableCall(signal));
        for (const item of list.items) this.o.onEvent(item as unknown as KubeEventLike);
        this.resourceVersion = list.metadata?.resourceVersion ?? "";
    }

    private watchOnce(): Promise<{ end: WatchEnd; delivered: boolean }> {
        return new Promise((resolve, reject) => {
            let settled = false;
            let delivered = false;
            let gone = false;
            let lastActivity = Date.now();
            let controller: AbortController | undefined;
            const settle = (outcome: { end: WatchEnd } | { error: unknown }): void => {
                if (settled) return;
                settled = true;
                clearInterval(watchdog);
                this.stopController.signal.removeEventListener("abort", onStop);
                controller?.abort();
                if ("error" in outcome) reject(outcome.error);
                else resolve({ end: outcome.end, delivered });
            };
            const onStop = (): void => settle({ end: "closed" });
            this.stopController.signal.addEventListener("abort", onStop);
            const watchdog = setInterval(() => {
                if (Date.now() - lastActivity > this.o.watchdogMs) settle({ end: "stall" });
            }, Math.max(20, Math.min(1_000, this.o.watchdogMs / 4)));
            // The server ends a healthy watch before the watchdog would, so only a dead connection trips it.
            const timeoutSeconds = Math.max(1, Math.floor((this.o.watchdogMs * 0.8) / 1000));
            this.o.watch
                .watch(
                    this.path,
                    { resourceVersion: this.resourceVersion, allowWatchBookmarks: true, timeoutSeconds },
                    (type: string, obj: KubeEventLike & { code?: number }) => {
                        if (settled) return;
                        lastActivity = Date.now();
                        if (type === "ERROR") {
                            if (obj.code === 410) gone = true;
                            return;
                        }
                        const rv = obj.metadata?.resourceVersion;
                        if (rv) this.resourceVersion = rv;
                        if (type === "ADDED" || type === "MODIFIED") {
                            delivered = true;
                            this.o.onEvent(obj);
                        }
                    },
                    (err: unknown) => {
                        if (gone || apiStatus(err) === 410) settle({ end: "gone" });
                        else if (err && !this.stopped) settle({ error: err });
                        else settle({ end: "closed" });
                    },
                )
                .then(
                    (c) => {
                        controller = c;
                        // The watchdog or stop() gave up on this watch before its headers arrived.
                        if (settled) c.abort();
                        else lastActivity = Date.now();
                    },
                    (err: unknown) => settle({ error: err }),
                );
        });
    }

    private sleep(ms: number): Promise<void> {
        const stop = this.stopController.signal;
        return new Promise((resolve) => {
            const done = (): void => {
                clearTimeout(timer);
                stop.removeEventListener("abort", done);
                resolve();
            };
            const timer = setTimeout(done, ms);
            stop.addEventListener("abort", done, { once: true });
        });
    }
}
