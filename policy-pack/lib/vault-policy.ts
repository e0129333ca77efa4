// Vault ACL policies, parsed for real: HCL through hcl2-parser (the HCL v2 parser compiled from
// HashiCorp's Go implementation) and JSON through JSON.parse — Vault accepts both syntaxes.
import { parseToObject } from "hcl2-parser";

export interface VaultPathRule {
    path: string;
    capabilities: string[];
}

export type ParsedVaultPolicy = { ok: true; rules: VaultPathRule[] } | { ok: false; problem: string };

/** Capabilities that change data or Vault itself. */
export const WRITE_CAPABILITIES = ["create", "update", "patch", "delete", "sudo"];

/**
 * Vault still honours the legacy `policy = "read" | "write" | "sudo" | "deny"` field (vault/policy.go):
 * "deny" replaces the block's capabilities, the others add theirs, so `policy = "write"` is a write grant.
 */
const LEGACY_POLICY_CAPABILITIES: Record<string, readonly string[]> = {
    read: ["read", "list"],
    write: ["create", "read", "update", "delete", "list"],
    sudo: ["create", "read", "update", "delete", "list", "sudo"],
};

/** The block's effective capabilities, or the problem that makes Vault reject the policy. */
function capabilitiesOf(path: string, body: Record<string, unknown> | null): string[] | { problem: string } {
    const capabilities = body?.["capabilities"];
    const own = Array.isArray(capabilities) ? capabilities.map(String) : [];
    const legacy = body?.["policy"];
    if (legacy === undefined || legacy === null || legacy === "") return own;
    if (legacy === "deny") return ["deny"];
    const added = typeof legacy === "string" ? LEGACY_POLICY_CAPABILITIES[legacy] : undefined;
    if (!added) return { problem: `has an invalid legacy policy "${String(legacy)}" on path "${path}" (Vault rejects the whole document)` };
    return [...new Set([...own, ...added])];
}

function rulesFromPathBlock(pathBlock: unknown): VaultPathRule[] | { problem: string } {
    if (pathBlock === null || typeof pathBlock !== "object" || Array.isArray(pathBlock)) return { problem: "has a `path` section that is not a map of path blocks" };
    const rules: VaultPathRule[] = [];
    for (const [path, bodies] of Object.entries(pathBlock as Record<string, unknown>)) {
        // hcl2-parser yields a list of bodies per label (a path may repeat); JSON gives one object.
        for (const body of Array.isArray(bodies) ? bodies : [bodies]) {
            const capabilities = capabilitiesOf(path, body as Record<string, unknown> | null);
            if (!Array.isArray(capabilities)) return capabilities;
            rules.push({ path, capabilities });
        }
    }
    return rules;
}

export function parseVaultPolicy(text: string): ParsedVaultPolicy {
    const trimmed = text.trim();
    let document: unknown;
    if (trimmed.startsWith("{")) {
        try {
            document = JSON.parse(trimmed);
        } catch {
            return { ok: false, problem: "looks like JSON but does not parse" };
        }
    } else {
        const [parsed, error] = parseToObject(trimmed) as [unknown, unknown];
        if (parsed === null || parsed === undefined) {
            return { ok: false, problem: `is not valid HCL${error && typeof error === "object" && Object.keys(error).length > 0 ? ` (${JSON.stringify(error)})` : ""}` };
        }
        document = parsed;
    }
    const rules = rulesFromPathBlock((document as Record<string, unknown>)["path"] ?? {});
    return Array.isArray(rules) ? { ok: true, rules } : { ok: false, problem: rules.problem };
}

/**
 * Could this ACL path match something under `sys/`? Vault paths allow `+` for one segment and a
 * trailing `*` glob, so `+/x`, `s*` and `sys` all reach into sys/.
 */
export function pathReachesSys(path: string): boolean {
    const clean = path.replace(/^\/+/, "");
    const firstSegment = clean.split("/")[0];
    if (firstSegment === "+") return true;
    if (clean.endsWith("*")) {
        const prefix = clean.slice(0, -1);
        return "sys/".startsWith(prefix) || prefix.startsWith("sys/");
    }
    return clean === "sys" || clean.startsWith("sys/");
}

/** A path that matches every mount: `*`, `+`, `+/*` and the like. */
export function pathMatchesEverything(path: string): boolean {
    const clean = path.replace(/^\/+/, "");
    return clean === "" || clean === "*" || clean === "+" || /^\+(\/\+)*\/?\*?$/.test(clean);
}
