// consonant:secrets:SecretStore under Pulumi mocks, one suite per mode: exact documents and bindings, schema-valid
// ESO objects, every secret value a Pulumi secret that reaches resources only through write-only inputs, and
// nothing secret in the component's outputs.
import { strict as assert } from "assert";
import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import * as k8s from "@pulumi/kubernetes";
import * as random from "@pulumi/random";
import * as vault from "@pulumi/vault";
import { SecretStore, SecretStoreArgs } from "../components/secrets/secret-store";
import { SecretStoreOptions } from "../components/secrets/store-options";
import { manifestFromRegistration, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import {
    installMocks,
    maskSecrets,
    MockRecorder,
    placeholderArn,
    RecordedResource,
    resolveOutput,
    secretPaths,
    settleRegistrations,
    unwrapSecrets,
} from "../tools/lib/mock-runtime";

const PROJECT = "consonant-relayer";
// Obviously fake values, assembled at runtime so no credential-shaped literal is committed.
const fake = (what: string) => ["fake", what, "value", "for", "tests"].join("-");
const FAKES = {
    anthropic: fake("anthropic-key"),
    accessId: fake("access-client-id"),
    accessSecret: fake("access-client-secret"),
    tunnel: fake("tunnel-token"),
};
const LABELS = { "app.kubernetes.io/part-of": "consonant-relayer", "app.kubernetes.io/component": "secrets" };
const ALL_RELAYER_SECRETS = ["consonant-relayer-cluster", "consonant-relayer-access", "consonant-relayer-llm-anthropic", "consonant-relayer-llm-azure"];
const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeTestCertificateNotReal\n-----END CERTIFICATE-----";

/** Where a secret may appear in resource inputs: write-only inputs of the store, or plain Secrets (kubernetes mode). */
const WRITE_ONLY_PATHS: Record<string, string[]> = {
    "vault:kv/secretV2:SecretV2": ["dataJsonWo"],
    "aws:secretsmanager/secretVersion:SecretVersion": ["secretStringWo"],
};

function baseOptions(overrides: Partial<SecretStoreOptions>): SecretStoreOptions {
    return {
        mode: "kubernetes",
        prefix: "consonant/prod",
        version: 1,
        refreshInterval: "1h",
        clusterSecretStoreName: "consonant-relayer",
        externalSecrets: { namespace: "external-secrets", serviceAccount: "external-secrets" },
        llm: [
            { provider: "anthropic", source: "config" },
            { provider: "azure", source: "external" },
        ],
        azureEndpoint: "https://example-resource.openai.azure.com",
        ...overrides,
    };
}

/** Builds the store with explicit providers, as index.ts does, and waits for every registration. */
async function buildStore(options: SecretStoreOptions, withConnector = true): Promise<SecretStore> {
    const providers: SecretStoreArgs["providers"] = {
        kubernetes: new k8s.Provider("k8s", { kubeconfig: "offline-placeholder-kubeconfig", context: "test" }),
        random: new random.Provider("random"),
        vault: options.mode === "vault" ? new vault.Provider("vault", { address: "https://vault.example.test:8200" }) : undefined,
        aws: options.mode === "aws" ? new aws.Provider("aws", { region: "eu-west-1" }) : undefined,
    };
    const llm = options.llm.map((l) => ({ ...l, apiKey: l.source === "config" ? pulumi.secret(FAKES.anthropic) : undefined }));
    const store = new SecretStore("relayer-secrets", {
        ...options,
        llm,
        namespace: "consonant-system",
        labels: LABELS,
        providers,
        cloudflare: {
            accessClientId: pulumi.secret(FAKES.accessId),
            accessClientSecret: pulumi.secret(FAKES.accessSecret),
            accessTokenVersion: 1,
            tunnelToken: pulumi.secret(FAKES.tunnel),
            tunnelTokenVersion: 3,
            connectorTokenSecret: withConnector ? { namespace: "cloudflared", name: "cloudflared-tunnel-token", key: "token" } : undefined,
        },
    });
    await resolveOutput(store.secretNames);
    await settleRegistrations();
    return store;
}

interface ExternalSecretManifest {
    metadata: { name: string; namespace: string; annotations: Record<string, string> };
    spec: { refreshInterval: string; secretStoreRef: unknown; target: { name: string; creationPolicy: string } };
}
interface ClusterSecretStoreManifest {
    metadata: { name: string; annotations: Record<string, string> };
    spec: { provider: unknown; conditions: unknown };
}

/** Inputs with secret wrappers removed, typed for assertions. */
function plain<T>(r: RecordedResource): T {
    return unwrapSecrets(r.inputs) as T;
}

/** Registration order is asynchronous: compare rows order-independently. */
function sorted<T>(rows: T[]): T[] {
    return [...rows].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}

function children(rec: MockRecorder): RecordedResource[] {
    return rec.resources.filter((r) => r.custom && !r.type.startsWith("pulumi:providers:"));
}

/** Shared checks: secrets only in write-only inputs, schema-valid Kubernetes objects, clean outputs, unique URNs. */
function commonChecks(getRec: () => MockRecorder, getStore: () => SecretStore, external: boolean, expectedSecretNames: string[], generatedClusterId: boolean) {
    it("passes secret values only as Pulumi secrets, and only into write-only inputs", () => {
        const rec = getRec();
        for (const r of rec.resources) {
            const paths = secretPaths(r.inputs);
            const allowed = external ? (WRITE_ONLY_PATHS[r.type] ?? []) : r.type === "kubernetes:core/v1:Secret" ? ["stringData"] : [];
            assert.deepEqual(paths.filter((p) => !allowed.includes(p)), [], `${r.type} ${r.name} carries secrets at ${paths.join(", ")}`);
            const visible = JSON.stringify(maskSecrets(r.inputs));
            for (const value of Object.values(FAKES)) assert.ok(!visible.includes(value), `${r.type} ${r.name} has a secret in a plain input`);
        }
        if (external) {
            for (const [type, [path]] of Object.entries(WRITE_ONLY_PATHS)) {
                for (const r of rec.ofType(type)) assert.deepEqual(secretPaths(r.inputs), [path], `${r.name} writes its value through ${path}`);
            }
        }
    });

    it("registers schema-valid Kubernetes objects with unique URNs, all children of the component on explicit providers", async () => {
        const rec = getRec();
        const manifests = rec.resources.map((r) => manifestFromRegistration(r, { secrets: "unwrap" })).filter((m) => m !== undefined);
        assert.ok(manifests.length > 0);
        assert.deepEqual(await validateKubernetesObjects(manifests), []);
        assert.deepEqual(rec.duplicateUrns(), []);
        const component = rec.get("consonant:secrets:SecretStore", "relayer-secrets");
        for (const r of children(rec)) {
            assert.equal(r.parent, component.urn, `${r.name} is not a child of the store`);
            assert.ok(r.provider, `${r.type} ${r.name} has no explicit provider`);
            assert.ok(r.name.startsWith("relayer-secrets-"), `${r.name} is not named <component>-<role>`);
        }
    });

    it("exposes no secret and no secret value in its outputs", async () => {
        const store = getStore();
        const outputs = {
            storeKind: store.storeKind,
            storeReferences: store.storeReferences,
            clusterSecretStoreName: store.clusterSecretStoreName,
            secretNames: store.secretNames,
            tunnelTokenSecret: store.tunnelTokenSecret,
            kmsKeyArn: store.kmsKeyArn,
            externalSecretsRoleArn: store.externalSecretsRoleArn,
            vaultPolicyName: store.vaultPolicyName,
            vaultRoleName: store.vaultRoleName,
        };
        for (const [key, value] of Object.entries(outputs)) {
            const resolved = await resolveOutput(value);
            assert.equal(resolved.secret, false, `${key} is secret`);
            const text = JSON.stringify(resolved.value ?? null);
            for (const fakeValue of Object.values(FAKES)) assert.ok(!text.includes(fakeValue), `${key} leaks a value`);
            assert.ok(!/[0-9a-f]{64}/.test(text), `${key} looks like it holds the cluster token`);
        }
        assert.deepEqual((await resolveOutput(store.secretNames)).value, expectedSecretNames);
        assert.deepEqual((await resolveOutput(store.tunnelTokenSecret)).value, { namespace: "cloudflared", name: "cloudflared-tunnel-token", key: "token" });
    });

    it("mints cluster credentials: 32 random bytes, regenerated when secretsVersion changes", () => {
        const token = getRec().get("random:index/randomBytes:RandomBytes", "relayer-secrets-cluster-token");
        assert.equal(token.inputs.length, 32);
        assert.deepEqual(token.inputs.keepers, { secretsVersion: "1" });
        const ids = getRec().ofType("random:index/randomId:RandomId");
        if (generatedClusterId) assert.equal(getRec().get("random:index/randomId:RandomId", "relayer-secrets-cluster-id").inputs.prefix, "cluster-");
        else assert.equal(ids.length, 0, "a configured cluster id is not generated");
    });
}

function externalSecretChecks(getRec: () => MockRecorder) {
    it("syncs each secret with an ExternalSecret: refresh interval, Owner policy, Ready wait, right namespace", () => {
        const rec = getRec();
        const es = rec.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").map((r) => plain<ExternalSecretManifest>(r));
        assert.deepEqual(
            sorted(es.map((e) => [e.metadata.namespace, e.metadata.name, e.spec.target.name])),
            sorted([
                ["consonant-system", "consonant-relayer-cluster", "consonant-relayer-cluster"],
                ["consonant-system", "consonant-relayer-access", "consonant-relayer-access"],
                ["cloudflared", "cloudflared-tunnel-token", "cloudflared-tunnel-token"],
                ["consonant-system", "consonant-relayer-llm-anthropic", "consonant-relayer-llm-anthropic"],
                ["consonant-system", "consonant-relayer-llm-azure", "consonant-relayer-llm-azure"],
            ]),
        );
        for (const e of es) {
            assert.equal(e.spec.refreshInterval, "1h");
            assert.equal(e.spec.target.creationPolicy, "Owner");
            assert.deepEqual(e.spec.secretStoreRef, { kind: "ClusterSecretStore", name: "consonant-relayer" });
            assert.equal(e.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
        }
        assert.deepEqual(
            sorted(es.map((e) => [e.metadata.name, e.metadata.annotations["secrets.consonant.io/written-version"] ?? null])),
            sorted([
                ["consonant-relayer-cluster", "1"],
                ["consonant-relayer-access", "2"],
                ["cloudflared-tunnel-token", "4"],
                ["consonant-relayer-llm-anthropic", "1"],
                ["consonant-relayer-llm-azure", null],
            ]),
            "program-written values carry their write-only version (a change re-syncs at once); external ones none",
        );
        const store = plain<ClusterSecretStoreManifest>(rec.get("kubernetes:external-secrets.io/v1:ClusterSecretStore", "relayer-secrets-cluster-secret-store"));
        assert.deepEqual(store.spec.conditions, [{ namespaces: ["cloudflared", "consonant-system"] }]);
        assert.equal(store.metadata.name, "consonant-relayer");
        assert.equal(store.metadata.annotations["pulumi.com/waitFor"], "condition=Ready");
    });

    it("creates each ExternalSecret only after the store side and the ClusterSecretStore exist", () => {
        const rec = getRec();
        const store = rec.get("kubernetes:external-secrets.io/v1:ClusterSecretStore", "relayer-secrets-cluster-secret-store");
        for (const es of rec.ofType("kubernetes:external-secrets.io/v1:ExternalSecret")) {
            assert.ok(es.dependencies.includes(store.urn), `${es.name} does not wait for the store`);
        }
    });
}

describe("SecretStore (vault mode)", () => {
    let rec: MockRecorder;
    let store: SecretStore;
    const vaultOptions = baseOptions({
        mode: "vault",
        vault: {
            address: "https://vault.example.test:8200",
            kvMount: "kv",
            createKvMount: true,
            maxVersions: 10,
            authPath: "consonant-kubernetes",
            createAuthBackend: true,
            kubernetesHost: "https://api.cluster.example.test:443",
            kubernetesCaCert: PEM,
            issuer: "https://kubernetes.default.svc.cluster.local",
            roleName: "consonant-relayer",
            tokenTtlSeconds: 3600,
            audience: "vault",
            kubernetesApiAudience: "https://kubernetes.default.svc",
        },
    });
    before(async () => {
        rec = await installMocks({ project: PROJECT, stack: "prod", preview: false });
    });
    it("builds the Vault store", async () => {
        store = await buildStore(vaultOptions);
        assert.equal(store.storeKind, "vault");
    });

    it("creates a KV v2 mount and writes program-known secrets with dataJsonWo, versioned and with max versions", () => {
        assert.deepEqual(rec.get("vault:index/mount:Mount", "relayer-secrets-kv").inputs, {
            path: "kv",
            type: "kv",
            options: { version: "2" },
            description: "Consonant Relayer secrets (KV v2)",
        });
        const written = rec.ofType("vault:kv/secretV2:SecretV2");
        assert.deepEqual(
            sorted(written.map((r) => [r.inputs.name, r.inputs.dataJsonWoVersion])),
            sorted([
                ["consonant/prod/cluster-credentials", 1],
                ["consonant/prod/access-service-token", 2],
                ["consonant/prod/tunnel-token", 4],
                ["consonant/prod/llm-anthropic", 1],
            ]),
            "the external azure key is only referenced, never written",
        );
        for (const r of written) {
            assert.equal(r.inputs.mount, "kv");
            assert.equal(r.inputs.dataJson, undefined, "never the state-stored dataJson");
            assert.equal((r.inputs.customMetadata as Record<string, unknown>).maxVersions, 10);
        }
        const access = JSON.parse(unwrapSecrets(rec.get("vault:kv/secretV2:SecretV2", "relayer-secrets-access-service-token").inputs.dataJsonWo) as string);
        assert.deepEqual(access, { "access-client-id": FAKES.accessId, "access-client-secret": FAKES.accessSecret });
        const cluster = JSON.parse(unwrapSecrets(rec.get("vault:kv/secretV2:SecretV2", "relayer-secrets-cluster-credentials").inputs.dataJsonWo) as string);
        assert.deepEqual(Object.keys(cluster), ["cluster-id", "cluster-token"]);
        assert.match(cluster["cluster-token"], /^[0-9a-f]{64}$/);
        assert.match(cluster["cluster-id"], /^cluster-[0-9a-f]{16}$/);
    });

    it("writes the exact read-only policy for exactly the relayer's paths", () => {
        const policy = rec.get("vault:index/policy:Policy", "relayer-secrets-policy").inputs;
        assert.equal(policy.name, "consonant-prod-read");
        const roles = ["access-service-token", "cluster-credentials", "llm-anthropic", "llm-azure", "tunnel-token"];
        const expected: Record<string, { capabilities: string[] }> = {};
        for (const role of roles) expected[`kv/data/consonant/prod/${role}`] = { capabilities: ["read"] };
        for (const role of roles) expected[`kv/metadata/consonant/prod/${role}`] = { capabilities: ["list", "read"] };
        assert.equal(policy.policy, JSON.stringify({ path: expected }));
    });

    it("configures Kubernetes auth and binds the role to exactly the ESO ServiceAccount, TTL 1h, audience set", () => {
        assert.deepEqual(rec.get("vault:index/authBackend:AuthBackend", "relayer-secrets-kubernetes-auth").inputs, {
            type: "kubernetes",
            path: "consonant-kubernetes",
            description: "Kubernetes auth for External Secrets Operator (Consonant Relayer)",
        });
        assert.deepEqual(rec.get("vault:kubernetes/authBackendConfig:AuthBackendConfig", "relayer-secrets-kubernetes-auth-config").inputs, {
            backend: "consonant-kubernetes",
            kubernetesHost: "https://api.cluster.example.test:443",
            kubernetesCaCert: PEM,
            issuer: "https://kubernetes.default.svc.cluster.local",
            disableIssValidation: false,
        });
        const role = rec.get("vault:kubernetes/authBackendRole:AuthBackendRole", "relayer-secrets-kubernetes-role").inputs;
        assert.deepEqual(role, {
            backend: "consonant-kubernetes",
            roleName: "consonant-relayer",
            boundServiceAccountNames: ["external-secrets"],
            boundServiceAccountNamespaces: ["external-secrets"],
            audience: "vault",
            tokenTtl: 3600,
            tokenMaxTtl: 3600,
            tokenPolicies: ["consonant-prod-read"],
        });
        assert.ok((role.tokenTtl as number) <= 86400);
        const review = plain<{ roleRef: unknown; subjects: unknown }>(rec.get("kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding", "relayer-secrets-vault-token-review"));
        assert.deepEqual(review.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: "system:auth-delegator" });
        assert.deepEqual(review.subjects, [{ kind: "ServiceAccount", name: "external-secrets", namespace: "external-secrets" }]);
    });

    it("points the ClusterSecretStore at Vault with Kubernetes auth for the ESO ServiceAccount", () => {
        const storeObj = plain<ClusterSecretStoreManifest>(rec.get("kubernetes:external-secrets.io/v1:ClusterSecretStore", "relayer-secrets-cluster-secret-store"));
        assert.deepEqual(storeObj.spec.provider, {
            vault: {
                server: "https://vault.example.test:8200",
                path: "kv",
                version: "v2",
                auth: {
                    kubernetes: {
                        mountPath: "consonant-kubernetes",
                        role: "consonant-relayer",
                        serviceAccountRef: { name: "external-secrets", namespace: "external-secrets", audiences: ["vault", "https://kubernetes.default.svc"] },
                    },
                },
            },
        });
    });

    it("reports Vault paths, never values, as references", async () => {
        assert.deepEqual((await resolveOutput(store.storeReferences)).value, [
            "kv/data/consonant/prod/cluster-credentials",
            "kv/data/consonant/prod/access-service-token",
            "kv/data/consonant/prod/tunnel-token",
            "kv/data/consonant/prod/llm-anthropic",
            "kv/data/consonant/prod/llm-azure",
        ]);
    });

    externalSecretChecks(() => rec);
    commonChecks(() => rec, () => store, true, ALL_RELAYER_SECRETS, true);
});

describe("SecretStore (aws mode, IRSA)", () => {
    let rec: MockRecorder;
    let store: SecretStore;
    const issuer = "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0000";
    const oidcProviderArn = `arn:aws:iam::000000000000:oidc-provider/${issuer}`;
    const arnOf = (role: string) => placeholderArn("aws:secretsmanager/secret:Secret", `relayer-secrets-${role}`);
    const keyArn = placeholderArn("aws:kms/key:Key", "relayer-secrets-key");
    before(async () => {
        rec = await installMocks({ project: PROJECT, stack: "prod", preview: false });
    });
    it("builds the AWS store", async () => {
        store = await buildStore(
            baseOptions({
                mode: "aws",
                aws: {
                    region: "eu-west-1",
                    accountId: "000000000000",
                    identity: { kind: "irsa", oidcProviderArn, oidcIssuer: issuer },
                    recoveryWindowDays: 30,
                    kmsDeletionWindowDays: 30,
                    kmsRotationDays: 365,
                },
            }),
        );
        assert.equal(store.storeKind, "aws");
    });

    it("creates a customer-managed KMS key with rotation on, an account-scoped key policy and an alias", () => {
        const key = rec.get("aws:kms/key:Key", "relayer-secrets-key").inputs;
        assert.equal(key.enableKeyRotation, true);
        assert.equal(key.rotationPeriodInDays, 365);
        assert.equal(key.deletionWindowInDays, 30);
        assert.equal(
            key.policy,
            '{"Statement":[{"Action":"kms:*","Effect":"Allow","Principal":{"AWS":"arn:aws:iam::000000000000:root"},"Resource":"*","Sid":"AccountAdministersKeyThroughIam"}],"Version":"2012-10-17"}',
        );
        const alias = rec.get("aws:kms/alias:Alias", "relayer-secrets-key-alias").inputs;
        assert.deepEqual(alias, { name: "alias/consonant-prod", targetKeyId: "offline-relayer-secrets-key-key-id" });
    });

    it("creates every secret encrypted with that key and a recovery window, values through secretStringWo", () => {
        const secrets = rec.ofType("aws:secretsmanager/secret:Secret");
        assert.deepEqual(
            secrets.map((s) => s.inputs.name).sort(),
            ["consonant/prod/access-service-token", "consonant/prod/cluster-credentials", "consonant/prod/llm-anthropic", "consonant/prod/llm-azure", "consonant/prod/tunnel-token"],
        );
        for (const s of secrets) {
            assert.equal(s.inputs.kmsKeyId, keyArn);
            assert.equal(s.inputs.recoveryWindowInDays, 30);
        }
        const versions = rec.ofType("aws:secretsmanager/secretVersion:SecretVersion");
        assert.deepEqual(
            sorted(versions.map((v) => [v.inputs.secretId, v.inputs.secretStringWoVersion, v.inputs.secretString ?? null])),
            sorted([
                [arnOf("cluster-credentials"), 1, null],
                [arnOf("access-service-token"), 2, null],
                [arnOf("tunnel-token"), 4, null],
                [arnOf("llm-anthropic"), 1, null],
            ]),
            "the external azure key gets no version from the program",
        );
        const tunnel = JSON.parse(unwrapSecrets(rec.get("aws:secretsmanager/secretVersion:SecretVersion", "relayer-secrets-tunnel-token-value").inputs.secretStringWo) as string);
        assert.deepEqual(tunnel, { token: FAKES.tunnel });
    });

    it("allows exactly GetSecretValue/DescribeSecret on those ARNs and kms:Decrypt via Secrets Manager", () => {
        const policy = rec.get("aws:iam/policy:Policy", "relayer-secrets-read-policy").inputs.policy as string;
        const arns = ["cluster-credentials", "access-service-token", "tunnel-token", "llm-anthropic", "llm-azure"].map(arnOf).sort();
        assert.equal(
            policy,
            JSON.stringify({
                Statement: [
                    { Action: ["secretsmanager:DescribeSecret", "secretsmanager:GetSecretValue"], Effect: "Allow", Resource: arns, Sid: "ReadRelayerSecrets" },
                    {
                        Action: ["kms:Decrypt"],
                        Condition: { StringEquals: { "kms:ViaService": "secretsmanager.eu-west-1.amazonaws.com" } },
                        Effect: "Allow",
                        Resource: [keyArn],
                        Sid: "DecryptRelayerSecrets",
                    },
                ],
                Version: "2012-10-17",
            }),
        );
        assert.ok(!/"\*"/.test(policy), "no * action or resource");
    });

    it("lets only the ESO ServiceAccount assume the role through IRSA (sub and aud StringEquals)", () => {
        const role = rec.get("aws:iam/role:Role", "relayer-secrets-external-secrets-role").inputs;
        assert.equal(
            role.assumeRolePolicy,
            JSON.stringify({
                Statement: [
                    {
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                [`${issuer}:aud`]: "sts.amazonaws.com",
                                [`${issuer}:sub`]: "system:serviceaccount:external-secrets:external-secrets",
                            },
                        },
                        Effect: "Allow",
                        Principal: { Federated: oidcProviderArn },
                        Sid: "ExternalSecretsServiceAccount",
                    },
                ],
                Version: "2012-10-17",
            }),
        );
        const attachment = rec.get("aws:iam/rolePolicyAttachment:RolePolicyAttachment", "relayer-secrets-read-policy-attachment").inputs;
        assert.equal(attachment.policyArn, placeholderArn("aws:iam/policy:Policy", "relayer-secrets-read-policy"));
        assert.equal(rec.ofType("aws:eks/podIdentityAssociation:PodIdentityAssociation").length, 0);
        const storeObj = plain<ClusterSecretStoreManifest>(rec.get("kubernetes:external-secrets.io/v1:ClusterSecretStore", "relayer-secrets-cluster-secret-store"));
        assert.deepEqual(storeObj.spec.provider, {
            aws: { service: "SecretsManager", region: "eu-west-1", auth: { jwt: { serviceAccountRef: { name: "external-secrets", namespace: "external-secrets" } } } },
        });
    });

    it("reports ARNs, never values", async () => {
        assert.deepEqual((await resolveOutput(store.storeReferences)).value, ["cluster-credentials", "access-service-token", "tunnel-token", "llm-anthropic", "llm-azure"].map(arnOf));
        assert.equal((await resolveOutput(store.kmsKeyArn)).value, keyArn);
    });

    externalSecretChecks(() => rec);
    commonChecks(() => rec, () => store, true, ALL_RELAYER_SECRETS, true);
});

