// The edge's stack-config section: every invalid value or combination gets one exact problem naming the key,
// what is wrong and the fix; valid settings narrow to the plan the component builds.
import * as assert from "assert";
import { ConfigProblem, GuardrailContext, problemsFromZod, RawConfig } from "../components/config-values";
import {
    CLOUDFLARE_IP_RANGES,
    edgeGuardrails,
    edgePlanFromSettings,
    EdgeSettings,
    edgeSettingsFixes,
    edgeSettingsSchema,
} from "../components/edge/settings";

const DEV: GuardrailContext = { stack: "dev", productionLike: false, compliance: "none" };
const PROD: GuardrailContext = { stack: "prod", productionLike: true, compliance: "none" };

// Obviously fake identifiers in the shape Cloudflare uses (32 hex characters).
const ACCOUNT = "0123456789abcdef0123456789abcdef";
const ZONE = "fedcba9876543210fedcba9876543210";
const DIGEST = "a".repeat(64);
/** General settings the plan takes from the cluster section. */
const CLUSTER = { monitoringEnabled: true, monitoringNamespace: "monitoring", podSecurityVersion: "v1.32" };

/** A complete, valid enabled edge (people + connector), as raw Pulumi config strings. */
const VALID: Record<string, string> = {
    cloudflareEnabled: "true",
    cloudflareAccountId: ACCOUNT,
    cloudflareZoneId: ZONE,
    cloudflareZoneName: "example.com",
    cloudflareHostname: "relay.example.com",
    cloudflareTeamName: "consonant-test",
    cloudflareOriginService: "http://backend.consonant-backend.svc:8080",
    cloudflareEmailDomains: '["example.com"]',
    cloudflareExcludedIpRanges: '["203.0.113.0/24","2001:db8::/32"]',
    cloudflareConnectorEnabled: "true",
    cloudflareConnectorImage: `cloudflare/cloudflared:2025.11.1@sha256:${DIGEST}`,
};

function parse(raw: RawConfig): { settings?: EdgeSettings; problems: ConfigProblem[] } {
    const result = edgeSettingsSchema.safeParse(raw);
    if (!result.success) return { problems: problemsFromZod(result.error, edgeSettingsFixes) };
    return { settings: result.data, problems: [] };
}

/** All problems (parse, then guardrails), as `config.ts` reports them. */
function problemsOf(raw: RawConfig, ctx: GuardrailContext = DEV): ConfigProblem[] {
    const { settings, problems } = parse(raw);
    return settings ? edgeGuardrails(settings, ctx) : problems;
}

function validSettings(overrides: Record<string, string | undefined> = {}): EdgeSettings {
    const { settings, problems } = parse({ ...VALID, ...overrides });
    assert.deepStrictEqual(problems, []);
    return settings!;
}

