// Stack config → one typed, validated StackConfig, before any resource exists.
//
// Pulumi gives every value as a string; each section of the config (general + workload here, the secret store
// in secrets/settings.ts, the Cloudflare edge in edge/settings.ts) declares its keys with zod parsers. This module
// merges the sections, parses once, runs every section's guardrails plus the rules that span sections, and
// throws ONE StackConfigError listing every problem, so an operator fixes everything in one round.
import * as pulumi from "@pulumi/pulumi";
import { z } from "zod";
import {
    configBoolean,
    configInteger,
    configJson,
    ConfigProblem,
    GuardrailContext,
    problemsFromZod,
    RawConfig,
    StackConfigError,
} from "./config-values";
import { edgeGuardrails, edgeSettingsFixes, edgeSettingsShape } from "./edge/settings";
import { LLM_PROVIDERS, LlmProvider, secretsGuardrails, secretsSettingsFixes, secretsSettingsShape } from "./secrets/settings";
import { cpuMillis, DNS_LABEL as dnsLabel, inClusterServiceTarget, isDigestPinned, memoryBytes, parseImageReference } from "./workload/values";

/** What a secret config value looks like after parsing: its presence is known, its value never is. */
export const SECRET_CONFIG_MARKER = "[secret]";

const labelKey = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?$/;
const labelValue = /^(([A-Za-z0-9][-A-Za-z0-9_.]{0,61})?[A-Za-z0-9])?$/;
const quantityCpu = /^(\d+m|\d+(\.\d+)?)$/;
const quantityMemory = /^\d+(\.\d+)?(Ki|Mi|Gi|Ti|k|M|G|T)?$/;
const MiB = 1024 * 1024;

/** Text that must be present; `what` says what belongs there. */
function requiredText(what: string) {
    return z
        .string({ error: (issue) => (issue.input === undefined ? `is required (${what})` : "must be text") })
        .trim()
        .min(1, { error: `is empty (${what})` });
}

const port = z.number({ error: "must be a port number" }).int({ error: "must be a whole number" }).min(1).max(65535, { error: "must be a port between 1 and 65535" });
const cidr = z.union([z.cidrv4(), z.cidrv6()], { error: "must be a CIDR such as 10.0.0.0/16 or fd00::/8" });
const labelMap = z
    .record(z.string().regex(labelKey, { error: "is not a valid label key" }), z.string().regex(labelValue, { error: "is not a valid label value" }), {
        error: "must be a JSON object of label key → value",
    })
    .refine((m) => Object.keys(m).length > 0, { error: "must name at least one label (an empty selector matches every pod)" });
const namespaceName = z.string().regex(dnsLabel, { error: "is not a valid namespace name (lowercase letters, digits, '-', max 63)" });

/** Flat Pulumi config keys of the general and workload section → parsers of their raw string values. */
/** A per-minute rate limit of the LLM gateway: a whole number, 0 meaning unlimited (the relayer's own default). */
const perMinuteLimit = z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }).min(0, { error: "must be 0 (unlimited) or more" });

