// On-disk record format of the spool. Pure encode/decode so torn and corrupt records are easy to test.
//
//   offset 0  u32  magic 0x52535031 ("RSP1") — resynchronisation is never attempted, but a wrong magic is an
//                  unmistakable sign that the rest of the segment is garbage
//   offset 4  u32  payload length
//   offset 8  u64  seq
//   offset 16 u64  append time, Unix ms (for the spool's oldest-age figure after a restart)
//   offset 24 u8   kind
//   offset 25 u32  CRC-32 of bytes 8..24 and the payload (so a torn or flipped seq/kind is caught too)
//   offset 29 …    payload
import { crc32 } from "node:zlib";
import { isBatchKind, type BatchKindValue } from "./batch-kind";

export const RECORD_MAGIC = 0x52535031;
export const RECORD_HEADER_BYTES = 29;

export interface SpoolRecord {
    seq: number;
    kind: BatchKindValue;
    appendedAt: number;
    payload: Buffer;
}

/** Header for `record`; the payload is written after it (kept separate to avoid copying large payloads). */
export function encodeRecordHeader(seq: number, kind: BatchKindValue, appendedAt: number, payload: Buffer): Buffer {
    const header = Buffer.allocUnsafe(RECORD_HEADER_BYTES);
    header.writeUInt32BE(RECORD_MAGIC, 0);
    header.writeUInt32BE(payload.length, 4);
    header.writeBigUInt64BE(BigInt(seq), 8);
    header.writeBigUInt64BE(BigInt(appendedAt), 16);
    header.writeUInt8(kind, 24);
    header.writeUInt32BE(crc32(payload, crc32(header.subarray(8, 25))), 25);
    return header;
}

export type DecodeOutcome =
    | { status: "ok"; record: SpoolRecord; bytes: number }
    | { status: "end" }
    | { status: "torn"; reason: string };

/** Decode the record at `offset` of a segment's bytes. `torn` means: nothing from here on can be trusted. */
export function decodeRecord(buf: Buffer, offset: number): DecodeOutcome {
    if (offset === buf.length) return { status: "end" };
    if (buf.length - offset < RECORD_HEADER_BYTES) return { status: "torn", reason: "incomplete record header" };
    if (buf.readUInt32BE(offset) !== RECORD_MAGIC) return { status: "torn", reason: "bad record magic" };
    const length = buf.readUInt32BE(offset + 4);
    const end = offset + RECORD_HEADER_BYTES + length;
    if (end > buf.length) return { status: "torn", reason: "record shorter than its length field" };
    const kind = buf.readUInt8(offset + 24);
    const payload = buf.subarray(offset + RECORD_HEADER_BYTES, end);
    const expected = buf.readUInt32BE(offset + 25);
    if (crc32(payload, crc32(buf.subarray(offset + 8, offset + 25))) !== expected) {
        return { status: "torn", reason: "checksum mismatch" };
    }
    if (!isBatchKind(kind)) return { status: "torn", reason: "unknown batch kind" };
    return {
        status: "ok",
        record: {
            seq: Number(buf.readBigUInt64BE(offset + 8)),
            appendedAt: Number(buf.readBigUInt64BE(offset + 16)),
            kind,
            payload,
        },
        bytes: end - offset,
    };
}