describe("edge settings", () => {
    it("defaults to a disabled edge that dev accepts", () => {
        const { settings } = parse({});
        assert.strictEqual(settings!.cloudflareEnabled, false);
        assert.deepStrictEqual(edgeGuardrails(settings!, DEV), []);
        assert.strictEqual(edgePlanFromSettings(settings!, CLUSTER), undefined);
    });

    it("accepts a complete enabled edge on a production-like stack", () => {
        assert.deepStrictEqual(edgeGuardrails(validSettings(), PROD), []);
    });

    it("refuses a disabled edge on a production-like stack unless acknowledged", () => {
        assert.deepStrictEqual(problemsOf({}, PROD), [
            {
                key: "cloudflareEnabled",
                problem: "is false on a production-like stack: the backend would be reached without the Cloudflare Tunnel and Access",
                fix: "run `pulumi config set cloudflareEnabled true` and configure the edge, or acknowledge the risk with `pulumi config set cloudflareDisabledAcknowledged true`",
            },
        ]);
        assert.deepStrictEqual(problemsOf({ cloudflareDisabledAcknowledged: "true" }, PROD), []);
    });

    it("reports every missing required key of an enabled edge (no account id, …)", () => {
        const problems = problemsOf({ cloudflareEnabled: "true" });
        assert.deepStrictEqual(
            problems.map((p) => [p.key, p.problem]),
            [
                ["cloudflareAccountId", "is required when cloudflareEnabled is true"],
                ["cloudflareZoneId", "is required when cloudflareEnabled is true"],
                ["cloudflareZoneName", "is required when cloudflareEnabled is true"],
                ["cloudflareHostname", "is required when cloudflareEnabled is true"],
                ["cloudflareTeamName", "is required when cloudflareEnabled is true"],
                ["cloudflareOriginService", "is required when cloudflareEnabled is true"],
            ],
        );
        assert.strictEqual(
            problems[0].fix,
            "run `pulumi config set cloudflareAccountId <account id>` (dashboard → Account home → Account ID)",
        );
    });

    it("treats an empty account id as missing", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareAccountId: "" }), [
            {
                key: "cloudflareAccountId",
                problem: "is required when cloudflareEnabled is true",
                fix: "run `pulumi config set cloudflareAccountId <account id>` (dashboard → Account home → Account ID)",
            },
        ]);
    });

    it("refuses a hostname outside the zone", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareHostname: "relay.example.org" }), [
            {
                key: "cloudflareHostname",
                problem: "'relay.example.org' is not inside the zone 'example.com'",
                fix: "use a name ending in .example.com (e.g. `pulumi config set cloudflareHostname relay.example.com`), or set cloudflareZoneId/cloudflareZoneName to the zone that holds it",
            },
        ]);
        // A suffix that is not a label boundary is outside too.
        assert.strictEqual(problemsOf({ ...VALID, cloudflareHostname: "relayexample.com" })[0].key, "cloudflareHostname");
        // The apex itself is inside.
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareHostname: "example.com" }), []);
    });

    it("refuses a deployed connector whose origin is outside the cluster with no origin ranges", () => {
        const outside = { ...VALID, cloudflareConnectorEnabled: "true", cloudflareOriginService: "https://backend.internal" };
        assert.deepStrictEqual(problemsOf(outside), [
            {
                key: "cloudflareConnectorOriginCidrs",
                problem:
                    "is required when the connector runs and cloudflareOriginService is outside the cluster (without it the connector's NetworkPolicy would let it reach the origin port on every address, private ranges included)",
                fix: "run `pulumi config set cloudflareConnectorOriginCidrs '[\"10.30.0.0/24\"]'` with the addresses of the origin, or point cloudflareOriginService at an in-cluster Service (http://<svc>.<ns>.svc:<port>)",
            },
        ]);
        assert.deepStrictEqual(problemsOf({ ...outside, cloudflareConnectorOriginCidrs: '["10.30.0.0/24"]' }), []);
        // Without the connector in this cluster the origin's address is not this program's concern.
        assert.deepStrictEqual(problemsOf({ ...outside, cloudflareConnectorEnabled: "false" }), []);
    });

    it("refuses an origin that is not a URL", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareOriginService: "backend:8080" }), [
            {
                key: "cloudflareOriginService",
                problem: "must be an http:// or https:// URL of the origin, e.g. http://backend.consonant.svc:8080",
                fix: "run `pulumi config set cloudflareOriginService http://backend.consonant.svc:8080`",
            },
        ]);
        assert.strictEqual(
            problemsOf({ ...VALID, cloudflareOriginService: "tcp://backend:8080" })[0].problem,
            "must be an http:// or https:// URL of the origin, e.g. http://backend.consonant.svc:8080",
        );
    });

    it("refuses an origin URL with a path (cloudflared rejects it)", () => {
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareOriginService: "http://backend:8080/api" }).map((p) => p.problem),
            ["must be scheme://host[:port] only: cloudflared rejects an origin service with a path, query or credentials"],
        );
    });

    it("refuses a human policy with no MFA", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareHumanMfa: "none" }), [
            {
                key: "cloudflareHumanMfa",
                problem: "is 'none' but cloudflareEmailDomains admits people: every policy that admits people must require MFA",
                fix: "run `pulumi config set cloudflareHumanMfa idp` (identity provider with MFA) or `cloudflare` (Cloudflare-enforced MFA)",
            },
        ]);
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareHumanMfa: "sms" }), [
            {
                key: "cloudflareHumanMfa",
                problem: "must be idp, cloudflare or none",
                fix: "run `pulumi config set cloudflareHumanMfa idp` (or cloudflare)",
            },
        ]);
    });

    it("refuses a service-token duration that is not a duration", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareServiceTokenDuration: "1 year" }), [
            {
                key: "cloudflareServiceTokenDuration",
                problem: "must be a duration such as 30m, 24h or 8760h (units ns, us, ms, s, m, h)",
                fix: "run `pulumi config set cloudflareServiceTokenDuration 8760h`",
            },
        ]);
        // `forever` is Cloudflare's non-expiring token: refused, a token must expire so it gets rotated.
        assert.strictEqual(problemsOf({ ...VALID, cloudflareServiceTokenDuration: "forever" })[0].key, "cloudflareServiceTokenDuration");
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareSessionDuration: "0s" }).map((p) => [p.key, p.problem]),
            [["cloudflareSessionDuration", "must be longer than zero"]],
        );
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareSessionDuration: "2h45m", cloudflareServiceTokenDuration: "720h" }), []);
    });

    it("refuses malformed ids, domains, CIDRs, timestamps and versions with exact messages", () => {
        const problems = problemsOf({
            ...VALID,
            cloudflareAccountId: "my-account",
            cloudflareZoneName: "Example.com.",
            cloudflareEmailDomains: '["@example.com"]',
            cloudflareExcludedIpRanges: '["10.0.0.0/33"]',
            cloudflarePreviousSecretExpiresAt: "tomorrow",
            cloudflareServiceTokenVersion: "0",
            cloudflareAllowedIdps: "not json",
        });
        assert.deepStrictEqual(
            problems.map((p) => [p.key, p.problem]),
            [
                ["cloudflareAccountId", "must be the 32-character hexadecimal Cloudflare account id"],
                ["cloudflareZoneName", "must be a fully qualified lowercase DNS name (the zone, e.g. example.com), without scheme or trailing dot"],
                ["cloudflareServiceTokenVersion", "must be 1 or more"],
                ["cloudflarePreviousSecretExpiresAt", "must be an RFC 3339 UTC timestamp such as 2026-12-31T12:00:00Z"],
                ["cloudflareEmailDomains.0", "must be an email domain such as example.com (no @, lowercase)"],
                ["cloudflareAllowedIdps", 'must be a JSON array of identity provider UUIDs, e.g. ["00000000-0000-4000-8000-000000000000"]'],
                ["cloudflareExcludedIpRanges.0", "must be an IPv4 or IPv6 CIDR block such as 203.0.113.0/24"],
            ],
        );
        assert.strictEqual(problems[4].fix, "run `pulumi config set cloudflareEmailDomains '[\"example.com\"]'`");
    });

    it("refuses excluded IP ranges that would have no effect", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareEmailDomains: "[]" }), [
            {
                key: "cloudflareExcludedIpRanges",
                problem: "has no effect: excluded ranges apply to the people policy, which exists only when cloudflareEmailDomains is set",
                fix: "set cloudflareEmailDomains, or remove the key with `pulumi config rm cloudflareExcludedIpRanges`",
            },
        ]);
    });

    it("checks the connector: replicas, digest-pinned image, namespace, and a tunnel to serve", () => {
        assert.deepStrictEqual(problemsOf({ ...VALID, cloudflareConnectorReplicas: "1" }), [
            {
                key: "cloudflareConnectorReplicas",
                problem: "must be at least 2 so the tunnel survives a node drain or a rollout",
                fix: "run `pulumi config set cloudflareConnectorReplicas 2`",
            },
        ]);
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareConnectorImage: "cloudflare/cloudflared:latest" }).map((p) => [p.key, p.problem]),
            [["cloudflareConnectorImage", "must be an image pinned by digest: <repository>[:tag]@sha256:<64 hex>"]],
        );
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareConnectorImage: undefined }).map((p) => [p.key, p.problem]),
            [["cloudflareConnectorImage", "is required when cloudflareConnectorEnabled is true"]],
        );
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareConnectorNamespace: "Cloudflared" }).map((p) => [p.key, p.problem]),
            [["cloudflareConnectorNamespace", "must be a Kubernetes namespace name (lowercase letters, digits, hyphens)"]],
        );
        assert.deepStrictEqual(
            problemsOf({ ...VALID, cloudflareConnectorOriginPorts: "[0]" }).map((p) => [p.key, p.problem]),
            [["cloudflareConnectorOriginPorts.0", "must be between 1 and 65535"]],
        );
        assert.deepStrictEqual(problemsOf({ cloudflareConnectorEnabled: "true" }), [
            {
                key: "cloudflareConnectorEnabled",
                problem: "is true while cloudflareEnabled is false: there is no tunnel for the connector to run",
                fix: "run `pulumi config set cloudflareEnabled true`, or `pulumi config set cloudflareConnectorEnabled false`",
            },
        ]);
    });

    it("refuses a Cloudflare API token stored in plain text", () => {
        const { settings } = parse({ ...VALID, cloudflareApiToken: "fake-token-for-tests" });
        assert.deepStrictEqual(edgeGuardrails(settings!, DEV), [
            {
                key: "cloudflareApiToken",
                problem: "is stored in plain text in the stack file",
                fix: "run `pulumi config rm cloudflareApiToken`, revoke that token in the Cloudflare dashboard, then `pulumi config set --secret cloudflareApiToken <new token>`",
            },
        ]);
        assert.deepStrictEqual(edgeGuardrails(settings!, DEV, ["cloudflareApiToken"]), []);
    });

    it("narrows valid settings to the plan the component builds", () => {
        assert.deepStrictEqual(edgePlanFromSettings(validSettings({ cloudflareServiceTokenVersion: "3" }), CLUSTER), {
            accountId: ACCOUNT,
            zoneId: ZONE,
            zoneName: "example.com",
            hostname: "relay.example.com",
            teamName: "consonant-test",
            originService: "http://backend.consonant-backend.svc:8080",
            sessionDuration: "24h",
            allowedIdps: [],
            serviceToken: { duration: "8760h", version: 3 },
            people: {
                emailDomains: ["example.com"],
                mfa: { kind: "idp" },
                excludedIpRanges: ["203.0.113.0/24", "2001:db8::/32"],
            },
            connector: {
                namespace: "cloudflared",
                replicas: 2,
                image: `cloudflare/cloudflared:2025.11.1@sha256:${DIGEST}`,
                monitoringNamespace: "monitoring",
                podSecurityVersion: "v1.32",
                egressCidrs: [...CLOUDFLARE_IP_RANGES],
                originPorts: [8080],
                // An in-cluster origin Service: the connector's origin egress names its namespace.
                originDestination: { namespace: "consonant-backend" },
            },
        });
        const cloudflareMfa = edgePlanFromSettings(
            validSettings({ cloudflareHumanMfa: "cloudflare", cloudflareConnectorEnabled: "false", cloudflareEmailDomains: '["example.com","example.org"]' }),
            CLUSTER,
        );
        assert.deepStrictEqual(cloudflareMfa!.people!.mfa, { kind: "cloudflare", authenticators: ["security_key", "biometrics"] });
        assert.strictEqual(cloudflareMfa!.connector, undefined);
        // Without email domains there is no people policy at all.
        assert.strictEqual(edgePlanFromSettings(validSettings({ cloudflareEmailDomains: "[]", cloudflareExcludedIpRanges: "[]" }), CLUSTER)!.people, undefined);
        // Without monitoring, nobody may scrape the connector.
        const unmonitored = edgePlanFromSettings(validSettings(), { ...CLUSTER, monitoringEnabled: false });
        assert.ok(!("monitoringNamespace" in unmonitored!.connector!));
        // An https origin without a port is dialled on 443; outside the cluster only at its configured ranges.
        const external = edgePlanFromSettings(
            validSettings({ cloudflareOriginService: "https://backend.internal", cloudflareConnectorOriginCidrs: '["10.30.0.0/24"]' }),
            CLUSTER,
        )!.connector!;
        assert.deepStrictEqual(external.originPorts, [443]);
        assert.deepStrictEqual(external.originDestination, { cidrs: ["10.30.0.0/24"] });
        // A two-label host may be public (`backend.internal`) or `<svc>.<ns>`: only the .svc forms name a namespace.
        const fqdn = edgePlanFromSettings(validSettings({ cloudflareOriginService: "http://backend.backend-ns.svc.cluster.local:8080" }), CLUSTER)!.connector!;
        assert.deepStrictEqual(fqdn.originDestination, { namespace: "backend-ns" });
        // Configured ranges win over the namespace (the operator knows where the origin's pods are).
        const pinned = edgePlanFromSettings(validSettings({ cloudflareConnectorOriginCidrs: '["10.40.0.0/16"]' }), CLUSTER)!.connector!;
        assert.deepStrictEqual(pinned.originDestination, { cidrs: ["10.40.0.0/16"] });
    });
});