describe("SecretStore (aws mode, EKS Pod Identity)", () => {
    let rec: MockRecorder;
    before(async () => {
        rec = await installMocks({ project: PROJECT, stack: "prod", preview: false });
    });
    it("associates the role with the ESO ServiceAccount and trusts only pods.eks.amazonaws.com of the account", async () => {
        await buildStore(
            baseOptions({
                mode: "aws",
                llm: [],
                aws: {
                    region: "eu-west-1",
                    accountId: "000000000000",
                    identity: { kind: "pod-identity", clusterName: "eks-prod" },
                    recoveryWindowDays: 7,
                    kmsDeletionWindowDays: 7,
                    kmsRotationDays: 90,
                },
            }),
            false,
        );
        const association = rec.get("aws:eks/podIdentityAssociation:PodIdentityAssociation", "relayer-secrets-pod-identity").inputs;
        assert.equal(association.clusterName, "eks-prod");
        assert.equal(association.namespace, "external-secrets");
        assert.equal(association.serviceAccount, "external-secrets");
        assert.equal(association.roleArn, placeholderArn("aws:iam/role:Role", "relayer-secrets-external-secrets-role"));
        const trust = JSON.parse(rec.get("aws:iam/role:Role", "relayer-secrets-external-secrets-role").inputs.assumeRolePolicy as string);
        assert.deepEqual(trust.Statement[0].Principal, { Service: "pods.eks.amazonaws.com" });
        assert.deepEqual(trust.Statement[0].Condition, { StringEquals: { "aws:SourceAccount": "000000000000" } });
        const storeObj = plain<ClusterSecretStoreManifest>(rec.get("kubernetes:external-secrets.io/v1:ClusterSecretStore", "relayer-secrets-cluster-secret-store"));
        assert.deepEqual(storeObj.spec.provider, { aws: { service: "SecretsManager", region: "eu-west-1" } });
        assert.deepEqual(storeObj.spec.conditions, [{ namespaces: ["consonant-system"] }], "no connector, no connector namespace");
        assert.deepEqual(
            sorted(rec.ofType("aws:secretsmanager/secret:Secret").map((s) => [s.inputs.name, s.inputs.recoveryWindowInDays])),
            [
                ["consonant/prod/access-service-token", 7],
                ["consonant/prod/cluster-credentials", 7],
                ["consonant/prod/tunnel-token", 7],
            ],
        );
        assert.equal(rec.ofType("random:index/randomBytes:RandomBytes").length, 1);
    });

    it("keeps the tunnel token in the store only when this program deploys no connector", () => {
        assert.ok(rec.get("aws:secretsmanager/secretVersion:SecretVersion", "relayer-secrets-tunnel-token-value"));
        assert.deepEqual(
            rec.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").map((r) => r.name).sort(),
            ["relayer-secrets-access-service-token", "relayer-secrets-cluster-credentials"],
        );
    });
});

