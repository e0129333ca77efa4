// Stack-config section of the secret store (owned by components/secrets).
//
// Declares every flat config key of the secret store, the fix text for each, and the cross-field rules and
// production guardrails. Secret values (LLM API keys) are set with `pulumi config set --secret`; this section
// only records whether they are present (a boolean), so no plaintext ever sits in the parsed settings.
import { z } from "zod";
import { configBoolean, configInteger, configJson, ConfigProblem, GuardrailContext } from "../config-values";

/** LLM providers the relayer's gateway can front; one key file `llm-<provider>-api-key` each. */
export const LLM_PROVIDERS = ["anthropic", "openai", "gemini", "azure"] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

/** Where an LLM API key comes from: `pulumi config set --secret` (`config`) or written out-of-band into the store. */
export const LLM_KEY_SOURCES = ["config", "external"] as const;
export type LlmKeySource = (typeof LLM_KEY_SOURCES)[number];

/** The secret config key holding a provider's API key, e.g. `llmAnthropicApiKey`. */
export function llmApiKeyConfigKey(provider: LlmProvider): string {
    return `llm${provider.charAt(0).toUpperCase()}${provider.slice(1)}ApiKey`;
}

// Kubernetes object names (RFC 1123 label / subdomain); fixed names other systems bind to are validated here.
const dnsLabel = z
    .string()
    .regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a DNS label (lowercase letters, digits, '-', at most 63)" });
const dnsSubdomain = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, {
        error: "must be a DNS subdomain (lowercase letters, digits, '-' and '.')",
    });

// A store path prefix: slash-separated lowercase segments. No glob characters (`*`, `+`), so the Vault policy can
// never grant more than the secrets below it, and no leading/trailing slash or empty segment.
const storePrefix = z
    .string()
    .regex(/^[a-z0-9]([a-z0-9_-]*[a-z0-9])?(\/[a-z0-9]([a-z0-9_-]*[a-z0-9])?)*$/, {
        error: "must be slash-separated segments of lowercase letters, digits, '-' and '_' (no '*', '+', empty segment or leading/trailing '/')",
    });

/** Parse a Go duration made of h/m/s parts (what ESO's `refreshInterval` accepts) into seconds. */
export function parseDurationSeconds(text: string): number | undefined {
    const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/.exec(text);
    if (!match || text === "") return undefined;
    const [, h, m, s] = match;
    return Number(h ?? 0) * 3600 + Number(m ?? 0) * 60 + Number(s ?? 0);
}

// ESO stops refreshing at 0, which would silently break rotation; more often than once a minute hammers the store.
const refreshInterval = z.string().refine(
    (v) => {
        const seconds = parseDurationSeconds(v);
        return seconds !== undefined && seconds >= 60 && seconds <= 86400;
    },
    { error: "must be a duration between 1m and 24h written like 1h, 15m or 1h30m" },
);

const httpsUrl = z.url({ protocol: /^https?$/, error: "must be an http(s) URL such as https://vault.example.com:8200" });

// Presence-only reader for a secret config value: the parsed settings say whether it is set, never what it is.
const secretPresence = z.preprocess((v) => typeof v === "string" && v.length > 0, z.boolean()).default(false);

