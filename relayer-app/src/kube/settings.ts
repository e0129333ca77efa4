// Environment variables of the Kubernetes side (Events informer, namespaces, API access), spread into
// `relayerEnvShape` in src/config.ts, and the pure derivation of the kube settings from the parsed environment.
import { z } from "zod";
import { envBoolean, envInteger } from "../env-values";

const NAMESPACE = /^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/;
/** Event reasons are CamelCase identifiers (Kubernetes API conventions). */
const REASON = /^[A-Za-z][A-Za-z0-9_]{0,127}$/;

/** Comma-separated list whose entries each match `pattern` (empty text = empty list). */
function envCsv(pattern: RegExp, what: string) {
    return z.preprocess(
        (v) => (typeof v === "string" ? v.split(",").map((s) => s.trim()).filter((s) => s.length > 0) : v),
        z.array(z.string().regex(pattern, { error: `each entry must be ${what}` })).refine((l) => new Set(l).size === l.length, { error: "lists an entry twice" }),
    );
}

/** Routine reasons that say "things went as planned" and would drown the interesting events. */
export const DEFAULT_NOISE_REASONS = ["Pulling", "Pulled", "Created", "Started", "Scheduled", "SuccessfulCreate", "SuccessfulDelete", "ScalingReplicaSet"];

export const kubeEnvShape = {
    RELAYER_KAGENT_NAMESPACES: envCsv(NAMESPACE, "a Kubernetes namespace name").default(["kagent"]),
    RELAYER_EVENTS_ENABLED: envBoolean.default(true),
    // An empty variable means "default" (config.ts), so keeping every event is spelled `none`.
    RELAYER_EVENTS_DROP_REASONS: z.preprocess((v) => (typeof v === "string" && v.trim() === "none" ? "" : v), envCsv(REASON, "an Event reason (CamelCase identifier)")).default(DEFAULT_NOISE_REASONS),
    RELAYER_EVENTS_FLUSH_MS: envInteger(100, 60_000).default(2_000),
    RELAYER_EVENTS_WATCHDOG_SECONDS: envInteger(10, 3_600).default(300),
    RELAYER_EVENTS_SENDER_CHECK_SECONDS: envInteger(1, 600).default(30),
    // Test/dev only: in a pod the relayer uses its projected ServiceAccount token (in-cluster config).
    RELAYER_KUBECONFIG: z.string().trim().startsWith("/", { error: "must be an absolute path" }).optional(),
};

export const kubeEnvFixes: Readonly<Record<keyof typeof kubeEnvShape, string>> = {
    RELAYER_KAGENT_NAMESPACES: "set a comma-separated list of the namespaces KAgent agents run in, e.g. kagent",
    RELAYER_EVENTS_ENABLED: "set true or false",
    RELAYER_EVENTS_DROP_REASONS: "set a comma-separated list of Event reasons to drop, e.g. Pulled,Created, or none to keep every event",
    RELAYER_EVENTS_FLUSH_MS: "set milliseconds between 100 and 60000 to collect events into one batch",
    RELAYER_EVENTS_WATCHDOG_SECONDS: "set seconds between 10 and 3600 after which a silent watch is restarted",
    RELAYER_EVENTS_SENDER_CHECK_SECONDS: "set seconds between 1 and 600 between checks of which replica sends the Events",
    RELAYER_KUBECONFIG: "remove it in a cluster (the ServiceAccount token is used); for tests set an absolute kubeconfig path",
};

export interface KubeSettings {
    /** The relayer's own namespace (pods.*, Events). */
    namespace: string;
    /** KAgent namespaces (Events, agents.*). */
    kagentNamespaces: readonly string[];
    /** Every namespace the relayer may read: its own plus the KAgent ones, without duplicates. */
    allowedNamespaces: readonly string[];
    events: { enabled: boolean; dropReasons: ReadonlySet<string>; flushMs: number; watchdogMs: number; senderCheckMs: number };
    kubeconfigPath: string | undefined;
}

export function kubeSettingsFromEnv(env: { RELAYER_NAMESPACE: string } & z.output<z.ZodObject<typeof kubeEnvShape>>): KubeSettings {
    return {
        namespace: env.RELAYER_NAMESPACE,
        kagentNamespaces: env.RELAYER_KAGENT_NAMESPACES,
        allowedNamespaces: [...new Set([env.RELAYER_NAMESPACE, ...env.RELAYER_KAGENT_NAMESPACES])],
        events: {
            enabled: env.RELAYER_EVENTS_ENABLED,
            dropReasons: new Set(env.RELAYER_EVENTS_DROP_REASONS),
            flushMs: env.RELAYER_EVENTS_FLUSH_MS,
            watchdogMs: env.RELAYER_EVENTS_WATCHDOG_SECONDS * 1000,
            senderCheckMs: env.RELAYER_EVENTS_SENDER_CHECK_SECONDS * 1000,
        },
        kubeconfigPath: env.RELAYER_KUBECONFIG,
    };
}
