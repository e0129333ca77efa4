// OTLP/gRPC receiver on :4317 (trace, metrics and logs services) with @grpc/grpc-js. Requests are taken as raw
// bytes (identity (de)serializers): the relayer forwards protobuf as it came, after a structural check.
// grpc-js decompresses gzip and enforces the size limit after decompression (RESOURCE_EXHAUSTED).
import * as grpc from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { ManagedService } from "../service";
import type { Intake } from "./intake";
import { OTLP_SIGNALS, type OtlpSignal } from "./otlp-signals";
import { protobufProblem } from "./validate-protobuf";

export interface OtlpGrpcOptions {
    host: string;
    port: number;
    maxRequestBytes: number;
    intake: Intake;
    log: Logger;
}

const identity = (value: Buffer): Buffer => value;
const EMPTY_RESPONSE = Buffer.alloc(0); // Export*ServiceResponse with no partial_success

function serviceDefinition(signal: OtlpSignal): grpc.ServiceDefinition {
    return {
        Export: {
            path: `/${signal.grpcService}/Export`,
            requestStream: false,
            responseStream: false,
            requestSerialize: identity,
            requestDeserialize: identity,
            responseSerialize: identity,
            responseDeserialize: identity,
            originalName: "export",
        },
    };
}

export class OtlpGrpcServer implements ManagedService {
    readonly name = "otlp-grpc";
    private readonly server: grpc.Server;
    private boundPort = 0;

    constructor(private readonly options: OtlpGrpcOptions) {
        this.server = new grpc.Server({
            "grpc.max_receive_message_length": options.maxRequestBytes,
            "grpc.max_send_message_length": 4 * 1024 * 1024,
            "grpc.max_concurrent_streams": 256,
            "grpc.keepalive_permit_without_calls": 1,
        });
        for (const signal of OTLP_SIGNALS) {
            this.server.addService(serviceDefinition(signal), {
                Export: (call: grpc.ServerUnaryCall<Buffer, Buffer>, callback: grpc.sendUnaryData<Buffer>) =>
                    void this.export(signal, call.request, callback).catch((error: unknown) => {
                        options.log.error({ err: error }, "otlp-grpc: unexpected error while handling a call");
                        callback({ code: grpc.status.INTERNAL, details: "internal error" });
                    }),
            });
        }
    }

    get port(): number {
        return this.boundPort;
    }

    start(): Promise<void> {
        return new Promise((resolve, reject) => {
            this.server.bindAsync(`${this.options.host}:${this.options.port}`, grpc.ServerCredentials.createInsecure(), (error, port) => {
                if (error) return reject(error);
                this.boundPort = port;
                resolve();
            });
        });
    }

    /** Stop accepting calls; calls in progress finish until `deadline`, then the rest is cancelled. */
    stop(deadline: number): Promise<void> {
        return new Promise((resolve) => {
            const timer = setTimeout(() => {
                this.server.forceShutdown();
                resolve();
            }, Math.max(0, deadline - Date.now()));
            this.server.tryShutdown(() => {
                clearTimeout(timer);
                resolve();
            });
        });
    }

    private async export(signal: OtlpSignal, request: Buffer, callback: grpc.sendUnaryData<Buffer>): Promise<void> {
        const { intake } = this.options;
        const problem = protobufProblem(request);
        if (problem) {
            intake.reject(signal, "grpc", "malformed");
            return callback({ code: grpc.status.INVALID_ARGUMENT, details: `request is not a valid OTLP ${signal.name} protobuf: ${problem}` });
        }
        const outcome = await intake.accept(signal, "grpc", request);
        if (outcome.status === "accepted") return callback(null, EMPTY_RESPONSE);
        // Without RetryInfo, RESOURCE_EXHAUSTED is final for OTLP exporters: right for a batch that can never fit.
        if (outcome.status === "too_large") return callback({ code: grpc.status.RESOURCE_EXHAUSTED, details: outcome.message });
        // UNAVAILABLE is the retryable code for OTLP/gRPC exporters.
        const metadata = new grpc.Metadata();
        metadata.set("retry-after", String(outcome.retryAfterSeconds));
        callback({ code: grpc.status.UNAVAILABLE, details: outcome.message, metadata });
    }
}
