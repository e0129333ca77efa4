// consonant:secrets:SecretStore — where the relayer's secrets live and how they reach its pods.
//
// vault | aws: values the program knows are written into the store with the providers' write-only inputs
// (nothing plaintext in state), External Secrets Operator reads them with a least-privilege identity and writes
// the Kubernetes Secrets the Deployments mount. kubernetes (development only): plain Secrets from secret config.
// This file only wires resources; every document and manifest comes from a pure builder beside it.
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { buildIrsaTrustPolicy, buildKmsKeyPolicy, buildPodIdentityTrustPolicy, buildSecretsReadPolicy, serializeIamPolicy } from "./aws-policies";
import { AZURE_ENDPOINT_FILE, CatalogEntry, llmKeyFile, secretCatalog, TUNNEL_TOKEN_SECRET_KEY, TUNNEL_TOKEN_SECRET_NAME } from "./catalog";
import { buildClusterSecretStore, buildExternalSecret, EXTERNAL_SECRETS_API_VERSION, Labels, StoreBackend } from "./external-secrets";
import { llmApiKeyConfigKey, LlmProvider } from "./settings";
import { AwsStoreOptions, required, SecretStoreOptions, VaultStoreOptions } from "./store-options";
import { buildVaultReadPolicy, serializeVaultPolicy } from "./vault-policy";

/** Credentials the Cloudflare edge component hands over (all values are `pulumi.secret` Outputs). */
export interface CloudflareSecretsInput {
    /** Access service token client id → file `access-client-id`. */
    accessClientId: pulumi.Input<string>;
    /** Access service token client secret → file `access-client-secret`. */
    accessClientSecret: pulumi.Input<string>;
    /** Bumped by the edge when it rotates the service token, so the store's copy is rewritten. */
    accessTokenVersion: pulumi.Input<number>;
    /** Tunnel token; always kept in the store (a connector run elsewhere reads it there). */
    tunnelToken: pulumi.Input<string>;
    /** Changes when the tunnel (and so its token) changes. */
    tunnelTokenVersion: pulumi.Input<number>;
    /** Where this program's connector reads its token; absent when the program deploys no connector. */
    connectorTokenSecret?: { namespace: pulumi.Input<string>; name: string; key: string };
}

/** An enabled LLM provider; `apiKey` (a `pulumi.secret`) is required when the key comes from config. */
export interface LlmKeyInput {
    provider: LlmProvider;
    source: "config" | "external";
    apiKey?: pulumi.Input<string>;
}

export interface SecretStoreArgs extends Omit<SecretStoreOptions, "llm"> {
    /** Namespace of the relayer (must exist); the delivered Secrets land here. */
    namespace: pulumi.Input<string>;
    /** Enabled LLM providers and, for `config` sources, their keys. */
    llm: LlmKeyInput[];
    /** Edge credentials, when Cloudflare is enabled. */
    cloudflare?: CloudflareSecretsInput;
    /** Labels for every Kubernetes object (app.kubernetes.io/*). */
    labels: Labels;
    /** Explicit providers: nothing may fall back to an ambient kubeconfig or cloud profile. */
    providers: { kubernetes: k8s.Provider; random: random.Provider; vault?: vault.Provider; aws?: aws.Provider };
}

/** A secret's content as the store holds it: property → value, built only inside secret Outputs. */
type SecretContent = pulumi.Output<Record<string, string>>;

