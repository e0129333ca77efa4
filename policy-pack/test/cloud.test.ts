import { strict as assert } from "assert";
import { resource } from "./fixtures";
import { messagesOf, run } from "./helpers";

const ACCOUNT_ARN = "arn:aws:secretsmanager:eu-west-1:123456789012:secret:consonant/relayer-AbCdEf";
const doc = (...Statement: object[]) => JSON.stringify({ Version: "2012-10-17", Statement });
const ISSUER = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE";

describe("AWS policies", () => {
    it("aws-iam-least-privilege: scoped documents pass (string and object form)", () => {
        const scoped = { Effect: "Allow", Action: ["secretsmanager:GetSecretValue"], Resource: ACCOUNT_ARN };
        assert.deepEqual(messagesOf([resource("aws:iam/policy:Policy", "p", { policy: doc(scoped) })], "aws-iam-least-privilege"), []);
        assert.deepEqual(messagesOf([resource("aws:iam/rolePolicy:RolePolicy", "rp", { role: "r", policy: { Version: "2012-10-17", Statement: [scoped] } })], "aws-iam-least-privilege"), []);
    });
    it("aws-iam-least-privilege: rejects * actions, NotAction, and Secrets Manager/KMS on *", () => {
        assert.match(messagesOf([resource("aws:iam/policy:Policy", "p", { policy: doc({ Effect: "Allow", Action: "*", Resource: "*" }) })], "aws-iam-least-privilege").join("\n"), /allows "\*"/);
        const kms = messagesOf([resource("aws:iam/rolePolicy:RolePolicy", "rp", { policy: doc({ Sid: "Decrypt", Effect: "Allow", Action: ["kms:Decrypt", "s3:GetObject"], Resource: "*" }) })], "aws-iam-least-privilege");
        assert.match(kms[0], /statement 0 \(Sid Decrypt\) Resource\): grants kms:Decrypt on every resource/);
        const inline = messagesOf([resource("aws:iam/role:Role", "r", { assumeRolePolicy: doc({ Effect: "Allow", Action: "sts:AssumeRole", Principal: { Service: "ec2.amazonaws.com" } }), inlinePolicies: [{ name: "wide", policy: doc({ Effect: "Allow", Action: "secretsmanager:Get*", Resource: "*" }, { Effect: "Allow", NotAction: "iam:*", Resource: "*" }) }] })], "aws-iam-least-privilege");
        assert.equal(inline.length, 2);
        assert.match(inline[0], /Role 'r' inline policy 'wide'/);
        assert.match(messagesOf([resource("aws:iam/policy:Policy", "bad", { policy: "{not json" })], "aws-iam-least-privilege")[0], /is not valid JSON/);
    });
    it("aws-iam-least-privilege: an ARN that is only a wildcard counts as every secret or key", () => {
        const grant = (Resource: string) => [resource("aws:iam/policy:Policy", "p", { policy: doc({ Effect: "Allow", Action: ["secretsmanager:GetSecretValue", "kms:Decrypt"], Resource }) })];
        assert.match(messagesOf(grant("arn:aws:secretsmanager:*:123456789012:secret:*"), "aws-iam-least-privilege")[0], /on every resource/);
        assert.equal(messagesOf(grant("arn:aws:kms:eu-west-1:123456789012:key/*"), "aws-iam-least-privilege").length, 1);
        assert.deepEqual(messagesOf(grant("arn:aws:secretsmanager:eu-west-1:123456789012:secret:consonant/*"), "aws-iam-least-privilege"), [], "a name prefix is scoped");
        assert.deepEqual(messagesOf(grant(ACCOUNT_ARN), "aws-iam-least-privilege"), []);
    });
    it("aws-iam-web-identity-trust: needs :sub and :aud without wildcards", () => {
        const trust = (Condition: object) => [resource("aws:iam/role:Role", "irsa", { assumeRolePolicy: doc({ Effect: "Allow", Action: "sts:AssumeRoleWithWebIdentity", Principal: { Federated: `arn:aws:iam::123456789012:oidc-provider/${ISSUER}` }, Condition }) })];
        assert.deepEqual(messagesOf(trust({ StringEquals: { [`${ISSUER}:sub`]: "system:serviceaccount:consonant-system:relayer", [`${ISSUER}:aud`]: "sts.amazonaws.com" } }), "aws-iam-web-identity-trust"), []);
        assert.match(messagesOf(trust({ StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } }), "aws-iam-web-identity-trust")[0], /no StringEquals\/StringLike condition on <issuer>:sub/);
        assert.match(messagesOf(trust({ StringLike: { [`${ISSUER}:sub`]: "system:serviceaccount:*" } }), "aws-iam-web-identity-trust").join("\n"), /wildcard[\s\S]*:aud/);
        // ForAllValues is also true when the token lacks the key, so it pins nothing.
        const forAll = trust({ "ForAllValues:StringEquals": { [`${ISSUER}:sub`]: "system:serviceaccount:consonant-system:relayer" }, StringEquals: { [`${ISSUER}:aud`]: "sts.amazonaws.com" } });
        assert.match(messagesOf(forAll, "aws-iam-web-identity-trust")[0], /no StringEquals\/StringLike condition on <issuer>:sub/);
    });
    it("aws-secretsmanager-cmk and aws-kms-key-rotation", () => {
        assert.deepEqual(messagesOf([resource("aws:secretsmanager/secret:Secret", "s", { kmsKeyId: "arn:aws:kms:eu-west-1:123456789012:key/1234" })], "aws-secretsmanager-cmk"), []);
        assert.match(messagesOf([resource("aws:secretsmanager/secret:Secret", "s", {})], "aws-secretsmanager-cmk")[0], /AWS-managed key/);
        assert.match(messagesOf([resource("aws:secretsmanager/secret:Secret", "s", { kmsKeyId: "alias/aws/secretsmanager" })], "aws-secretsmanager-cmk")[0], /AWS-managed key/);
        assert.deepEqual(messagesOf([resource("aws:kms/key:Key", "k", { enableKeyRotation: true })], "aws-kms-key-rotation"), []);
        assert.match(messagesOf([resource("aws:kms/key:Key", "k", {})], "aws-kms-key-rotation")[0], /never rotates/);
        assert.equal(messagesOf([resource("aws:kms/key:Key", "k", { enableKeyRotation: false })], "aws-kms-key-rotation").length, 1);
        const asymmetric = run([resource("aws:kms/key:Key", "sign", { customerMasterKeySpec: "ECC_NIST_P256", keyUsage: "SIGN_VERIFY" })]);
        assert.deepEqual(asymmetric.violations, []);
        assert.ok(asymmetric.notApplicable.some((n) => n.policyName === "aws-kms-key-rotation"));
    });
});