/** Flat Pulumi config keys of this section → parsers of their raw string values. */
export const secretsSettingsShape = {
    /** Where the relayer's secrets live: `vault`, `aws` or `kubernetes` (development only). */
    secretsMode: z.enum(["vault", "aws", "kubernetes"], { error: "must be one of vault, aws, kubernetes" }).default("kubernetes"),
    /** Version of every program-written secret; bump it to rotate (new values, new write-only versions). */
    secretsVersion: configInteger.pipe(z.number().min(1, { error: "must be 1 or more" })).default(1),
    /** Path prefix of the relayer's secrets in the store; default `consonant/<stack>`. */
    secretsPrefix: storePrefix.optional(),
    /** How often External Secrets Operator re-reads the store (ESO duration). */
    secretsRefreshInterval: refreshInterval.default("1h"),
    /** Namespace of External Secrets Operator (bound in the Vault role / IAM trust policy). */
    externalSecretsNamespace: dnsLabel.default("external-secrets"),
    /** ServiceAccount of External Secrets Operator (bound in the Vault role / IAM trust policy). */
    externalSecretsServiceAccount: dnsSubdomain.default("external-secrets"),
    /** Name of the ClusterSecretStore the program creates. */
    clusterSecretStoreName: dnsSubdomain.default("consonant-relayer"),
    /** Cluster id the backend knows this cluster by; generated (`cluster-<16 hex>`) when unset. */
    clusterId: z
        .string()
        .regex(/^[a-z0-9]([-a-z0-9]{1,61}[a-z0-9])$/, { error: "must be 3-63 lowercase letters, digits and '-'" })
        .optional(),
    /** Enabled LLM providers, JSON array, e.g. `["anthropic","openai"]`. */
    llmProviders: configJson(
        z
            .array(z.enum(LLM_PROVIDERS, { error: `must list only ${LLM_PROVIDERS.join(", ")}` }), {
                error: 'must be a JSON array such as ["anthropic","openai"]',
            })
            .refine((list) => new Set(list).size === list.length, { error: "must not list a provider twice" }),
    ).default([]),
    /** Key source per enabled provider, JSON object: provider → `config` | `external`. */
    llmKeySources: configJson(
        z.partialRecord(
            z.enum(LLM_PROVIDERS, { error: `keys must be ${LLM_PROVIDERS.join(", ")}` }),
            z.enum(LLM_KEY_SOURCES, { error: "each value must be config or external" }),
            { error: 'must be a JSON object such as {"anthropic":"config"}' },
        ),
    ).default({}),
    /** Presence of the secret `llmAnthropicApiKey` (set with --secret). */
    llmAnthropicApiKey: secretPresence,
    /** Presence of the secret `llmOpenaiApiKey` (set with --secret). */
    llmOpenaiApiKey: secretPresence,
    /** Presence of the secret `llmGeminiApiKey` (set with --secret). */
    llmGeminiApiKey: secretPresence,
    /** Presence of the secret `llmAzureApiKey` (set with --secret). */
    llmAzureApiKey: secretPresence,
    /** Azure OpenAI endpoint (not a secret), delivered as the file `azure-openai-endpoint`. */
    llmAzureEndpoint: z.url({ protocol: /^https$/, error: "must be an https URL such as https://my-resource.openai.azure.com" }).optional(),

    /** Vault: address of the Vault server. */
    vaultAddress: httpsUrl.optional(),
    /** Vault Enterprise namespace (optional). */
    vaultNamespace: z.string().regex(/^[A-Za-z0-9_.-]+(\/[A-Za-z0-9_.-]+)*$/, { error: "must be a Vault namespace path such as admin/team" }).optional(),
    /** Vault: path of the KV v2 mount. */
    vaultKvMount: storePrefix.default("consonant"),
    /** Vault: create the KV v2 mount (false: use an existing KV v2 mount at `vaultKvMount`). */
    vaultKvMountCreate: configBoolean.default(true),
    /** Vault: versions kept per secret (custom metadata `max_versions`). */
    vaultKvMaxVersions: configInteger.pipe(z.number().min(1, { error: "must be between 1 and 100" }).max(100, { error: "must be between 1 and 100" })).default(10),
    /** Vault: path of the Kubernetes auth backend. */
    vaultKubernetesAuthPath: storePrefix.default("consonant-kubernetes"),
    /** Vault: create the Kubernetes auth backend and its config (false: use an existing, configured mount). */
    vaultKubernetesAuthCreate: configBoolean.default(true),
    /** Vault: Kubernetes API URL Vault calls for TokenReview. */
    vaultKubernetesHost: z.url({ protocol: /^https$/, error: "must be the https URL of the Kubernetes API server" }).optional(),
    /** Vault: PEM CA certificate that signed the Vault server's certificate (when not a public CA), for ESO. */
    vaultCaCert: z
        .string()
        .refine((v) => /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v), { error: "must be a PEM certificate" })
        .optional(),
    /** Vault: PEM CA certificate of the Kubernetes API server. */
    vaultKubernetesCaCert: z
        .string()
        .refine((v) => /-----BEGIN CERTIFICATE-----[\s\S]+-----END CERTIFICATE-----/.test(v), { error: "must be a PEM certificate" })
        .optional(),
    /** Vault: service-account token issuer of the cluster (validated by Vault when set). */
    vaultKubernetesIssuer: z.string().min(1).optional(),
    /** Vault: name of the role External Secrets logs in with. */
    vaultRoleName: dnsSubdomain.default("consonant-relayer"),
    /** Vault: TTL of the tokens the role issues, seconds (at most 24h). */
    vaultTokenTtlSeconds: configInteger.pipe(z.number().min(60, { error: "must be between 60 and 86400 (24h)" }).max(86400, { error: "must be between 60 and 86400 (24h)" })).default(3600),
    /** Vault: audience the ServiceAccount token must carry. */
    vaultAudience: z.string().min(1).default("vault"),
    /**
     * Vault: the audience the cluster's API server accepts (its `--api-audiences`). Vault reviews ESO's token by
     * presenting that same token to the API server, so the token carries this audience besides `vaultAudience`.
     */
    vaultKubernetesApiAudience: z.string().min(1).default("https://kubernetes.default.svc.cluster.local"),

    /** AWS: region of Secrets Manager and KMS. */
    awsRegion: z.string().regex(/^[a-z]{2}(-gov|-iso[a-z]?)?-[a-z]+-\d$/, { error: "must be an AWS region such as eu-west-1" }).optional(),
    /** AWS: account id (12 digits) that owns the key and secrets. */
    awsAccountId: z.string().regex(/^\d{12}$/, { error: "must be a 12-digit AWS account id" }).optional(),
    /** AWS: ARN of the cluster's IAM OIDC provider (IRSA). */
    awsOidcProviderArn: z
        .string()
        .regex(/^arn:aws(-[a-z]+)*:iam::\d{12}:oidc-provider\/.+$/, { error: "must be an IAM OIDC provider ARN (arn:aws:iam::<account>:oidc-provider/<issuer>)" })
        .optional(),
    /** AWS: the cluster's OIDC issuer, without `https://` (IRSA). */
    awsOidcIssuer: z
        .string()
        .transform((v) => v.replace(/^https:\/\//, ""))
        .pipe(z.string().regex(/^[a-z0-9.-]+(\/[A-Za-z0-9._-]+)*$/, { error: "must be an issuer such as oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" }))
        .optional(),
    /** AWS: use EKS Pod Identity instead of IRSA. */
    awsPodIdentity: configBoolean.default(false),
    /** AWS: EKS cluster name (Pod Identity association). */
    awsEksClusterName: z.string().regex(/^[0-9A-Za-z][A-Za-z0-9_-]{0,99}$/, { error: "must be an EKS cluster name" }).optional(),
    /** AWS: days Secrets Manager keeps a deleted secret recoverable (0 = delete at once, else 7-30); default 30 on production-like stacks, 7 otherwise. */
    awsRecoveryWindowDays: configInteger.pipe(z.number().refine((d) => d === 0 || (d >= 7 && d <= 30), { error: "must be 0 or between 7 and 30" })).default(30),
    /** AWS: days before a scheduled KMS key deletion happens (7-30). */
    awsKmsDeletionWindowDays: configInteger.pipe(z.number().min(7, { error: "must be between 7 and 30" }).max(30, { error: "must be between 7 and 30" })).default(30),
    /** AWS: automatic KMS key rotation period in days (90-2560). */
    awsKmsRotationDays: configInteger.pipe(z.number().min(90, { error: "must be between 90 and 2560" }).max(2560, { error: "must be between 90 and 2560" })).default(365),
};

export const secretsSettingsSchema = z.object(secretsSettingsShape);
export type SecretsSettings = z.infer<typeof secretsSettingsSchema>;
export type SecretsMode = SecretsSettings["secretsMode"];

/** Fix text per key, used when a value fails its parser. */
export const secretsSettingsFixes: Readonly<Record<string, string>> = {
    secretsMode: "run `pulumi config set secretsMode vault` (or `aws`; `kubernetes` is for development only)",
    secretsVersion: "run `pulumi config set secretsVersion 2` (a whole number; bump it to rotate)",
    secretsPrefix: "run `pulumi config set secretsPrefix consonant/<stack>` or remove it for that default",
    secretsRefreshInterval: "run `pulumi config set secretsRefreshInterval 1h`",
    externalSecretsNamespace: "run `pulumi config set externalSecretsNamespace external-secrets` (the namespace ESO runs in)",
    externalSecretsServiceAccount: "run `pulumi config set externalSecretsServiceAccount external-secrets` (the ServiceAccount of the ESO controller)",
    clusterSecretStoreName: "run `pulumi config set clusterSecretStoreName consonant-relayer`",
    clusterId: "run `pulumi config set clusterId <name>` with a lowercase DNS label, or remove it to generate one",
    llmProviders: "run `pulumi config set llmProviders '[\"anthropic\"]'` (any of anthropic, openai, gemini, azure)",
    llmKeySources: "run `pulumi config set llmKeySources '{\"anthropic\":\"config\"}'` (config or external per provider)",
    llmAzureEndpoint: "run `pulumi config set llmAzureEndpoint https://<resource>.openai.azure.com`",
    vaultAddress: "run `pulumi config set vaultAddress https://vault.example.com:8200`",
    vaultNamespace: "run `pulumi config set vaultNamespace admin/<team>` or remove it",
    vaultKvMount: "run `pulumi config set vaultKvMount consonant`",
    vaultKvMountCreate: "run `pulumi config set vaultKvMountCreate true` (or false to use an existing KV v2 mount)",
    vaultKvMaxVersions: "run `pulumi config set vaultKvMaxVersions 10`",
    vaultKubernetesAuthPath: "run `pulumi config set vaultKubernetesAuthPath consonant-kubernetes`",
    vaultKubernetesAuthCreate: "run `pulumi config set vaultKubernetesAuthCreate true` (or false to use an existing, configured mount)",
    vaultKubernetesHost: "run `pulumi config set vaultKubernetesHost https://<api-server>:443`",
    vaultCaCert: "run `pulumi config set vaultCaCert -- \"$(cat vault-ca.crt)\"` with the PEM CA of the Vault server's certificate, or remove it for a public CA",
    vaultKubernetesCaCert: "run `pulumi config set vaultKubernetesCaCert -- \"$(cat ca.crt)\"` with the API server's PEM CA",
    vaultKubernetesIssuer: "run `pulumi config set vaultKubernetesIssuer <issuer>` (e.g. https://kubernetes.default.svc.cluster.local)",
    vaultRoleName: "run `pulumi config set vaultRoleName consonant-relayer`",
    vaultTokenTtlSeconds: "run `pulumi config set vaultTokenTtlSeconds 3600`",
    vaultAudience: "run `pulumi config set vaultAudience vault`",
    vaultKubernetesApiAudience:
        "run `pulumi config set vaultKubernetesApiAudience https://kubernetes.default.svc` (EKS) or the issuer of your cluster's tokens (`kubectl create token default | cut -d. -f2 | base64 -d`, field aud)",
    awsRegion: "run `pulumi config set awsRegion eu-west-1`",
    awsAccountId: "run `pulumi config set awsAccountId <12-digit account id>`",
    awsOidcProviderArn: "run `pulumi config set awsOidcProviderArn $(aws iam list-open-id-connect-providers ...)` with the cluster's provider ARN",
    awsOidcIssuer: "run `pulumi config set awsOidcIssuer $(aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text)`",
    awsPodIdentity: "run `pulumi config set awsPodIdentity true` (or false for IRSA)",
    awsEksClusterName: "run `pulumi config set awsEksClusterName <cluster>`",
    awsRecoveryWindowDays: "run `pulumi config set awsRecoveryWindowDays 30`",
    awsKmsDeletionWindowDays: "run `pulumi config set awsKmsDeletionWindowDays 30`",
    awsKmsRotationDays: "run `pulumi config set awsKmsRotationDays 365`",
};


/** The store prefix actually used: the configured one, or `consonant/<stack>` (stack name made path-safe). */
export function resolveSecretsPrefix(settings: Pick<SecretsSettings, "secretsPrefix">, stack: string): string {
    if (settings.secretsPrefix) return settings.secretsPrefix;
    const safeStack = stack.toLowerCase().replace(/[^a-z0-9_-]+/g, "-").replace(/^-+|-+$/g, "");
    return `consonant/${safeStack || "stack"}`;
}

function missing(key: string, mode: string, fix: string): ConfigProblem {
    return { key, problem: `is required when secretsMode is ${mode}`, fix };
}

function vaultProblems(s: SecretsSettings, ctx: GuardrailContext): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (!s.vaultAddress) problems.push(missing("vaultAddress", "vault", secretsSettingsFixes.vaultAddress));
    else if (ctx.productionLike && !s.vaultAddress.startsWith("https://")) {
        problems.push({ key: "vaultAddress", problem: "must use https on a production-like stack", fix: secretsSettingsFixes.vaultAddress });
    }
    if (s.vaultKubernetesAuthCreate) {
        // Vault outside the cluster must reach the API server and verify its certificate to review tokens.
        if (!s.vaultKubernetesHost) {
            problems.push({ key: "vaultKubernetesHost", problem: "is required when vaultKubernetesAuthCreate is true", fix: secretsSettingsFixes.vaultKubernetesHost });
        }
        if (!s.vaultKubernetesCaCert) {
            problems.push({ key: "vaultKubernetesCaCert", problem: "is required when vaultKubernetesAuthCreate is true", fix: secretsSettingsFixes.vaultKubernetesCaCert });
        }
    }
    return problems;
}