export class SecretStore extends pulumi.ComponentResource {
    /** `vault`, `aws` or `kubernetes`. */
    readonly storeKind: string;
    /** Vault KV v2 data paths, or Secrets Manager ARNs, of every secret (never a value). */
    readonly storeReferences: pulumi.Output<string[]>;
    /** The ClusterSecretStore name (external modes only). */
    readonly clusterSecretStoreName?: string;
    /** Secrets the relayer mounts; resolves once they are delivered (depending on it orders the Deployment after). */
    readonly secretNames: pulumi.Output<string[]>;
    /** The connector's token Secret (namespace, name, key), when a connector is deployed. */
    readonly tunnelTokenSecret?: pulumi.Output<{ namespace: string; name: string; key: string }>;
    /** AWS: KMS key and the External Secrets role (annotate the ESO ServiceAccount with it for IRSA). */
    readonly kmsKeyArn?: pulumi.Output<string>;
    readonly externalSecretsRoleArn?: pulumi.Output<string>;
    /** Vault: policy and role names. */
    readonly vaultPolicyName?: pulumi.Output<string>;
    readonly vaultRoleName?: pulumi.Output<string>;

    private readonly args: SecretStoreArgs;
    private readonly catalog: CatalogEntry[];

    constructor(name: string, args: SecretStoreArgs, opts?: pulumi.ComponentResourceOptions) {
        super("consonant:secrets:SecretStore", name, {}, opts);
        this.args = args;
        this.storeKind = args.mode;
        const connector = args.cloudflare?.connectorTokenSecret;
        this.catalog = secretCatalog({
            prefix: args.prefix,
            llm: args.llm.map(({ provider, source }) => ({ provider, source })),
            accessServiceToken: args.cloudflare !== undefined,
            // kubernetes mode has no store: a token with no connector to deliver to has nowhere to go.
            tunnelToken: !args.cloudflare ? "none" : connector ? "connector" : args.mode === "kubernetes" ? "none" : "store-only",
        });
        if (connector && (connector.name !== TUNNEL_TOKEN_SECRET_NAME || connector.key !== TUNNEL_TOKEN_SECRET_KEY)) {
            throw new Error(
                `SecretStore: the connector expects Secret '${connector.name}' key '${connector.key}', but the store delivers '${TUNNEL_TOKEN_SECRET_NAME}' key '${TUNNEL_TOKEN_SECRET_KEY}'; fix: use TUNNEL_TOKEN_SECRET_NAME/KEY from components/secrets/catalog.ts in the edge component`,
            );
        }
        const contents = this.secretContents(name);

        let delivered: Map<string, pulumi.Resource & { metadata: pulumi.Output<unknown> }>;
        if (args.mode === "kubernetes") {
            this.storeReferences = pulumi.output([]);
            delivered = this.plainSecrets(name, contents);
        } else {
            let backend: StoreBackend;
            let storeWrites: pulumi.Resource[];
            if (args.mode === "vault") {
                const v = this.vaultStore(name, required(args.vault, "vault"), contents);
                backend = v.backend;
                storeWrites = v.writes;
                this.storeReferences = pulumi.output(v.references);
                this.vaultPolicyName = v.policyName;
                this.vaultRoleName = v.roleName;
            } else {
                const a = this.awsStore(name, required(args.aws, "aws"), contents);
                backend = a.backend;
                storeWrites = a.writes;
                this.storeReferences = a.references;
                this.kmsKeyArn = a.kmsKeyArn;
                this.externalSecretsRoleArn = a.roleArn;
            }
            this.clusterSecretStoreName = args.clusterSecretStoreName;
            delivered = this.externalSecrets(name, backend, storeWrites, contents);
        }

        // The names are fixed by the catalog; deriving the Output from the delivering resources makes whatever uses
        // it (the Deployment's volumes) wait until they exist and, for ExternalSecrets, are Ready.
        const relayerEntries = this.catalog.filter((e) => e.placement === "relayer");
        this.secretNames = pulumi.all(relayerEntries.map((e) => delivered.get(e.role)!.metadata)).apply(() => relayerEntries.map((e) => e.secretName));
        const tunnel = delivered.get("tunnel-token");
        if (connector && tunnel) {
            this.tunnelTokenSecret = pulumi
                .all([connector.namespace, tunnel.metadata])
                .apply(([namespace]) => ({ namespace, name: TUNNEL_TOKEN_SECRET_NAME, key: TUNNEL_TOKEN_SECRET_KEY }));
        }

        this.registerOutputs({
            storeKind: this.storeKind,
            storeReferences: this.storeReferences,
            clusterSecretStoreName: this.clusterSecretStoreName,
            secretNames: this.secretNames,
            tunnelTokenSecret: this.tunnelTokenSecret,
            kmsKeyArn: this.kmsKeyArn,
            externalSecretsRoleArn: this.externalSecretsRoleArn,
            vaultPolicyName: this.vaultPolicyName,
            vaultRoleName: this.vaultRoleName,
        });
    }