describe("Vault policies", () => {
    const policy = (text: string, name = "relayer-read") => [resource("vault:index/policy:Policy", name, { name, policy: text })];
    it("vault-policy-least-privilege: accepts a reader in HCL and JSON", () => {
        assert.deepEqual(messagesOf(policy('path "secret/data/consonant/*" {\n  capabilities = ["read"]\n}\npath "secret/metadata/consonant/*" {\n  capabilities = ["list"]\n}'), "vault-policy-least-privilege"), []);
        assert.deepEqual(messagesOf(policy(JSON.stringify({ path: { "secret/data/consonant/x": { capabilities: ["read"] } } })), "vault-policy-least-privilege"), []);
    });
    it("vault-policy-least-privilege: rejects *, sys/, sudo, reader writes and unparsable HCL", () => {
        assert.match(messagesOf(policy('path "*" { capabilities = ["read"] }'), "vault-policy-least-privilege")[0], /matches every secret engine/);
        assert.match(messagesOf(policy('path "sys/policies/acl/*" { capabilities = ["read"] }'), "vault-policy-least-privilege")[0], /reaches sys\//);
        assert.match(messagesOf(policy('path "s*" { capabilities = ["read"] }'), "vault-policy-least-privilege")[0], /reaches sys\//);
        assert.match(messagesOf(policy('path "auth/token/create" { capabilities = ["create", "sudo"] }', "ops"), "vault-policy-least-privilege")[0], /include sudo/);
        assert.match(messagesOf(policy('path "secret/data/x" { capabilities = ["read", "update"] }'), "vault-policy-least-privilege")[0], /grant update although the policy is bound to readers/);
        assert.deepEqual(messagesOf(policy('path "secret/data/x" { capabilities = ["read", "update"] }', "writer"), "vault-policy-least-privilege"), []);
        assert.equal(messagesOf(policy('path "secret/data/x" { capabilities = ["update"] }', "writer"), "vault-policy-least-privilege", { "vault-policy-least-privilege": { readerPolicies: ["writer"] } }).length, 1);
        assert.match(messagesOf(policy('path "x" {'), "vault-policy-least-privilege")[0], /is not valid HCL/);
        // The legacy `policy = "..."` field still grants capabilities in Vault.
        assert.match(messagesOf(policy('path "secret/data/x" { policy = "write" }'), "vault-policy-least-privilege")[0], /grant create, update, delete although the policy is bound to readers/);
        assert.match(messagesOf(policy(JSON.stringify({ path: { "auth/token/create": { policy: "sudo" } } }), "ops"), "vault-policy-least-privilege")[0], /include sudo/);
        assert.deepEqual(messagesOf(policy('path "sys/*" { policy = "deny" }\npath "secret/data/x" { policy = "read" }'), "vault-policy-least-privilege"), [], "deny and read are fine");
        assert.match(messagesOf(policy('path "secret/data/x" { policy = "admin" }'), "vault-policy-least-privilege")[0], /invalid legacy policy "admin" on path "secret\/data\/x"/);
    });
    it("vault-kubernetes-role-bound: named accounts, namespaces and TTL ≤ 24h (knob)", () => {
        const role = (props: object) => [resource("vault:kubernetes/authBackendRole:AuthBackendRole", "role", { roleName: "relayer", boundServiceAccountNames: ["relayer"], boundServiceAccountNamespaces: ["consonant-system"], tokenTtl: 3600, tokenMaxTtl: 86400, ...props })];
        assert.deepEqual(messagesOf(role({}), "vault-kubernetes-role-bound"), []);
        assert.match(messagesOf(role({ boundServiceAccountNames: ["*"] }), "vault-kubernetes-role-bound")[0], /wildcard, so any ServiceAccount/);
        assert.match(messagesOf(role({ boundServiceAccountNamespaces: ["team-*"] }), "vault-kubernetes-role-bound")[0], /any namespace/);
        assert.match(messagesOf(role({ tokenMaxTtl: 172800 }), "vault-kubernetes-role-bound")[0], /tokenMaxTtl\): is 172800 seconds/);
        assert.match(messagesOf(role({ tokenTtl: undefined }), "vault-kubernetes-role-bound")[0], /tokenTtl\): is not set/);
        assert.equal(messagesOf(role({}), "vault-kubernetes-role-bound", { "vault-kubernetes-role-bound": { maxTokenTtlSeconds: 3600 } }).length, 1);
        assert.match(messagesOf(role({ tokenPeriod: 604800 }), "vault-kubernetes-role-bound")[0], /tokenPeriod\): is 604800 seconds/);
    });
});

