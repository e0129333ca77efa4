// External Secrets Operator objects (external-secrets.io/v1) as plain manifests: the ClusterSecretStore that
// connects ESO to Vault or AWS Secrets Manager, and one ExternalSecret per catalog entry producing the Secret a
// Deployment mounts. Pure builders: the component only hands the results to the Kubernetes provider.
import { AZURE_ENDPOINT_FILE, CatalogEntry } from "./catalog";

export const EXTERNAL_SECRETS_API_VERSION = "external-secrets.io/v1";

/** Makes `pulumi up` wait until ESO reports the object Ready, so a broken store fails the update, not the pods. */
export const WAIT_FOR_READY = { "pulumi.com/waitFor": "condition=Ready" } as const;

/**
 * Annotation carrying the write-only version of a program-written value. ESO re-syncs an ExternalSecret as soon
 * as its annotations change (the mechanism behind its `force-sync` annotation), so a rotation reaches the mounted
 * files right after `pulumi up` instead of after the next refresh interval.
 */
export const WRITTEN_VERSION_ANNOTATION = "secrets.consonant.io/written-version";

export type Labels = Record<string, string>;

/** How ESO logs in to Vault: Kubernetes auth with a short-lived token of its own ServiceAccount. */
export interface VaultStoreBackend {
    kind: "vault";
    server: string;
    /** PEM CA of the Vault server's certificate, when it is not signed by a public CA. */
    caCert?: string;
    /** Vault Enterprise namespace, when used. */
    namespace?: string;
    kvMount: string;
    authMount: string;
    role: string;
    audience: string;
    /** Audience the API server accepts: Vault reviews the token by presenting it to the API server. */
    kubernetesApiAudience: string;
    serviceAccount: { name: string; namespace: string };
}

/** How ESO reaches Secrets Manager: IRSA (web identity of its ServiceAccount) or EKS Pod Identity. */
export interface AwsStoreBackend {
    kind: "aws";
    region: string;
    identity: "irsa" | "pod-identity";
    serviceAccount: { name: string; namespace: string };
}

export type StoreBackend = VaultStoreBackend | AwsStoreBackend;

function providerSpec(backend: StoreBackend): Record<string, unknown> {
    if (backend.kind === "vault") {
        return {
            vault: {
                server: backend.server,
                // caBundle is bytes in the CRD, i.e. base64 text in the manifest.
                ...(backend.caCert ? { caBundle: Buffer.from(backend.caCert, "utf8").toString("base64") } : {}),
                ...(backend.namespace ? { namespace: backend.namespace } : {}),
                path: backend.kvMount,
                version: "v2",
                auth: {
                    kubernetes: {
                        mountPath: backend.authMount,
                        role: backend.role,
                        // ESO requests a short-lived token for this ServiceAccount with the audience the Vault role
                        // demands, plus the API server's: no reviewer JWT is stored in Vault, so Vault authenticates
                        // its TokenReview call with this very token, and the API server only accepts its own audience.
                        serviceAccountRef: { ...backend.serviceAccount, audiences: [backend.audience, backend.kubernetesApiAudience] },
                    },
                },
            },
        };
    }
    return {
        aws: {
            service: "SecretsManager",
            region: backend.region,
            // IRSA: ESO exchanges a token of this ServiceAccount for the role its `eks.amazonaws.com/role-arn`
            // annotation names. Pod Identity: the controller pod already has the role; no auth block is needed.
            ...(backend.identity === "irsa" ? { auth: { jwt: { serviceAccountRef: backend.serviceAccount } } } : {}),
        },
    };
}

/** The ClusterSecretStore, usable only from `namespaces` (the relayer's, plus the connector's when deployed). */
export function buildClusterSecretStore(args: { name: string; labels: Labels; backend: StoreBackend; namespaces: readonly string[] }) {
    return {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind: "ClusterSecretStore",
        metadata: { name: args.name, labels: { ...args.labels }, annotations: { ...WAIT_FOR_READY } },
        spec: {
            provider: providerSpec(args.backend),
            conditions: [{ namespaces: [...new Set(args.namespaces)].sort() }],
        },
    };
}

/** The ExternalSecret that materialises one catalog entry as the Kubernetes Secret `entry.secretName`. */
export function buildExternalSecret(args: {
    entry: CatalogEntry;
    namespace: string;
    storeName: string;
    refreshInterval: string;
    labels: Labels;
    /** Azure OpenAI endpoint, added to the azure Secret as a file by the template (it is config, not a secret). */
    azureEndpoint?: string;
    /** Write-only version of the value, for values the program writes (external values have none). */
    writtenVersion?: number;
}) {
    const { entry } = args;
    const template: Record<string, unknown> = { engineVersion: "v2", metadata: { labels: { ...args.labels } } };
    if (args.azureEndpoint !== undefined) {
        // Merge keeps the fetched keys and adds the literal endpoint file next to them.
        template.mergePolicy = "Merge";
        template.data = { [AZURE_ENDPOINT_FILE]: args.azureEndpoint };
    }
    return {
        apiVersion: EXTERNAL_SECRETS_API_VERSION,
        kind: "ExternalSecret",
        metadata: {
            name: entry.secretName,
            namespace: args.namespace,
            labels: { ...args.labels },
            annotations: { ...WAIT_FOR_READY, ...(args.writtenVersion !== undefined ? { [WRITTEN_VERSION_ANNOTATION]: String(args.writtenVersion) } : {}) },
        },
        spec: {
            refreshInterval: args.refreshInterval,
            refreshPolicy: "Periodic",
            secretStoreRef: { kind: "ClusterSecretStore", name: args.storeName },
            target: {
                name: entry.secretName,
                // Owner: the Secret lives and dies with its ExternalSecret; Retain: if the store entry vanishes,
                // the last good value stays mounted instead of the relayer losing its credentials.
                creationPolicy: "Owner",
                deletionPolicy: "Retain",
                template,
            },
            data: entry.files.map((file) => ({ secretKey: file, remoteRef: { key: entry.storeName, property: file } })),
        },
    };
}
