// The edge's pure builders: tunnel ingress, CNAME target, Access documents and the connector's specs.
import * as assert from "assert";
import {
    accessApplicationArgs,
    PEOPLE_POLICY_PRECEDENCE,
    peoplePolicyArgs,
    RELAYER_POLICY_PRECEDENCE,
    relayerPolicyArgs,
    serviceTokenArgs,
    tunnelDnsRecordArgs,
} from "../components/edge/access";
import {
    connectorArgs,
    connectorDeploymentSpec,
    connectorNetworkPolicySpec,
    connectorPdbSpec,
    connectorSelector,
    originPort,
} from "../components/edge/connector-manifests";
import type { IContainer } from "kubernetes-models/v1/Container";
import type { IPodSpec } from "kubernetes-models/v1/PodSpec";
import { kubeDnsEgressRule } from "../components/workload/network-policy";
import { relayerTopologySpread } from "../components/workload/scheduling";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/workload/security";
import { serviceTokenVersion, tunnelTokenVersion } from "../components/edge/rotation";
import { buildTunnelConfig, CATCH_ALL_SERVICE, tunnelCnameTarget } from "../components/edge/tunnel-config";

const ACCOUNT = "0123456789abcdef0123456789abcdef";

describe("edge builders", () => {
    describe("tunnel configuration", () => {
        it("routes exactly the hostname to the origin behind Access, and 404s everything else last", () => {
            assert.deepStrictEqual(
                buildTunnelConfig({
                    hostname: "relay.example.com",
                    originService: "http://backend.consonant-backend.svc:8080",
                    accessAudTag: "aud-tag-of-the-application",
                    teamName: "consonant-test",
                }),
                {
                    ingresses: [
                        {
                            hostname: "relay.example.com",
                            service: "http://backend.consonant-backend.svc:8080",
                            originRequest: {
                                access: { required: true, teamName: "consonant-test", audTags: ["aud-tag-of-the-application"] },
                            },
                        },
                        { service: "http_status:404" },
                    ],
                },
            );
            assert.strictEqual(CATCH_ALL_SERVICE, "http_status:404");
        });

        it("points the CNAME at <tunnel id>.cfargotunnel.com and refuses ids that are not one label", () => {
            assert.strictEqual(tunnelCnameTarget("c1744f8b-faa1-48a4-9e5c-02ac921467fa"), "c1744f8b-faa1-48a4-9e5c-02ac921467fa.cfargotunnel.com");
            assert.throws(() => tunnelCnameTarget("evil.example.com"), /is not a single DNS label; fix: pass the tunnel's UUID/);
            assert.throws(() => tunnelCnameTarget(""), /is not a single DNS label/);
        });

        it("derives credential versions that change exactly when the credential does", () => {
            const tunnel = tunnelTokenVersion("c1744f8b-faa1-48a4-9e5c-02ac921467fa");
            assert.strictEqual(tunnel, tunnelTokenVersion("c1744f8b-faa1-48a4-9e5c-02ac921467fa"));
            assert.notStrictEqual(tunnel, tunnelTokenVersion("0f3d8e52-7d6b-4f7e-9a8c-2b1d7c3e4f5a"));
            const token = serviceTokenVersion("token-a", 1);
            assert.strictEqual(token, serviceTokenVersion("token-a", 1));
            assert.notStrictEqual(token, serviceTokenVersion("token-a", 2), "a rotation must rewrite the store");
            assert.notStrictEqual(token, serviceTokenVersion("token-b", 1), "a replacement must rewrite the store");
            for (const v of [tunnel, token]) assert.ok(Number.isSafeInteger(v) && v >= 0);
        });

        it("makes the CNAME proxied with automatic TTL", () => {
            assert.deepStrictEqual(tunnelDnsRecordArgs({ zoneId: "zone", hostname: "relay.example.com", target: "t.cfargotunnel.com" }), {
                zoneId: "zone",
                name: "relay.example.com",
                type: "CNAME",
                content: "t.cfargotunnel.com",
                proxied: true,
                ttl: 1,
                comment: "Consonant relayer backend via Cloudflare Tunnel (managed by Pulumi)",
            });
        });
    });

    describe("Access", () => {
        it("admits relayers with the one service token only, decision non_identity", () => {
            assert.deepStrictEqual(relayerPolicyArgs({ accountId: ACCOUNT, name: "relayers", serviceTokenId: "token-id" }), {
                accountId: ACCOUNT,
                name: "relayers",
                decision: "non_identity",
                includes: [{ serviceToken: { tokenId: "token-id" } }],
            });
        });

        it("admits people by email domain only with the IdP's mfa method, excluding the bad ranges", () => {
            assert.deepStrictEqual(
                peoplePolicyArgs({
                    accountId: ACCOUNT,
                    name: "people",
                    sessionDuration: "12h",
                    people: { emailDomains: ["example.com", "example.org"], mfa: { kind: "idp" }, excludedIpRanges: ["203.0.113.0/24"] },
                }),
                {
                    accountId: ACCOUNT,
                    name: "people",
                    decision: "allow",
                    sessionDuration: "12h",
                    includes: [{ emailDomain: { domain: "example.com" } }, { emailDomain: { domain: "example.org" } }],
                    excludes: [{ ip: { ip: "203.0.113.0/24" } }],
                    requires: [{ authMethod: { authMethod: "mfa" } }],
                },
            );
        });

        it("uses Cloudflare-enforced MFA when configured, never disabled", () => {
            const policy = peoplePolicyArgs({
                accountId: ACCOUNT,
                name: "people",
                sessionDuration: "12h",
                people: { emailDomains: ["example.com"], mfa: { kind: "cloudflare", authenticators: ["security_key"] }, excludedIpRanges: [] },
            });
            assert.deepStrictEqual(policy.mfaConfig, { mfaDisabled: false, allowedAuthenticators: ["security_key"] });
            assert.strictEqual(policy.requires, undefined);
        });

        it("refuses a people policy without email domains", () => {
            assert.throws(
                () =>
                    peoplePolicyArgs({
                        accountId: ACCOUNT,
                        name: "people",
                        sessionDuration: "12h",
                        people: { emailDomains: [], mfa: { kind: "idp" }, excludedIpRanges: [] },
                    }),
                /people policy needs at least one email domain; fix: set cloudflareEmailDomains/,
            );
        });

        it("builds a self-hosted application with policies ordered by precedence", () => {
            const app = accessApplicationArgs({
                accountId: ACCOUNT,
                name: "consonant-relayer-prod",
                hostname: "relay.example.com",
                sessionDuration: "24h",
                policies: [
                    { id: "people-id", precedence: PEOPLE_POLICY_PRECEDENCE },
                    { id: "relayer-id", precedence: RELAYER_POLICY_PRECEDENCE },
                ],
                allowedIdps: ["00000000-0000-4000-8000-000000000001"],
            });
            assert.deepStrictEqual(app, {
                accountId: ACCOUNT,
                name: "consonant-relayer-prod",
                type: "self_hosted",
                domain: "relay.example.com",
                destinations: [{ type: "public", uri: "relay.example.com" }],
                sessionDuration: "24h",
                policies: [
                    { id: "relayer-id", precedence: 1 },
                    { id: "people-id", precedence: 2 },
                ],
                serviceAuth401Redirect: true,
                appLauncherVisible: false,
                httpOnlyCookieAttribute: true,
                sameSiteCookieAttribute: "lax",
                allowedIdps: ["00000000-0000-4000-8000-000000000001"],
                autoRedirectToIdentity: true,
            });
            assert.throws(
                () =>
                    accessApplicationArgs({
                        accountId: ACCOUNT,
                        name: "x",
                        hostname: "relay.example.com",
                        sessionDuration: "24h",
                        policies: [
                            { id: "a", precedence: 1 },
                            { id: "b", precedence: 1 },
                        ],
                        allowedIdps: [],
                    }),
                /Access policy precedences must be unique, got 1, 1/,
            );
        });

        it("rotates the service token through clientSecretVersion", () => {
            assert.deepStrictEqual(
                serviceTokenArgs({ accountId: ACCOUNT, name: "relayers", duration: "8760h", version: 2, previousSecretExpiresAt: "2026-12-31T12:00:00Z" }),
                {
                    accountId: ACCOUNT,
                    name: "relayers",
                    duration: "8760h",
                    clientSecretVersion: 2,
                    previousClientSecretExpiresAt: "2026-12-31T12:00:00Z",
                },
            );
            assert.ok(!("previousClientSecretExpiresAt" in serviceTokenArgs({ accountId: ACCOUNT, name: "r", duration: "1h", version: 1 })));
        });
    });

    describe("connector", () => {
        const image = `cloudflare/cloudflared:2025.11.1@sha256:${"a".repeat(64)}`;

        it("runs a remotely managed tunnel over QUIC, without auto-update, token from the mounted file", () => {
            assert.deepStrictEqual(connectorArgs(), [
                "tunnel",
                "--no-autoupdate",
                "--protocol",
                "quic",
                "--metrics",
                "0.0.0.0:2000",
                "--loglevel",
                "info",
                "run",
                "--token-file",
                "/etc/cloudflared/token/token",
            ]);
        });

        it("builds a Deployment with probes on /ready, the token Secret mounted read-only and the relayer's hardening", () => {
            const spec = connectorDeploymentSpec({ instance: "edge-connector", replicas: 3, image, serviceAccountName: "sa" });
            assert.strictEqual(spec.replicas, 3);
            const pod = (spec.template as { spec: IPodSpec }).spec;
            const container = pod.containers[0] as IContainer & Record<string, unknown>;
            assert.strictEqual(pod.automountServiceAccountToken, false);
            // The very contexts and spread of the relayer (one definition, components/workload).
            assert.deepStrictEqual(pod.securityContext, restrictedPodSecurityContext());
            assert.deepStrictEqual(pod.topologySpreadConstraints, relayerTopologySpread(connectorSelector("edge-connector")));
            assert.strictEqual(container.image, image);
            assert.deepStrictEqual(container.securityContext, restrictedContainerSecurityContext());
            for (const probe of ["startupProbe", "readinessProbe", "livenessProbe"]) {
                assert.deepStrictEqual((container[probe] as { httpGet: unknown }).httpGet, { path: "/ready", port: "metrics" }, probe);
            }
            assert.deepStrictEqual(container.ports, [{ name: "metrics", containerPort: 2000, protocol: "TCP" }]);
            assert.deepStrictEqual(container.volumeMounts, [{ name: "tunnel-token", mountPath: "/etc/cloudflared/token", readOnly: true }]);
            assert.deepStrictEqual(pod.volumes![0].secret, {
                secretName: "cloudflared-tunnel-token",
                items: [{ key: "token", path: "token" }],
                defaultMode: 0o440,
            });
            assert.ok(!("env" in container), "the token must never be an environment variable");
            assert.deepStrictEqual(spec.strategy, { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } });
        });

        it("allows only metrics in from monitoring, and DNS, the Cloudflare edge and the origin out", () => {
            const spec = connectorNetworkPolicySpec({
                instance: "edge-connector",
                egressCidrs: ["198.41.128.0/17", "2606:4700::/32"],
                originPorts: [8080],
                originDestination: { cidrs: ["10.30.0.0/24"] },
                monitoringNamespace: "monitoring",
            });
            assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepStrictEqual(spec.ingress, [
                {
                    from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }],
                    ports: [{ protocol: "TCP", port: 2000 }],
                },
            ]);
            assert.deepStrictEqual(spec.egress, [
                {
                    to: [
                        {
                            namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } },
                            podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
                        },
                    ],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                {
                    to: [{ ipBlock: { cidr: "198.41.128.0/17" } }, { ipBlock: { cidr: "2606:4700::/32" } }],
                    ports: [
                        { protocol: "UDP", port: 7844 },
                        { protocol: "TCP", port: 7844 },
                        { protocol: "TCP", port: 443 },
                    ],
                },
                // An origin outside the cluster: only its configured ranges, never the port on every address.
                { to: [{ ipBlock: { cidr: "10.30.0.0/24" } }], ports: [{ protocol: "TCP", port: 8080 }] },
            ]);
        });

        it("limits the origin rule to the origin's namespace when the origin is an in-cluster Service", () => {
            const spec = connectorNetworkPolicySpec({ instance: "edge-connector", egressCidrs: ["198.41.128.0/17"], originPorts: [8080], originDestination: { namespace: "backend" } });
            const egress = spec.egress as unknown[];
            assert.deepStrictEqual(egress[2], {
                to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "backend" } } }],
                ports: [{ protocol: "TCP", port: 8080 }],
            });
            // The DNS rule is the relayer's own (one definition for every pod of the program).
            assert.deepStrictEqual(egress[0], kubeDnsEgressRule());
        });

        it("denies all ingress when monitoring is off", () => {
            const spec = connectorNetworkPolicySpec({ instance: "edge-connector", egressCidrs: ["198.41.128.0/17"], originPorts: [443], originDestination: { namespace: "backend" } });
            assert.deepStrictEqual(spec.policyTypes, ["Ingress", "Egress"]);
            assert.deepStrictEqual(spec.ingress, []);
        });

        it("lets at most one connector be disrupted", () => {
            assert.deepStrictEqual(connectorPdbSpec("edge-connector"), {
                maxUnavailable: 1,
                selector: { matchLabels: { "app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": "edge-connector" } },
            });
        });

        it("derives the origin port from the URL", () => {
            assert.strictEqual(originPort("http://backend:8080"), 8080);
            assert.strictEqual(originPort("http://backend"), 80);
            assert.strictEqual(originPort("https://backend"), 443);
        });
    });
});
