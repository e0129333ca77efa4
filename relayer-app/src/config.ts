// The relayer's environment contract (DESIGN.md, "Relayer application contract") as one zod schema.
//
// This module is the single source of truth for the env the workload component generates: the program's
// tests import `parseRelayerConfig` and check the generated env passes it, so the Pulumi side and the app
// cannot drift apart. It must stay free of side effects at import time (no env reads, no file reads).
//
// EXTENSION POINT (issue 7 and later): a feature adds its variables in its own module (e.g.
// `src/gateway/settings.ts`) exporting `<x>EnvShape` (zod shape keyed by the variable name, with defaults) and
// `<x>EnvFixes` (fix text per variable), then spreads them into `relayerEnvShape` and `relayerEnvFixes` below.
// The parsed values are available, typed, as `config.env.<VARIABLE>`; derive a feature config from it with a
// pure function in the feature's module.
import { z } from "zod";
import { envBoolean, envCsvEnum, envInteger, envPort, nonEmpty } from "./env-values";
import { commandEnvFixes, commandEnvShape } from "./commands/settings";
import { gatewayEnvFixes, gatewayEnvShape } from "./gateway/settings";
import { kubeEnvFixes, kubeEnvShape } from "./kube/settings";

export { envCsvEnum, envInteger };

const MiB = 1024 * 1024;

/** Core variables (issue 6). Keys are the environment variable names. */
export const coreEnvShape = {
    RELAYER_BACKEND_URL: nonEmpty("the backend's wss:// base URL").pipe(
        z.url({ protocol: /^wss?$/, error: "must be a ws:// or wss:// URL" }),
    ),
    RELAYER_ALLOW_INSECURE_BACKEND: envBoolean.default(false),
    RELAYER_CLUSTER_NAME: nonEmpty("a human-readable cluster name").pipe(z.string().max(253, { error: "is longer than 253 characters" })),
    RELAYER_NAMESPACE: nonEmpty("the pod's namespace from the downward API").pipe(
        z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "is not a valid Kubernetes namespace name" }),
    ),
    RELAYER_REPLICA: nonEmpty("the pod name from the downward API").pipe(
        z.string().regex(/^[a-z0-9.-]{1,253}$/, { error: "must match [a-z0-9.-]{1,253} (a pod name)" }),
    ),
    RELAYER_SECRETS_DIR: nonEmpty("directory of mounted secret files")
        .pipe(z.string().startsWith("/", { error: "must be an absolute path" }))
        .default("/var/run/secrets/consonant"),
    RELAYER_SPOOL_DIR: nonEmpty("spool directory")
        .pipe(z.string().startsWith("/", { error: "must be an absolute path" }))
        .default("/var/cache/relayer"),
    RELAYER_SPOOL_MAX_BYTES: envInteger(MiB, 1024 * 1024 * MiB).default(400 * MiB),
    /**
     * `always`: every append is fdatasync'd before the client is answered (group commit; survives a node crash).
     * `interval`: answered after write(2) (survives process crash, kill -9 and container restart), fdatasync'd
     * in the background every 100 ms (a node crash may lose the last 100 ms — it also deletes an emptyDir).
     */
    RELAYER_SPOOL_FSYNC: z.enum(["always", "interval"], { error: "must be always or interval" }).default("always"),
    /** Segment file size at which the spool starts a new segment (tuning; tests use small segments). */
    RELAYER_SPOOL_SEGMENT_BYTES: envInteger(64 * 1024, 1024 * MiB).default(32 * MiB),
    RELAYER_OTLP_MAX_REQUEST_BYTES: envInteger(1024, 16 * MiB - 64).default(8 * MiB),
    RELAYER_LLM_PROVIDERS: envCsvEnum(["anthropic", "openai", "gemini", "azure"] as const).default([]),
    RELAYER_KAGENT_URL: nonEmpty("KAgent controller base URL")
        .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
        .default("http://kagent-controller.kagent:8083"),
    RELAYER_LOG_LEVEL: z
        .enum(["fatal", "error", "warn", "info", "debug", "trace", "silent"], {
            error: "must be one of fatal, error, warn, info, debug, trace, silent",
        })
        .default("info"),
    RELAYER_REDACT_IPS: envBoolean.default(false),
    RELAYER_DRAIN_SECONDS: envInteger(0, 3600).default(20),
    // Test/dev only: production uses the fixed ports and 0.0.0.0 of DESIGN.md. Tests need free ports on 127.0.0.1.
    RELAYER_BIND_HOST: z.enum(["0.0.0.0", "127.0.0.1", "::"], { error: "must be 0.0.0.0, 127.0.0.1 or ::" }).default("0.0.0.0"),
    RELAYER_OTLP_GRPC_PORT: envPort.default(4317),
    RELAYER_OTLP_HTTP_PORT: envPort.default(4318),
    RELAYER_GATEWAY_PORT: envPort.default(8081),
    RELAYER_OPS_PORT: envPort.default(8080),
};

