// `consonant:edge:CloudflareEdge` under the offline mocks: what it registers, how the pieces reference each
// other, which values are secrets, and that the connector's Kubernetes objects are hardened and schema-valid.
import * as assert from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as cloudflare from "@pulumi/cloudflare";
import * as k8s from "@pulumi/kubernetes";
import { CloudflareEdge } from "../components/edge/cloudflare-edge";
import { edgePlanFromSettings, EdgePlan, edgeSettingsSchema } from "../components/edge/settings";
import { serviceTokenVersion, tunnelTokenVersion } from "../components/edge/rotation";
import { restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../components/workload/security";
import type { IDeploymentSpec } from "kubernetes-models/apps/v1/DeploymentSpec";
import type { INetworkPolicySpec } from "kubernetes-models/networking.k8s.io/v1/NetworkPolicySpec";
import type { IPodDisruptionBudgetSpec } from "kubernetes-models/policy/v1/PodDisruptionBudgetSpec";
import { manifestFromRegistration, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import {
    installMocks,
    MockRecorder,
    RecordedResource,
    resolveOutput,
    settleRegistrations,
    unwrapSecrets,
} from "../tools/lib/mock-runtime";

const T = {
    tunnel: "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
    tunnelConfig: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
    dns: "cloudflare:index/dnsRecord:DnsRecord",
    app: "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication",
    policy: "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy",
    serviceToken: "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken",
    tokenInvoke: "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken",
};

const ACCOUNT = "0123456789abcdef0123456789abcdef";
const ZONE = "fedcba9876543210fedcba9876543210";
const IMAGE = `cloudflare/cloudflared:2025.11.1@sha256:${"b".repeat(64)}`;

function plan(overrides: Record<string, string> = {}): EdgePlan {
    const settings = edgeSettingsSchema.parse({
        cloudflareEnabled: "true",
        cloudflareAccountId: ACCOUNT,
        cloudflareZoneId: ZONE,
        cloudflareZoneName: "example.com",
        cloudflareHostname: "relay.example.com",
        cloudflareTeamName: "consonant-test",
        cloudflareOriginService: "http://backend.consonant-backend.svc:8080",
        cloudflareSessionDuration: "12h",
        cloudflareServiceTokenVersion: "2",
        cloudflareEmailDomains: '["example.com"]',
        cloudflareExcludedIpRanges: '["203.0.113.0/24"]',
        cloudflareConnectorEnabled: "true",
        cloudflareConnectorReplicas: "3",
        cloudflareConnectorImage: IMAGE,
        ...overrides,
    });
    return edgePlanFromSettings(settings, { monitoringEnabled: true, monitoringNamespace: "monitoring", podSecurityVersion: "v1.32" })!;
}

function providers() {
    return {
        cloudflare: new cloudflare.Provider("cloudflare", { apiToken: pulumi.secret("fake-api-token-for-tests") }),
        kubernetes: new k8s.Provider("k8s", { kubeconfig: "fake-kubeconfig-for-tests", context: "test" }),
    };
}

/** Include selectors that identify a program, not a person. */
const NON_PERSON_INCLUDES = new Set(["serviceToken", "anyValidServiceToken"]);

function requiresMfa(policy: Record<string, unknown>): boolean {
    const requires = (policy.requires ?? []) as Record<string, { authMethod?: string }>[];
    const byAuthMethod = requires.some((r) => r.authMethod?.authMethod === "mfa");
    const mfa = policy.mfaConfig as { mfaDisabled?: boolean; allowedAuthenticators?: string[] } | undefined;
    const byCloudflare = mfa !== undefined && mfa.mfaDisabled === false && (mfa.allowedAuthenticators ?? []).length > 0;
    return byAuthMethod || byCloudflare;
}

function admitsPeople(policy: Record<string, unknown>): boolean {
    const includes = (policy.includes ?? []) as Record<string, unknown>[];
    return includes.some((inc) => Object.keys(inc).some((k) => !NON_PERSON_INCLUDES.has(k)));
}

/** Ancestors' URNs of a registration, nearest first. */
function ancestors(rec: MockRecorder, r: RecordedResource): string[] {
    const chain: string[] = [];
    let parent = r.parent;
    while (parent) {
        chain.push(parent);
        parent = rec.resources.find((x) => x.urn === parent)?.parent;
    }
    return chain;
}

describe("CloudflareEdge (mocked program)", function () {
    describe("with people and the connector", () => {
        let rec: MockRecorder;
        let edge: CloudflareEdge;

        before(async () => {
            rec = await installMocks({ project: "consonant-relayer", stack: "prod", preview: false });
            edge = new CloudflareEdge("edge", { stack: "prod", plan: plan(), providers: providers() });
            await resolveOutput(edge.secretsForStore.tunnelToken);
            await settleRegistrations();
        });

        const one = (type: string, name: string) => rec.get(type, name);

        it("creates a remotely managed tunnel", () => {
            const tunnel = one(T.tunnel, "edge-tunnel");
            assert.deepStrictEqual(tunnel.inputs, { accountId: ACCOUNT, name: "consonant-relayer-prod", configSrc: "cloudflare" });
        });

        it("configures exact ingress rules for that tunnel, Access-checked, with the catch-all 404 last", () => {
            const config = one(T.tunnelConfig, "edge-tunnel-config");
            const app = one(T.app, "edge-application");
            assert.strictEqual(config.inputs.tunnelId, one(T.tunnel, "edge-tunnel").id);
            assert.strictEqual(config.inputs.source, "cloudflare");
            assert.deepStrictEqual(config.inputs.config, {
                ingresses: [
                    {
                        hostname: "relay.example.com",
                        service: "http://backend.consonant-backend.svc:8080",
                        originRequest: { access: { required: true, teamName: "consonant-test", audTags: [app.outputs.aud] } },
                    },
                    { service: "http_status:404" },
                ],
            });
            assert.match(String(app.outputs.aud), /^offline-aud-[0-9a-f]{32}$/);
        });

        it("points a proxied CNAME for the hostname at <tunnel id>.cfargotunnel.com", () => {
            const dns = one(T.dns, "edge-dns");
            assert.deepStrictEqual(
                { zoneId: dns.inputs.zoneId, name: dns.inputs.name, type: dns.inputs.type, content: dns.inputs.content, proxied: dns.inputs.proxied, ttl: dns.inputs.ttl },
                { zoneId: ZONE, name: "relay.example.com", type: "CNAME", content: "offline-edge-tunnel-id.cfargotunnel.com", proxied: true, ttl: 1 },
            );
        });

        it("attaches the relayer policy first and the people policy second to the self-hosted application", () => {
            const app = one(T.app, "edge-application");
            assert.strictEqual(app.inputs.type, "self_hosted");
            assert.strictEqual(app.inputs.domain, "relay.example.com");
            assert.strictEqual(app.inputs.sessionDuration, "12h");
            assert.deepStrictEqual(app.inputs.policies, [
                { id: one(T.policy, "edge-relayer-policy").id, precedence: 1 },
                { id: one(T.policy, "edge-people-policy").id, precedence: 2 },
            ]);
        });

        it("admits relayers by the one service token only (non_identity), rotated through clientSecretVersion", () => {
            const token = one(T.serviceToken, "edge-service-token");
            assert.strictEqual(token.inputs.clientSecretVersion, 2);
            assert.strictEqual(token.inputs.duration, "8760h");
            const relayers = one(T.policy, "edge-relayer-policy");
            assert.strictEqual(relayers.inputs.decision, "non_identity");
            assert.deepStrictEqual(relayers.inputs.includes, [{ serviceToken: { tokenId: token.id } }]);
        });

        it("requires MFA on every policy that admits people, and never uses everyone or bypass", () => {
            const policies = rec.ofType(T.policy);
            assert.strictEqual(policies.length, 2);
            for (const p of policies) {
                assert.notStrictEqual(p.inputs.decision, "bypass", p.name);
                for (const rule of ["includes", "requires", "excludes"]) {
                    for (const selector of (p.inputs[rule] ?? []) as Record<string, unknown>[]) {
                        assert.ok(!("everyone" in selector), `${p.name}.${rule} uses everyone`);
                    }
                }
                if (admitsPeople(p.inputs)) assert.ok(requiresMfa(p.inputs), `${p.name} admits people without MFA`);
            }
            const people = one(T.policy, "edge-people-policy");
            assert.ok(admitsPeople(people.inputs));
            assert.deepStrictEqual(people.inputs.excludes, [{ ip: { ip: "203.0.113.0/24" } }]);
            assert.ok(!admitsPeople(one(T.policy, "edge-relayer-policy").inputs));
            // The check itself can fail: the same policy without its MFA requirement is caught.
            assert.ok(!requiresMfa({ ...people.inputs, requires: [] }));
        });

        it("reads the tunnel token through the data source and hands out only Pulumi secrets", async () => {
            const invoke = rec.invokes.find((i) => i.token === T.tokenInvoke);
            assert.deepStrictEqual(invoke?.inputs, { accountId: ACCOUNT, tunnelId: "offline-edge-tunnel-id" });
            const store = edge.secretsForStore;
            for (const [what, output] of [
                ["tunnel token", store.tunnelToken],
                ["client id", store.accessClientId],
                ["client secret", store.accessClientSecret],
            ] as const) {
                const resolved = await resolveOutput(output);
                assert.ok(resolved.secret, `${what} is not a Pulumi secret`);
                assert.match(String(resolved.value), /^offline-placeholder-not-a-secret-/);
            }
            assert.strictEqual((await resolveOutput(store.accessTokenVersion)).value, serviceTokenVersion("offline-edge-service-token-id", 2));
            assert.strictEqual((await resolveOutput(store.tunnelTokenVersion)).value, tunnelTokenVersion("offline-edge-tunnel-id"));
            const where = store.connectorTokenSecret!;
            assert.deepStrictEqual(
                { namespace: (await resolveOutput(where.namespace)).value, name: where.name, key: where.key },
                { namespace: "cloudflared", name: "cloudflared-tunnel-token", key: "token" },
            );
        });

        it("passes no credential into any resource it registers", () => {
            const values = ["tunnel-token", "client-secret", "client-id"].map((k) => `offline-placeholder-not-a-secret-${k}`);
            for (const r of rec.resources) {
                const text = JSON.stringify(unwrapSecrets(r.inputs));
                for (const v of values) assert.ok(!text.includes(v), `${r.type} ${r.name} receives a credential`);
            }
        });

        it("exposes identifiers and the expiry date as stack outputs, never a secret", async () => {
            const outputs = edge.stackOutputs();
            assert.deepStrictEqual(Object.keys(outputs).sort(), [
                "accessApplicationId",
                "accessAudienceTag",
                "accessServiceTokenExpiresAt",
                "accessServiceTokenId",
                "cloudflareHostname",
                "cloudflareTunnelId",
            ]);
            const resolved: Record<string, unknown> = {};
            for (const [k, v] of Object.entries(outputs)) {
                const r = await resolveOutput(v);
                assert.ok(!r.secret, `${k} is secret`);
                resolved[k] = r.value;
            }
            assert.deepStrictEqual(resolved, {
                cloudflareTunnelId: "offline-edge-tunnel-id",
                cloudflareHostname: "relay.example.com",
                accessApplicationId: "offline-edge-application-id",
                accessAudienceTag: one(T.app, "edge-application").outputs.aud,
                accessServiceTokenId: "offline-edge-service-token-id",
                accessServiceTokenExpiresAt: "2099-01-01T00:00:00Z",
            });
            assert.strictEqual((await resolveOutput(edge.backendUrl)).value, "wss://relay.example.com");
        });

        it("parents every child under the component and uses only the explicit providers", () => {
            const edgeUrn = rec.get("consonant:edge:CloudflareEdge", "edge").urn;
            const children = rec.resources.filter((r) => ancestors(rec, r).includes(edgeUrn));
            // 7 Cloudflare objects + the connector component and its 5 Kubernetes objects.
            assert.strictEqual(children.length, 13);
            for (const r of children.filter((c) => c.custom)) {
                const expected = r.type.startsWith("cloudflare:") ? "cloudflare" : "k8s";
                assert.match(r.provider ?? "", new RegExp(`::${expected}::`), `${r.type} ${r.name} provider ${r.provider}`);
            }
            assert.deepStrictEqual(rec.duplicateUrns(), []);
        });

        describe("connector", () => {
            const k8sOf = (kind: string) => rec.resources.filter((r) => r.type.endsWith(`:${kind}`) && r.type.startsWith("kubernetes:"));

            it("registers only schema-valid Kubernetes objects", async () => {
                const manifests = rec.resources
                    .map((r) => manifestFromRegistration(r, { secrets: "unwrap" }))
                    .filter((m) => m !== undefined);
                assert.deepStrictEqual(
                    manifests.map((m) => m!.kind).sort(),
                    ["Deployment", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount"],
                );
                assert.deepStrictEqual(await validateKubernetesObjects(manifests as never), []);
            });

            it("creates a restricted namespace and runs ≥2 hardened, digest-pinned replicas there", () => {
                const [ns] = k8sOf("Namespace");
                const metadata = ns.inputs.metadata as { name: string; labels: Record<string, string> };
                assert.strictEqual(metadata.name, "cloudflared");
                assert.strictEqual(metadata.labels["pod-security.kubernetes.io/enforce"], "restricted");
                assert.strictEqual(metadata.labels["pod-security.kubernetes.io/enforce-version"], "v1.32");

                const [deployment] = k8sOf("Deployment");
                const spec = deployment.inputs.spec as IDeploymentSpec;
                assert.strictEqual((deployment.inputs.metadata as { namespace: string }).namespace, "cloudflared");
                assert.strictEqual(spec.replicas, 3);
                const pod = spec.template.spec!;
                assert.deepStrictEqual(pod.securityContext, restrictedPodSecurityContext());
                assert.strictEqual(pod.automountServiceAccountToken, false);
                const [sa] = k8sOf("ServiceAccount");
                assert.strictEqual(pod.serviceAccountName, (sa.outputs.metadata as { name: string }).name);
                const [container] = pod.containers;
                const args = container.args ?? [];
                assert.strictEqual(container.image, IMAGE);
                assert.deepStrictEqual(container.securityContext, restrictedContainerSecurityContext());
                assert.ok(args.includes("--no-autoupdate"));
                assert.deepStrictEqual(args.slice(args.indexOf("--protocol"), args.indexOf("--protocol") + 2), ["--protocol", "quic"]);
                assert.strictEqual(pod.volumes?.[0].secret?.secretName, "cloudflared-tunnel-token");
            });

            it("selects the connector pods with its NetworkPolicy and PodDisruptionBudget", () => {
                const [deployment] = k8sOf("Deployment");
                const podLabels = (deployment.inputs.spec as IDeploymentSpec).template.metadata?.labels ?? {};
                const [netpol] = k8sOf("NetworkPolicy");
                const [pdb] = k8sOf("PodDisruptionBudget");
                const netpolSpec = netpol.inputs.spec as INetworkPolicySpec;
                const pdbSpec = pdb.inputs.spec as IPodDisruptionBudgetSpec;
                for (const selector of [netpolSpec.podSelector.matchLabels, pdbSpec.selector?.matchLabels]) {
                    assert.ok(selector && Object.keys(selector).length > 0);
                    for (const [k, v] of Object.entries(selector)) assert.strictEqual(podLabels[k], v);
                }
                assert.strictEqual((netpol.inputs.metadata as { namespace: string }).namespace, "cloudflared");
                // The origin is an in-cluster Service: only its namespace, only its port.
                assert.deepStrictEqual(netpolSpec.egress?.[2], {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "consonant-backend" } } }],
                    ports: [{ protocol: "TCP", port: 8080 }],
                });
                assert.strictEqual(pdbSpec.maxUnavailable, 1);
            });
        });
    });

    describe("relayers only, no connector", () => {
        let rec: MockRecorder;
        let edge: CloudflareEdge;

        before(async () => {
            rec = await installMocks({ project: "consonant-relayer", stack: "staging", preview: false });
            const p = plan({ cloudflareEmailDomains: "[]", cloudflareExcludedIpRanges: "[]", cloudflareConnectorEnabled: "false" });
            edge = new CloudflareEdge("edge", { stack: "staging", plan: p, providers: { cloudflare: providers().cloudflare } });
            await resolveOutput(edge.secretsForStore.tunnelToken);
            await settleRegistrations();
        });

        it("has exactly one policy (relayers) and no Kubernetes object", () => {
            assert.deepStrictEqual(
                rec.ofType(T.policy).map((p) => p.name),
                ["edge-relayer-policy"],
            );
            assert.deepStrictEqual(rec.get(T.app, "edge-application").inputs.policies, [{ id: "offline-edge-relayer-policy-id", precedence: 1 }]);
            assert.deepStrictEqual(rec.resources.filter((r) => r.type.startsWith("kubernetes:") && r.custom && !r.type.startsWith("pulumi:providers")), []);
        });

        it("still hands the tunnel token (secret, no namespace) to the secret store", async () => {
            assert.ok((await resolveOutput(edge.secretsForStore.tunnelToken)).secret);
            assert.strictEqual(edge.secretsForStore.connectorTokenSecret, undefined);
        });

        it("refuses the connector without a Kubernetes provider", () => {
            assert.throws(
                () => new CloudflareEdge("edge-no-k8s", { stack: "staging", plan: plan(), providers: { cloudflare: providers().cloudflare } }),
                /CloudflareEdge 'edge-no-k8s': the connector needs providers.kubernetes; fix: pass the cluster's provider, or set cloudflareConnectorEnabled false/,
            );
        });
    });

    describe("preview", () => {
        let rec: MockRecorder;

        before(async () => {
            rec = await installMocks({ project: "consonant-relayer", stack: "prod", preview: true });
            new CloudflareEdge("edge", { stack: "prod", plan: plan(), providers: providers() });
            await settleRegistrations();
        });

        it("keeps the ingress rules and catch-all known while the audience tag is not", () => {
            const config = rec.get(T.tunnelConfig, "edge-tunnel-config").inputs.config as {
                ingresses: { hostname?: string; service: string; originRequest?: { access: { required: boolean } } }[];
            };
            assert.strictEqual(config.ingresses.length, 2);
            assert.strictEqual(config.ingresses[0].hostname, "relay.example.com");
            assert.strictEqual(config.ingresses[0].originRequest?.access.required, true);
            assert.deepStrictEqual(config.ingresses[1], { service: "http_status:404" });
        });

        it("registers the same resources as an update", () => {
            const types = rec.resources.map((r) => r.type).filter((t) => t.startsWith("cloudflare:index") || t.startsWith("kubernetes:"));
            assert.deepStrictEqual(types.sort(), [
                "cloudflare:index/dnsRecord:DnsRecord",
                "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication",
                "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy",
                "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy",
                "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken",
                "cloudflare:index/zeroTrustTunnelCloudflared:ZeroTrustTunnelCloudflared",
                "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
                "kubernetes:apps/v1:Deployment",
                "kubernetes:core/v1:Namespace",
                "kubernetes:core/v1:ServiceAccount",
                "kubernetes:networking.k8s.io/v1:NetworkPolicy",
                "kubernetes:policy/v1:PodDisruptionBudget",
            ]);
        });
    });
});
