// Pure builders of the secret store: catalog, Vault policy, IAM/KMS documents, External Secrets manifests.
import { strict as assert } from "assert";
import {
    awsPartition,
    buildIrsaTrustPolicy,
    buildKmsKeyPolicy,
    buildPodIdentityTrustPolicy,
    buildSecretsReadPolicy,
    serializeIamPolicy,
} from "../components/secrets/aws-policies";
import { secretCatalog } from "../components/secrets/catalog";
import { buildClusterSecretStore, buildExternalSecret } from "../components/secrets/external-secrets";
import { buildVaultReadPolicy, serializeVaultPolicy } from "../components/secrets/vault-policy";
import { validateKubernetesObject } from "../tools/lib/k8s-schema";

const fullCatalog = secretCatalog({
    prefix: "consonant/prod",
    llm: [
        { provider: "anthropic", source: "config" },
        { provider: "azure", source: "external" },
    ],
    accessServiceToken: true,
    tunnelToken: "connector",
});

describe("secrets documents", () => {
    describe("catalog", () => {
        it("lists one entry per secret with the DESIGN.md file names and fixed Secret names", () => {
            assert.deepEqual(
                fullCatalog.map((e) => [e.storeName, e.files, e.writer, e.placement, e.secretName]),
                [
                    ["consonant/prod/cluster-credentials", ["cluster-id", "cluster-token"], "program", "relayer", "consonant-relayer-cluster"],
                    ["consonant/prod/access-service-token", ["access-client-id", "access-client-secret"], "program", "relayer", "consonant-relayer-access"],
                    ["consonant/prod/tunnel-token", ["token"], "program", "connector", "cloudflared-tunnel-token"],
                    ["consonant/prod/llm-anthropic", ["llm-anthropic-api-key"], "program", "relayer", "consonant-relayer-llm-anthropic"],
                    ["consonant/prod/llm-azure", ["llm-azure-api-key"], "external", "relayer", "consonant-relayer-llm-azure"],
                ],
            );
        });

        it("holds only the cluster credentials when nothing else is enabled", () => {
            assert.deepEqual(
                secretCatalog({ prefix: "p", llm: [], accessServiceToken: false, tunnelToken: "none" }).map((e) => e.role),
                ["cluster-credentials"],
            );
        });
    });

    describe("Vault policy", () => {
        it("grants read on exactly the data paths and read/list on exactly the metadata paths", () => {
            const doc = buildVaultReadPolicy("kv", ["consonant/prod/cluster-credentials", "consonant/prod/llm-openai"]);
            assert.equal(
                serializeVaultPolicy(doc),
                '{"path":{"kv/data/consonant/prod/cluster-credentials":{"capabilities":["read"]},' +
                    '"kv/data/consonant/prod/llm-openai":{"capabilities":["read"]},' +
                    '"kv/metadata/consonant/prod/cluster-credentials":{"capabilities":["list","read"]},' +
                    '"kv/metadata/consonant/prod/llm-openai":{"capabilities":["list","read"]}}}',
            );
        });

        it("has no glob, no sys/ path, no sudo and no write capability for the full catalog", () => {
            const doc = buildVaultReadPolicy("consonant", fullCatalog.map((e) => e.storeName));
            assert.equal(Object.keys(doc.path).length, fullCatalog.length * 2);
            for (const [path, rule] of Object.entries(doc.path)) {
                assert.ok(!/[*+]/.test(path), `glob in ${path}`);
                assert.ok(!path.startsWith("sys/") && path.startsWith("consonant/"), `path outside the mount: ${path}`);
                assert.ok(rule.capabilities.every((c) => c === "read" || c === "list"), `write capability on ${path}`);
            }
        });

        it("serialises identically whatever order the secrets come in", () => {
            assert.equal(serializeVaultPolicy(buildVaultReadPolicy("kv", ["a/x", "a/y"])), serializeVaultPolicy(buildVaultReadPolicy("kv", ["a/y", "a/x"])));
        });
    });

    describe("AWS documents", () => {
        it("reads exactly the given secrets and decrypts only through Secrets Manager", () => {
            const doc = buildSecretsReadPolicy({
                secretArns: ["arn:aws:secretsmanager:eu-west-1:000000000000:secret:b-AAAAAA", "arn:aws:secretsmanager:eu-west-1:000000000000:secret:a-BBBBBB"],
                kmsKeyArn: "arn:aws:kms:eu-west-1:000000000000:key/example",
                region: "eu-west-1",
            });
            assert.equal(
                serializeIamPolicy(doc),
                '{"Statement":[{"Action":["secretsmanager:DescribeSecret","secretsmanager:GetSecretValue"],"Effect":"Allow",' +
                    '"Resource":["arn:aws:secretsmanager:eu-west-1:000000000000:secret:a-BBBBBB","arn:aws:secretsmanager:eu-west-1:000000000000:secret:b-AAAAAA"],"Sid":"ReadRelayerSecrets"},' +
                    '{"Action":["kms:Decrypt"],"Condition":{"StringEquals":{"kms:ViaService":"secretsmanager.eu-west-1.amazonaws.com"}},"Effect":"Allow",' +
                    '"Resource":["arn:aws:kms:eu-west-1:000000000000:key/example"],"Sid":"DecryptRelayerSecrets"}],"Version":"2012-10-17"}',
            );
            for (const statement of doc.Statement) {
                assert.ok(![statement.Action].flat().some((a) => a.includes("*")), "no * action");
                assert.ok(![statement.Resource].flat().some((r) => r === "*"), "no * resource");
            }
        });

        it("trusts only the ESO ServiceAccount through IRSA, with sub and aud conditions", () => {
            const doc = buildIrsaTrustPolicy({
                oidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
                oidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE",
                namespace: "external-secrets",
                serviceAccount: "external-secrets",
            });
            assert.deepEqual(doc, {
                Version: "2012-10-17",
                Statement: [
                    {
                        Sid: "ExternalSecretsServiceAccount",
                        Effect: "Allow",
                        Principal: { Federated: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE" },
                        Action: "sts:AssumeRoleWithWebIdentity",
                        Condition: {
                            StringEquals: {
                                "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:aud": "sts.amazonaws.com",
                                "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE:sub": "system:serviceaccount:external-secrets:external-secrets",
                            },
                        },
                    },
                ],
            });
        });

        it("trusts EKS Pod Identity of this account only", () => {
            assert.equal(
                serializeIamPolicy(buildPodIdentityTrustPolicy({ accountId: "000000000000" })),
                '{"Statement":[{"Action":["sts:AssumeRole","sts:TagSession"],"Condition":{"StringEquals":{"aws:SourceAccount":"000000000000"}},' +
                    '"Effect":"Allow","Principal":{"Service":"pods.eks.amazonaws.com"},"Sid":"EksPodIdentity"}],"Version":"2012-10-17"}',
            );
        });

        it("scopes the key policy to the account's root principal, in the region's partition", () => {
            assert.deepEqual(buildKmsKeyPolicy({ accountId: "000000000000", region: "us-gov-west-1" }).Statement, [
                { Sid: "AccountAdministersKeyThroughIam", Effect: "Allow", Principal: { AWS: "arn:aws-us-gov:iam::000000000000:root" }, Action: "kms:*", Resource: "*" },
            ]);
            assert.equal(awsPartition("cn-north-1"), "aws-cn");
            assert.equal(awsPartition("eu-west-1"), "aws");
        });
    });

    describe("External Secrets manifests", () => {
        const labels = { "app.kubernetes.io/part-of": "consonant-relayer" };

        it("builds a Vault ClusterSecretStore restricted to the relayer namespace, valid against the ESO schema", async () => {
            const store = buildClusterSecretStore({
                name: "consonant-relayer",
                labels,
                namespaces: ["consonant-system"],
                backend: {
                    kind: "vault",
                    server: "https://vault.example.test:8200",
                    kvMount: "kv",
                    authMount: "consonant-kubernetes",
                    role: "consonant-relayer",
                    audience: "vault",
                    kubernetesApiAudience: "https://kubernetes.default.svc",
                    serviceAccount: { name: "external-secrets", namespace: "external-secrets" },
                },
            });
            assert.deepEqual(store.spec, {
                provider: {
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
                },
                conditions: [{ namespaces: ["consonant-system"] }],
            });
            assert.deepEqual(store.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready" });
            await validateKubernetesObject(store);
        });

        it("trusts a private Vault CA through caBundle (base64 of the PEM)", async () => {
            const pem = "-----BEGIN CERTIFICATE-----\nMIIBfakeVaultCaNotReal\n-----END CERTIFICATE-----";
            const store = buildClusterSecretStore({
                name: "s",
                labels,
                namespaces: ["consonant-system"],
                backend: {
                    kind: "vault",
                    server: "https://vault.example.test:8200",
                    caCert: pem,
                    kvMount: "kv",
                    authMount: "k",
                    role: "r",
                    audience: "vault",
                    kubernetesApiAudience: "https://kubernetes.default.svc",
                    serviceAccount: { name: "external-secrets", namespace: "external-secrets" },
                },
            });
            const vault = (store.spec.provider as { vault: { caBundle: string } }).vault;
            assert.equal(Buffer.from(vault.caBundle, "base64").toString("utf8"), pem);
            await validateKubernetesObject(store);
        });

        it("builds AWS ClusterSecretStores for IRSA (jwt auth) and Pod Identity (ambient credentials)", async () => {
            const base = { name: "consonant-relayer", labels, namespaces: ["consonant-system", "cloudflared"] };
            const sa = { name: "external-secrets", namespace: "external-secrets" };
            const irsa = buildClusterSecretStore({ ...base, backend: { kind: "aws", region: "eu-west-1", identity: "irsa", serviceAccount: sa } });
            assert.deepEqual(irsa.spec.provider, { aws: { service: "SecretsManager", region: "eu-west-1", auth: { jwt: { serviceAccountRef: sa } } } });
            assert.deepEqual(irsa.spec.conditions, [{ namespaces: ["cloudflared", "consonant-system"] }]);
            const podIdentity = buildClusterSecretStore({ ...base, backend: { kind: "aws", region: "eu-west-1", identity: "pod-identity", serviceAccount: sa } });
            assert.deepEqual(podIdentity.spec.provider, { aws: { service: "SecretsManager", region: "eu-west-1" } });
            await validateKubernetesObject(irsa);
            await validateKubernetesObject(podIdentity);
        });

        it("builds ExternalSecrets with refresh interval, owner creation policy, Ready wait and one key per file", async () => {
            const es = buildExternalSecret({ entry: fullCatalog[0], namespace: "consonant-system", storeName: "consonant-relayer", refreshInterval: "1h", labels });
            assert.deepEqual(es.metadata, {
                name: "consonant-relayer-cluster",
                namespace: "consonant-system",
                labels,
                annotations: { "pulumi.com/waitFor": "condition=Ready" },
            });
            assert.deepEqual(es.spec, {
                refreshInterval: "1h",
                refreshPolicy: "Periodic",
                secretStoreRef: { kind: "ClusterSecretStore", name: "consonant-relayer" },
                target: { name: "consonant-relayer-cluster", creationPolicy: "Owner", deletionPolicy: "Retain", template: { engineVersion: "v2", metadata: { labels } } },
                data: [
                    { secretKey: "cluster-id", remoteRef: { key: "consonant/prod/cluster-credentials", property: "cluster-id" } },
                    { secretKey: "cluster-token", remoteRef: { key: "consonant/prod/cluster-credentials", property: "cluster-token" } },
                ],
            });
            await validateKubernetesObject(es);
        });

        it("annotates a program-written value's version so a rotation re-syncs at once", async () => {
            const es = buildExternalSecret({ entry: fullCatalog[0], namespace: "consonant-system", storeName: "s", refreshInterval: "1h", labels, writtenVersion: 3 });
            assert.deepEqual(es.metadata.annotations, { "pulumi.com/waitFor": "condition=Ready", "secrets.consonant.io/written-version": "3" });
            await validateKubernetesObject(es);
        });

        it("adds the Azure endpoint file through a merge template, never through the store", async () => {
            const azure = fullCatalog.find((e) => e.role === "llm-azure")!;
            const es = buildExternalSecret({ entry: azure, namespace: "consonant-system", storeName: "s", refreshInterval: "15m", labels, azureEndpoint: "https://example-resource.openai.azure.com" });
            assert.deepEqual(es.spec.target.template, {
                engineVersion: "v2",
                metadata: { labels },
                mergePolicy: "Merge",
                data: { "azure-openai-endpoint": "https://example-resource.openai.azure.com" },
            });
            assert.deepEqual(es.spec.data, [{ secretKey: "llm-azure-api-key", remoteRef: { key: "consonant/prod/llm-azure", property: "llm-azure-api-key" } }]);
            await validateKubernetesObject(es);
        });

        it("is caught by the schema when a field is wrong (the check can fail)", async () => {
            const es = buildExternalSecret({ entry: fullCatalog[0], namespace: "consonant-system", storeName: "s", refreshInterval: "1h", labels });
            const broken = { ...es, spec: { ...es.spec, target: { ...es.spec.target, creationPolicy: "Sometimes" } } };
            await assert.rejects(validateKubernetesObject(broken), /creationPolicy/);
        });
    });
});
