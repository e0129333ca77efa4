// The relayer container: environment (the contract table of DESIGN.md), ports, probes, volumes and mounts.
// Everything here is pure so tests can check each piece, and the app's own env parser can check the env.
import { createHash } from "crypto";
import { restrictedContainerSecurityContext } from "./security";

/** Fixed ports of the relayer (DESIGN.md): the app binds exactly these. */
export const RELAYER_PORTS = { otlpGrpc: 4317, otlpHttp: 4318, llmGateway: 8081, metrics: 8080 } as const;

/** Where secret files are mounted (read-only) and the writable spool and scratch directories. */
export const SECRETS_DIR = "/var/run/secrets/consonant";
export const SPOOL_DIR = "/var/cache/relayer";
export const TMP_DIR = "/tmp";
/** emptyDir size limits: the kubelet evicts a pod that exceeds them, so the spool cap stays below its volume. */
export const TMP_SIZE_LIMIT = "100Mi";
export const SPOOL_SIZE_LIMIT = "500Mi";

/** Settings the relayer's environment is generated from. */
export interface RelayerEnvSettings {
    backendUrl: string;
    allowInsecureBackend: boolean;
    clusterName: string;
    spoolMaxBytes: number;
    otlpMaxRequestBytes: number;
    llmProviders: readonly string[];
    /** Per-provider gateway limits; a provider not listed is unlimited. */
    llmRateLimits: Readonly<Partial<Record<string, { requestsPerMinute?: number; tokensPerMinute?: number }>>>;
    kagentUrl: string;
    kagentNamespaces: readonly string[];
    logLevel: string;
    /** Redact IP addresses too (PII), on top of the always-on credential and email redaction. */
    redactPii: boolean;
    drainSeconds: number;
}

/** A container env entry: a literal value or a downward-API field. */
export type EnvVar = { name: string; value: string } | { name: string; valueFrom: { fieldRef: { fieldPath: string } } };