describe("SecretStore (kubernetes mode, development)", () => {
    let rec: MockRecorder;
    let store: SecretStore;
    before(async () => {
        rec = await installMocks({ project: PROJECT, stack: "dev", preview: false });
    });
    it("builds plain Secrets from secret config values and no store, ESO or cloud resource", async () => {
        store = await buildStore(baseOptions({ mode: "kubernetes", prefix: "consonant/dev", llm: [{ provider: "anthropic", source: "config" }], azureEndpoint: undefined, clusterId: "dev-cluster" }));
        const types = new Set(children(rec).map((r) => r.type));
        assert.deepEqual([...types].sort(), ["kubernetes:core/v1:Secret", "random:index/randomBytes:RandomBytes"]);
        assert.equal(store.clusterSecretStoreName, undefined);
        const secrets = rec.ofType("kubernetes:core/v1:Secret");
        assert.deepEqual(
            sorted(secrets.map((s) => [(s.inputs.metadata as Record<string, unknown>).namespace, (s.inputs.metadata as Record<string, unknown>).name, secretPaths(s.inputs)])),
            sorted([
                ["consonant-system", "consonant-relayer-cluster", ["stringData"]],
                ["consonant-system", "consonant-relayer-access", ["stringData"]],
                ["cloudflared", "cloudflared-tunnel-token", ["stringData"]],
                ["consonant-system", "consonant-relayer-llm-anthropic", ["stringData"]],
            ]),
        );
        const cluster = unwrapSecrets(rec.get("kubernetes:core/v1:Secret", "relayer-secrets-cluster-credentials").inputs.stringData) as Record<string, string>;
        assert.equal(cluster["cluster-id"], "dev-cluster", "a configured cluster id is used as is");
        assert.match(cluster["cluster-token"], /^[0-9a-f]{64}$/);
        assert.deepEqual(unwrapSecrets(rec.get("kubernetes:core/v1:Secret", "relayer-secrets-llm-anthropic").inputs.stringData), { "llm-anthropic-api-key": FAKES.anthropic });
    });

    commonChecks(() => rec, () => store, false, ["consonant-relayer-cluster", "consonant-relayer-access", "consonant-relayer-llm-anthropic"], false);
});

