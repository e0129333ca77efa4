// Stack-config section of the Cloudflare edge (owned by components/edge): the account and zone, the tunnel's
// public hostname and origin, the Access application and its policies, and the optional cloudflared connector.
//
// Every key is parsed here (shape + fix text) and every rule that involves more than one key, or the stack's
// production status, is a guardrail. `components/config.ts` runs both before any resource exists.
import { z } from "zod";
import { configBoolean, configInteger, configJson, ConfigProblem, GuardrailContext } from "../config-values";
import type { PeopleAccess } from "./access";
import { ConnectorOriginDestination, originPort } from "./connector-manifests";
import { inClusterServiceTarget, isDigestPinned } from "../workload/values";

/** A Go-style duration as Cloudflare's API takes it (`300ms`, `2h45m`, `8760h`): units ns, us, µs, ms, s, m, h. */
const GO_DURATION = /^(?:\d+(?:\.\d+)?(?:ns|us|µs|ms|s|m|h))+$/;

/** A lowercase DNS name with at least two labels (RFC 1123 labels, letters-only top-level label). */
const DNS_NAME = /^(?=.{1,253}$)(?:[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/;

/** Cloudflare account and zone ids are 32 lowercase hex characters. */
const CLOUDFLARE_ID = /^[0-9a-f]{32}$/;

/** An RFC 1123 label: Kubernetes namespace names and Zero Trust team names. */
const K8S_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Cloudflare's published address ranges (https://www.cloudflare.com/ips/). The tunnel edge
 * (region1/region2.v2.argotunnel.com, port 7844) and the API (443) live inside them, so the connector's
 * egress can be pinned to Cloudflare instead of "anywhere".
 */
export const CLOUDFLARE_IP_RANGES: readonly string[] = [
    "173.245.48.0/20",
    "103.21.244.0/22",
    "103.22.200.0/22",
    "103.31.4.0/22",
    "141.101.64.0/18",
    "108.162.192.0/18",
    "190.93.240.0/20",
    "188.114.96.0/20",
    "197.234.240.0/22",
    "198.41.128.0/17",
    "162.158.0.0/15",
    "104.16.0.0/13",
    "104.24.0.0/14",
    "172.64.0.0/13",
    "131.0.72.0/22",
    "2400:cb00::/32",
    "2606:4700::/32",
    "2803:f800::/32",
    "2405:b500::/32",
    "2405:8100::/32",
    "2a06:98c0::/29",
    "2c0f:f248::/32",
];

/** Authenticators Cloudflare-enforced MFA accepts (API values). */
export const MFA_AUTHENTICATORS = ["security_key", "biometrics", "totp"] as const;

const optionalText = <T extends z.ZodType>(schema: T) =>
    z.preprocess((v) => (typeof v === "string" && v.trim() === "" ? undefined : v), schema.optional());

const cloudflareId = (what: string) =>
    optionalText(z.string().regex(CLOUDFLARE_ID, { error: `must be the 32-character hexadecimal ${what}` }));

const dnsName = (what: string) =>
    optionalText(
        z
            .string()
            .regex(DNS_NAME, { error: `must be a fully qualified lowercase DNS name (${what}), without scheme or trailing dot` }),
    );

const duration = z
    .string()
    .regex(GO_DURATION, { error: "must be a duration such as 30m, 24h or 8760h (units ns, us, ms, s, m, h)", abort: true })
    .refine((v) => /[1-9]/.test(v), { error: "must be longer than zero" });

/** `http(s)://host[:port]` with no path, query or credentials: cloudflared refuses a service with a path. */
const originService = z
    .url({
        protocol: /^https?$/,
        error: "must be an http:// or https:// URL of the origin, e.g. http://backend.consonant.svc:8080",
        // Stop here for a non-URL so the operator sees one problem, not a second one about its "path".
        abort: true,
    })
    .refine(
        (v) => {
            const u = new URL(v);
            return (u.pathname === "/" || u.pathname === "") && u.search === "" && u.hash === "" && u.username === "" && u.password === "";
        },
        { error: "must be scheme://host[:port] only: cloudflared rejects an origin service with a path, query or credentials" },
    );

const cidrList = configJson(
    z.array(
        z.union([z.cidrv4(), z.cidrv6()], { error: "must be an IPv4 or IPv6 CIDR block such as 203.0.113.0/24" }),
        { error: 'must be a JSON array of CIDR blocks, e.g. ["203.0.113.0/24"]' },
    ),
);

/** Flat Pulumi config keys of this section → parsers of their raw string values. */
export const edgeSettingsShape = {
    /** Publish the backend through a Cloudflare Tunnel guarded by Cloudflare Access. */
    cloudflareEnabled: configBoolean.default(false),
    /** Explicit acknowledgement that a production-like stack runs without the Cloudflare edge. */
    cloudflareDisabledAcknowledged: configBoolean.default(false),
    /** API token of the Cloudflare provider, set with `--secret` (unset: the CLOUDFLARE_API_TOKEN variable). */
    cloudflareApiToken: optionalText(z.string()),
    /** Cloudflare account that owns the tunnel, the Access application and the service token. */
    cloudflareAccountId: cloudflareId("Cloudflare account id"),
    /** Zone that holds the backend hostname's DNS record. */
    cloudflareZoneId: cloudflareId("Cloudflare zone id"),
    /** Name of that zone, e.g. `example.com`: the hostname must lie inside it. */
    cloudflareZoneName: dnsName("the zone, e.g. example.com"),
    /** Public hostname of the backend, e.g. `relay.example.com`. */
    cloudflareHostname: dnsName("the backend hostname, e.g. relay.example.com"),
    /** Zero Trust team name (`<team>.cloudflareaccess.com`): cloudflared validates Access tokens against it. */
    cloudflareTeamName: optionalText(
        z.string().regex(K8S_LABEL, { error: "must be the Zero Trust team name: lowercase letters, digits and hyphens" }),
    ),
    /** Where the tunnel delivers requests for the hostname: `http(s)://host[:port]`. */
    cloudflareOriginService: optionalText(originService),
    /** How long an Access session (for a relayer or a person) lasts before re-authentication. */
    cloudflareSessionDuration: duration.default("24h"),
    /** How long the relayers' service token is valid (Cloudflare's default is one year). */
    cloudflareServiceTokenDuration: duration.default("8760h"),
    /** Incrementing this rotates the service token's client secret (`clientSecretVersion`). */
    cloudflareServiceTokenVersion: configInteger.pipe(z.number().min(1, { error: "must be 1 or more" })).default(1),
    /** After a rotation, until when the previous client secret is still accepted (RFC 3339 UTC). */
    cloudflarePreviousSecretExpiresAt: optionalText(
        z.iso.datetime({ error: "must be an RFC 3339 UTC timestamp such as 2026-12-31T12:00:00Z" }),
    ),
    /** Email domains whose people may reach the backend (empty: no human policy, relayers only). */
    cloudflareEmailDomains: configJson(
        z.array(
            z.string().regex(DNS_NAME, { error: "must be an email domain such as example.com (no @, lowercase)" }),
            { error: 'must be a JSON array of email domains, e.g. ["example.com"]' },
        ),
    ).default([]),
    /** How people prove MFA: `idp` (the identity provider reports the `mfa` method) or `cloudflare`. */
    cloudflareHumanMfa: z
        .enum(["idp", "cloudflare", "none"], { error: "must be idp, cloudflare or none" })
        .default("idp"),
    /** Authenticators accepted when `cloudflareHumanMfa` is `cloudflare`. */
    cloudflareMfaAuthenticators: configJson(
        z
            .array(z.enum(MFA_AUTHENTICATORS, { error: `must be one of ${MFA_AUTHENTICATORS.join(", ")}` }), {
                error: 'must be a JSON array such as ["security_key","biometrics"]',
            })
            .min(1, { error: "must list at least one authenticator" }),
    ).default(["security_key", "biometrics"]),
    /** Identity provider ids people may log in with (empty: every IdP of the account). */
    cloudflareAllowedIdps: configJson(
        z.array(z.uuid({ error: "must be an identity provider UUID" }), {
            error: 'must be a JSON array of identity provider UUIDs, e.g. ["00000000-0000-4000-8000-000000000000"]',
        }),
    ).default([]),
    /** Source address ranges refused to people even with valid credentials (known-bad networks). */
    cloudflareExcludedIpRanges: cidrList.default([]),
    /** Deploy the tunnel's connector (`cloudflared`) into the cluster with this program. */
    cloudflareConnectorEnabled: configBoolean.default(false),
    /** Namespace of the connector (created by this program, restricted Pod Security). */
    cloudflareConnectorNamespace: z
        .string()
        .regex(K8S_LABEL, { error: "must be a Kubernetes namespace name (lowercase letters, digits, hyphens)" })
        .default("cloudflared"),
    /** Connector replicas: two or more, so a node drain or a rollout never drops the tunnel. */
    cloudflareConnectorReplicas: configInteger
        .pipe(z.number().min(2, { error: "must be at least 2 so the tunnel survives a node drain or a rollout" }))
        .default(2),
    /** cloudflared image pinned by digest, e.g. `cloudflare/cloudflared:2025.11.1@sha256:<64 hex>`. */
    cloudflareConnectorImage: optionalText(
        z.string().refine(isDigestPinned, { error: "must be an image pinned by digest: <repository>[:tag]@sha256:<64 hex>" }),
    ),
    /** Origin ports the connector may dial, as the pod sees them (empty: the port of cloudflareOriginService). */
    cloudflareConnectorOriginPorts: configJson(
        z.array(
            z.number({ error: "must be a port number" }).int({ error: "must be a port number" }).min(1, { error: "must be between 1 and 65535" }).max(65535, { error: "must be between 1 and 65535" }),
            { error: "must be a JSON array of port numbers, e.g. [8080]" },
        ),
    ).default([]),
    /**
     * Address ranges of an origin outside the cluster (the connector's NetworkPolicy may reach the origin ports only
     * there). Required when the connector runs and the origin is not an in-cluster `<svc>.<ns>.svc` Service.
     */
    cloudflareConnectorOriginCidrs: cidrList.default([]),
    /** Address ranges the connector may dial on 7844 (tunnel) and 443 (API): Cloudflare's published ranges. */
    cloudflareConnectorEgressCidrs: cidrList
        .pipe(z.array(z.string()).min(1, { error: "must list at least one range (default: Cloudflare's published ranges)" }))
        .default([...CLOUDFLARE_IP_RANGES]),
};

export const edgeSettingsSchema = z.object(edgeSettingsShape);
export type EdgeSettings = z.infer<typeof edgeSettingsSchema>;

const set = (key: string, example: string) => `run \`pulumi config set ${key} ${example}\``;

/** Fix text per key, used when a value fails its parser. */
export const edgeSettingsFixes: Readonly<Record<string, string>> = {
    cloudflareEnabled: "run `pulumi config set cloudflareEnabled true` (or false)",
    cloudflareDisabledAcknowledged:
        "run `pulumi config set cloudflareDisabledAcknowledged true` only if this stack deliberately runs without Cloudflare",
    cloudflareApiToken:
        "run `pulumi config set --secret cloudflareApiToken <token>` (permissions: Account Cloudflare Tunnel Edit, Access: Apps and Policies Edit, Access: Service Tokens Edit; Zone DNS Edit)",
    cloudflareAccountId: `${set("cloudflareAccountId", "<account id>")} (dashboard → Account home → Account ID)`,
    cloudflareZoneId: `${set("cloudflareZoneId", "<zone id>")} (dashboard → your zone → Overview → Zone ID)`,
    cloudflareZoneName: set("cloudflareZoneName", "example.com"),
    cloudflareHostname: set("cloudflareHostname", "relay.example.com"),
    cloudflareTeamName: `${set("cloudflareTeamName", "<team>")} (Zero Trust → Settings → Custom pages: <team>.cloudflareaccess.com)`,
    cloudflareOriginService: set("cloudflareOriginService", "http://backend.consonant.svc:8080"),
    cloudflareSessionDuration: set("cloudflareSessionDuration", "24h"),
    cloudflareServiceTokenDuration: set("cloudflareServiceTokenDuration", "8760h"),
    cloudflareServiceTokenVersion: "set it to the current version + 1 to rotate: `pulumi config set cloudflareServiceTokenVersion 2`",
    cloudflarePreviousSecretExpiresAt: set("cloudflarePreviousSecretExpiresAt", "2026-12-31T12:00:00Z"),
    cloudflareEmailDomains: `run \`pulumi config set cloudflareEmailDomains '["example.com"]'\``,
    cloudflareHumanMfa: set("cloudflareHumanMfa", "idp") + " (or cloudflare)",
    cloudflareMfaAuthenticators: `run \`pulumi config set cloudflareMfaAuthenticators '["security_key","biometrics"]'\``,
    cloudflareAllowedIdps: `run \`pulumi config set cloudflareAllowedIdps '["<identity provider uuid>"]'\``,
    cloudflareExcludedIpRanges: `run \`pulumi config set cloudflareExcludedIpRanges '["203.0.113.0/24"]'\``,
    cloudflareConnectorEnabled: "run `pulumi config set cloudflareConnectorEnabled true` (or false)",
    cloudflareConnectorNamespace: set("cloudflareConnectorNamespace", "cloudflared"),
    cloudflareConnectorReplicas: set("cloudflareConnectorReplicas", "2"),
    cloudflareConnectorImage: set("cloudflareConnectorImage", "cloudflare/cloudflared:<version>@sha256:<digest>") +
        " (find the digest with `docker buildx imagetools inspect cloudflare/cloudflared:<version>`)",
    cloudflareConnectorOriginPorts:
        "run `pulumi config set cloudflareConnectorOriginPorts '[8080]'` with the origin pod's port (a Service's targetPort), or remove the key",
    cloudflareConnectorOriginCidrs:
        "run `pulumi config set cloudflareConnectorOriginCidrs '[\"10.30.0.0/24\"]'` with the addresses of the origin, or point cloudflareOriginService at an in-cluster Service (http://<svc>.<ns>.svc:<port>)",
    cloudflareConnectorEgressCidrs: "remove the key to use Cloudflare's published ranges, or `pulumi config set cloudflareConnectorEgressCidrs '[\"198.41.128.0/17\"]'`",
};

/** Keys that must be set whenever the edge is enabled. */
const REQUIRED_WHEN_ENABLED = [
    "cloudflareAccountId",
    "cloudflareZoneId",
    "cloudflareZoneName",
    "cloudflareHostname",
    "cloudflareTeamName",
    "cloudflareOriginService",
] as const;

/** True when `hostname` is the zone apex or a name below it. */
export function isInZone(hostname: string, zoneName: string): boolean {
    return hostname === zoneName || hostname.endsWith(`.${zoneName}`);
}

/** Cross-field rules and production guardrails of this section. */
export function edgeGuardrails(s: EdgeSettings, ctx: GuardrailContext, secretKeys: readonly string[] = []): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (s.cloudflareApiToken !== undefined && !secretKeys.includes("cloudflareApiToken")) {
        problems.push({
            key: "cloudflareApiToken",
            problem: "is stored in plain text in the stack file",
            fix: "run `pulumi config rm cloudflareApiToken`, revoke that token in the Cloudflare dashboard, then `pulumi config set --secret cloudflareApiToken <new token>`",
        });
    }
    if (!s.cloudflareEnabled) {
        if (ctx.productionLike && !s.cloudflareDisabledAcknowledged) {
            problems.push({
                key: "cloudflareEnabled",
                problem:
                    "is false on a production-like stack: the backend would be reached without the Cloudflare Tunnel and Access",
                fix: "run `pulumi config set cloudflareEnabled true` and configure the edge, or acknowledge the risk with `pulumi config set cloudflareDisabledAcknowledged true`",
            });
        }
        if (s.cloudflareConnectorEnabled) {
            problems.push({
                key: "cloudflareConnectorEnabled",
                problem: "is true while cloudflareEnabled is false: there is no tunnel for the connector to run",
                fix: "run `pulumi config set cloudflareEnabled true`, or `pulumi config set cloudflareConnectorEnabled false`",
            });
        }
        return problems;
    }

    for (const key of REQUIRED_WHEN_ENABLED) {
        if (s[key] === undefined) {
            problems.push({ key, problem: "is required when cloudflareEnabled is true", fix: edgeSettingsFixes[key] });
        }
    }
    if (s.cloudflareHostname !== undefined && s.cloudflareZoneName !== undefined && !isInZone(s.cloudflareHostname, s.cloudflareZoneName)) {
        problems.push({
            key: "cloudflareHostname",
            problem: `'${s.cloudflareHostname}' is not inside the zone '${s.cloudflareZoneName}'`,
            fix: `use a name ending in .${s.cloudflareZoneName} (e.g. \`pulumi config set cloudflareHostname relay.${s.cloudflareZoneName}\`), or set cloudflareZoneId/cloudflareZoneName to the zone that holds it`,
        });
    }

    const admitsPeople = s.cloudflareEmailDomains.length > 0;
    if (admitsPeople && s.cloudflareHumanMfa === "none") {
        problems.push({
            key: "cloudflareHumanMfa",
            problem: "is 'none' but cloudflareEmailDomains admits people: every policy that admits people must require MFA",
            fix: "run `pulumi config set cloudflareHumanMfa idp` (identity provider with MFA) or `cloudflare` (Cloudflare-enforced MFA)",
        });
    }
    if (!admitsPeople && s.cloudflareExcludedIpRanges.length > 0) {
        problems.push({
            key: "cloudflareExcludedIpRanges",
            problem: "has no effect: excluded ranges apply to the people policy, which exists only when cloudflareEmailDomains is set",
            fix: "set cloudflareEmailDomains, or remove the key with `pulumi config rm cloudflareExcludedIpRanges`",
        });
    }

    if (
        s.cloudflareConnectorEnabled &&
        s.cloudflareOriginService !== undefined &&
        s.cloudflareConnectorOriginCidrs.length === 0 &&
        inClusterOriginNamespace(s.cloudflareOriginService) === undefined
    ) {
        problems.push({
            key: "cloudflareConnectorOriginCidrs",
            problem:
                "is required when the connector runs and cloudflareOriginService is outside the cluster (without it the connector's NetworkPolicy would let it reach the origin port on every address, private ranges included)",
            fix: edgeSettingsFixes.cloudflareConnectorOriginCidrs,
        });
    }
    if (s.cloudflareConnectorEnabled && s.cloudflareConnectorImage === undefined) {
        problems.push({
            key: "cloudflareConnectorImage",
            problem: "is required when cloudflareConnectorEnabled is true",
            fix: edgeSettingsFixes.cloudflareConnectorImage,
        });
    }
    return problems;
}

/** The edge as the program builds it: only present when enabled, every required value resolved. */
export interface EdgePlan {
    accountId: string;
    zoneId: string;
    zoneName: string;
    hostname: string;
    teamName: string;
    originService: string;
    sessionDuration: string;
    serviceToken: { duration: string; version: number; previousSecretExpiresAt?: string };
    /** Identity providers people may use (empty: every IdP of the account). */
    allowedIdps: string[];
    /** Present when email domains are configured. */
    people?: PeopleAccess;
    connector?: ConnectorPlan;
}

/** The in-cluster cloudflared connector, when this program deploys it. */
export interface ConnectorPlan {
    /** Namespace created for the connector (fixed name: the secret store writes the token Secret into it). */
    namespace: string;
    /** Two or more replicas. */
    replicas: number;
    /** cloudflared image pinned by digest. */
    image: string;
    /** The cluster's Prometheus namespace (`monitoringNamespace`), present when `monitoringEnabled`. */
    monitoringNamespace?: string;
    /** Pinned Pod Security Admission version (general setting `podSecurityVersion`). */
    podSecurityVersion: string;
    /** Ranges the connector may dial on 7844 and 443. */
    egressCidrs: string[];
    /** Ports the connector may dial the origin on (never empty). */
    originPorts: number[];
    /** Where the connector may dial the origin ports: the in-cluster origin's namespace, or the origin's ranges. */
    originDestination: ConnectorOriginDestination;
}

/**
 * Narrows validated settings to what the edge component needs, or undefined when the edge is off.
 * Call only after `edgeGuardrails` reported nothing (config.ts does): a missing required value here is a bug.
 */
export function edgePlanFromSettings(
    s: EdgeSettings,
    cluster: { monitoringEnabled: boolean; monitoringNamespace: string; podSecurityVersion: string },
): EdgePlan | undefined {
    if (!s.cloudflareEnabled) return undefined;
    const required = <K extends (typeof REQUIRED_WHEN_ENABLED)[number]>(key: K): string => {
        const value = s[key];
        if (value === undefined) throw new Error(`edge settings: ${key} is missing although the guardrails passed`);
        return value;
    };
    const plan: EdgePlan = {
        accountId: required("cloudflareAccountId"),
        zoneId: required("cloudflareZoneId"),
        zoneName: required("cloudflareZoneName"),
        hostname: required("cloudflareHostname"),
        teamName: required("cloudflareTeamName"),
        originService: required("cloudflareOriginService"),
        sessionDuration: s.cloudflareSessionDuration,
        allowedIdps: s.cloudflareAllowedIdps,
        serviceToken: {
            duration: s.cloudflareServiceTokenDuration,
            version: s.cloudflareServiceTokenVersion,
            ...(s.cloudflarePreviousSecretExpiresAt ? { previousSecretExpiresAt: s.cloudflarePreviousSecretExpiresAt } : {}),
        },
    };
    if (s.cloudflareEmailDomains.length > 0) {
        plan.people = {
            emailDomains: s.cloudflareEmailDomains,
            mfa:
                s.cloudflareHumanMfa === "cloudflare"
                    ? { kind: "cloudflare", authenticators: s.cloudflareMfaAuthenticators }
                    : { kind: "idp" },
            excludedIpRanges: s.cloudflareExcludedIpRanges,
        };
    }
    if (s.cloudflareConnectorEnabled) {
        const image = s.cloudflareConnectorImage;
        if (image === undefined) throw new Error("edge settings: cloudflareConnectorImage is missing although the guardrails passed");
        plan.connector = {
            namespace: s.cloudflareConnectorNamespace,
            replicas: s.cloudflareConnectorReplicas,
            image,
            ...(cluster.monitoringEnabled ? { monitoringNamespace: cluster.monitoringNamespace } : {}),
            podSecurityVersion: cluster.podSecurityVersion,
            egressCidrs: s.cloudflareConnectorEgressCidrs,
            originPorts:
                s.cloudflareConnectorOriginPorts.length > 0 ? s.cloudflareConnectorOriginPorts : [originPort(plan.originService)],
            originDestination: connectorOriginDestination(plan.originService, s.cloudflareConnectorOriginCidrs),
        };
    }
    return plan;
}

/**
 * The namespace of an origin that is unmistakably an in-cluster Service (`<svc>.<ns>.svc[.cluster.local]`), else
 * undefined. A two-label host (`backend.internal`) could be a public name too, so it is not read as `<svc>.<ns>`.
 */
function inClusterOriginNamespace(originService: string): string | undefined {
    if (!URL.canParse(originService) || !/\.svc(\.cluster\.local)?$/.test(new URL(originService).hostname)) return undefined;
    return inClusterServiceTarget(originService)?.namespace;
}

/** Configured origin ranges win (the operator knows the addresses); else the in-cluster origin's namespace. */
function connectorOriginDestination(originService: string, originCidrs: readonly string[]): ConnectorOriginDestination {
    if (originCidrs.length > 0) return { cidrs: [...originCidrs] };
    const namespace = inClusterOriginNamespace(originService);
    if (namespace === undefined) throw new Error("edge settings: cloudflareConnectorOriginCidrs is missing although the guardrails passed");
    return { namespace };
}
