// Typed options of the secret store, derived purely from the validated settings section. index.ts hands these to
// SecretStore together with the Outputs only it has (providers, namespace, secret config values, edge tokens).
import { LlmKeySource, LlmProvider, resolveSecretsPrefix, SecretsMode, SecretsSettings } from "./settings";

/** Vault mode: KV v2 mount, policy, Kubernetes auth backend and the role External Secrets logs in with. */
export interface VaultStoreOptions {
    /** Vault server URL, as External Secrets reaches it. */
    address: string;
    /** PEM CA of the Vault server's certificate, when it is not signed by a public CA. */
    caCert?: string;
    /** Vault Enterprise namespace, when used. */
    namespace?: string;
    /** Path of the KV v2 mount. */
    kvMount: string;
    /** Create the mount (false: it exists already and is KV v2). */
    createKvMount: boolean;
    /** Versions kept per secret (custom metadata). */
    maxVersions: number;
    /** Path of the Kubernetes auth backend. */
    authPath: string;
    /** Create the backend and its config (false: it exists and is configured). */
    createAuthBackend: boolean;
    /** Kubernetes API URL, CA and issuer for the backend config (required when creating it). */
    kubernetesHost?: string;
    kubernetesCaCert?: string;
    issuer?: string;
    /** Role External Secrets logs in with. */
    roleName: string;
    /** TTL (and max TTL) of the role's tokens, seconds; at most 24h. */
    tokenTtlSeconds: number;
    /** Audience the ServiceAccount token must carry. */
    audience: string;
    /** Audience the API server accepts (the token is also presented to it for review). */
    kubernetesApiAudience: string;
}

/** How the External Secrets identity gets AWS credentials. */
export type AwsIdentity = { kind: "irsa"; oidcProviderArn: string; oidcIssuer: string } | { kind: "pod-identity"; clusterName: string };

/** AWS mode: KMS key, Secrets Manager secrets, read policy and the role of External Secrets. */
export interface AwsStoreOptions {
    region: string;
    accountId: string;
    identity: AwsIdentity;
    /** Days a deleted secret stays recoverable (0 = immediately deleted, development only). */
    recoveryWindowDays: number;
    kmsDeletionWindowDays: number;
    kmsRotationDays: number;
}

/** The plain (non-Output) part of SecretStoreArgs that comes from stack config. */
export interface SecretStoreOptions {
    mode: SecretsMode;
    prefix: string;
    version: number;
    refreshInterval: string;
    clusterSecretStoreName: string;
    externalSecrets: { namespace: string; serviceAccount: string };
    clusterId?: string;
    llm: { provider: LlmProvider; source: LlmKeySource }[];
    azureEndpoint?: string;
    vault?: VaultStoreOptions;
    aws?: AwsStoreOptions;
}

/**
 * Settings that passed `secretsGuardrails` (plus the stack facts StackConfig carries) → store options. Throws if
 * called on settings the guardrails refuse.
 */
export function storeOptionsFromSettings(s: SecretsSettings & { stack: string; productionLike: boolean }): SecretStoreOptions {
    const options: SecretStoreOptions = {
        mode: s.secretsMode,
        prefix: resolveSecretsPrefix(s, s.stack),
        version: s.secretsVersion,
        refreshInterval: s.secretsRefreshInterval,
        clusterSecretStoreName: s.clusterSecretStoreName,
        externalSecrets: { namespace: s.externalSecretsNamespace, serviceAccount: s.externalSecretsServiceAccount },
        clusterId: s.clusterId,
        llm: s.llmProviders.map((provider) => ({ provider, source: required(s.llmKeySources[provider], "llmKeySources") })),
        azureEndpoint: s.llmProviders.includes("azure") ? s.llmAzureEndpoint : undefined,
    };
    if (s.secretsMode === "vault") {
        options.vault = {
            address: required(s.vaultAddress, "vaultAddress"),
            caCert: s.vaultCaCert,
            namespace: s.vaultNamespace,
            kvMount: s.vaultKvMount,
            createKvMount: s.vaultKvMountCreate,
            maxVersions: s.vaultKvMaxVersions,
            authPath: s.vaultKubernetesAuthPath,
            createAuthBackend: s.vaultKubernetesAuthCreate,
            kubernetesHost: s.vaultKubernetesHost,
            kubernetesCaCert: s.vaultKubernetesCaCert,
            issuer: s.vaultKubernetesIssuer,
            roleName: s.vaultRoleName,
            tokenTtlSeconds: s.vaultTokenTtlSeconds,
            audience: s.vaultAudience,
            kubernetesApiAudience: s.vaultKubernetesApiAudience,
        };
    }
    if (s.secretsMode === "aws") {
        options.aws = {
            region: required(s.awsRegion, "awsRegion"),
            accountId: required(s.awsAccountId, "awsAccountId"),
            identity: s.awsPodIdentity
                ? { kind: "pod-identity", clusterName: required(s.awsEksClusterName, "awsEksClusterName") }
                : {
                      kind: "irsa",
                      oidcProviderArn: required(s.awsOidcProviderArn, "awsOidcProviderArn"),
                      oidcIssuer: required(s.awsOidcIssuer, "awsOidcIssuer"),
                  },
            recoveryWindowDays: s.awsRecoveryWindowDays,
            kmsDeletionWindowDays: s.awsKmsDeletionWindowDays,
            kmsRotationDays: s.awsKmsRotationDays,
        };
    }
    return options;
}

/**
 * A value the config guardrails or the caller guarantee. Reaching the error means validation was skipped or the
 * wiring is wrong, so the message says where to fix it rather than which config key to set.
 */
export function required<T>(value: T | undefined, what: string): T {
    if (value === undefined) {
        throw new Error(`secret store: ${what} is missing for this secretsMode; fix: validate the stack config with parseStackConfig and pass every store option from index.ts (docs/secrets.md)`);
    }
    return value;
}
