// Durable, segmented, append-only spool of batches waiting for the backend's acknowledgement.
//
// Guarantees (docs/relayer.md, "Spool"):
// - `append` resolves only after the record is written (write(2): it survives the process being killed) and,
//   with fsync policy `always`, fdatasync'd (it survives the node crashing). Appends that arrive while a write
//   is in progress share the next write + fdatasync (group commit), so the fsync cost is paid once per burst.
//   With policy `interval`, written segments are fdatasync'd in the background at most every 100 ms.
// - Every record carries a CRC-32; at open, a torn or corrupt tail is truncated away with a log line and never
//   served. Records before it are kept.
// - `seq` is never reused: the active segment file is named after the first seq it will hold, so even a spool
//   whose batches were all acknowledged and deleted remembers the next seq (no separate counter file to lose).
// - Batches leave only through `ack` (cumulative) or `nack`. Segments are deleted when all their batches left.
//   Which seqs left is also written to `state.json` (advisory: losing it only causes a resend that the backend
//   de-duplicates by seq).
// - The byte cap counts disk usage; an append that would exceed it fails with SpoolFullError.
import { EventEmitter } from "node:events";
import * as fs from "node:fs";
import * as path from "node:path";
import type { Logger } from "pino";
import { type BatchKindValue } from "./batch-kind";
import { decodeRecord, encodeRecordHeader, RECORD_HEADER_BYTES } from "./record";

export interface SpoolOptions {
    dir: string;
    maxBytes: number;
    segmentBytes: number;
    fsync: "always" | "interval";
    /** Payload bytes kept in memory for sending without a disk read. */
    memoryCacheBytes?: number;
    /** Called with the duration of every write (+ fdatasync with policy `always`), in seconds. */
    onWrite?: (seconds: number, records: number) => void;
    /** Policy `interval`: called with the duration of each background fdatasync round, in seconds. */
    onSync?: (seconds: number) => void;
}

export class SpoolFullError extends Error {
    readonly retryAfterSeconds = 5;
    constructor(readonly capBytes: number) {
        super(`spool is full (cap ${capBytes} bytes): the backend has not acknowledged enough data yet`);
        this.name = "SpoolFullError";
    }
}

export class SpoolWriteError extends Error {
    constructor(cause: unknown) {
        super(`spool write failed: ${(cause as Error)?.message ?? String(cause)}`);
        this.name = "SpoolWriteError";
    }
}

export interface SpoolStats {
    /** Batches not yet acknowledged. */
    batches: number;
    /** Bytes of those batches' payloads. */
    bytes: number;
    /** Bytes of all segment files on disk (what the cap limits). */
    diskBytes: number;
    oldestUnackedMs: number;
    nextSeq: number;
    ackedThrough: number;
    segments: number;
}

export interface SpooledBatch {
    seq: number;
    kind: BatchKindValue;
    payload: Buffer;
}

interface Segment {
    baseSeq: number;
    file: string;
    fd: number;
    size: number;
    lastSeq: number;
    /** Batches of this segment still waiting for ack/nack. */
    live: number;
}

interface Entry {
    seq: number;
    kind: BatchKindValue;
    segment: Segment;
    payloadOffset: number;
    length: number;
    appendedAt: number;
    cached?: Buffer;
}

interface PendingAppend {
    seq: number;
    kind: BatchKindValue;
    payload: Buffer;
    appendedAt: number;
    resolve: (seq: number) => void;
    reject: (error: Error) => void;
}

const SEGMENT_SUFFIX = ".seg";
const STATE_FILE = "state.json";
const SYNC_INTERVAL_MS = 100;
/** After a failed write, how often to check whether the disk accepts writes again. */
const WRITE_PROBE_MS = 1000;
const PROBE_FILE = "write-probe.tmp";

function segmentName(baseSeq: number): string {
    return `${String(baseSeq).padStart(20, "0")}${SEGMENT_SUFFIX}`;
}