    /**
     * The content of every program-written secret, each a `pulumi.secret`, plus the version its write-only input
     * carries. The store cannot diff a write-only value, so the version is what makes a new value land: it is
     * `secretsVersion`, plus the edge's own rotation counter for edge credentials (both only ever grow, so
     * their sum grows whenever either is bumped).
     */
    private secretContents(name: string): Map<string, { content: SecretContent; version: pulumi.Output<number> }> {
        const { args } = this;
        const parent = { parent: this, provider: args.providers.random };
        const version = pulumi.output(args.version);
        const contents = new Map<string, { content: SecretContent; version: pulumi.Output<number> }>();

        const clusterId: pulumi.Output<string> =
            args.clusterId !== undefined
                ? pulumi.output(args.clusterId)
                : new random.RandomId(`${name}-cluster-id`, { byteLength: 8, prefix: "cluster-" }, parent).hex;
        // 32 random bytes (64 hex characters); a new secretsVersion mints a new token.
        const token = new random.RandomBytes(`${name}-cluster-token`, { length: 32, keepers: { secretsVersion: String(args.version) } }, parent);
        contents.set("cluster-credentials", {
            content: pulumi.secret(pulumi.all([clusterId, token.hex]).apply(([id, hex]): Record<string, string> => ({ "cluster-id": id, "cluster-token": hex }))),
            version,
        });

        const cf = args.cloudflare;
        if (cf) {
            contents.set("access-service-token", {
                content: pulumi.secret(
                    pulumi.all([cf.accessClientId, cf.accessClientSecret]).apply(([id, secret]): Record<string, string> => ({ "access-client-id": id, "access-client-secret": secret })),
                ),
                version: pulumi.all([version, cf.accessTokenVersion]).apply(([v, edge]) => v + edge),
            });
            contents.set("tunnel-token", {
                content: pulumi.secret(pulumi.output(cf.tunnelToken).apply((t): Record<string, string> => ({ [TUNNEL_TOKEN_SECRET_KEY]: t }))),
                version: pulumi.all([version, cf.tunnelTokenVersion]).apply(([v, edge]) => v + edge),
            });
        }
        for (const llm of args.llm) {
            if (llm.source !== "config") continue;
            if (llm.apiKey === undefined) {
                throw new Error(
                    `SecretStore: LLM provider '${llm.provider}' takes its key from config but no key was passed; fix: run \`pulumi config set --secret ${llmApiKeyConfigKey(llm.provider)} <key>\``,
                );
            }
            const file = llmKeyFile(llm.provider);
            contents.set(`llm-${llm.provider}`, { content: pulumi.secret(pulumi.output(llm.apiKey).apply((key) => ({ [file]: key }))), version });
        }
        return contents;
    }

    private namespaceOf(entry: CatalogEntry): pulumi.Input<string> {
        return entry.placement === "connector" ? this.args.cloudflare!.connectorTokenSecret!.namespace : this.args.namespace;
    }

