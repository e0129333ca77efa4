// The Vault ACL policy External Secrets Operator reads the relayer's secrets with, as a typed document.
// Least privilege by construction: one exact path per secret (no globs at all), `read` on its KV v2 `data/` path
// and `read`/`list` on its `metadata/` path (ESO reads metadata to follow versions); nothing under `sys/`, no
// `sudo`, no write capability.
import { policyJson } from "./policy-json";

/** The only capabilities this document can express: the type forbids write, delete, sudo and deny mistakes. */
export type VaultReadCapability = "read" | "list";

/** Vault's JSON policy format: path → capabilities. */
export interface VaultPolicyDocument {
    path: Record<string, { capabilities: VaultReadCapability[] }>;
}

/** The policy granting read access to exactly `storeNames` in the KV v2 mount at `mount`. */
export function buildVaultReadPolicy(mount: string, storeNames: readonly string[]): VaultPolicyDocument {
    const path: VaultPolicyDocument["path"] = {};
    for (const name of [...storeNames].sort()) {
        path[`${mount}/data/${name}`] = { capabilities: ["read"] };
        path[`${mount}/metadata/${name}`] = { capabilities: ["list", "read"] };
    }
    return { path };
}

/** The text Vault stores (`vault policy read` shows it): canonical JSON, identical for identical grants. */
export function serializeVaultPolicy(document: VaultPolicyDocument): string {
    return policyJson(document);
}
