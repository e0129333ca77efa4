// The relayer's secrets and where each one lives: the store entry, the properties in it, the Kubernetes Secret
// External Secrets Operator writes, and who writes the value. Every other module (store resources, Vault and IAM
// policies, ExternalSecrets, plain Secrets in kubernetes mode) derives from this one list, so a secret can never be
// readable by the policy but missing from the store, or synced without being granted.
import { LlmKeySource, LlmProvider } from "./settings";

/**
 * Where the synced Kubernetes Secret lives: beside the relayer, beside the Cloudflare connector, or nowhere in
 * this cluster (`store-only`: the tunnel token kept in the store for a connector run elsewhere).
 */
export type SecretPlacement = "relayer" | "connector" | "store-only";

/** One secret of the relayer, from the store to the mounted files. */
export interface CatalogEntry {
    /** Short role name, also the last path segment in the store, e.g. `cluster-credentials`. */
    role: string;
    /** Full name in the store under the prefix, e.g. `consonant/prod/cluster-credentials`. */
    storeName: string;
    /** Properties of the store entry; each becomes one key of the Kubernetes Secret and one mounted file. */
    files: string[];
    /** `program`: written by Pulumi through a write-only input; `external`: written out-of-band, only referenced. */
    writer: "program" | "external";
    placement: SecretPlacement;
    /** Name of the Kubernetes Secret the workload (or connector) mounts. */
    secretName: string;
}

/** Fixed names: ESO writes these Secrets and the Deployments mount them by name. */
export const CLUSTER_SECRET_NAME = "consonant-relayer-cluster";
export const ACCESS_SECRET_NAME = "consonant-relayer-access";
export const TUNNEL_TOKEN_SECRET_NAME = "cloudflared-tunnel-token";
export const TUNNEL_TOKEN_SECRET_KEY = "token";
/** File with the Azure OpenAI endpoint (not a secret: templated into the Secret, never stored). */
export const AZURE_ENDPOINT_FILE = "azure-openai-endpoint";

export function llmSecretName(provider: LlmProvider): string {
    return `consonant-relayer-llm-${provider}`;
}

export function llmKeyFile(provider: LlmProvider): string {
    return `llm-${provider}-api-key`;
}

/** What the catalog depends on: the prefix and which optional secrets exist. */
export interface CatalogInput {
    prefix: string;
    /** Enabled LLM providers with their key sources, in configured order. */
    llm: readonly { provider: LlmProvider; source: LlmKeySource }[];
    /** The Cloudflare Access service token is handed over by the edge. */
    accessServiceToken: boolean;
    /** The tunnel token: absent, kept in the store only, or also delivered to the connector this program deploys. */
    tunnelToken: "none" | "store-only" | "connector";
}

/** The secrets of one stack, in a stable order. */
export function secretCatalog(input: CatalogInput): CatalogEntry[] {
    const entry = (role: string, files: string[], writer: CatalogEntry["writer"], placement: SecretPlacement, secretName: string): CatalogEntry => ({
        role,
        storeName: `${input.prefix}/${role}`,
        files,
        writer,
        placement,
        secretName,
    });
    const entries: CatalogEntry[] = [entry("cluster-credentials", ["cluster-id", "cluster-token"], "program", "relayer", CLUSTER_SECRET_NAME)];
    if (input.accessServiceToken) {
        entries.push(entry("access-service-token", ["access-client-id", "access-client-secret"], "program", "relayer", ACCESS_SECRET_NAME));
    }
    if (input.tunnelToken !== "none") {
        entries.push(entry("tunnel-token", [TUNNEL_TOKEN_SECRET_KEY], "program", input.tunnelToken, TUNNEL_TOKEN_SECRET_NAME));
    }
    for (const { provider, source } of input.llm) {
        entries.push(entry(`llm-${provider}`, [llmKeyFile(provider)], source === "config" ? "program" : "external", "relayer", llmSecretName(provider)));
    }
    return entries;
}