export class Spool extends EventEmitter {
    private readonly segments: Segment[] = [];
    /** Unacknowledged batches in seq order; `head` skips the acknowledged prefix without shifting the array. */
    private entries: Entry[] = [];
    private head = 0;
    private nextSeq = 1;
    private ackedThrough = 0;
    private readonly nacked = new Set<number>();
    private queue: PendingAppend[] = [];
    private queuedBytes = 0;
    private writing = false;
    private writable = true;
    private full = false;
    private closed = false;
    private diskBytes = 0;
    private liveBytes = 0;
    private cachedBytes = 0;
    private stateTimer: NodeJS.Timeout | undefined;
    private syncTimer: NodeJS.Timeout | undefined;
    private probeTimer: NodeJS.Timeout | undefined;
    private readonly dirty = new Set<Segment>();

    private constructor(
        private readonly options: SpoolOptions,
        private readonly log: Logger,
    ) {
        super();
    }

    /** Open (or create) the spool in `options.dir`, recovering every intact record. */
    static async open(options: SpoolOptions, log: Logger): Promise<Spool> {
        const spool = new Spool(options, log);
        await spool.recover();
        return spool;
    }

    /** Append one batch; resolves with its seq once durable. */
    append(kind: BatchKindValue, payload: Buffer): Promise<number> {
        if (this.closed) return Promise.reject(new SpoolWriteError(new Error("spool is closed")));
        const recordBytes = RECORD_HEADER_BYTES + payload.length;
        if (this.diskBytes - this.reclaimableBytes() + this.queuedBytes + recordBytes > this.options.maxBytes) {
            this.full = true;
            return Promise.reject(new SpoolFullError(this.options.maxBytes));
        }
        return new Promise<number>((resolve, reject) => {
            const seq = this.nextSeq++;
            this.queue.push({ seq, kind, payload, appendedAt: Date.now(), resolve, reject });
            this.queuedBytes += recordBytes;
            void this.drainQueue();
        });
    }

    /**
     * The backend already holds seqs up to `lastSeq` although this spool never issued them (its directory was
     * reset under the same replica name): continue above them, or the backend would discard new batches as
     * duplicates. Only possible while nothing is queued; returns whether the counter moved.
     */
    skipSeqsThrough(lastSeq: number): boolean {
        if (lastSeq < this.nextSeq || this.queue.length > 0 || this.writing) return false;
        this.nextSeq = lastSeq + 1;
        this.ackedThrough = Math.max(this.ackedThrough, lastSeq);
        this.scheduleStateWrite();
        return true;
    }

    /** The first unacknowledged batch with seq > `afterSeq`, or undefined. */
    nextSeqAfter(afterSeq: number): number | undefined {
        let lo = this.head;
        let hi = this.entries.length;
        while (lo < hi) {
            const mid = (lo + hi) >>> 1;
            if (this.entries[mid].seq <= afterSeq) lo = mid + 1;
            else hi = mid;
        }
        return lo < this.entries.length ? this.entries[lo].seq : undefined;
    }

    /** Read a batch for sending; undefined if it was acknowledged/rejected meanwhile. */
    async read(seq: number): Promise<SpooledBatch | undefined> {
        const entry = this.find(seq);
        if (!entry) return undefined;
        if (entry.cached) return { seq, kind: entry.kind, payload: entry.cached };
        const payload = Buffer.allocUnsafe(entry.length);
        try {
            await readFully(entry.segment.fd, payload, entry.payloadOffset);
        } catch (error) {
            if (!this.find(seq)) return undefined; // deleted while reading
            throw error;
        }
        return { seq, kind: entry.kind, payload };
    }