export const generalSettingsShape = {
    /** Environment class of the stack; `prod` turns on production guardrails. */
    environment: z.enum(["dev", "staging", "prod"], { error: "must be dev, staging or prod" }).default("dev"),
    /** Treat a stack not named `prod` as production (guardrails apply). */
    productionLike: configBoolean.default(false),
    /** Compliance regime; `hipaa` requires external secrets, NetworkPolicy and PII-redacting logs. */
    compliance: z.enum(["none", "hipaa"], { error: "must be none or hipaa" }).default("none"),
    /** Human-readable cluster name the relayer reports (RELAYER_CLUSTER_NAME). */
    clusterName: requiredText("the cluster's name").pipe(z.string().regex(dnsLabel, { error: "must be a DNS label (lowercase letters, digits, '-', max 63)" })),
    /** Direct wss:// URL of the backend; required when Cloudflare is off (otherwise the edge provides it). */
    backendUrl: z
        .url({ protocol: /^wss?$/, error: "must be a wss:// URL" })
        .refine((u) => !/[?#@]/.test(u.replace(/^wss?:\/\//, "")), { error: "must not contain credentials, a query or a fragment" })
        .optional(),
    /** Allow a ws:// backend URL (local tests only; refused for production-like stacks). */
    allowInsecureBackend: configBoolean.default(false),
    /** Path to, or contents of, the kubeconfig the Kubernetes provider uses (set contents with --secret). */
    kubeconfig: requiredText("a kubeconfig path or its contents"),
    /** kubeconfig context of the target cluster. */
    kubeContext: requiredText("the kubeconfig context of the target cluster"),
    /** Stable identity of the cluster for the Kubernetes provider (kubeconfig changes then never replace resources). */
    clusterIdentifier: z.string().trim().min(1, { error: "is empty" }).optional(),

    /** Namespace of the relayer. */
    namespace: namespaceName.default("consonant-system"),
    /** Create the namespace (false: it exists and is labelled for Pod Security Admission by its owner). */
    createNamespace: configBoolean.default(true),
    /** Pinned Pod Security Admission version for the namespace's `*-version` labels. */
    podSecurityVersion: z.string().regex(/^v1\.\d{1,2}$/, { error: "must be a pinned Kubernetes minor version such as v1.32 (not latest)" }).default("v1.32"),
    /** Number of relayer replicas (production: at least 3). */
    replicas: configInteger.pipe(z.number().min(1, { error: "must be at least 1" }).max(50, { error: "must be at most 50" })).default(1),
    /** Image reference `repo@sha256:<64 hex>` (production) or `repo:tag`; leave unset to build from relayer-app/. */
    imageRef: z
        .string()
        .refine((ref) => parseImageReference(ref) !== undefined, { error: "is not an image reference (repo:tag or repo@sha256:<64 hex>)" })
        .optional(),
    /** Registry repository to push the image built from relayer-app/ to (used when imageRef is unset). */
    imageRepository: z.string().regex(/^[a-z0-9.-]+(:\d+)?(\/[a-z0-9._-]+)+$/, { error: "must be a repository such as registry.example.com/team/relayer" }).optional(),
    /** Registry user for pushing the built image (with the secret imageRegistryPassword). */
    imageRegistryUsername: z.string().min(1).optional(),
    /** Registry password/token for pushing the built image; set with --secret. */
    imageRegistryPassword: z.string().optional(),
    /** Image pull policy of the relayer container. */
    imagePullPolicy: z.enum(["IfNotPresent", "Always"], { error: "must be IfNotPresent or Always" }).default("IfNotPresent"),
    /** CPU request of the relayer container. */
    cpuRequest: z.string().regex(quantityCpu, { error: "must be a CPU quantity such as 250m or 1" }).default("100m"),
    /** CPU limit of the relayer container. */
    cpuLimit: z.string().regex(quantityCpu, { error: "must be a CPU quantity such as 250m or 1" }).default("1"),
    /** Memory request of the relayer container. */
    memoryRequest: z.string().regex(quantityMemory, { error: "must be a memory quantity such as 256Mi" }).default("256Mi"),
    /** Memory limit of the relayer container. */
    memoryLimit: z.string().regex(quantityMemory, { error: "must be a memory quantity such as 512Mi" }).default("512Mi"),
    /** Relayer log level (RELAYER_LOG_LEVEL). */
    logLevel: z.enum(["fatal", "error", "warn", "info", "debug", "trace"], { error: "must be one of fatal, error, warn, info, debug, trace" }).default("info"),
    /** Redact personal data beyond credentials and emails, i.e. IP addresses (RELAYER_REDACT_IPS); hipaa requires it. */
    logRedactPii: configBoolean.default(false),
    /** Graceful-shutdown drain budget in seconds (RELAYER_DRAIN_SECONDS); the pod's grace period is longer. */
    drainSeconds: configInteger.pipe(z.number().min(1, { error: "must be at least 1" }).max(600, { error: "must be at most 600" })).default(20),
    /** Largest accepted OTLP request after decompression, bytes (RELAYER_OTLP_MAX_REQUEST_BYTES). */
    otlpMaxRequestBytes: configInteger.pipe(z.number().min(1024, { error: "must be at least 1024" }).max(16 * MiB - 64, { error: "must be at most 16777152" })).default(8 * MiB),
    /** Spool cap in bytes (RELAYER_SPOOL_MAX_BYTES); must fit the 500Mi spool volume with headroom. */
    spoolMaxBytes: configInteger.pipe(z.number().min(MiB, { error: "must be at least 1048576 (1 MiB)" }).max(450 * MiB, { error: "must be at most 471859200 (450 MiB): the spool volume is 500Mi and needs headroom" })).default(400 * MiB),
    /**
     * Per-provider limits of the LLM gateway (RELAYER_LLM_<P>_REQUESTS_PER_MINUTE / _TOKENS_PER_MINUTE), JSON object
     * provider → {requestsPerMinute?, tokensPerMinute?}; a provider not listed (or 0) is unlimited.
     */
    llmRateLimits: configJson(
        z
            .record(
                z.string(),
                z.strictObject(
                    { requestsPerMinute: perMinuteLimit.optional(), tokensPerMinute: perMinuteLimit.optional() },
                    { error: "must be an object with requestsPerMinute and/or tokensPerMinute" },
                ),
                { error: 'must be a JSON object such as {"anthropic":{"requestsPerMinute":600,"tokensPerMinute":400000}}' },
            )
            // Checked here rather than with an enum key schema so that the message names the offending key.
            .superRefine((limits, ctx) => {
                for (const provider of Object.keys(limits)) {
                    if (!(LLM_PROVIDERS as readonly string[]).includes(provider)) {
                        ctx.addIssue({ code: "custom", path: [provider], message: `is not a provider; keys must be ${LLM_PROVIDERS.join(", ")}` });
                    }
                }
            }),
    ).default({}),
    /** Namespaces where KAgent agents run (RELAYER_KAGENT_NAMESPACES; Events watched and agents readable there). */
    kagentNamespaces: configJson(z.array(namespaceName, { error: "must be a JSON array of namespace names" }).min(1, { error: "must list at least one namespace" })).default(["kagent"]),
    /** Labels of the KAgent pods allowed to reach the relayer (combined with the KAgent namespaces, AND). */
    kagentPodSelector: configJson(labelMap).default({ "app.kubernetes.io/managed-by": "kagent" }),
    /** KAgent controller base URL for agents.invoke (RELAYER_KAGENT_URL), `http://<service>.<namespace>:<port>`. */
    kagentUrl: z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }).default("http://kagent-controller.kagent:8083"),
    /** Allow egress to the in-cluster KAgent controller (agents.invoke). */
    kagentInvokeEgress: configBoolean.default(true),
    /** Create the relayer's NetworkPolicy (default deny + allow-list); required in production. */
    networkPolicyEnabled: configBoolean.default(true),
    /** CIDRs of the Kubernetes API endpoints (EKS: the VPC's control-plane ENI subnets), JSON array. */
    // Declared with default [] in Pulumi.yaml (the CLI refuses a declared key without a default); the guardrail
    // below requires at least one CIDR whenever the NetworkPolicy is on.
    apiServerCidrs: configJson(z.array(cidr, { error: "must be a JSON array of CIDRs" })).default([]),
    /** Ports of the Kubernetes API endpoints, JSON array. */
    apiServerPorts: configJson(z.array(port, { error: "must be a JSON array of ports" }).min(1, { error: "must list at least one port" })).default([443, 6443]),
    /** Extra egress destinations `[{"cidr":"10.1.0.0/16","port":8443,"protocol":"TCP"}]`. */
    extraEgress: configJson(
        z.array(z.object({ cidr, port, protocol: z.enum(["TCP", "UDP"], { error: "must be TCP or UDP" }).default("TCP") }).strict(), {
            error: 'must be a JSON array of {"cidr","port","protocol"} objects',
        }),
    ).default([]),
    /** Create a ServiceMonitor and PrometheusRule (Prometheus Operator) and allow scrapes from monitoringNamespace. */
    monitoringEnabled: configBoolean.default(false),
    /** Namespace of Prometheus (allowed to scrape :8080). */
    monitoringNamespace: namespaceName.default("monitoring"),
    /** Labels Prometheus selects ServiceMonitors/PrometheusRules by, JSON object (e.g. {"release":"kube-prometheus-stack"}). */
    monitoringLabels: configJson(z.record(z.string().regex(labelKey), z.string().regex(labelValue), { error: "must be a JSON object of labels" })).default({}),
    /** Service mesh integration: none, istio (injection + STRICT mTLS) or linkerd (injection). */
    serviceMesh: z.enum(["none", "istio", "linkerd"], { error: "must be none, istio or linkerd" }).default("none"),
    /** Create a HorizontalPodAutoscaler (its minimum is `replicas`). */
    autoscalingEnabled: configBoolean.default(false),
    /** HorizontalPodAutoscaler maximum replicas. */
    autoscalingMaxReplicas: configInteger.pipe(z.number().min(1).max(100, { error: "must be at most 100" })).default(10),
    /** HorizontalPodAutoscaler target average CPU utilisation, percent. */
    autoscalingCpuPercent: configInteger.pipe(z.number().min(10, { error: "must be at least 10" }).max(95, { error: "must be at most 95" })).default(70),
    /** Create the optional read-only ClusterRole for Nodes (get/list/watch). */
    nodeReaderEnabled: configBoolean.default(false),
};