    /** Kubernetes mode (development): plain Secrets; their data is a Pulumi secret, encrypted in state. */
    private plainSecrets(name: string, contents: ReturnType<SecretStore["secretContents"]>) {
        const delivered = new Map<string, k8s.core.v1.Secret>();
        for (const entry of this.catalog.filter((e) => e.placement !== "store-only")) {
            const content = contents.get(entry.role)!;
            const withEndpoint =
                entry.role === "llm-azure" && this.args.azureEndpoint
                    ? pulumi.secret(content.content.apply((c) => ({ ...c, [AZURE_ENDPOINT_FILE]: this.args.azureEndpoint! })))
                    : content.content;
            delivered.set(
                entry.role,
                new k8s.core.v1.Secret(
                    `${name}-${entry.role}`,
                    {
                        metadata: { name: entry.secretName, namespace: this.namespaceOf(entry), labels: this.args.labels },
                        type: "Opaque",
                        stringData: withEndpoint,
                    },
                    { parent: this, provider: this.args.providers.kubernetes },
                ),
            );
        }
        return delivered;
    }

    private vaultStore(name: string, v: VaultStoreOptions, contents: ReturnType<SecretStore["secretContents"]>) {
        const provider = required(this.args.providers.vault, "providers.vault");
        const opts = { parent: this, provider };
        // A Vault Enterprise namespace is set once, on the provider (index.ts): resource-level namespaces are
        // relative to it, so repeating it here would point at a nested namespace.
        const mount = v.createKvMount
            ? new vault.Mount(`${name}-kv`, { path: v.kvMount, type: "kv", options: { version: "2" }, description: "Consonant Relayer secrets (KV v2)" }, opts)
                  .path
            : pulumi.output(v.kvMount);

        const writes: pulumi.Resource[] = [];
        for (const entry of this.catalog.filter((e) => e.writer === "program")) {
            const { content, version } = contents.get(entry.role)!;
            writes.push(
                new vault.kv.SecretV2(
                    `${name}-${entry.role}`,
                    {
                        mount,
                        name: entry.storeName,
                        // Write-only: Vault receives the value, Pulumi state never holds it.
                        dataJsonWo: pulumi.secret(content.apply((c) => JSON.stringify(c))),
                        dataJsonWoVersion: version,
                        customMetadata: { maxVersions: v.maxVersions, data: { "managed-by": "pulumi", role: entry.role } },
                    },
                    opts,
                ),
            );
        }

        const policyDocument = buildVaultReadPolicy(v.kvMount, this.catalog.map((e) => e.storeName));
        const policy = new vault.Policy(
            `${name}-policy`,
            { name: `${this.args.prefix.replace(/\//g, "-")}-read`, policy: serializeVaultPolicy(policyDocument) },
            opts,
        );

        let authPath: pulumi.Output<string> = pulumi.output(v.authPath);
        const roleDependsOn: pulumi.Resource[] = [];
        if (v.createAuthBackend) {
            const backend = new vault.AuthBackend(
                `${name}-kubernetes-auth`,
                { type: "kubernetes", path: v.authPath, description: "Kubernetes auth for External Secrets Operator (Consonant Relayer)" },
                opts,
            );
            authPath = backend.path;
            roleDependsOn.push(
                new vault.kubernetes.AuthBackendConfig(
                    `${name}-kubernetes-auth-config`,
                    {
                        backend: backend.path,
                        kubernetesHost: required(v.kubernetesHost, "vault.kubernetesHost"),
                        kubernetesCaCert: required(v.kubernetesCaCert, "vault.kubernetesCaCert"),
                        ...(v.issuer ? { issuer: v.issuer, disableIssValidation: false } : {}),
                    },
                    opts,
                ),
            );
            // No reviewer JWT is stored in Vault: Vault reviews ESO's own token with that token, which needs the
            // TokenReview permission of system:auth-delegator for ESO's ServiceAccount.
            roleDependsOn.push(
                new k8s.rbac.v1.ClusterRoleBinding(
                    `${name}-vault-token-review`,
                    {
                        metadata: { labels: this.args.labels },
                        roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" },
                        subjects: [{ kind: "ServiceAccount", name: this.args.externalSecrets.serviceAccount, namespace: this.args.externalSecrets.namespace }],
                    },
                    { parent: this, provider: this.args.providers.kubernetes },
                ),
            );
        }
        const role = new vault.kubernetes.AuthBackendRole(
            `${name}-kubernetes-role`,
            {
                backend: authPath,
                roleName: v.roleName,
                boundServiceAccountNames: [this.args.externalSecrets.serviceAccount],
                boundServiceAccountNamespaces: [this.args.externalSecrets.namespace],
                audience: v.audience,
                tokenTtl: v.tokenTtlSeconds,
                tokenMaxTtl: v.tokenTtlSeconds,
                tokenPolicies: [policy.name],
            },
            { ...opts, dependsOn: roleDependsOn },
        );

        const backend: StoreBackend = {
            kind: "vault",
            server: v.address,
            caCert: v.caCert,
            namespace: v.namespace,
            kvMount: v.kvMount,
            authMount: v.authPath,
            role: v.roleName,
            audience: v.audience,
            kubernetesApiAudience: v.kubernetesApiAudience,
            serviceAccount: { name: this.args.externalSecrets.serviceAccount, namespace: this.args.externalSecrets.namespace },
        };
        return {
            backend,
            writes: [...writes, role],
            references: this.catalog.map((e) => `${v.kvMount}/data/${e.storeName}`),
            policyName: policy.name,
            roleName: role.roleName,
        };
    }

