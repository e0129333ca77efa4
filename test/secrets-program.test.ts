// The secret store inside the real program (index.ts) for the committed stacks: prod uses an external store,
// both external modes evaluate end to end, the workload mounts exactly the delivered Secrets, no stack output is
// or contains a secret, and invalid secret settings stop the program with their exact errors.
import { strict as assert } from "assert";
import { manifestFromRegistration, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import { maskSecrets, RecordedResource, secretPaths, unwrapSecrets } from "../tools/lib/mock-runtime";
import { one, plainInputs, ProgramRun, runProgram, stackFiles } from "./helpers/program";

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeTestCertificateNotReal\n-----END CERTIFICATE-----";
// Built at runtime: an obviously fake key, never a committed credential-shaped literal.
const FAKE_LLM_KEY = ["fake", "llm", "key", "for", "program", "tests"].join("-");

const WRITE_ONLY: Record<string, string> = {
    "vault:kv/secretV2:SecretV2": "dataJsonWo",
    "aws:secretsmanager/secretVersion:SecretVersion": "secretStringWo",
};

/** Kubernetes Secret names the relayer Deployment mounts (its projected `secrets` volume). */
function mountedSecretNames(run: ProgramRun): string[] {
    const deployment = plainInputs<{ spec: { template: { spec: { volumes: { name: string; projected?: { sources: { secret: { name: string } }[] } }[] } } } }>(
        one(run.recorder, "kubernetes:apps/v1:Deployment"),
    );
    const volume = deployment.spec.template.spec.volumes.find((v) => v.name === "secrets");
    return (volume?.projected?.sources ?? []).map((s) => s.secret.name).sort();
}

function storeChildren(run: ProgramRun): RecordedResource[] {
    const store = run.recorder.get("consonant:secrets:SecretStore", "secrets");
    return run.recorder.resources.filter((r) => r.parent === store.urn);
}

function assertNoSecretOutputs(run: ProgramRun, plaintexts: string[]) {
    for (const [key, output] of Object.entries(run.outputs)) {
        assert.equal(output.secret, false, `stack output ${key} is a secret`);
        const text = JSON.stringify(output.value ?? null);
        for (const p of plaintexts) assert.ok(!text.includes(p), `stack output ${key} contains a secret value`);
    }
}

function assertSecretsOnlyWriteOnly(run: ProgramRun, plaintexts: string[]) {
    for (const r of storeChildren(run)) {
        const paths = secretPaths(r.inputs);
        const allowed = WRITE_ONLY[r.type];
        assert.deepEqual(paths.filter((p) => p !== allowed), [], `${r.type} ${r.name} carries a secret outside its write-only input`);
        const visible = JSON.stringify(maskSecrets(r.inputs));
        for (const p of plaintexts) assert.ok(!visible.includes(p), `${r.name} shows a secret value`);
    }
}

describe("secret store in the program", () => {
    it("the committed prod stack uses an external store", () => {
        assert.ok(["vault", "aws"].includes(stackFiles("prod").config.secretsMode ?? ""), "prod must use secretsMode vault or aws");
        assert.equal(stackFiles("dev").config.secretsMode, "kubernetes");
    });

    describe("prod (committed stack file: AWS Secrets Manager through IRSA)", () => {
        let run: ProgramRun;
        before(async function () {
            run = await runProgram("prod");
        });

        it("delivers every Secret the Deployment mounts through an ExternalSecret, schema-valid", async () => {
            const delivered = run.recorder
                .ofType("kubernetes:external-secrets.io/v1:ExternalSecret")
                .map((r) => plainInputs<{ metadata: { name: string; namespace: string } }>(r).metadata)
                .filter((m) => m.namespace === "consonant-system")
                .map((m) => m.name)
                .sort();
            assert.deepEqual(mountedSecretNames(run), delivered);
            assert.ok(delivered.includes("consonant-relayer-cluster"));
            const manifests = storeChildren(run)
                .map((r) => manifestFromRegistration(r, { secrets: "unwrap" }))
                .filter((m) => m !== undefined);
            assert.deepEqual(await validateKubernetesObjects(manifests), []);
        });

        it("writes the edge's Access service token and tunnel token into the store through write-only inputs", () => {
            for (const role of ["access-service-token", "tunnel-token"]) {
                const version = one(run.recorder, "aws:secretsmanager/secretVersion:SecretVersion", `-${role}-value`);
                assert.deepEqual(secretPaths(version.inputs), ["secretStringWo"], `${role} is written only through secretStringWo`);
            }
            const access = JSON.parse(unwrapSecrets(one(run.recorder, "aws:secretsmanager/secretVersion:SecretVersion", "-access-service-token-value").inputs.secretStringWo) as string);
            assert.deepEqual(Object.keys(access).sort(), ["access-client-id", "access-client-secret"]);
            assert.ok(mountedSecretNames(run).includes("consonant-relayer-access"));
        });

        it("creates the ExternalSecrets after the namespace and the Deployment after the ExternalSecrets", () => {
            const namespace = one(run.recorder, "kubernetes:core/v1:Namespace");
            const deployment = one(run.recorder, "kubernetes:apps/v1:Deployment");
            for (const es of run.recorder.ofType("kubernetes:external-secrets.io/v1:ExternalSecret")) {
                if (plainInputs<{ metadata: { namespace: string } }>(es).metadata.namespace !== "consonant-system") continue;
                assert.ok(es.dependencies.includes(namespace.urn), `${es.name} does not wait for the namespace`);
                assert.ok(deployment.dependencies.includes(es.urn), `the Deployment does not wait for ${es.name}`);
            }
        });

        it("references the externally managed LLM keys without writing them", () => {
            const written = run.recorder.ofType("aws:secretsmanager/secretVersion:SecretVersion").map((r) => r.name);
            assert.ok(!written.some((n) => n.includes("llm-")), `program wrote an external key: ${written.join(", ")}`);
            const stored = run.recorder.ofType("aws:secretsmanager/secret:Secret").map((r) => r.inputs.name);
            assert.ok(stored.includes("consonant/prod/llm-anthropic") && stored.includes("consonant/prod/llm-openai"));
        });

        it("binds the External Secrets role to the configured cluster's OIDC provider", () => {
            const trust = JSON.parse(one(run.recorder, "aws:iam/role:Role", "-external-secrets-role").inputs.assumeRolePolicy as string);
            const issuer = stackFiles("prod").config.awsOidcIssuer;
            assert.equal(trust.Statement[0].Principal.Federated, stackFiles("prod").config.awsOidcProviderArn);
            assert.deepEqual(trust.Statement[0].Condition.StringEquals, {
                [`${issuer}:aud`]: "sts.amazonaws.com",
                [`${issuer}:sub`]: "system:serviceaccount:external-secrets:external-secrets",
            });
            const aws = run.recorder.resources.find((r) => r.type === "pulumi:providers:aws");
            // Providers receive non-string inputs as JSON text.
            assert.deepEqual(JSON.parse(aws?.inputs.allowedAccountIds as string), ["111122223333"], "the AWS provider refuses other accounts");
        });

        it("outputs the store kind, ARNs and names only, never a secret", () => {
            assert.equal(run.outputs.secretsStoreKind.value, "aws");
            assert.equal(run.outputs.secretsClusterSecretStore.value, "consonant-relayer");
            assert.ok((run.outputs.secretsStoreReferences.value as string[]).every((arn) => arn.startsWith("arn:aws:secretsmanager:")));
            assert.deepEqual((run.outputs.secretsKubernetesSecrets.value as string[]).slice().sort(), mountedSecretNames(run));
            assertNoSecretOutputs(run, []);
            assertSecretsOnlyWriteOnly(run, []);
        });
    });

    describe("prod switched to Vault with an LLM key from secret config", () => {
        let run: ProgramRun;
        before(async function () {
            run = await runProgram("prod", {
                overrides: {
                    secretsMode: "vault",
                    vaultAddress: "https://vault.example.test:8200",
                    vaultKubernetesHost: "https://api.eks-prod.example.test",
                    vaultKubernetesCaCert: PEM,
                    llmKeySources: '{"anthropic":"config","openai":"external"}',
                    llmAnthropicApiKey: FAKE_LLM_KEY,
                },
                secret: ["llmAnthropicApiKey"],
            });
        });

        it("writes the config key into Vault only through dataJsonWo, as a secret", () => {
            const kv = one(run.recorder, "vault:kv/secretV2:SecretV2", "-llm-anthropic");
            assert.deepEqual(secretPaths(kv.inputs), ["dataJsonWo"]);
            assert.deepEqual(JSON.parse(unwrapSecrets(kv.inputs.dataJsonWo) as string), { "llm-anthropic-api-key": FAKE_LLM_KEY });
            assert.equal(run.recorder.ofType("vault:kv/secretV2:SecretV2").filter((r) => r.name.endsWith("-llm-openai")).length, 0);
            const provider = run.recorder.resources.find((r) => r.type === "pulumi:providers:vault");
            assert.equal(provider?.inputs.address, "https://vault.example.test:8200");
        });

        it("mounts the delivered Secrets and outputs Vault paths, never a value", () => {
            assert.deepEqual(mountedSecretNames(run), ["consonant-relayer-access", "consonant-relayer-cluster", "consonant-relayer-llm-anthropic", "consonant-relayer-llm-openai"]);
            assert.equal(run.outputs.secretsStoreKind.value, "vault");
            assert.equal(run.outputs.secretsVaultPolicy.value, "consonant-prod-read");
            assert.ok((run.outputs.secretsStoreReferences.value as string[]).every((p) => p.startsWith("consonant/data/consonant/prod/")));
            assertNoSecretOutputs(run, [FAKE_LLM_KEY]);
            assertSecretsOnlyWriteOnly(run, [FAKE_LLM_KEY]);
        });
    });

    describe("dev (committed stack file: Kubernetes-mode secrets)", () => {
        let run: ProgramRun;
        before(async function () {
            run = await runProgram("dev");
        });

        it("creates the cluster credentials Secret the Deployment mounts, its data a Pulumi secret", () => {
            const secret = one(run.recorder, "kubernetes:core/v1:Secret", "-cluster-credentials");
            assert.deepEqual(secretPaths(secret.inputs), ["stringData"]);
            const data = unwrapSecrets(secret.inputs.stringData) as Record<string, string>;
            assert.equal(data["cluster-id"], "kind-consonant-dev");
            assert.match(data["cluster-token"], /^[0-9a-f]{64}$/);
            assert.deepEqual(mountedSecretNames(run), ["consonant-relayer-cluster"]);
            assert.equal(run.recorder.ofType("kubernetes:external-secrets.io/v1:ClusterSecretStore").length, 0);
            assertNoSecretOutputs(run, [data["cluster-token"]]);
        });
    });

    describe("invalid secret settings stop the program before any resource exists", () => {
        const cases: { name: string; stack: string; overrides: Record<string, string | undefined>; line: string }[] = [
            {
                name: "Kubernetes mode in prod",
                stack: "prod",
                overrides: { secretsMode: "kubernetes" },
                line: "config 'secretsMode': 'kubernetes' keeps secrets in Pulumi config and is refused for production-like stacks; fix: run `pulumi config set secretsMode vault` (or `aws`) and configure that store",
            },
            {
                name: "AWS mode without an OIDC issuer",
                stack: "prod",
                overrides: { awsOidcIssuer: undefined },
                line: "config 'awsOidcIssuer': is required when secretsMode is aws with IRSA (awsPodIdentity false); fix: run `pulumi config set awsOidcIssuer $(aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text)`, or run `pulumi config set awsPodIdentity true`",
            },
            {
                name: "Vault mode without an address",
                stack: "prod",
                overrides: { secretsMode: "vault", vaultKubernetesAuthCreate: "false" },
                line: "config 'vaultAddress': is required when secretsMode is vault; fix: run `pulumi config set vaultAddress https://vault.example.com:8200`",
            },
            {
                name: "an LLM provider enabled with no key source",
                stack: "dev",
                overrides: { llmProviders: '["gemini"]' },
                line: 'config \'llmKeySources\': has no key source for enabled LLM provider \'gemini\'; fix: run `pulumi config set --secret llmGeminiApiKey <key>` and add "gemini":"config" to llmKeySources, or add "gemini":"external" and write the key into the store',
            },
        ];
        for (const c of cases) {
            it(`refuses ${c.name}`, async () => {
                await assert.rejects(runProgram(c.stack, { overrides: c.overrides }), (err: Error) => {
                    assert.equal(err.name, "StackConfigError");
                    assert.ok(err.message.split("\n").includes(c.line), `missing line:\n${c.line}\nin:\n${err.message}`);
                    return true;
                });
            });
        }
    });
});