export const generalSettingsSchema = z.object(generalSettingsShape);
export type GeneralSettings = z.infer<typeof generalSettingsSchema>;

/** Fix text per key of the general/workload section. */
export const generalSettingsFixes: Readonly<Record<keyof typeof generalSettingsShape, string>> = {
    environment: "run `pulumi config set environment prod` (or dev, staging)",
    productionLike: "run `pulumi config set productionLike true` (or false)",
    compliance: "run `pulumi config set compliance hipaa` (or none)",
    clusterName: "run `pulumi config set clusterName <name>`, e.g. `eks-prod-use1`",
    backendUrl: "run `pulumi config set backendUrl wss://relay.example.com` (or enable Cloudflare with `cloudflareEnabled true`)",
    allowInsecureBackend: "run `pulumi config rm allowInsecureBackend` and use a wss:// backendUrl",
    kubeconfig: "run `pulumi config set kubeconfig ~/.kube/config` (a path) or `pulumi config set --secret kubeconfig \"$(cat kubeconfig)\"`",
    kubeContext: "run `pulumi config set kubeContext <context>` (see `kubectl config get-contexts`)",
    clusterIdentifier: "run `pulumi config set clusterIdentifier <stable-cluster-id>` or remove it to use clusterName",
    namespace: "run `pulumi config set namespace consonant-system`",
    createNamespace: "run `pulumi config set createNamespace true` (or false when the namespace exists)",
    podSecurityVersion: "run `pulumi config set podSecurityVersion v1.32` (the cluster's minor version or lower)",
    replicas: "run `pulumi config set replicas 3`",
    imageRef: "run `pulumi config set imageRef <repo>@sha256:<digest>` (e.g. from `crane digest <repo>:<tag>`)",
    imageRepository: "run `pulumi config set imageRepository <registry>/<path>` to build and push relayer-app/",
    imageRegistryUsername: "run `pulumi config set imageRegistryUsername <user>` together with `pulumi config set --secret imageRegistryPassword <token>`",
    imageRegistryPassword: "run `pulumi config set --secret imageRegistryPassword <token>` together with imageRegistryUsername",
    imagePullPolicy: "run `pulumi config set imagePullPolicy IfNotPresent`",
    cpuRequest: "run `pulumi config set cpuRequest 100m`",
    cpuLimit: "run `pulumi config set cpuLimit 1`",
    memoryRequest: "run `pulumi config set memoryRequest 256Mi`",
    memoryLimit: "run `pulumi config set memoryLimit 512Mi`",
    logLevel: "run `pulumi config set logLevel info`",
    logRedactPii: "run `pulumi config set logRedactPii true`",
    drainSeconds: "run `pulumi config set drainSeconds 20`",
    otlpMaxRequestBytes: "run `pulumi config set otlpMaxRequestBytes 8388608`",
    spoolMaxBytes: "run `pulumi config set spoolMaxBytes 419430400`",
    llmRateLimits: `run \`pulumi config set llmRateLimits '{"anthropic":{"requestsPerMinute":600,"tokensPerMinute":400000}}'\` (providers: ${LLM_PROVIDERS.join(", ")}; whole numbers, 0 = unlimited)`,
    kagentNamespaces: "run `pulumi config set --path 'kagentNamespaces[0]' kagent` (one entry per KAgent namespace)",
    kagentPodSelector: "run `pulumi config set kagentPodSelector '{\"app.kubernetes.io/managed-by\":\"kagent\"}'` with the labels of your KAgent pods",
    kagentUrl: "run `pulumi config set kagentUrl http://kagent-controller.kagent:8083`",
    kagentInvokeEgress: "run `pulumi config set kagentInvokeEgress true` (or false to disable agents.invoke egress)",
    networkPolicyEnabled: "run `pulumi config set networkPolicyEnabled true`",
    apiServerCidrs:
        "run `pulumi config set --path 'apiServerCidrs[0]' 10.0.0.0/16` with the API endpoint addresses (`kubectl get endpoints kubernetes -n default`)",
    apiServerPorts: "run `pulumi config set --path 'apiServerPorts[0]' 443` (and `[1]` 6443 when the endpoint uses it)",
    extraEgress: "run `pulumi config set extraEgress '[{\"cidr\":\"10.1.0.0/16\",\"port\":8443,\"protocol\":\"TCP\"}]'`",
    monitoringEnabled: "run `pulumi config set monitoringEnabled true` (needs the Prometheus Operator CRDs)",
    monitoringNamespace: "run `pulumi config set monitoringNamespace monitoring`",
    monitoringLabels: "run `pulumi config set monitoringLabels '{\"release\":\"kube-prometheus-stack\"}'`",
    serviceMesh: "run `pulumi config set serviceMesh none` (or istio, linkerd)",
    autoscalingEnabled: "run `pulumi config set autoscalingEnabled true` (or false)",
    autoscalingMaxReplicas: "run `pulumi config set autoscalingMaxReplicas 10` (at least replicas)",
    autoscalingCpuPercent: "run `pulumi config set autoscalingCpuPercent 70`",
    nodeReaderEnabled: "run `pulumi config set nodeReaderEnabled false` (or true for the read-only Node ClusterRole)",
};

