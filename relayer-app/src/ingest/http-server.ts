// OTLP/HTTP receiver on :4318: POST /v1/traces, /v1/metrics, /v1/logs with application/x-protobuf or
// application/json bodies, optionally gzip. Status codes follow the OTLP specification so exporters retry
// exactly when they should: 400/404/405/413/415 are final; 429/503 carry Retry-After and are retried.
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Logger } from "pino";
import { listen } from "../listen";
import type { ManagedService } from "../service";
import { BodyError, readBody } from "./body-reader";
import type { Intake } from "./intake";
import { JsonPayloadError, otlpJsonToProtobuf } from "./json-to-protobuf";
import { OTLP_SIGNALS } from "./otlp-signals";
import { encodeStatus, RpcCode } from "./rpc-status";
import { protobufProblem } from "./validate-protobuf";

export interface OtlpHttpOptions {
    host: string;
    port: number;
    maxRequestBytes: number;
    intake: Intake;
    log: Logger;
}

type Media = "protobuf" | "json";

function mediaOf(contentType: string | undefined): Media | undefined {
    const type = (contentType ?? "").split(";")[0].trim().toLowerCase();
    if (type === "application/x-protobuf") return "protobuf";
    if (type === "application/json") return "json";
    return undefined;
}

export class OtlpHttpServer implements ManagedService {
    readonly name = "otlp-http";
    private readonly server: http.Server;
    private accepting = true;

    constructor(private readonly options: OtlpHttpOptions) {
        this.server = http.createServer(
            {
                // Slow-loris and huge-header protection; 16 KiB headers are plenty for OTLP exporters (431 beyond).
                requestTimeout: 60_000,
                headersTimeout: 15_000,
                maxHeaderSize: 16 * 1024,
                keepAliveTimeout: 65_000,
            },
            (request, response) =>
                void this.handle(request, response).catch((error: unknown) => {
                    // A bug must cost one request, never the process or a hanging client.
                    options.log.error({ err: error }, "otlp-http: unexpected error while handling a request");
                    if (!response.headersSent) response.writeHead(500, { "Content-Type": "text/plain" });
                    response.end("internal error\n");
                }),
        );
        this.server.on("clientError", (error, socket) => {
            if (!socket.writable) {
                socket.destroy();
                return;
            }
            const code = (error as NodeJS.ErrnoException).code;
            const status = code === "HPE_HEADER_OVERFLOW" ? "431 Request Header Fields Too Large" : "400 Bad Request";
            socket.end(`HTTP/1.1 ${status}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
        });
    }

    get port(): number {
        return (this.server.address() as AddressInfo).port;
    }

    start(): Promise<void> {
        return listen(this.server, this.options.port, this.options.host);
    }

    /** Stop accepting connections; in-flight requests finish (until `deadline`). */
    stop(deadline: number): Promise<void> {
        this.accepting = false;
        return new Promise((resolve) => {
            // Keep-alive connections become idle as their last request finishes: close them as soon as they do.
            const idleSweep = setInterval(() => this.server.closeIdleConnections(), 50);
            const timer = setTimeout(() => {
                clearInterval(idleSweep);
                this.server.closeAllConnections();
                resolve();
            }, Math.max(0, deadline - Date.now()));
            this.server.close(() => {
                clearTimeout(timer);
                clearInterval(idleSweep);
                resolve();
            });
            this.server.closeIdleConnections();
        });
    }

    private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const { intake } = this.options;
        const path = (request.url ?? "").split("?")[0];
        const signal = OTLP_SIGNALS.find((s) => s.httpPath === path);
        const media = mediaOf(request.headers["content-type"]);
        const json = media !== "protobuf";
        if (!this.accepting) response.setHeader("Connection", "close");
        if (!signal) {
            intake.reject(undefined, "http", "not_found");
            return this.fail(response, 404, RpcCode.NOT_FOUND, `no OTLP endpoint at ${path.slice(0, 80)}; use /v1/traces, /v1/metrics or /v1/logs`, json);
        }
        if (request.method !== "POST") {
            intake.reject(signal, "http", "method_not_allowed");
            response.setHeader("Allow", "POST");
            return this.fail(response, 405, RpcCode.UNIMPLEMENTED, `${signal.httpPath} accepts POST only`, json);
        }
        if (!media) {
            intake.reject(signal, "http", "unsupported_media_type");
            return this.fail(response, 415, RpcCode.INVALID_ARGUMENT, "Content-Type must be application/x-protobuf or application/json", true);
        }
        let body: Buffer;
        try {
            body = await readBody(request, this.options.maxRequestBytes);
        } catch (error) {
            const e = error as BodyError;
            const status = e instanceof BodyError ? e.status : 400;
            intake.reject(signal, "http", status === 413 ? "too_large" : status === 415 ? "unsupported_media_type" : "malformed");
            const rpc = status === 413 ? RpcCode.RESOURCE_EXHAUSTED : RpcCode.INVALID_ARGUMENT;
            return this.fail(response, status, rpc, e.message, json);
        }
        let payload: Buffer;
        if (media === "json") {
            try {
                payload = otlpJsonToProtobuf(signal, body);
            } catch (error) {
                intake.reject(signal, "http", "malformed");
                const message = error instanceof JsonPayloadError ? error.message : "body could not be converted to OTLP protobuf";
                return this.fail(response, 400, RpcCode.INVALID_ARGUMENT, message, json);
            }
        } else {
            const problem = protobufProblem(body);
            if (problem) {
                intake.reject(signal, "http", "malformed");
                return this.fail(response, 400, RpcCode.INVALID_ARGUMENT, `body is not a valid OTLP ${signal.name} protobuf: ${problem}`, json);
            }
            payload = body;
        }
        const outcome = await intake.accept(signal, "http", payload);
        if (outcome.status === "accepted") return this.succeed(response, media);
        if (outcome.status === "too_large") return this.fail(response, 413, RpcCode.RESOURCE_EXHAUSTED, outcome.message, json);
        const status = outcome.status === "overloaded" ? 429 : 503;
        response.setHeader("Retry-After", String(outcome.retryAfterSeconds));
        return this.fail(response, status, RpcCode.UNAVAILABLE, outcome.message, json);
    }

    private succeed(response: http.ServerResponse, media: Media): void {
        // Empty Export*ServiceResponse: no partial_success, everything was accepted.
        const body = media === "json" ? Buffer.from("{}") : Buffer.alloc(0);
        response.writeHead(200, { "Content-Type": media === "json" ? "application/json" : "application/x-protobuf", "Content-Length": body.length });
        response.end(body);
    }

    private fail(response: http.ServerResponse, status: number, rpc: number, message: string, json: boolean): void {
        const body = encodeStatus(rpc, message, json);
        response.writeHead(status, { "Content-Type": json ? "application/json" : "application/x-protobuf", "Content-Length": body.length });
        response.end(body);
    }
}
