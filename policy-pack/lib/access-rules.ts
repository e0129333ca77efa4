// Cloudflare Access policy rules (include / require / exclude lists of single-selector objects). The
// selectors fall into two families: those that identify machines (service tokens, mTLS certificates)
// and everything else, which admits people through an identity provider, a network location or no
// check at all (`everyone`).

type Rule = Record<string, unknown>;

// Provider v6 still registers the deprecated pre-"zeroTrust" classes under their own type tokens with the
// same inputs; a stack using them must not slip past the checks.
export const ACCESS_POLICY_TYPES: readonly string[] = ["cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy", "cloudflare:index/accessPolicy:AccessPolicy"];
export const ACCESS_APPLICATION_TYPES: readonly string[] = ["cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "cloudflare:index/accessApplication:AccessApplication"];
export const TUNNEL_CONFIG_TYPES: readonly string[] = ["cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "cloudflare:index/tunnelConfig:TunnelConfig"];

/** Selectors that admit a machine credential rather than a person. */
const NON_IDENTITY_SELECTORS = new Set(["serviceToken", "anyValidServiceToken", "certificate", "commonName"]);

/** Authentication method references (AMR) that prove a second factor. */
export const DEFAULT_MFA_METHODS = ["mfa", "hwk", "swk", "otp"];

export function selectorsOf(rules: unknown): string[] {
    if (!Array.isArray(rules)) return [];
    return rules.flatMap((rule: Rule) => Object.keys(rule ?? {}).filter((key) => rule[key] !== undefined && rule[key] !== null));
}

/** True when any include rule admits people (anything but a machine credential). */
export function admitsPeople(includes: unknown): boolean {
    return selectorsOf(includes).some((selector) => !NON_IDENTITY_SELECTORS.has(selector));
}

/**
 * True when the policy demands a second factor: a require rule with an accepted authentication method
 * (MFA at the identity provider), or Cloudflare's own MFA (`mfaConfig` not disabled, with authenticators).
 */
export function requiresMfa(policy: Record<string, unknown>, acceptedMethods: readonly string[]): boolean {
    const requires = policy["requires"];
    const viaIdentityProvider =
        Array.isArray(requires) &&
        requires.some((rule: Rule) => {
            const authMethod = (rule?.["authMethod"] as { authMethod?: unknown } | undefined)?.authMethod;
            return typeof authMethod === "string" && acceptedMethods.includes(authMethod.toLowerCase());
        });
    const mfaConfig = policy["mfaConfig"] as { mfaDisabled?: unknown; allowedAuthenticators?: unknown } | undefined;
    const viaCloudflare = mfaConfig !== undefined && mfaConfig !== null && mfaConfig.mfaDisabled !== true && Array.isArray(mfaConfig.allowedAuthenticators) && mfaConfig.allowedAuthenticators.length > 0;
    return viaIdentityProvider || viaCloudflare;
}

/**
 * Application types that put Access in front of a hostname. Bookmarks, SaaS and launcher apps only list
 * or federate; they never gate traffic to an origin.
 */
const GATING_TYPES = new Set(["self_hosted", "ssh", "vnc", "rdp", "mcp"]);

/** An Access application's protected hostnames (domain, self-hosted domains, public destinations), lower-cased. */
export function applicationHostnames(props: Record<string, unknown>): string[] {
    const type = props["type"];
    if (type !== undefined && type !== null && !GATING_TYPES.has(String(type))) return [];
    const hosts: string[] = [];
    const add = (value: unknown) => {
        if (typeof value === "string" && value !== "") hosts.push(value.toLowerCase());
    };
    add(props["domain"]);
    const destinations = (props["destinations"] as Rule[] | undefined) ?? [];
    // The provider documents that selfHostedDomains is ignored once destinations are given.
    if (destinations.length === 0) for (const domain of (props["selfHostedDomains"] as unknown[] | undefined) ?? []) add(domain);
    for (const destination of destinations) {
        if (destination?.["type"] === undefined || destination["type"] === "public") add(destination?.["uri"]);
    }
    return hosts;
}