/** Keys whose value must be set with `pulumi config set --secret` in this section. */
const generalSecretOnlyKeys = ["imageRegistryPassword"] as const;

/** Cross-field rules and production guardrails of the general/workload section. */
export function generalGuardrails(s: GeneralSettings, ctx: GuardrailContext, secretKeys: readonly string[] = []): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    const add = (key: keyof GeneralSettings, problem: string, fix: string) => problems.push({ key, problem, fix });
    const where = ctx.productionLike ? "production-like stacks" : "this stack";

    if (s.imageRef !== undefined && s.imageRepository !== undefined) {
        add("imageRef", "is set together with imageRepository; the image would be ambiguous", "remove one: `pulumi config rm imageRepository` (use imageRef) or `pulumi config rm imageRef` (build)");
    }
    if (s.imageRef === undefined && s.imageRepository === undefined) {
        add("imageRef", "is required unless imageRepository is set (no image to run)", `${generalSettingsFixes.imageRef}, or ${generalSettingsFixes.imageRepository.replace(/^run/, "run")}`);
    }
    if ((s.imageRegistryUsername === undefined) !== (s.imageRegistryPassword === undefined)) {
        add("imageRegistryUsername", "and imageRegistryPassword must be set together", generalSettingsFixes.imageRegistryUsername);
    }
    for (const key of generalSecretOnlyKeys) {
        if (s[key] !== undefined && !secretKeys.includes(key)) {
            add(key, "is stored in plain text in the stack file", `run \`pulumi config set --secret ${key} <value>\``);
        }
    }
    if (s.backendUrl?.startsWith("ws://") && !s.allowInsecureBackend) {
        add("backendUrl", "uses ws:// (unencrypted) but allowInsecureBackend is not true", "use a wss:// URL (ws:// only for local tests with `pulumi config set allowInsecureBackend true`)");
    }
    if (cpuMillis(s.cpuLimit) < cpuMillis(s.cpuRequest)) {
        add("cpuLimit", `(${s.cpuLimit}) is below cpuRequest (${s.cpuRequest})`, "set cpuLimit at least as high as cpuRequest");
    }
    if (memoryBytes(s.memoryLimit) < memoryBytes(s.memoryRequest)) {
        add("memoryLimit", `(${s.memoryLimit}) is below memoryRequest (${s.memoryRequest})`, "set memoryLimit at least as high as memoryRequest");
    }
    if (s.autoscalingEnabled && s.autoscalingMaxReplicas < s.replicas) {
        add("autoscalingMaxReplicas", `(${s.autoscalingMaxReplicas}) is below replicas (${s.replicas}); the autoscaler minimum never drops below replicas`, generalSettingsFixes.autoscalingMaxReplicas);
    }
    if (s.networkPolicyEnabled && s.apiServerCidrs.length === 0) {
        add("apiServerCidrs", "is required when networkPolicyEnabled is true (the relayer must reach the Kubernetes API, usually on private addresses)", generalSettingsFixes.apiServerCidrs);
    }
    if (s.kagentInvokeEgress && inClusterServiceTarget(s.kagentUrl) === undefined) {
        add("kagentUrl", "must be an in-cluster service URL http://<service>.<namespace>[.svc[.cluster.local]]:<port> when kagentInvokeEgress is true", "set the in-cluster URL or run `pulumi config set kagentInvokeEgress false`");
    }

    if (ctx.productionLike) {
        if (s.replicas < 3) add("replicas", `is ${s.replicas}; ${where} need at least 3 (spread across zones, survive a drain)`, generalSettingsFixes.replicas);
        if (!s.networkPolicyEnabled) add("networkPolicyEnabled", `is false; ${where} require the NetworkPolicy`, generalSettingsFixes.networkPolicyEnabled);
        if (s.imageRef !== undefined && !isDigestPinned(s.imageRef)) {
            add("imageRef", `is not pinned by @sha256 digest; ${where} only run digest-pinned images`, generalSettingsFixes.imageRef);
        }
        if (s.allowInsecureBackend) add("allowInsecureBackend", `is true; ${where} only talk to the backend over wss://`, generalSettingsFixes.allowInsecureBackend);
    }
    if (ctx.compliance === "hipaa") {
        if (!s.networkPolicyEnabled) add("networkPolicyEnabled", "is false; compliance hipaa requires the NetworkPolicy", generalSettingsFixes.networkPolicyEnabled);
        if (!s.logRedactPii) add("logRedactPii", "is false; compliance hipaa requires PII-redacting logs", generalSettingsFixes.logRedactPii);
    }
    return problems;
}

