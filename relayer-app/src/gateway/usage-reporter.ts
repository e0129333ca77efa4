// Sends the gateway's usage events to the backend in batches: one `{"type":"usage","events":[…]}` text frame
// per second at most, instead of one frame per LLM call. Events wait in memory (bounded) while no session is up,
// so a short reconnect loses nothing; the same counts are always in the Prometheus metrics.
import type { Logger } from "pino";
import type { UsageEvent } from "./proxy";

/** Events kept while the backend is unreachable; beyond it the oldest are dropped (and counted in a log line). */
const MAX_BUFFERED = 10_000;
/** Events per frame: keeps a frame small (a few hundred KiB at most). */
const MAX_PER_FRAME = 1_000;

export class UsageReporter {
    private buffer: Omit<UsageEvent, "type">[] = [];
    private dropped = 0;
    private timer: NodeJS.Timeout | undefined;

    constructor(
        private readonly send: (frame: Record<string, unknown>) => boolean,
        private readonly log: Logger,
        private readonly flushMs = 1_000,
    ) {}

    start(): void {
        this.timer = setInterval(() => this.flush(), this.flushMs);
        this.timer.unref();
    }

    add(event: UsageEvent): void {
        const { type: _type, ...fields } = event;
        this.buffer.push(fields);
        if (this.buffer.length > MAX_BUFFERED) {
            this.buffer.splice(0, this.buffer.length - MAX_BUFFERED);
            this.dropped += 1;
        }
    }

    /** Send what is buffered, if a session is up. */
    flush(): void {
        while (this.buffer.length > 0) {
            const events = this.buffer.slice(0, MAX_PER_FRAME);
            if (!this.send({ type: "usage", events })) return;
            this.buffer.splice(0, events.length);
        }
        if (this.dropped > 0) {
            this.log.warn({ dropped: this.dropped }, "usage events dropped while the backend was unreachable (metrics still count them)");
            this.dropped = 0;
        }
    }

    stop(): void {
        clearInterval(this.timer);
        this.flush();
    }
}