describe("SecretStore rotation and preview", () => {
    it("bumping secretsVersion rewrites every program-written secret with a new write-only version and a new token", async () => {
        const rec = await installMocks({ project: PROJECT, stack: "prod", preview: false });
        await buildStore(
            baseOptions({
                mode: "aws",
                version: 2,
                llm: [{ provider: "openai", source: "config" }],
                aws: { region: "eu-west-1", accountId: "000000000000", identity: { kind: "pod-identity", clusterName: "eks" }, recoveryWindowDays: 30, kmsDeletionWindowDays: 30, kmsRotationDays: 365 },
            }),
        );
        assert.deepEqual(
            sorted(rec.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((v) => [v.name, v.inputs.secretStringWoVersion])),
            [
                ["relayer-secrets-access-service-token-value", 3],
                ["relayer-secrets-cluster-credentials-value", 2],
                ["relayer-secrets-llm-openai-value", 2],
                ["relayer-secrets-tunnel-token-value", 5],
            ],
        );
        assert.deepEqual(rec.get("random:index/randomBytes:RandomBytes", "relayer-secrets-cluster-token").inputs.keepers, { secretsVersion: "2" });
        const annotations = plain<ExternalSecretManifest>(rec.get("kubernetes:external-secrets.io/v1:ExternalSecret", "relayer-secrets-cluster-credentials")).metadata.annotations;
        assert.equal(annotations["secrets.consonant.io/written-version"], "2", "the ExternalSecret changes with the version, so ESO re-syncs immediately");
    });

    it("registers everything in preview without waiting on values the engine does not know yet", async () => {
        const rec = await installMocks({ project: PROJECT, stack: "prod", preview: true });
        const store = await buildStore(
            baseOptions({
                mode: "vault",
                vault: {
                    address: "https://vault.example.test:8200",
                    kvMount: "kv",
                    createKvMount: false,
                    maxVersions: 5,
                    authPath: "kubernetes",
                    createAuthBackend: false,
                    roleName: "consonant-relayer",
                    tokenTtlSeconds: 900,
                    audience: "vault",
                    kubernetesApiAudience: "https://kubernetes.default.svc.cluster.local",
                },
            }),
        );
        assert.equal(rec.ofType("vault:index/mount:Mount").length, 0, "an existing mount is used, not created");
        assert.equal(rec.ofType("vault:index/authBackend:AuthBackend").length, 0, "an existing auth backend is used, not created");
        assert.equal(rec.get("vault:kubernetes/authBackendRole:AuthBackendRole", "relayer-secrets-kubernetes-role").inputs.backend, "kubernetes");
        assert.equal(rec.ofType("kubernetes:external-secrets.io/v1:ExternalSecret").length, 5);
        assert.equal((await resolveOutput(store.clusterSecretStoreName)).value, "consonant-relayer");
    });

    it("refuses a connector Secret name the store does not deliver", async () => {
        await installMocks({ project: PROJECT, stack: "prod", preview: false });
        assert.throws(
            () =>
                new SecretStore("bad", {
                    ...baseOptions({ llm: [] }),
                    namespace: "consonant-system",
                    labels: LABELS,
                    providers: { kubernetes: new k8s.Provider("k8s-bad", { kubeconfig: "x" }), random: new random.Provider("random-bad") },
                    cloudflare: {
                        accessClientId: pulumi.secret("a"),
                        accessClientSecret: pulumi.secret("b"),
                        accessTokenVersion: 1,
                        tunnelToken: pulumi.secret("c"),
                        tunnelTokenVersion: 1,
                        connectorTokenSecret: { namespace: "cloudflared", name: "tunnel", key: "token" },
                    },
                }),
            /SecretStore: the connector expects Secret 'tunnel' key 'token', but the store delivers 'cloudflared-tunnel-token' key 'token'; fix: use TUNNEL_TOKEN_SECRET_NAME\/KEY/,
        );
    });
});