/** Every section of the stack config: its keys, fix texts and guardrails. */
const sections = [
    { shape: generalSettingsShape, fixes: generalSettingsFixes, guardrails: generalGuardrails },
    { shape: secretsSettingsShape, fixes: secretsSettingsFixes, guardrails: secretsGuardrails },
    { shape: edgeSettingsShape, fixes: edgeSettingsFixes, guardrails: edgeGuardrails },
] as const;

/** All flat config keys of the program (the union of every section). */
export const stackConfigShape = { ...generalSettingsShape, ...secretsSettingsShape, ...edgeSettingsShape };
export const stackConfigSchema = z.object(stackConfigShape);

/** The validated stack config: every section's settings plus facts about the stack. */
export type StackConfig = z.infer<typeof stackConfigSchema> & {
    stack: string;
    productionLike: boolean;
    /** Keys that were set with `--secret`; their parsed value is SECRET_CONFIG_MARKER, read them with `secretConfig`. */
    secretKeys: readonly string[];
};

/** `prod`, `production`, `prod-eu`, … are production-like by name. */
function productionLikeByName(stack: string): boolean {
    return /^prod(uction)?([-_.].*)?$/.test(stack);
}

/** The guardrail context, from the raw values (so guardrails run even when another key failed to parse). */
export function guardrailContext(raw: RawConfig, stack: string): GuardrailContext {
    const productionLike = productionLikeByName(stack) || raw.environment?.trim() === "prod" || raw.productionLike?.trim().toLowerCase() === "true";
    return { stack, productionLike, compliance: raw.compliance?.trim() === "hipaa" ? "hipaa" : "none" };
}

