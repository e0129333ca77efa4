// Reads an HTTP request body with the size limit enforced while reading, after decompression, so neither a
// huge body nor a gzip bomb is ever held in memory beyond the limit.
import type { IncomingMessage } from "node:http";
import { createGunzip } from "node:zlib";

/** How much of an over-limit body is read and thrown away before the connection is closed instead. */
const MAX_DISCARD_BYTES = 16 * 1024 * 1024;

export class BodyError extends Error {
    constructor(
        readonly status: 400 | 413 | 415,
        message: string,
    ) {
        super(message);
    }
}

export function readBody(request: IncomingMessage, limit: number): Promise<Buffer> {
    const encoding = (request.headers["content-encoding"] ?? "identity").toLowerCase().trim();
    if (encoding !== "identity" && encoding !== "gzip") {
        return Promise.reject(new BodyError(415, `Content-Encoding "${encoding.slice(0, 40)}" is not supported; send identity or gzip`));
    }
    const declared = Number(request.headers["content-length"]);
    if (Number.isFinite(declared) && declared > limit) {
        return Promise.reject(new BodyError(413, `request body of ${declared} bytes exceeds the limit of ${limit} bytes; send smaller batches`));
    }
    return new Promise<Buffer>((resolve, reject) => {
        const chunks: Buffer[] = [];
        let size = 0;
        let rawSize = 0;
        let settled = false;
        const source = encoding === "gzip" ? request.pipe(createGunzip()) : request;
        const fail = (error: BodyError) => {
            if (settled) return;
            settled = true;
            if (source !== request) source.destroy();
            request.unpipe();
            // Discard the rest so the client can read our answer (clients write the whole body before reading);
            // a client that keeps sending far beyond the limit gets its connection closed.
            let discarded = 0;
            request.on("data", (chunk: Buffer) => {
                discarded += chunk.length;
                if (discarded > MAX_DISCARD_BYTES) request.socket.destroy();
            });
            request.resume();
            reject(error);
        };
        if (source !== request) {
            request.on("data", (chunk: Buffer) => {
                rawSize += chunk.length;
                if (rawSize > limit) fail(new BodyError(413, `compressed request body exceeds the limit of ${limit} bytes; send smaller batches`));
            });
        }
        source.on("data", (chunk: Buffer) => {
            if (settled) return;
            size += chunk.length;
            if (size > limit) {
                fail(new BodyError(413, `request body exceeds the limit of ${limit} bytes after decompression; send smaller batches`));
                return;
            }
            chunks.push(chunk);
        });
        source.on("error", (error) => fail(new BodyError(400, `request body could not be read: ${error.message}`)));
        request.on("aborted", () => fail(new BodyError(400, "client aborted the request")));
        source.on("end", () => {
            if (settled) return;
            settled = true;
            resolve(Buffer.concat(chunks, size));
        });
    });
}