    private awsStore(name: string, a: AwsStoreOptions, contents: ReturnType<SecretStore["secretContents"]>) {
        const provider = required(this.args.providers.aws, "providers.aws");
        const opts = { parent: this, provider };
        const tags = { "managed-by": "pulumi", "app.kubernetes.io/part-of": "consonant-relayer", "consonant-prefix": this.args.prefix };
        const key = new aws.kms.Key(
            `${name}-key`,
            {
                description: `Consonant Relayer secrets (${this.args.prefix})`,
                enableKeyRotation: true,
                rotationPeriodInDays: a.kmsRotationDays,
                deletionWindowInDays: a.kmsDeletionWindowDays,
                policy: serializeIamPolicy(buildKmsKeyPolicy({ accountId: a.accountId, region: a.region })),
                tags,
            },
            opts,
        );
        new aws.kms.Alias(`${name}-key-alias`, { name: `alias/${this.args.prefix.replace(/\//g, "-")}`, targetKeyId: key.keyId }, opts);

        const secretArns: pulumi.Output<string>[] = [];
        const writes: pulumi.Resource[] = [];
        for (const entry of this.catalog) {
            const secret = new aws.secretsmanager.Secret(
                `${name}-${entry.role}`,
                {
                    name: entry.storeName,
                    description:
                        entry.writer === "program"
                            ? `Consonant Relayer ${entry.role} (written by Pulumi)`
                            : `Consonant Relayer ${entry.role} (value written out-of-band: see docs/secrets.md)`,
                    kmsKeyId: key.arn,
                    recoveryWindowInDays: a.recoveryWindowDays,
                    tags,
                },
                opts,
            );
            secretArns.push(secret.arn);
            const content = contents.get(entry.role);
            if (entry.writer === "program" && content) {
                writes.push(
                    new aws.secretsmanager.SecretVersion(
                        `${name}-${entry.role}-value`,
                        {
                            secretId: secret.arn,
                            // Write-only: Secrets Manager receives the value, Pulumi state never holds it.
                            secretStringWo: pulumi.secret(content.content.apply((c) => JSON.stringify(c))),
                            secretStringWoVersion: content.version,
                        },
                        opts,
                    ),
                );
            } else {
                writes.push(secret);
            }
        }

        const readPolicy = new aws.iam.Policy(
            `${name}-read-policy`,
            {
                description: `External Secrets Operator reads the Consonant Relayer secrets under ${this.args.prefix}`,
                policy: pulumi
                    .all([pulumi.all(secretArns), key.arn])
                    .apply(([arns, keyArn]) => serializeIamPolicy(buildSecretsReadPolicy({ secretArns: arns, kmsKeyArn: keyArn, region: a.region }))),
                tags,
            },
            opts,
        );
        const eso = this.args.externalSecrets;
        const trust =
            a.identity.kind === "irsa"
                ? buildIrsaTrustPolicy({ oidcProviderArn: a.identity.oidcProviderArn, oidcIssuer: a.identity.oidcIssuer, namespace: eso.namespace, serviceAccount: eso.serviceAccount })
                : buildPodIdentityTrustPolicy({ accountId: a.accountId });
        const role = new aws.iam.Role(
            `${name}-external-secrets-role`,
            {
                description: `External Secrets Operator (${eso.namespace}/${eso.serviceAccount}) for Consonant Relayer secrets`,
                assumeRolePolicy: serializeIamPolicy(trust),
                maxSessionDuration: 3600,
                tags,
            },
            opts,
        );
        const attachment = new aws.iam.RolePolicyAttachment(`${name}-read-policy-attachment`, { role: role.name, policyArn: readPolicy.arn }, opts);
        writes.push(attachment);
        if (a.identity.kind === "pod-identity") {
            writes.push(
                new aws.eks.PodIdentityAssociation(
                    `${name}-pod-identity`,
                    { clusterName: a.identity.clusterName, namespace: eso.namespace, serviceAccount: eso.serviceAccount, roleArn: role.arn, tags },
                    opts,
                ),
            );
        }
        const backend: StoreBackend = {
            kind: "aws",
            region: a.region,
            identity: a.identity.kind,
            serviceAccount: { name: eso.serviceAccount, namespace: eso.namespace },
        };
        return { backend, writes, references: pulumi.all(secretArns), kmsKeyArn: key.arn, roleArn: role.arn };
    }