function awsProblems(s: SecretsSettings, ctx: GuardrailContext): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (!s.awsRegion) problems.push(missing("awsRegion", "aws", secretsSettingsFixes.awsRegion));
    if (!s.awsAccountId) problems.push(missing("awsAccountId", "aws", secretsSettingsFixes.awsAccountId));
    if (s.awsPodIdentity) {
        if (!s.awsEksClusterName) {
            problems.push({ key: "awsEksClusterName", problem: "is required when awsPodIdentity is true", fix: secretsSettingsFixes.awsEksClusterName });
        }
    } else {
        if (!s.awsOidcIssuer) {
            problems.push({
                key: "awsOidcIssuer",
                problem: "is required when secretsMode is aws with IRSA (awsPodIdentity false)",
                fix: `${secretsSettingsFixes.awsOidcIssuer}, or run \`pulumi config set awsPodIdentity true\``,
            });
        }
        if (!s.awsOidcProviderArn) {
            problems.push({
                key: "awsOidcProviderArn",
                problem: "is required when secretsMode is aws with IRSA (awsPodIdentity false)",
                fix: `${secretsSettingsFixes.awsOidcProviderArn}, or run \`pulumi config set awsPodIdentity true\``,
            });
        }
        if (s.awsOidcProviderArn && s.awsOidcIssuer && !s.awsOidcProviderArn.endsWith(`:oidc-provider/${s.awsOidcIssuer}`)) {
            problems.push({
                key: "awsOidcProviderArn",
                problem: "does not belong to awsOidcIssuer (the ARN must end with oidc-provider/<issuer>)",
                fix: "set both from the same cluster: `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`",
            });
        }
        if (s.awsOidcProviderArn && s.awsAccountId && s.awsOidcProviderArn.split(":")[4] !== s.awsAccountId) {
            problems.push({
                key: "awsOidcProviderArn",
                problem: "is in a different account than awsAccountId",
                fix: "use the OIDC provider of the account that owns the secrets, or fix awsAccountId",
            });
        }
    }
    if (ctx.productionLike && s.awsRecoveryWindowDays === 0) {
        problems.push({
            key: "awsRecoveryWindowDays",
            problem: "0 deletes secrets without recovery and is refused on a production-like stack",
            fix: "run `pulumi config set awsRecoveryWindowDays 30`",
        });
    }
    return problems;
}

