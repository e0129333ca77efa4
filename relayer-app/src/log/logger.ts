// The relayer's logger: pino JSON on stdout, every object and message redacted by src/log/redact.ts.
import pino, { type DestinationStream, type Logger } from "pino";
import { redactDeep, redactText, type RedactOptions } from "./redact";

export interface LoggerOptions {
    level: string;
    redactIps: boolean;
    /** Defaults to stdout; tests pass a stream to capture lines. */
    destination?: DestinationStream;
}

export function createLogger(options: LoggerOptions): Logger {
    const redact: RedactOptions = { ips: options.redactIps };
    return pino(
        {
            level: options.level,
            base: { service: "consonant-relayer" },
            timestamp: pino.stdTimeFunctions.isoTime,
            // redactDeep (below) already turned errors into plain {type, message, code, stack} objects.
            serializers: { err: (value: unknown) => value },
            formatters: {
                level: (label) => ({ level: label }),
                log: (object) => redactDeep(object, redact) as Record<string, unknown>,
            },
            hooks: {
                // Messages and printf-style arguments are free text: redact them by pattern too.
                logMethod(args, method) {
                    const redacted = args.map((arg) => (typeof arg === "string" ? redactText(arg, redact) : arg));
                    return method.apply(this, redacted as Parameters<typeof method>);
                },
            },
        },
        options.destination ?? pino.destination({ fd: 1, sync: false }),
    );
}

export type { Logger };