/** Closest known key by edit distance, for "did you mean" hints on typos. */
function closestKey(key: string, known: readonly string[]): string | undefined {
    const distance = (a: string, b: string): number => {
        const row = Array.from({ length: b.length + 1 }, (_, i) => i);
        for (let i = 1; i <= a.length; i++) {
            let prev = row[0];
            row[0] = i;
            for (let j = 1; j <= b.length; j++) {
                const cur = row[j];
                row[j] = Math.min(row[j] + 1, row[j - 1] + 1, prev + (a[i - 1].toLowerCase() === b[j - 1].toLowerCase() ? 0 : 1));
                prev = cur;
            }
        }
        return row[b.length];
    };
    const best = known.map((k) => ({ k, d: distance(key, k) })).sort((x, y) => x.d - y.d)[0];
    return best && best.d <= Math.max(2, Math.floor(key.length / 4)) ? best.k : undefined;
}

/**
 * Pure: raw config (keys without the project prefix; keys of other namespaces such as `pulumi:…` are ignored)
 * → the validated StackConfig. Values of `secretKeys` are replaced by SECRET_CONFIG_MARKER before parsing, so a
 * secret never lands in a plain field. Throws one StackConfigError with every problem.
 */
export function parseStackConfig(raw: RawConfig, stack: string, secretKeys: readonly string[] = []): StackConfig {
    const input: Record<string, string | undefined> = {};
    const problems: ConfigProblem[] = [];
    const known = Object.keys(stackConfigShape);
    for (const [key, value] of Object.entries(raw)) {
        if (key.includes(":")) continue; // another namespace (pulumi:, kubernetes:, aws: …), not ours
        if (!known.includes(key)) {
            const hint = closestKey(key, known);
            problems.push({
                key,
                problem: "is not a setting of this program",
                fix: hint ? `did you mean '${hint}'? run \`pulumi config rm ${key}\` and set '${hint}'` : `run \`pulumi config rm ${key}\` (see the config reference in README.md)`,
            });
            continue;
        }
        // Pulumi stores an unset-but-declared value as "" in some flows; treat it as unset so defaults apply.
        input[key] = value === "" ? undefined : secretKeys.includes(key) && value !== undefined ? SECRET_CONFIG_MARKER : value;
    }

    const ctx = guardrailContext(raw, stack);
    const usable: Record<string, unknown>[] = [];
    const failedKeys = new Set<string>();
    for (const section of sections) {
        const schema = z.object(section.shape);
        let parsed = schema.safeParse(input);
        if (!parsed.success) {
            problems.push(...problemsFromZod(parsed.error, section.fixes));
            // Report the guardrail problems of the other keys too (one round of fixes): retry with the failed keys
            // at their defaults. A failed key without a default leaves the section's guardrails unable to run.
            const failed = parsed.error.issues.map((issue) => String(issue.path[0]));
            failed.forEach((k) => failedKeys.add(k));
            parsed = schema.safeParse({ ...input, ...Object.fromEntries(failed.map((k) => [k, undefined])) });
            if (!parsed.success) continue;
        }
        usable.push(parsed.data);
        // Each section's guardrails see only that section's settings (they are typed per section).
        const guardrails = section.guardrails as (s: unknown, c: GuardrailContext, k: readonly string[]) => ConfigProblem[];
        problems.push(...guardrails(parsed.data, ctx, secretKeys).filter((p) => !failedKeys.has(p.key.split(".")[0])));
    }
    if (usable.length === sections.length) {
        const merged = Object.assign({}, ...usable) as z.infer<typeof stackConfigSchema>;
        problems.push(...crossSectionGuardrails(merged).filter((p) => !failedKeys.has(p.key.split(".")[0])));
    }
    if (problems.length > 0) throw new StackConfigError(problems);
    const settings = Object.assign({}, ...usable) as z.infer<typeof stackConfigSchema>;
    return { ...settings, stack, productionLike: ctx.productionLike, secretKeys: [...secretKeys].sort() };
}

