// Preview robustness as a property: take a stack on which every policy passes, make ONE property at a
// time unknown (each typed sentinel of the engine in turn, at every depth) and run the whole pack. No
// policy may crash, and none may turn the unknown into a violation: it passes or says it cannot decide.
import { strict as assert } from "assert";
import type { OfflineResource } from "../lib/offline-runner";
import { UNKNOWN_SENTINELS } from "../lib/unknowns";
import { compliantStack, resource } from "./fixtures";
import { run } from "./helpers";

const trust = JSON.stringify({
    Version: "2012-10-17",
    Statement: [{ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: "arn:aws:iam::123456789012:oidc-provider/oidc.example" }, Condition: { StringEquals: { "oidc.example:sub": "system:serviceaccount:ns:sa", "oidc.example:aud": "sts.amazonaws.com" } } }],
});
const scoped = JSON.stringify({ Version: "2012-10-17", Statement: [{ Effect: "Allow", Action: "secretsmanager:GetSecretValue", Resource: "arn:aws:secretsmanager:eu-west-1:123456789012:secret:relayer" }] });
const PRIVATE = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"];

/** One compliant resource of every kind the pack looks at. */
function compliantEverything(): OfflineResource[] {
    return [
        ...compliantStack(),
        resource("aws:iam/role:Role", "irsa", { assumeRolePolicy: trust, inlinePolicies: [{ name: "read", policy: scoped }], tags: { "consonant.io/policy-exempt": "policies=aws-iam-least-privilege expires=2099-01-01 reason=reviewed" } }),
        resource("aws:iam/policy:Policy", "read", { policy: scoped }),
        resource("aws:kms/key:Key", "key", { enableKeyRotation: true, customerMasterKeySpec: "SYMMETRIC_DEFAULT" }),
        resource("aws:secretsmanager/secret:Secret", "secret", { kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1" }),
        resource("vault:index/policy:Policy", "vault", { name: "relayer-read", policy: 'path "secret/data/relayer" { capabilities = ["read"] }' }),
        resource("vault:kubernetes/authBackendRole:AuthBackendRole", "role", { roleName: "relayer", boundServiceAccountNames: ["relayer"], boundServiceAccountNamespaces: ["consonant-system"], tokenTtl: 3600, tokenMaxTtl: 86400 }),
        resource("cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy", "people", { decision: "allow", includes: [{ emailDomain: { domain: "example.com" } }], requires: [{ authMethod: { authMethod: "mfa" } }] }),
        resource("cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication", "app", { domain: "relay.example.com", type: "self_hosted", policies: [{ decision: "allow", includes: [{ email: { email: "ops@example.com" } }], requires: [{ authMethod: { authMethod: "mfa" } }] }] }),
        resource("cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig", "tunnel", { config: { ingresses: [{ hostname: "relay.example.com", service: "http://backend:8080" }, { service: "http_status:404" }] } }),
        resource("kubernetes:core/v1:Service", "svc", { spec: { type: "ClusterIP", ports: [{ port: 80 }] } }),
        resource("kubernetes:core/v1:ConfigMap", "cm", { data: { LOG_LEVEL: "info" } }),
        resource("kubernetes:rbac.authorization.k8s.io/v1:ClusterRole", "nodes", { rules: [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list"] }] }),
        resource("kubernetes:rbac.authorization.k8s.io/v1:RoleBinding", "binding", { roleRef: { kind: "Role", name: "relayer" }, subjects: [{ kind: "ServiceAccount", name: "relayer" }] }),
        resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", "egress", { metadata: { namespace: "consonant-system" }, spec: { podSelector: { matchLabels: { app: "none" } }, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE } }] }] } }),
    ];
}

/** Paths of every property (objects and leaves) below `value`. */
function propertyPaths(value: unknown, prefix: (string | number)[] = []): (string | number)[][] {
    if (value === null || typeof value !== "object") return [];
    return Object.entries(value).flatMap(([key, inner]) => {
        const path = [...prefix, Array.isArray(value) ? Number(key) : key];
        return [path, ...propertyPaths(inner, path)];
    });
}

describe("preview: any single unknown property", () => {
    it("never crashes a policy and never becomes a violation", function () {
        this.timeout(120_000);
        const base = compliantEverything();
        assert.deepEqual(run(base).violations, [], "the baseline passes every policy");
        const sentinels = [...UNKNOWN_SENTINELS];
        let mutations = 0;
        base.forEach((target, index) => {
            for (const path of propertyPaths(target.props)) {
                const stack = structuredClone(base);
                let parent = stack[index].props as Record<string | number, unknown>;
                for (const key of path.slice(0, -1)) parent = parent[key] as Record<string | number, unknown>;
                parent[path[path.length - 1]] = sentinels[mutations++ % sentinels.length];
                const where = `${target.name}.${path.join(".")}`;
                const result = run(stack); // a crashing policy throws here, naming itself and the resource
                assert.deepEqual(result.violations.map((v) => `${v.policyName}: ${v.message}`), [], `unknown ${where}`);
            }
        });
        assert.ok(mutations > 300, `only ${mutations} properties were made unknown`);
    });
});