/** How to fix each core variable (the error line always names the variable, the problem and this fix). */
export const coreEnvFixes: Readonly<Record<keyof typeof coreEnvShape, string>> = {
    RELAYER_BACKEND_URL: "set it to the backend base URL, e.g. wss://relay.example.com",
    RELAYER_ALLOW_INSECURE_BACKEND: "set true only for local tests, otherwise remove it",
    RELAYER_CLUSTER_NAME: "set it to the cluster's human-readable name (stack config clusterName)",
    RELAYER_NAMESPACE: "set it from the downward API: valueFrom.fieldRef.fieldPath=metadata.namespace",
    RELAYER_REPLICA: "set it from the downward API: valueFrom.fieldRef.fieldPath=metadata.name",
    RELAYER_SECRETS_DIR: "set an absolute path where the secret volume is mounted, or remove it for the default",
    RELAYER_SPOOL_DIR: "set an absolute path of a writable volume (emptyDir), or remove it for the default",
    RELAYER_SPOOL_MAX_BYTES: "set a byte count between 1 MiB and 1 TiB, below the emptyDir sizeLimit, e.g. 419430400",
    RELAYER_SPOOL_FSYNC: "set always (fdatasync before every answer, default) or interval (fdatasync every 100 ms)",
    RELAYER_SPOOL_SEGMENT_BYTES: "remove it for the default 32 MiB",
    RELAYER_OTLP_MAX_REQUEST_BYTES: "set a byte count between 1024 and 16 MiB - 64, e.g. 8388608",
    RELAYER_LLM_PROVIDERS: "set a comma-separated subset of anthropic,openai,gemini,azure (or empty)",
    RELAYER_KAGENT_URL: "set the KAgent controller URL, e.g. http://kagent-controller.kagent:8083",
    RELAYER_LOG_LEVEL: "set one of fatal, error, warn, info, debug, trace, silent",
    RELAYER_REDACT_IPS: "set true or false",
    RELAYER_DRAIN_SECONDS: "set whole seconds between 0 and 3600, below the pod's terminationGracePeriodSeconds",
    RELAYER_BIND_HOST: "remove it in production (default 0.0.0.0)",
    RELAYER_OTLP_GRPC_PORT: "remove it in production (fixed port 4317)",
    RELAYER_OTLP_HTTP_PORT: "remove it in production (fixed port 4318)",
    RELAYER_GATEWAY_PORT: "remove it in production (fixed port 8081)",
    RELAYER_OPS_PORT: "remove it in production (fixed port 8080)",
};

/** Every variable the relayer reads. Feature sections spread their shapes in here (see EXTENSION POINT). */
export const relayerEnvShape = {
    ...coreEnvShape,
    ...kubeEnvShape,
    ...commandEnvShape,
    ...gatewayEnvShape,
};

/** Fix text for every variable in `relayerEnvShape`. */
export const relayerEnvFixes: Readonly<Record<string, string>> = {
    ...coreEnvFixes,
    ...kubeEnvFixes,
    ...commandEnvFixes,
    ...gatewayEnvFixes,
};

export const RelayerEnvSchema = z.object(relayerEnvShape);

/** The parsed, typed environment (all defaults applied). */
export type RelayerEnv = z.infer<typeof RelayerEnvSchema>;

/** The relayer's typed configuration. */
export interface RelayerConfig {
    backendUrl: URL;
    allowInsecureBackend: boolean;
    clusterName: string;
    namespace: string;
    replica: string;
    secretsDir: string;
    spool: { dir: string; maxBytes: number; fsync: "always" | "interval"; segmentBytes: number };
    otlpMaxRequestBytes: number;
    llmProviders: readonly ("anthropic" | "openai" | "gemini" | "azure")[];
    kagentUrl: string;
    logLevel: RelayerEnv["RELAYER_LOG_LEVEL"];
    redactIps: boolean;
    drainSeconds: number;
    bindHost: string;
    ports: { otlpGrpc: number; otlpHttp: number; gateway: number; ops: number };
    /** Every parsed variable, including feature sections' (read them as `env.RELAYER_…`). */
    env: RelayerEnv;
}

export type ParseResult = { ok: true; config: RelayerConfig } | { ok: false; errors: string[] };

