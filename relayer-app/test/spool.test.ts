// The durable spool: records with checksums, torn tails dropped with a log line, seq never reused, byte cap,
// deletion only on ack/nack, segment rollover.
import { strict as assert } from "node:assert";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import pino from "pino";
import { BatchKind } from "../src/spool/batch-kind";
import { decodeRecord, encodeRecordHeader } from "../src/spool/record";
import { Spool, SpoolFullError, SpoolWriteError, type SpoolOptions } from "../src/spool/spool";

function capture() {
    const lines: Record<string, unknown>[] = [];
    const log = pino({ level: "debug" }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) });
    return { log, lines };
}

function options(dir: string, overrides: Partial<SpoolOptions> = {}): SpoolOptions {
    return { dir, maxBytes: 4 * 1024 * 1024, segmentBytes: 64 * 1024, fsync: "always", ...overrides };
}

const payload = (i: number, size = 100) => Buffer.alloc(size, i % 251);

describe("spool", () => {
    let dir: string;
    beforeEach(() => (dir = fs.mkdtempSync(path.join(os.tmpdir(), "spool-test-"))));
    afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

    it("encodes records with a checksum that catches a flipped bit in seq, kind or payload", () => {
        const body = Buffer.from("hello");
        const record = Buffer.concat([encodeRecordHeader(7, BatchKind.logs, 123, body), body]);
        const ok = decodeRecord(record, 0);
        assert.ok(ok.status === "ok" && ok.record.seq === 7 && ok.record.kind === 3 && ok.record.payload.equals(body));
        for (const offset of [10, 24, record.length - 1]) {
            const copy = Buffer.from(record);
            copy[offset] ^= 0x01;
            assert.equal(decodeRecord(copy, 0).status, "torn", `flip at ${offset}`);
        }
        assert.equal(decodeRecord(record.subarray(0, record.length - 1), 0).status, "torn");
    });

    it("appends, reads back in seq order, survives reopen, and rolls segments", async () => {
        const { log } = capture();
        const spool = await Spool.open(options(dir), log);
        const seqs: number[] = [];
        for (let group = 0; group < 20; group++) {
            seqs.push(...(await Promise.all(Array.from({ length: 50 }, (_, i) => spool.append(BatchKind.traces, payload(group * 50 + i, 200))))));
        }
        assert.deepEqual(seqs, Array.from({ length: 1000 }, (_, i) => i + 1));
        assert.ok(spool.stats().segments > 1, "rolled to new segments");
        await spool.close();
        const reopened = await Spool.open(options(dir), log);
        assert.equal(reopened.stats().batches, 1000);
        assert.equal(reopened.nextSeqAfter(0), 1);
        const batch = await reopened.read(500);
        assert.ok(batch && batch.payload.equals(payload(499, 200)) && batch.kind === BatchKind.traces);
        assert.equal(await reopened.append(BatchKind.logs, payload(1)), 1001);
        await reopened.close();
    });

    it("drops a torn tail record with a log line and keeps every record before it", async () => {
        const { log, lines } = capture();
        const spool = await Spool.open(options(dir), log);
        for (let i = 0; i < 5; i++) await spool.append(BatchKind.metrics, payload(i));
        await spool.close();
        const segment = fs.readdirSync(dir).find((f) => f.endsWith(".seg"))!;
        // A crash in the middle of the sixth record: header and half its payload.
        const partial = Buffer.concat([encodeRecordHeader(6, BatchKind.metrics, Date.now(), payload(5)), payload(5)]).subarray(0, 60);
        fs.appendFileSync(path.join(dir, segment), partial);
        const reopened = await Spool.open(options(dir), log);
        assert.equal(reopened.stats().batches, 5);
        assert.ok(lines.some((l) => String(l.msg).startsWith("spool: dropping torn tail record") && l.reason === "record shorter than its length field"));
        assert.equal(await reopened.append(BatchKind.metrics, payload(9)), 6, "the torn seq was never acknowledged, so it is issued again");
        assert.ok((await reopened.read(6))!.payload.equals(payload(9)), "never served corrupt");
        await reopened.close();
    });

    it("drops a corrupted record (checksum mismatch) instead of serving it", async () => {
        const { log, lines } = capture();
        const spool = await Spool.open(options(dir), log);
        for (let i = 0; i < 3; i++) await spool.append(BatchKind.traces, payload(i));
        await spool.close();
        const file = path.join(dir, fs.readdirSync(dir).find((f) => f.endsWith(".seg"))!);
        const bytes = fs.readFileSync(file);
        bytes[bytes.length - 10] ^= 0xff; // inside the last payload
        fs.writeFileSync(file, bytes);
        const reopened = await Spool.open(options(dir), log);
        assert.equal(reopened.stats().batches, 2);
        assert.ok(lines.some((l) => l.reason === "checksum mismatch"));
        await reopened.close();
    });

    it("deletes batches only on ack/nack, deletes drained segments, and never reuses a seq after everything was acked", async () => {
        const { log } = capture();
        const spool = await Spool.open(options(dir), log);
        for (let i = 0; i < 600; i++) await spool.append(BatchKind.traces, payload(i, 300));
        const segmentsBefore = fs.readdirSync(dir).filter((f) => f.endsWith(".seg")).length;
        assert.ok(spool.nack(10));
        assert.equal(await spool.read(10), undefined);
        assert.equal(spool.ack(300), 299);
        assert.equal(spool.nextSeqAfter(0), 301);
        assert.ok(fs.readdirSync(dir).filter((f) => f.endsWith(".seg")).length < segmentsBefore, "drained segments deleted");
        spool.ack(600);
        assert.equal(spool.stats().batches, 0);
        await spool.close();
        const reopened = await Spool.open(options(dir), log);
        assert.equal(reopened.stats().batches, 0);
        assert.equal(await reopened.append(BatchKind.logs, payload(1)), 601, "next seq persisted across restart");
        await reopened.close();
    });

    it("turns unready when a write fails and ready again once the disk accepts writes, without new traffic", async () => {
        const { log, lines } = capture();
        const spool = await Spool.open(options(dir), log);
        assert.equal(await spool.append(BatchKind.traces, payload(1)), 1);
        // White-box: no portable way makes a local write fail, so the active segment's descriptor is made invalid.
        const segments = (spool as unknown as { segments: { fd: number }[] }).segments;
        const active = segments[segments.length - 1];
        const realFd = active.fd;
        active.fd = 1_000_000;
        await assert.rejects(spool.append(BatchKind.traces, payload(2)), SpoolWriteError);
        assert.equal(spool.isReady(), false, "a failed write makes the spool unready");
        active.fd = realFd;
        for (let i = 0; i < 40 && !spool.isReady(); i++) await new Promise((r) => setTimeout(r, 100));
        assert.equal(spool.isReady(), true, "the background probe found the disk writable again");
        assert.ok(lines.some((l) => String(l.msg).includes("accepts writes again")));
        assert.equal(await spool.append(BatchKind.traces, payload(3)), 2, "the failed write's seq is handed out again");
        assert.ok(!fs.readdirSync(dir).some((f) => f.includes("probe")), "the probe file is removed");
        await spool.close();
    });

    it("refuses appends beyond the byte cap with SpoolFullError and becomes unready until drained", async () => {
        const { log } = capture();
        const spool = await Spool.open(options(dir, { maxBytes: 1024 * 1024 }), log);
        let full: unknown;
        let accepted = 0;
        for (let i = 0; i < 100 && !full; i++) {
            try {
                await spool.append(BatchKind.traces, payload(i, 32 * 1024));
                accepted++;
            } catch (error) {
                full = error;
            }
        }
        assert.ok(full instanceof SpoolFullError);
        assert.ok(spool.stats().diskBytes <= 1024 * 1024);
        assert.equal(spool.isReady(), false);
        spool.ack(accepted);
        assert.equal(spool.isReady(), true);
        assert.equal(await spool.append(BatchKind.traces, payload(1, 32 * 1024)), accepted + 1);
        await spool.close();
    });

    it("continues above a backend's lastSeq that this spool never issued (reset spool directory)", async () => {
        const { log } = capture();
        const spool = await Spool.open(options(dir), log);
        assert.equal(spool.skipSeqsThrough(41), true);
        assert.equal(await spool.append(BatchKind.traces, payload(1)), 42);
        assert.equal(spool.skipSeqsThrough(10), false, "never moves backwards");
        await spool.close();
        const reopened = await Spool.open(options(dir), log);
        assert.equal(await reopened.append(BatchKind.traces, payload(2)), 43);
        await reopened.close();
    });

    it("groups concurrent appends into shared fsyncs (group commit), measured by onWrite", async () => {
        const { log } = capture();
        const writes: number[] = [];
        const spool = await Spool.open(options(dir, { onWrite: (_s, records) => writes.push(records) }), log);
        await Promise.all(Array.from({ length: 200 }, (_, i) => spool.append(BatchKind.traces, payload(i))));
        assert.equal(writes.reduce((a, b) => a + b, 0), 200);
        assert.ok(writes.length < 200, `${writes.length} writes for 200 appends`);
        await spool.close();
    });
});