/** The relayer's environment, in contract-table order. Namespace and pod name come from the downward API. */
export function relayerEnv(s: RelayerEnvSettings): EnvVar[] {
    return [
        { name: "RELAYER_BACKEND_URL", value: s.backendUrl },
        { name: "RELAYER_ALLOW_INSECURE_BACKEND", value: String(s.allowInsecureBackend) },
        { name: "RELAYER_CLUSTER_NAME", value: s.clusterName },
        { name: "RELAYER_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
        { name: "RELAYER_REPLICA", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
        { name: "RELAYER_SECRETS_DIR", value: SECRETS_DIR },
        { name: "RELAYER_SPOOL_DIR", value: SPOOL_DIR },
        { name: "RELAYER_SPOOL_MAX_BYTES", value: String(s.spoolMaxBytes) },
        { name: "RELAYER_OTLP_MAX_REQUEST_BYTES", value: String(s.otlpMaxRequestBytes) },
        { name: "RELAYER_LLM_PROVIDERS", value: s.llmProviders.join(",") },
        ...llmRateLimitEnv(s.llmRateLimits),
        { name: "RELAYER_KAGENT_URL", value: s.kagentUrl },
        { name: "RELAYER_KAGENT_NAMESPACES", value: s.kagentNamespaces.join(",") },
        { name: "RELAYER_LOG_LEVEL", value: s.logLevel },
        { name: "RELAYER_REDACT_IPS", value: String(s.redactPii) },
        { name: "RELAYER_DRAIN_SECONDS", value: String(s.drainSeconds) },
    ];
}

/** RELAYER_LLM_<PROVIDER>_REQUESTS_PER_MINUTE / _TOKENS_PER_MINUTE for each configured limit, in a stable order. */
function llmRateLimitEnv(limits: RelayerEnvSettings["llmRateLimits"]): EnvVar[] {
    return Object.entries(limits)
        .sort(([a], [b]) => a.localeCompare(b))
        .flatMap(([provider, limit]) => {
            const prefix = `RELAYER_LLM_${provider.toUpperCase()}`;
            return [
                ...(limit?.requestsPerMinute !== undefined ? [{ name: `${prefix}_REQUESTS_PER_MINUTE`, value: String(limit.requestsPerMinute) }] : []),
                ...(limit?.tokensPerMinute !== undefined ? [{ name: `${prefix}_TOKENS_PER_MINUTE`, value: String(limit.tokensPerMinute) }] : []),
            ];
        });
}

/** Seconds Kubernetes waits after SIGTERM: the drain budget plus time to flush the spool and exit. */
export function terminationGracePeriodSeconds(drainSeconds: number): number {
    return drainSeconds + 15;
}

/** Startup (replaying a large spool may take a while), liveness and readiness probes on the ops port. */
export function relayerProbes() {
    const get = (path: string) => ({ httpGet: { path, port: RELAYER_PORTS.metrics, scheme: "HTTP" } });
    return {
        startupProbe: { ...get("/healthz"), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
        livenessProbe: { ...get("/healthz"), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
        readinessProbe: { ...get("/readyz"), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
    };
}

/** Container ports, named so the Service and the ServiceMonitor refer to them by name. */
export function relayerContainerPorts() {
    return [
        { name: "otlp-grpc", containerPort: RELAYER_PORTS.otlpGrpc, protocol: "TCP" },
        { name: "otlp-http", containerPort: RELAYER_PORTS.otlpHttp, protocol: "TCP" },
        { name: "llm-gateway", containerPort: RELAYER_PORTS.llmGateway, protocol: "TCP" },
        { name: "metrics", containerPort: RELAYER_PORTS.metrics, protocol: "TCP" },
    ];
}

/** Volumes: scratch /tmp, the spool (survives container restarts), and every secret in one projected volume. */
export function relayerVolumes(secretNames: readonly string[]) {
    return [
        { name: "tmp", emptyDir: { sizeLimit: TMP_SIZE_LIMIT } },
        { name: "spool", emptyDir: { sizeLimit: SPOOL_SIZE_LIMIT } },
        {
            name: "secrets",
            projected: {
                // 0440: readable by the pod's fsGroup (65534), not world-readable, never writable.
                defaultMode: 0o440,
                sources: [...new Set(secretNames)].sort().map((name) => ({ secret: { name, optional: false } })),
            },
        },
    ];
}

/** Mounts matching relayerVolumes; secrets read-only. */
export function relayerVolumeMounts() {
    return [
        { name: "tmp", mountPath: TMP_DIR },
        { name: "spool", mountPath: SPOOL_DIR },
        { name: "secrets", mountPath: SECRETS_DIR, readOnly: true },
    ];
}

/** Requests and limits; ephemeral storage covers both emptyDirs so the scheduler places pods with room for them. */
export function relayerResources(r: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string }) {
    return {
        requests: { cpu: r.cpuRequest, memory: r.memoryRequest, "ephemeral-storage": "640Mi" },
        limits: { cpu: r.cpuLimit, memory: r.memoryLimit, "ephemeral-storage": "1Gi" },
    };
}

/** The relayer container. */
export function relayerContainer(args: {
    image: string;
    imagePullPolicy: string;
    env: EnvVar[];
    resources: ReturnType<typeof relayerResources>;
}) {
    return {
        name: "relayer",
        image: args.image,
        imagePullPolicy: args.imagePullPolicy,
        ports: relayerContainerPorts(),
        env: args.env,
        resources: args.resources,
        volumeMounts: relayerVolumeMounts(),
        securityContext: restrictedContainerSecurityContext(),
        ...relayerProbes(),
        terminationMessagePolicy: "FallbackToLogsOnError",
    };
}

/**
 * Checksum of the mounted configuration: env, secret names and the secrets' version. Set as a pod-template
 * annotation so rotating a secret (a new version) rolls the pods even though the template is otherwise unchanged.
 */
export function configChecksum(args: { env: EnvVar[]; secretNames: readonly string[]; secretsVersion: string }): string {
    const canonical = JSON.stringify({ env: args.env, secretNames: [...new Set(args.secretNames)].sort(), secretsVersion: args.secretsVersion });
    return createHash("sha256").update(canonical).digest("hex");
}