    /** The ClusterSecretStore and one ExternalSecret per secret, after the store side is in place. */
    private externalSecrets(name: string, backend: StoreBackend, storeWrites: pulumi.Resource[], contents: ReturnType<SecretStore["secretContents"]>) {
        const { args } = this;
        const k8sOpts = { parent: this, provider: args.providers.kubernetes };
        const connector = args.cloudflare?.connectorTokenSecret;
        const namespaces = pulumi.all([args.namespace, ...(connector ? [connector.namespace] : [])]);
        const storeManifest = namespaces.apply((ns) => buildClusterSecretStore({ name: args.clusterSecretStoreName, labels: args.labels, backend, namespaces: ns }));
        const store = new k8s.apiextensions.CustomResource(`${name}-cluster-secret-store`, customResourceArgs(storeManifest, "ClusterSecretStore"), { ...k8sOpts, dependsOn: storeWrites });
        const delivered = new Map<string, k8s.apiextensions.CustomResource>();
        for (const entry of this.catalog.filter((e) => e.placement !== "store-only")) {
            // The write-only version of a program-written value, so a rotation re-syncs at once (see buildExternalSecret).
            const writtenVersion = contents.get(entry.role)?.version;
            const manifest = pulumi.all([this.namespaceOf(entry), writtenVersion]).apply(([namespace, version]) =>
                buildExternalSecret({
                    entry,
                    namespace,
                    storeName: args.clusterSecretStoreName,
                    refreshInterval: args.refreshInterval,
                    labels: args.labels,
                    azureEndpoint: entry.role === "llm-azure" ? args.azureEndpoint : undefined,
                    writtenVersion: version,
                }),
            );
            delivered.set(
                entry.role,
                new k8s.apiextensions.CustomResource(`${name}-${entry.role}`, customResourceArgs(manifest, "ExternalSecret"), {
                    ...k8sOpts,
                    dependsOn: [store, ...storeWrites],
                }),
            );
        }
        return delivered;
    }
}

/** A manifest whose namespace is only known as an Output, split into the fields CustomResource takes. */
function customResourceArgs(manifest: pulumi.Output<{ kind: string; metadata: object; spec: object }>, kind: string): k8s.apiextensions.CustomResourceArgs {
    return {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind,
        metadata: manifest.metadata,
        spec: manifest.spec,
    };
}