    /** Cumulative acknowledgement: every batch with seq ≤ `seq` is durably held by the backend. */
    ack(seq: number): number {
        let removed = 0;
        while (this.head < this.entries.length && this.entries[this.head].seq <= seq) {
            this.release(this.entries[this.head]);
            this.head++;
            removed++;
        }
        if (seq > this.ackedThrough) this.ackedThrough = Math.min(seq, this.nextSeq - 1);
        for (const n of this.nacked) if (n <= this.ackedThrough) this.nacked.delete(n);
        if (this.head > 1024 && this.head * 2 > this.entries.length) {
            this.entries = this.entries.slice(this.head);
            this.head = 0;
        }
        if (removed > 0) this.afterRemoval();
        return removed;
    }

    /** The backend rejected batch `seq` for good: delete it, never send it again. */
    nack(seq: number): boolean {
        const index = this.indexOf(seq);
        if (index < 0) return false;
        this.release(this.entries[index]);
        this.entries.splice(index, 1);
        this.nacked.add(seq);
        this.afterRemoval();
        return true;
    }

    stats(): SpoolStats {
        const oldest = this.entries[this.head];
        return {
            batches: this.entries.length - this.head,
            bytes: this.liveBytes,
            diskBytes: this.diskBytes,
            oldestUnackedMs: oldest ? Math.max(0, Date.now() - oldest.appendedAt) : 0,
            nextSeq: this.nextSeq,
            ackedThrough: this.ackedThrough,
            segments: this.segments.length,
        };
    }

    /**
     * Ready for new data: the last write succeeded and the spool is not full. Once an append was refused for
     * the cap, the spool counts as full until usage is back under 90% of the cap, so readiness does not flap
     * with every acknowledgement.
     */
    isReady(): boolean {
        const used = this.diskBytes - this.reclaimableBytes();
        if (this.full && used < 0.9 * this.options.maxBytes) this.full = false;
        return !this.closed && this.writable && !this.full && used < this.options.maxBytes;
    }

    get capBytes(): number {
        return this.options.maxBytes;
    }

    /** Wait for queued appends, persist state and close files. */
    async close(): Promise<void> {
        if (this.closed) return;
        this.closed = true;
        while (this.writing || this.queue.length > 0) await new Promise((r) => setTimeout(r, 5));
        if (this.stateTimer) clearTimeout(this.stateTimer);
        if (this.syncTimer) clearTimeout(this.syncTimer);
        if (this.probeTimer) clearTimeout(this.probeTimer);
        for (const segment of this.dirty) fs.fdatasyncSync(segment.fd);
        this.dirty.clear();
        this.writeState();
        for (const segment of this.segments) fs.closeSync(segment.fd);
        this.segments.length = 0;
    }

    // ---- internals ----

    private find(seq: number): Entry | undefined {
        const index = this.indexOf(seq);
        return index >= 0 ? this.entries[index] : undefined;
    }

    private indexOf(seq: number): number {
        let lo = this.head;
        let hi = this.entries.length - 1;
        while (lo <= hi) {
            const mid = (lo + hi) >>> 1;
            const s = this.entries[mid].seq;
            if (s === seq) return mid;
            if (s < seq) lo = mid + 1;
            else hi = mid - 1;
        }
        return -1;
    }

    private release(entry: Entry): void {
        entry.segment.live--;
        this.liveBytes -= entry.length;
        if (entry.cached) {
            this.cachedBytes -= entry.length;
            entry.cached = undefined;
        }
    }

    private active(): Segment {
        return this.segments[this.segments.length - 1];
    }

    /**
     * A fully acknowledged active segment is replaced by a new one at the next write once it holds this many
     * bytes. Not at every write: creating a file (and fsyncing the directory) per request would dominate latency
     * under light load. Small relative to the cap, so the bytes it may keep cannot block appends.
     */
    private rollDrainedBytes(): number {
        return Math.min(1024 * 1024, Math.floor(this.options.maxBytes / 16));
    }

    /** Bytes that the next write frees by rolling a fully acknowledged active segment. */
    private reclaimableBytes(): number {
        const active = this.active();
        return active && active.live === 0 && this.queue.length === 0 && active.size >= this.rollDrainedBytes() ? active.size : 0;
    }