function llmProblems(s: SecretsSettings, secretKeys: readonly string[]): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    for (const provider of LLM_PROVIDERS) {
        const key = llmApiKeyConfigKey(provider);
        if (s[key as keyof SecretsSettings] === true && !secretKeys.includes(key)) {
            problems.push({
                key,
                problem: "is stored in plain text in the stack file",
                fix: `run \`pulumi config set --secret ${key} <key>\` (and rotate that key: it was committed in clear)`,
            });
        }
    }
    const presence: Record<LlmProvider, boolean> = {
        anthropic: s.llmAnthropicApiKey,
        openai: s.llmOpenaiApiKey,
        gemini: s.llmGeminiApiKey,
        azure: s.llmAzureApiKey,
    };
    for (const provider of s.llmProviders) {
        const source = s.llmKeySources[provider];
        const secretKey = llmApiKeyConfigKey(provider);
        if (!source) {
            problems.push({
                key: "llmKeySources",
                problem: `has no key source for enabled LLM provider '${provider}'`,
                fix: `run \`pulumi config set --secret ${secretKey} <key>\` and add "${provider}":"config" to llmKeySources, or add "${provider}":"external" and write the key into the store`,
            });
        } else if (source === "config" && !presence[provider]) {
            problems.push({
                key: secretKey,
                problem: `is not set but llmKeySources says '${provider}' comes from config`,
                fix: `run \`pulumi config set --secret ${secretKey} <key>\`, or set "${provider}":"external" in llmKeySources`,
            });
        } else if (source === "external" && s.secretsMode === "kubernetes") {
            problems.push({
                key: "llmKeySources",
                problem: `'${provider}' is external, but secretsMode kubernetes has no store to read it from`,
                fix: `set "${provider}":"config" and run \`pulumi config set --secret ${secretKey} <key>\``,
            });
        }
    }
    for (const provider of Object.keys(s.llmKeySources) as LlmProvider[]) {
        if (!s.llmProviders.includes(provider)) {
            problems.push({
                key: "llmKeySources",
                problem: `names '${provider}', which is not in llmProviders`,
                fix: `add "${provider}" to llmProviders or remove it from llmKeySources`,
            });
        }
    }
    if (s.llmProviders.includes("azure") && !s.llmAzureEndpoint) {
        problems.push({ key: "llmAzureEndpoint", problem: "is required when llmProviders includes azure", fix: secretsSettingsFixes.llmAzureEndpoint });
    }
    return problems;
}

/**
 * Cross-field rules and production guardrails of this section. `secretKeys` lists the keys set with `--secret`
 * (an LLM key outside it was written in clear into the stack file).
 */
export function secretsGuardrails(s: SecretsSettings, ctx: GuardrailContext, secretKeys: readonly string[] = []): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (s.secretsMode === "kubernetes" && (ctx.productionLike || ctx.compliance === "hipaa")) {
        problems.push({
            key: "secretsMode",
            problem: `'kubernetes' keeps secrets in Pulumi config and is refused for ${ctx.productionLike ? "production-like stacks" : "compliance: hipaa"}`,
            fix: "run `pulumi config set secretsMode vault` (or `aws`) and configure that store",
        });
    }
    if (s.secretsMode === "vault") problems.push(...vaultProblems(s, ctx));
    if (s.secretsMode === "aws") problems.push(...awsProblems(s, ctx));
    problems.push(...llmProblems(s, secretKeys));
    return problems;
}