/**
 * Parse and validate the relayer's environment. Pure: reads only `env`. Returns the typed config, or one
 * error line per bad variable naming the variable, the problem and the fix (values are never echoed: a
 * misplaced secret must not reach the logs).
 */
export function parseRelayerConfig(env: Readonly<Record<string, string | undefined>>): ParseResult {
    // Only our variables; an empty string is treated as unset so `FOO=` falls back to the default.
    const raw: Record<string, string | undefined> = {};
    for (const key of Object.keys(relayerEnvShape)) {
        const value = env[key];
        raw[key] = value === "" ? undefined : value;
    }
    const parsed = RelayerEnvSchema.safeParse(raw);
    const errors: string[] = [];
    if (!parsed.success) {
        const byVariable = new Map<string, string[]>();
        for (const issue of parsed.error.issues) {
            const variable = String(issue.path[0] ?? "(environment)");
            const message = issue.code === "invalid_type" && raw[variable] === undefined ? "is required" : issue.message;
            byVariable.set(variable, [...(byVariable.get(variable) ?? []), message]);
        }
        for (const [variable, messages] of byVariable) errors.push(errorLine(variable, [...new Set(messages)].join("; ")));
        return { ok: false, errors };
    }
    const e = parsed.data;
    const backendUrl = new URL(e.RELAYER_BACKEND_URL);
    if (backendUrl.protocol === "ws:" && !e.RELAYER_ALLOW_INSECURE_BACKEND) {
        errors.push(
            `RELAYER_BACKEND_URL: uses ws:// (unencrypted) but RELAYER_ALLOW_INSECURE_BACKEND is not true; fix: use a wss:// URL (ws:// only for local tests with RELAYER_ALLOW_INSECURE_BACKEND=true)`,
        );
    }
    if (backendUrl.search || backendUrl.hash || backendUrl.username || backendUrl.password) {
        errors.push(errorLine("RELAYER_BACKEND_URL", "must not contain credentials, a query or a fragment"));
    }
    const ports = [e.RELAYER_OTLP_GRPC_PORT, e.RELAYER_OTLP_HTTP_PORT, e.RELAYER_GATEWAY_PORT, e.RELAYER_OPS_PORT];
    if (new Set(ports).size !== ports.length) {
        errors.push(
            "RELAYER_OTLP_GRPC_PORT/RELAYER_OTLP_HTTP_PORT/RELAYER_GATEWAY_PORT/RELAYER_OPS_PORT: two listeners share a port; fix: give each listener its own port (defaults 4317/4318/8081/8080)",
        );
    }
    if (e.RELAYER_SPOOL_SEGMENT_BYTES > e.RELAYER_SPOOL_MAX_BYTES) {
        errors.push(errorLine("RELAYER_SPOOL_SEGMENT_BYTES", "is larger than RELAYER_SPOOL_MAX_BYTES"));
    }
    if (errors.length > 0) return { ok: false, errors };
    return {
        ok: true,
        config: {
            backendUrl,
            allowInsecureBackend: e.RELAYER_ALLOW_INSECURE_BACKEND,
            clusterName: e.RELAYER_CLUSTER_NAME,
            namespace: e.RELAYER_NAMESPACE,
            replica: e.RELAYER_REPLICA,
            secretsDir: e.RELAYER_SECRETS_DIR,
            spool: {
                dir: e.RELAYER_SPOOL_DIR,
                maxBytes: e.RELAYER_SPOOL_MAX_BYTES,
                fsync: e.RELAYER_SPOOL_FSYNC,
                segmentBytes: e.RELAYER_SPOOL_SEGMENT_BYTES,
            },
            otlpMaxRequestBytes: e.RELAYER_OTLP_MAX_REQUEST_BYTES,
            llmProviders: e.RELAYER_LLM_PROVIDERS,
            kagentUrl: e.RELAYER_KAGENT_URL,
            logLevel: e.RELAYER_LOG_LEVEL,
            redactIps: e.RELAYER_REDACT_IPS,
            drainSeconds: e.RELAYER_DRAIN_SECONDS,
            bindHost: e.RELAYER_BIND_HOST,
            ports: {
                otlpGrpc: e.RELAYER_OTLP_GRPC_PORT,
                otlpHttp: e.RELAYER_OTLP_HTTP_PORT,
                gateway: e.RELAYER_GATEWAY_PORT,
                ops: e.RELAYER_OPS_PORT,
            },
            env: e,
        },
    };
}

function errorLine(variable: string, problem: string): string {
    return `${variable}: ${problem}; fix: ${relayerEnvFixes[variable] ?? `set a valid value for ${variable}`}`;
}