    private afterRemoval(): void {
        // Delete every fully drained segment except the active one (it names the next seq).
        for (let i = this.segments.length - 2; i >= 0; i--) {
            const segment = this.segments[i];
            if (segment.live === 0) {
                this.segments.splice(i, 1);
                this.deleteSegment(segment);
            }
        }
        this.scheduleStateWrite();
        this.emit("drained-some");
    }

    private deleteSegment(segment: Segment): void {
        this.dirty.delete(segment);
        this.diskBytes -= segment.size;
        try {
            fs.closeSync(segment.fd);
            fs.unlinkSync(segment.file);
        } catch (error) {
            this.log.warn({ err: error, segment: path.basename(segment.file) }, "spool: could not delete a drained segment");
        }
    }

    /** Policy `interval`: fdatasync written segments at most every 100 ms, off the request path. */
    private scheduleSync(segment: Segment): void {
        this.dirty.add(segment);
        if (this.syncTimer) return;
        this.syncTimer = setTimeout(() => {
            this.syncTimer = undefined;
            const segments = [...this.dirty];
            this.dirty.clear();
            const started = process.hrtime.bigint();
            void Promise.all(segments.map((s) => fdatasync(s.fd).catch((error) => this.log.warn({ err: error }, "spool: background fdatasync failed"))))
                .then(() => this.options.onSync?.(Number(process.hrtime.bigint() - started) / 1e9));
        }, SYNC_INTERVAL_MS);
        this.syncTimer.unref();
    }

    /**
     * After a failed write (e.g. ENOSPC) the spool is unready, so the replica gets no new requests that could
     * show the disk has recovered: probe it in the background until a small write + fdatasync succeeds again.
     */
    private scheduleWriteProbe(): void {
        if (this.probeTimer || this.closed) return;
        this.probeTimer = setTimeout(() => {
            this.probeTimer = undefined;
            if (this.writable || this.closed) return;
            const file = path.join(this.options.dir, PROBE_FILE);
            try {
                const fd = fs.openSync(file, "w", 0o600);
                try {
                    fs.writeSync(fd, Buffer.alloc(64 * 1024));
                    fs.fdatasyncSync(fd);
                } finally {
                    fs.closeSync(fd);
                    fs.rmSync(file, { force: true });
                }
                this.writable = true;
                this.log.info("spool: the disk accepts writes again; ready for new data");
            } catch {
                this.scheduleWriteProbe();
            }
        }, WRITE_PROBE_MS);
        this.probeTimer.unref();
    }

    private scheduleStateWrite(): void {
        if (this.stateTimer || this.closed) return;
        this.stateTimer = setTimeout(() => {
            this.stateTimer = undefined;
            this.writeState();
        }, 200);
        this.stateTimer.unref();
    }

    private writeState(): void {
        const file = path.join(this.options.dir, STATE_FILE);
        try {
            fs.writeFileSync(`${file}.tmp`, JSON.stringify({ ackedThrough: this.ackedThrough, nacked: [...this.nacked] }));
            fs.renameSync(`${file}.tmp`, file);
        } catch (error) {
            this.log.warn({ err: error }, "spool: could not persist acknowledgement state (batches may be resent)");
        }
    }

    private createSegment(baseSeq: number): Segment {
        const file = path.join(this.options.dir, segmentName(baseSeq));
        const fd = fs.openSync(file, fs.constants.O_RDWR | fs.constants.O_CREAT, 0o600);
        fsyncDir(this.options.dir); // the new file's name must survive too (rare: once per segment)
        const segment: Segment = { baseSeq, file, fd, size: 0, lastSeq: baseSeq - 1, live: 0 };
        this.segments.push(segment);
        return segment;
    }

    private async drainQueue(): Promise<void> {
        if (this.writing) return;
        this.writing = true;
        try {
            while (this.queue.length > 0) {
                const batch = this.queue;
                this.queue = [];
                await this.writeBatch(batch);
            }
        } finally {
            this.writing = false;
        }
    }

