// Cloudflare Access in front of the backend hostname, as typed resource arguments. Pure: ids of other
// resources come in as Inputs and are only passed through, so tests call these with plain strings.
//
// Two policies, by precedence: relayers (service token, decision non_identity) and, when email domains are
// configured, people (email domain + MFA, known-bad ranges excluded). Access denies whatever no policy allows,
// so there is never an `everyone` include and never a `bypass` decision.
import type * as pulumi from "@pulumi/pulumi";
import type * as cloudflare from "@pulumi/cloudflare";

/** Precedence of the relayers' policy: evaluated first, so a relayer never meets an identity prompt. */
export const RELAYER_POLICY_PRECEDENCE = 1;
/** Precedence of the people policy. */
export const PEOPLE_POLICY_PRECEDENCE = 2;

/** How people prove a second factor. */
export type HumanMfa =
    /** The identity provider reports the `mfa` authentication method (RFC 8176 `amr`). */
    | { kind: "idp" }
    /** Cloudflare itself asks for one of these authenticators. */
    | { kind: "cloudflare"; authenticators: string[] };

export interface PeopleAccess {
    emailDomains: string[];
    mfa: HumanMfa;
    /** CIDR blocks refused even with valid credentials. */
    excludedIpRanges: string[];
}

/** The relayers' Access service token; `version` rotates the client secret. */
export function serviceTokenArgs(input: {
    accountId: string;
    name: string;
    duration: string;
    version: number;
    previousSecretExpiresAt?: string;
}): cloudflare.ZeroTrustAccessServiceTokenArgs {
    return {
        accountId: input.accountId,
        name: input.name,
        duration: input.duration,
        clientSecretVersion: input.version,
        ...(input.previousSecretExpiresAt ? { previousClientSecretExpiresAt: input.previousSecretExpiresAt } : {}),
    };
}

/** Relayers: only requests carrying this one service token match; `non_identity` skips the login page. */
export function relayerPolicyArgs(input: {
    accountId: string;
    name: string;
    serviceTokenId: pulumi.Input<string>;
}): cloudflare.ZeroTrustAccessPolicyArgs {
    return {
        accountId: input.accountId,
        name: input.name,
        decision: "non_identity",
        includes: [{ serviceToken: { tokenId: input.serviceTokenId } }],
    };
}

/** People: any of the email domains, AND a second factor, NOT from an excluded range. */
export function peoplePolicyArgs(input: {
    accountId: string;
    name: string;
    sessionDuration: string;
    people: PeopleAccess;
}): cloudflare.ZeroTrustAccessPolicyArgs {
    const { people } = input;
    if (people.emailDomains.length === 0) {
        // An empty include list would match nobody today but invites someone to "fix" it with everyone.
        throw new Error("people policy needs at least one email domain; fix: set cloudflareEmailDomains");
    }
    const args: cloudflare.ZeroTrustAccessPolicyArgs = {
        accountId: input.accountId,
        name: input.name,
        decision: "allow",
        sessionDuration: input.sessionDuration,
        includes: people.emailDomains.map((domain) => ({ emailDomain: { domain } })),
        excludes: people.excludedIpRanges.map((ip) => ({ ip: { ip } })),
    };
    if (people.mfa.kind === "idp") {
        args.requires = [{ authMethod: { authMethod: "mfa" } }];
    } else {
        args.mfaConfig = { mfaDisabled: false, allowedAuthenticators: people.mfa.authenticators };
    }
    return args;
}

/** The self-hosted application guarding the hostname, with its policies attached by precedence. */
export function accessApplicationArgs(input: {
    accountId: string;
    name: string;
    hostname: string;
    sessionDuration: string;
    policies: { id: pulumi.Input<string>; precedence: number }[];
    allowedIdps: string[];
}): cloudflare.ZeroTrustAccessApplicationArgs {
    const precedences = input.policies.map((p) => p.precedence);
    if (new Set(precedences).size !== precedences.length) {
        throw new Error(`Access policy precedences must be unique, got ${precedences.join(", ")}`);
    }
    return {
        accountId: input.accountId,
        name: input.name,
        type: "self_hosted",
        domain: input.hostname,
        destinations: [{ type: "public", uri: input.hostname }],
        sessionDuration: input.sessionDuration,
        policies: [...input.policies].sort((a, b) => a.precedence - b.precedence),
        // A relayer is a program: a rejected service token must be a 401 it can log, not a login-page redirect.
        serviceAuth401Redirect: true,
        appLauncherVisible: false,
        httpOnlyCookieAttribute: true,
        sameSiteCookieAttribute: "lax",
        ...(input.allowedIdps.length > 0
            ? { allowedIdps: input.allowedIdps, autoRedirectToIdentity: input.allowedIdps.length === 1 }
            : {}),
    };
}

/** The proxied CNAME that sends the hostname into the tunnel (`ttl: 1` = automatic, required when proxied). */
export function tunnelDnsRecordArgs(input: {
    zoneId: string;
    hostname: string;
    target: pulumi.Input<string>;
}): cloudflare.DnsRecordArgs {
    return {
        zoneId: input.zoneId,
        name: input.hostname,
        type: "CNAME",
        content: input.target,
        proxied: true,
        ttl: 1,
        comment: "Consonant relayer backend via Cloudflare Tunnel (managed by Pulumi)",
    };
}