/** Rules that need settings of more than one section. */
function crossSectionGuardrails(s: z.infer<typeof stackConfigSchema>): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (!s.cloudflareEnabled && s.backendUrl === undefined) {
        problems.push({
            key: "backendUrl",
            problem: "is required when cloudflareEnabled is false (the relayer needs a backend to dial)",
            fix: generalSettingsFixes.backendUrl,
        });
    }
    for (const provider of Object.keys(s.llmRateLimits)) {
        if (!s.llmProviders.includes(provider as LlmProvider)) {
            problems.push({
                key: "llmRateLimits",
                problem: `limits '${provider}', which is not in llmProviders, so they would have no effect`,
                fix: `add '${provider}' to llmProviders, or remove it from llmRateLimits`,
            });
        }
    }
    if (s.cloudflareConnectorEnabled && s.cloudflareConnectorNamespace === s.namespace) {
        problems.push({
            key: "cloudflareConnectorNamespace",
            problem: `is the relayer's namespace '${s.namespace}'; the connector gets its own namespace`,
            fix: "run `pulumi config set cloudflareConnectorNamespace cloudflared`",
        });
    }
    return problems;
}

/** Internal runtime helper the SDK exports but does not declare: whether a config key was set with --secret. */
function isConfigSecret(fullKey: string): boolean {
    const runtime = pulumi.runtime as unknown as { isConfigSecret?: (k: string) => boolean };
    if (typeof runtime.isConfigSecret !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime.isConfigSecret; fix: update loadStackConfig in components/config.ts");
    }
    return runtime.isConfigSecret(fullKey);
}

/** Reads the stack's config from Pulumi once and validates it (throws StackConfigError listing every problem). */
export function loadStackConfig(): StackConfig {
    const project = pulumi.getProject();
    const prefix = `${project}:`;
    const raw: Record<string, string> = {};
    const secretKeys: string[] = [];
    for (const [fullKey, value] of Object.entries(pulumi.runtime.allConfig())) {
        if (!fullKey.startsWith(prefix)) continue;
        const key = fullKey.slice(prefix.length);
        raw[key] = value;
        if (isConfigSecret(fullKey)) secretKeys.push(key);
    }
    return parseStackConfig(raw, pulumi.getStack(), secretKeys);
}

/** A config value set with `--secret`, as a secret Output (never a plain string). */
export function secretConfig(key: string): pulumi.Output<string> {
    return new pulumi.Config().requireSecret(key);
}

/**
 * A config value that may have been set either plainly or with `--secret` (e.g. kubeconfig: a path, or file
 * contents as a secret): a secret Output when it was set as a secret.
 */
export function configValueKeepingSecrecy(cfg: StackConfig, key: keyof StackConfig & string): pulumi.Output<string> {
    if (cfg.secretKeys.includes(key)) return secretConfig(key);
    return pulumi.output(String(cfg[key]));
}