    private async writeBatch(batch: PendingAppend[]): Promise<void> {
        let bytes = 0;
        for (const item of batch) bytes += RECORD_HEADER_BYTES + item.payload.length;
        const started = process.hrtime.bigint();
        let segment = this.active();
        try {
            if (segment.size >= this.options.segmentBytes || (segment.live === 0 && segment.size > 0 && segment.size >= this.rollDrainedBytes())) {
                // Full, or fully acknowledged: start a new segment named after this batch's first seq.
                const old = segment;
                segment = this.createSegment(batch[0].seq);
                if (old.live === 0) {
                    this.segments.splice(this.segments.indexOf(old), 1);
                    this.deleteSegment(old);
                }
            }
            const buffers: Buffer[] = [];
            for (const item of batch) {
                buffers.push(encodeRecordHeader(item.seq, item.kind, item.appendedAt, item.payload), item.payload);
            }
            await writeFully(segment.fd, buffers, segment.size);
            if (this.options.fsync === "always") await fdatasync(segment.fd);
            else this.scheduleSync(segment);
        } catch (error) {
            this.writable = false;
            this.scheduleWriteProbe();
            try {
                fs.ftruncateSync(segment.fd, segment.size); // never leave a half-written record behind
            } catch {
                // the open-time scan drops a torn tail anyway
            }
            // Reject this write and everything queued behind it, and hand their seqs out again: the backend
            // acknowledges cumulatively, so a seq that never reaches it would stall every later ack.
            const failed = [...batch, ...this.queue];
            this.queue = [];
            this.queuedBytes = 0;
            this.nextSeq = batch[0].seq;
            const failure = new SpoolWriteError(error);
            this.log.error({ err: error, requests: failed.length }, "spool: write failed; rejecting the requests of this write");
            for (const item of failed) item.reject(failure);
            return;
        }
        this.writable = true;
        this.options.onWrite?.(Number(process.hrtime.bigint() - started) / 1e9, batch.length);
        let offset = segment.size;
        const cacheLimit = this.options.memoryCacheBytes ?? 8 * 1024 * 1024;
        for (const item of batch) {
            const entry: Entry = {
                seq: item.seq,
                kind: item.kind,
                segment,
                payloadOffset: offset + RECORD_HEADER_BYTES,
                length: item.payload.length,
                appendedAt: item.appendedAt,
            };
            if (this.cachedBytes + item.payload.length <= cacheLimit) {
                entry.cached = item.payload;
                this.cachedBytes += item.payload.length;
            }
            offset += RECORD_HEADER_BYTES + item.payload.length;
            this.entries.push(entry);
            segment.live++;
            segment.lastSeq = item.seq;
            this.liveBytes += item.payload.length;
        }
        segment.size = offset;
        this.diskBytes += bytes;
        this.queuedBytes -= bytes;
        for (const item of batch) item.resolve(item.seq);
        this.emit("appended");
    }