describe("Cloudflare policies", () => {
    const ACCESS = "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy";
    const APP = "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication";
    const TUNNEL = "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig";
    const humans = { accountId: "a", name: "humans", decision: "allow", includes: [{ emailDomain: { domain: "example.com" } }], requires: [{ authMethod: { authMethod: "mfa" } }] };
    it("cloudflare-access-policy: MFA for people, service tokens need none", () => {
        assert.deepEqual(messagesOf([resource(ACCESS, "humans", humans)], "cloudflare-access-policy"), []);
        assert.deepEqual(messagesOf([resource(ACCESS, "relayers", { accountId: "a", name: "relayers", decision: "non_identity", includes: [{ serviceToken: { tokenId: "t" } }] })], "cloudflare-access-policy"), []);
        assert.match(messagesOf([resource(ACCESS, "humans", { ...humans, requires: [] })], "cloudflare-access-policy")[0], /admits people without MFA/);
        assert.equal(messagesOf([resource(ACCESS, "humans", humans)], "cloudflare-access-policy", { "cloudflare-access-policy": { mfaMethods: ["hwk"] } }).length, 1);
        // Cloudflare's own (independent) MFA counts too, unless disabled or without authenticators.
        const independent = { ...humans, requires: undefined, mfaConfig: { mfaDisabled: false, allowedAuthenticators: ["totp", "security_key"] } };
        assert.deepEqual(messagesOf([resource(ACCESS, "humans", independent)], "cloudflare-access-policy"), []);
        assert.match(messagesOf([resource(ACCESS, "humans", { ...independent, mfaConfig: { mfaDisabled: true } })], "cloudflare-access-policy")[0], /mfaConfig\.mfaDisabled\): admits people without MFA/);
        assert.equal(messagesOf([resource(ACCESS, "humans", { ...independent, mfaConfig: { allowedAuthenticators: [] } })], "cloudflare-access-policy").length, 1);
        assert.deepEqual(messagesOf([resource(ACCESS, "humans", { ...humans, mfaConfig: { mfaDisabled: true } })], "cloudflare-access-policy"), [], "MFA at the identity provider still applies");
    });
    it("cloudflare-access-policy: rejects everyone, bypass and inline application policies without MFA", () => {
        assert.match(messagesOf([resource(ACCESS, "all", { ...humans, includes: [{ everyone: {} }] })], "cloudflare-access-policy")[0], /contains `everyone`/);
        assert.match(messagesOf([resource(ACCESS, "open", { ...humans, decision: "bypass" })], "cloudflare-access-policy")[0], /"bypass" turns Access off/);
        const app = resource(APP, "app", { domain: "relay.example.com", type: "self_hosted", policies: [{ decision: "allow", includes: [{ githubOrganization: { name: "acme", identityProviderId: "x" } }] }] });
        assert.match(messagesOf([app], "cloudflare-access-policy")[0], /Access application 'app' policy 0 \(policies\[0\]\.requires\)/);
    });
    it("cloudflare-tunnel-hostnames-covered (stack): exact and wildcard coverage, catch-all rules", () => {
        const tunnel = (ingresses: object[]) => resource(TUNNEL, "tunnel", { accountId: "a", tunnelId: "t", config: { ingresses } });
        const app = resource(APP, "app", { domain: "relay.example.com", selfHostedDomains: ["*.apps.example.com"] });
        const covered = tunnel([{ hostname: "relay.example.com", service: "http://backend:8080" }, { hostname: "x.apps.example.com", service: "http://x" }, { service: "http_status:404" }]);
        assert.deepEqual(messagesOf([app, covered], "cloudflare-tunnel-hostnames-covered"), []);
        const uncovered = tunnel([{ hostname: "admin.example.com", service: "http://admin" }, { hostname: "a.b.apps.example.com", service: "http://x" }, { service: "http://backend" }]);
        const messages = messagesOf([app, uncovered], "cloudflare-tunnel-hostnames-covered");
        assert.equal(messages.length, 3);
        assert.match(messages[0], /"admin\.example\.com" is not covered by any Access application/);
        assert.match(messages[2], /is empty, so every hostname/);
    });
    it("cloudflare-tunnel-hostnames-covered: bookmark and SaaS applications do not gate a hostname", () => {
        const tunnel = resource(TUNNEL, "tunnel", { accountId: "a", tunnelId: "t", config: { ingresses: [{ hostname: "relay.example.com", service: "http://x" }] } });
        assert.equal(messagesOf([resource(APP, "bookmark", { domain: "relay.example.com", type: "bookmark" }), tunnel], "cloudflare-tunnel-hostnames-covered").length, 1);
        assert.deepEqual(messagesOf([resource(APP, "app", { domain: "relay.example.com", type: "self_hosted" }), tunnel], "cloudflare-tunnel-hostnames-covered"), []);
    });
    it("the deprecated AccessPolicy / AccessApplication / TunnelConfig types are checked the same way", () => {
        assert.match(messagesOf([resource("cloudflare:index/accessPolicy:AccessPolicy", "legacy", { ...humans, requires: [] })], "cloudflare-access-policy")[0], /admits people without MFA/);
        const legacyApp = resource("cloudflare:index/accessApplication:AccessApplication", "legacy-app", { domain: "relay.example.com", policies: [{ decision: "bypass", includes: [{ everyone: {} }] }] });
        assert.equal(messagesOf([legacyApp], "cloudflare-access-policy").length, 2);
        const legacyTunnel = (hostname: string) => resource("cloudflare:index/tunnelConfig:TunnelConfig", "legacy-tunnel", { accountId: "a", tunnelId: "t", config: { ingresses: [{ hostname, service: "http://x" }, { service: "http_status:404" }] } });
        assert.deepEqual(messagesOf([legacyApp, legacyTunnel("relay.example.com")], "cloudflare-tunnel-hostnames-covered"), []);
        assert.match(messagesOf([legacyApp, legacyTunnel("admin.example.com")], "cloudflare-tunnel-hostnames-covered")[0], /"admin\.example\.com" is not covered/);
    });
    it("cloudflare-tunnel-hostnames-covered: selfHostedDomains do not count once destinations are set (the provider ignores them)", () => {
        const tunnel = resource(TUNNEL, "tunnel", { accountId: "a", tunnelId: "t", config: { ingresses: [{ hostname: "old.example.com", service: "http://x" }, { hostname: "new.example.com", service: "http://y" }] } });
        const app = resource(APP, "app", { selfHostedDomains: ["old.example.com"], destinations: [{ type: "public", uri: "new.example.com" }] });
        const messages = messagesOf([app, tunnel], "cloudflare-tunnel-hostnames-covered");
        assert.equal(messages.length, 1);
        assert.match(messages[0], /"old\.example\.com" is not covered/);
    });
    it("cloudflare-tunnel-hostnames-covered: an application limited to a path covers only that path", () => {
        const app = resource(APP, "api-only", { domain: "relay.example.com/api" });
        const tunnel = (path?: string) => resource(TUNNEL, "tunnel", { accountId: "a", tunnelId: "t", config: { ingresses: [{ hostname: "relay.example.com", ...(path ? { path } : {}), service: "http://x" }] } });
        assert.deepEqual(messagesOf([app, tunnel("/api/v1")], "cloudflare-tunnel-hostnames-covered"), []);
        assert.equal(messagesOf([app, tunnel()], "cloudflare-tunnel-hostnames-covered").length, 1);
        assert.equal(messagesOf([app, tunnel("/admin")], "cloudflare-tunnel-hostnames-covered").length, 1);
    });
});