    private async recover(): Promise<void> {
        const dir = this.options.dir;
        fs.mkdirSync(dir, { recursive: true });
        const state = this.readState();
        this.ackedThrough = state.ackedThrough;
        for (const n of state.nacked) if (n > this.ackedThrough) this.nacked.add(n);
        const files = fs
            .readdirSync(dir)
            .filter((f) => /^\d{20}\.seg$/.test(f))
            .sort();
        let expectedMin = 1;
        for (const name of files) {
            const baseSeq = Number(name.slice(0, 20));
            const file = path.join(dir, name);
            const bytes = fs.readFileSync(file);
            const fd = fs.openSync(file, "r+");
            const segment: Segment = { baseSeq, file, fd, size: 0, lastSeq: baseSeq - 1, live: 0 };
            let offset = 0;
            for (;;) {
                const outcome = decodeRecord(bytes, offset);
                if (outcome.status === "end") break;
                let reason = outcome.status === "torn" ? outcome.reason : "";
                if (outcome.status === "ok" && outcome.record.seq < Math.max(expectedMin, baseSeq)) reason = "seq out of order";
                if (reason) {
                    this.log.warn(
                        { segment: name, offset, droppedBytes: bytes.length - offset, reason },
                        "spool: dropping torn tail record (never acknowledged as durable, or corrupted on disk)",
                    );
                    fs.ftruncateSync(fd, offset);
                    fs.fsyncSync(fd);
                    break;
                }
                if (outcome.status !== "ok") break;
                const { record } = outcome;
                segment.lastSeq = record.seq;
                expectedMin = record.seq + 1;
                if (record.seq > this.ackedThrough && !this.nacked.has(record.seq)) {
                    this.entries.push({
                        seq: record.seq,
                        kind: record.kind,
                        segment,
                        payloadOffset: offset + RECORD_HEADER_BYTES,
                        length: record.payload.length,
                        appendedAt: record.appendedAt,
                    });
                    segment.live++;
                    this.liveBytes += record.payload.length;
                }
                offset += outcome.bytes;
            }
            segment.size = offset;
            this.diskBytes += offset;
            this.segments.push(segment);
            this.nextSeq = Math.max(this.nextSeq, segment.lastSeq + 1, baseSeq);
        }
        if (this.nextSeq <= this.ackedThrough) this.nextSeq = this.ackedThrough + 1;
        if (this.segments.length === 0) this.createSegment(this.nextSeq);
        // Drop fully drained old segments now rather than at the first ack.
        for (let i = this.segments.length - 2; i >= 0; i--) {
            if (this.segments[i].live === 0) this.deleteSegment(this.segments.splice(i, 1)[0]);
        }
        this.log.info(
            { dir, batches: this.entries.length, bytes: this.liveBytes, nextSeq: this.nextSeq, segments: this.segments.length },
            "spool: opened",
        );
    }

    private readState(): { ackedThrough: number; nacked: number[] } {
        const file = path.join(this.options.dir, STATE_FILE);
        try {
            const parsed: unknown = JSON.parse(fs.readFileSync(file, "utf8"));
            const value = parsed as { ackedThrough?: unknown; nacked?: unknown };
            const ackedThrough = Number.isSafeInteger(value.ackedThrough) ? (value.ackedThrough as number) : 0;
            const nacked = Array.isArray(value.nacked) ? value.nacked.filter((n): n is number => Number.isSafeInteger(n)) : [];
            return { ackedThrough, nacked };
        } catch (error) {
            if ((error as NodeJS.ErrnoException).code !== "ENOENT") {
                this.log.warn({ err: error }, "spool: ignoring unreadable state.json (batches may be resent; the backend de-duplicates)");
            }
            return { ackedThrough: 0, nacked: [] };
        }
    }
}

function fsyncDir(dir: string): void {
    const fd = fs.openSync(dir, "r");
    try {
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}

function fdatasync(fd: number): Promise<void> {
    return new Promise((resolve, reject) => fs.fdatasync(fd, (error) => (error ? reject(error) : resolve())));
}

function writeFully(fd: number, buffers: Buffer[], position: number): Promise<void> {
    return new Promise((resolve, reject) => {
        const total = buffers.reduce((n, b) => n + b.length, 0);
        fs.writev(fd, buffers, position, (error, written) => {
            if (error) return reject(error);
            if (written === total) return resolve();
            // Short write (rare): finish with one contiguous buffer.
            const rest = Buffer.concat(buffers).subarray(written);
            fs.write(fd, rest, 0, rest.length, position + written, (e2, w2) =>
                e2 ? reject(e2) : w2 === rest.length ? resolve() : reject(new Error("short write")),
            );
        });
    });
}

function readFully(fd: number, target: Buffer, position: number): Promise<void> {
    return new Promise((resolve, reject) => {
        fs.read(fd, target, 0, target.length, position, (error, bytesRead) => {
            if (error) return reject(error);
            if (bytesRead !== target.length) return reject(new Error("spool segment shorter than its index"));
            resolve();
        });
    });
}
