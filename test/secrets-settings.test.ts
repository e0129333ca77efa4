// The secret store's config section: defaults, every cross-field rule and guardrail with its exact message.
import { strict as assert } from "assert";
import { formatProblems, GuardrailContext, problemsFromZod, RawConfig } from "../components/config-values";
import { parseDurationSeconds, resolveSecretsPrefix, secretsGuardrails, secretsSettingsFixes, secretsSettingsSchema, secretsSettingsShape } from "../components/secrets/settings";
import { storeOptionsFromSettings } from "../components/secrets/store-options";

const dev: GuardrailContext = { stack: "dev", productionLike: false, compliance: "none" };
const prod: GuardrailContext = { stack: "prod", productionLike: true, compliance: "none" };
const hipaa: GuardrailContext = { stack: "staging", productionLike: false, compliance: "hipaa" };

const PEM = "-----BEGIN CERTIFICATE-----\nMIIBfakeTestCertificateNotReal\n-----END CERTIFICATE-----";
const vaultBase: RawConfig = {
    secretsMode: "vault",
    vaultAddress: "https://vault.example.test:8200",
    vaultKubernetesHost: "https://api.cluster.example.test:443",
    vaultKubernetesCaCert: PEM,
};
const awsBase: RawConfig = {
    secretsMode: "aws",
    awsRegion: "eu-west-1",
    awsAccountId: "000000000000",
    awsOidcIssuer: "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0000",
    awsOidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0000",
};

/** The section's problems formatted exactly as the program prints them (secret keys as the loader marks them). */
function errorsFor(raw: RawConfig, ctx: GuardrailContext = dev, secretKeys: string[] = []): string {
    const parsed = secretsSettingsSchema.safeParse(raw);
    if (!parsed.success) return formatProblems(problemsFromZod(parsed.error, secretsSettingsFixes));
    return formatProblems(secretsGuardrails(parsed.data, ctx, secretKeys));
}

describe("secrets settings", () => {
    it("defaults to kubernetes mode, version 1, 1h refresh and the ESO defaults", () => {
        const s = secretsSettingsSchema.parse({});
        assert.equal(s.secretsMode, "kubernetes");
        assert.equal(s.secretsVersion, 1);
        assert.equal(s.secretsRefreshInterval, "1h");
        assert.equal(s.externalSecretsNamespace, "external-secrets");
        assert.equal(s.externalSecretsServiceAccount, "external-secrets");
        assert.deepEqual(s.llmProviders, []);
        assert.equal(s.vaultTokenTtlSeconds, 3600);
        assert.equal(s.awsRecoveryWindowDays, 30);
        assert.equal(errorsFor({}), "");
    });

    it("defaults the prefix to consonant/<stack>, made path-safe", () => {
        assert.equal(resolveSecretsPrefix({}, "prod"), "consonant/prod");
        assert.equal(resolveSecretsPrefix({}, "Team.EU_prod"), "consonant/team-eu_prod");
        assert.equal(resolveSecretsPrefix({ secretsPrefix: "platform/relayer" }, "prod"), "platform/relayer");
    });

    it("parses ESO durations", () => {
        assert.equal(parseDurationSeconds("1h"), 3600);
        assert.equal(parseDurationSeconds("1h30m"), 5400);
        assert.equal(parseDurationSeconds("90s"), 90);
        assert.equal(parseDurationSeconds(""), undefined);
        assert.equal(parseDurationSeconds("1d"), undefined);
    });

    it("accepts complete vault and aws configurations (IRSA and Pod Identity)", () => {
        assert.equal(errorsFor(vaultBase, prod), "");
        assert.equal(errorsFor(awsBase, prod), "");
        assert.equal(errorsFor({ secretsMode: "aws", awsRegion: "eu-west-1", awsAccountId: "000000000000", awsPodIdentity: "true", awsEksClusterName: "eks-prod" }, prod), "");
        assert.equal(errorsFor({ ...vaultBase, vaultKubernetesAuthCreate: "false", vaultKubernetesHost: undefined, vaultKubernetesCaCert: undefined }, prod), "");
    });

    it("strips https:// from the OIDC issuer", () => {
        const s = secretsSettingsSchema.parse({ ...awsBase, awsOidcIssuer: "https://oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0000" });
        assert.equal(s.awsOidcIssuer, "oidc.eks.eu-west-1.amazonaws.com/id/EXAMPLE0000");
    });

    const invalid: { name: string; raw: RawConfig; ctx?: GuardrailContext; secretKeys?: string[]; error: string }[] = [
        {
            name: "kubernetes mode on a production-like stack",
            raw: { secretsMode: "kubernetes" },
            ctx: prod,
            error: "config 'secretsMode': 'kubernetes' keeps secrets in Pulumi config and is refused for production-like stacks; fix: run `pulumi config set secretsMode vault` (or `aws`) and configure that store",
        },
        {
            name: "kubernetes mode with compliance hipaa",
            raw: {},
            ctx: hipaa,
            error: "config 'secretsMode': 'kubernetes' keeps secrets in Pulumi config and is refused for compliance: hipaa; fix: run `pulumi config set secretsMode vault` (or `aws`) and configure that store",
        },
        {
            name: "vault mode without an address",
            raw: { ...vaultBase, vaultAddress: undefined },
            error: "config 'vaultAddress': is required when secretsMode is vault; fix: run `pulumi config set vaultAddress https://vault.example.com:8200`",
        },
        {
            name: "vault over http on a production-like stack",
            raw: { ...vaultBase, vaultAddress: "http://vault.example.test:8200" },
            ctx: prod,
            error: "config 'vaultAddress': must use https on a production-like stack; fix: run `pulumi config set vaultAddress https://vault.example.com:8200`",
        },
        {
            name: "vault auth backend to create without API host and CA",
            raw: { secretsMode: "vault", vaultAddress: "https://vault.example.test:8200" },
            error: [
                "config 'vaultKubernetesHost': is required when vaultKubernetesAuthCreate is true; fix: run `pulumi config set vaultKubernetesHost https://<api-server>:443`",
                "config 'vaultKubernetesCaCert': is required when vaultKubernetesAuthCreate is true; fix: run `pulumi config set vaultKubernetesCaCert -- \"$(cat ca.crt)\"` with the API server's PEM CA",
            ].join("\n"),
        },
        {
            name: "vault token TTL above 24h",
            raw: { ...vaultBase, vaultTokenTtlSeconds: "90000" },
            error: "config 'vaultTokenTtlSeconds': must be between 60 and 86400 (24h); fix: run `pulumi config set vaultTokenTtlSeconds 3600`",
        },
        {
            name: "aws mode without an OIDC issuer",
            raw: { ...awsBase, awsOidcIssuer: undefined },
            error: "config 'awsOidcIssuer': is required when secretsMode is aws with IRSA (awsPodIdentity false); fix: run `pulumi config set awsOidcIssuer $(aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer --output text)`, or run `pulumi config set awsPodIdentity true`",
        },
        {
            name: "aws mode without an OIDC provider ARN",
            raw: { ...awsBase, awsOidcProviderArn: undefined },
            error: "config 'awsOidcProviderArn': is required when secretsMode is aws with IRSA (awsPodIdentity false); fix: run `pulumi config set awsOidcProviderArn $(aws iam list-open-id-connect-providers ...)` with the cluster's provider ARN, or run `pulumi config set awsPodIdentity true`",
        },
        {
            name: "aws mode without region and account",
            raw: { ...awsBase, awsRegion: undefined, awsAccountId: undefined },
            error: [
                "config 'awsRegion': is required when secretsMode is aws; fix: run `pulumi config set awsRegion eu-west-1`",
                "config 'awsAccountId': is required when secretsMode is aws; fix: run `pulumi config set awsAccountId <12-digit account id>`",
            ].join("\n"),
        },
        {
            name: "an OIDC provider ARN of another cluster",
            raw: { ...awsBase, awsOidcProviderArn: "arn:aws:iam::000000000000:oidc-provider/oidc.eks.eu-west-1.amazonaws.com/id/OTHER" },
            error: "config 'awsOidcProviderArn': does not belong to awsOidcIssuer (the ARN must end with oidc-provider/<issuer>); fix: set both from the same cluster: `aws eks describe-cluster --name <cluster> --query cluster.identity.oidc.issuer`",
        },
        {
            name: "an OIDC provider ARN in another account",
            raw: { ...awsBase, awsAccountId: "111111111111" },
            error: "config 'awsOidcProviderArn': is in a different account than awsAccountId; fix: use the OIDC provider of the account that owns the secrets, or fix awsAccountId",
        },
        {
            name: "Pod Identity without a cluster name",
            raw: { secretsMode: "aws", awsRegion: "eu-west-1", awsAccountId: "000000000000", awsPodIdentity: "true" },
            error: "config 'awsEksClusterName': is required when awsPodIdentity is true; fix: run `pulumi config set awsEksClusterName <cluster>`",
        },
        {
            name: "immediate secret deletion in production",
            raw: { ...awsBase, awsRecoveryWindowDays: "0" },
            ctx: prod,
            error: "config 'awsRecoveryWindowDays': 0 deletes secrets without recovery and is refused on a production-like stack; fix: run `pulumi config set awsRecoveryWindowDays 30`",
        },
        {
            name: "a recovery window AWS does not accept",
            raw: { ...awsBase, awsRecoveryWindowDays: "3" },
            error: "config 'awsRecoveryWindowDays': must be 0 or between 7 and 30; fix: run `pulumi config set awsRecoveryWindowDays 30`",
        },
        {
            name: "an LLM provider enabled with no key source",
            raw: { ...vaultBase, llmProviders: '["anthropic"]' },
            error: 'config \'llmKeySources\': has no key source for enabled LLM provider \'anthropic\'; fix: run `pulumi config set --secret llmAnthropicApiKey <key>` and add "anthropic":"config" to llmKeySources, or add "anthropic":"external" and write the key into the store',
        },
        {
            name: "an LLM key source config without the secret",
            raw: { ...vaultBase, llmProviders: '["openai"]', llmKeySources: '{"openai":"config"}' },
            error: 'config \'llmOpenaiApiKey\': is not set but llmKeySources says \'openai\' comes from config; fix: run `pulumi config set --secret llmOpenaiApiKey <key>`, or set "openai":"external" in llmKeySources',
        },
        {
            name: "an LLM key committed in plain text",
            raw: { ...vaultBase, llmProviders: '["openai"]', llmKeySources: '{"openai":"config"}', llmOpenaiApiKey: "fake-plain-key" },
            error: "config 'llmOpenaiApiKey': is stored in plain text in the stack file; fix: run `pulumi config set --secret llmOpenaiApiKey <key>` (and rotate that key: it was committed in clear)",
        },
        {
            name: "an external LLM key in kubernetes mode",
            raw: { llmProviders: '["gemini"]', llmKeySources: '{"gemini":"external"}' },
            error: 'config \'llmKeySources\': \'gemini\' is external, but secretsMode kubernetes has no store to read it from; fix: set "gemini":"config" and run `pulumi config set --secret llmGeminiApiKey <key>`',
        },
        {
            name: "a key source for a provider that is not enabled",
            raw: { ...vaultBase, llmKeySources: '{"anthropic":"external"}' },
            error: "config 'llmKeySources': names 'anthropic', which is not in llmProviders; fix: add \"anthropic\" to llmProviders or remove it from llmKeySources",
        },
        {
            name: "azure without its endpoint",
            raw: { ...vaultBase, llmProviders: '["azure"]', llmKeySources: '{"azure":"external"}' },
            error: "config 'llmAzureEndpoint': is required when llmProviders includes azure; fix: run `pulumi config set llmAzureEndpoint https://<resource>.openai.azure.com`",
        },
        {
            name: "an unknown LLM provider",
            raw: { llmProviders: '["mistral"]' },
            error: "config 'llmProviders.0': must list only anthropic, openai, gemini, azure; fix: run `pulumi config set llmProviders '[\"anthropic\"]'` (any of anthropic, openai, gemini, azure)",
        },
        {
            name: "a prefix with a glob",
            raw: { secretsPrefix: "consonant/*" },
            error: "config 'secretsPrefix': must be slash-separated segments of lowercase letters, digits, '-' and '_' (no '*', '+', empty segment or leading/trailing '/'); fix: run `pulumi config set secretsPrefix consonant/<stack>` or remove it for that default",
        },
        {
            name: "a refresh interval of 0 (would stop rotation)",
            raw: { secretsRefreshInterval: "0s" },
            error: "config 'secretsRefreshInterval': must be a duration between 1m and 24h written like 1h, 15m or 1h30m; fix: run `pulumi config set secretsRefreshInterval 1h`",
        },
        {
            name: "an unknown mode",
            raw: { secretsMode: "gcp" },
            error: "config 'secretsMode': must be one of vault, aws, kubernetes; fix: run `pulumi config set secretsMode vault` (or `aws`; `kubernetes` is for development only)",
        },
        {
            name: "a secrets version of 0",
            raw: { secretsVersion: "0" },
            error: "config 'secretsVersion': must be 1 or more; fix: run `pulumi config set secretsVersion 2` (a whole number; bump it to rotate)",
        },
    ];
    for (const c of invalid) {
        it(`refuses ${c.name}`, () => {
            assert.equal(errorsFor(c.raw, c.ctx ?? dev, c.secretKeys ?? []), c.error);
        });
    }

    it("accepts LLM keys set with --secret, reading only their presence", () => {
        const raw = { ...vaultBase, llmProviders: '["anthropic","azure"]', llmKeySources: '{"anthropic":"config","azure":"external"}', llmAnthropicApiKey: "[secret]", llmAzureEndpoint: "https://example-resource.openai.azure.com" };
        assert.equal(errorsFor(raw, prod, ["llmAnthropicApiKey"]), "");
        const s = secretsSettingsSchema.parse(raw);
        assert.equal(s.llmAnthropicApiKey, true);
        assert.ok(!JSON.stringify(s).includes("[secret]"), "the parsed settings hold no secret text");
    });

    it("turns valid settings into store options for each mode", () => {
        const vaultOptions = storeOptionsFromSettings({ ...secretsSettingsSchema.parse(vaultBase), stack: "prod", productionLike: true });
        assert.equal(vaultOptions.prefix, "consonant/prod");
        assert.equal(vaultOptions.vault?.address, "https://vault.example.test:8200");
        assert.equal(vaultOptions.aws, undefined);
        const awsOptions = storeOptionsFromSettings({ ...secretsSettingsSchema.parse({ ...awsBase, awsPodIdentity: "true", awsEksClusterName: "eks-prod" }), stack: "prod", productionLike: true });
        assert.deepEqual(awsOptions.aws?.identity, { kind: "pod-identity", clusterName: "eks-prod" });
    });

    // Pulumi.yaml must give every optional key a default (the CLI refuses a stack that leaves a declared key
    // without one unset), so the window is 30 days everywhere unless a stack sets a shorter one (7 for dev).
    it("keeps deleted secrets recoverable for 30 days unless the stack configures another window", () => {
        const window = (raw: RawConfig, productionLike: boolean) =>
            storeOptionsFromSettings({ ...secretsSettingsSchema.parse(raw), stack: productionLike ? "prod" : "staging", productionLike }).aws?.recoveryWindowDays;
        assert.equal(window(awsBase, true), 30);
        assert.equal(window(awsBase, false), 30);
        assert.equal(window({ ...awsBase, awsRecoveryWindowDays: "7" }, false), 7);
        assert.equal(window({ ...awsBase, awsRecoveryWindowDays: "14" }, true), 14);
        assert.equal(window({ ...awsBase, awsRecoveryWindowDays: "0" }, false), 0);
    });

    it("declares a fix for every key", () => {
        const presenceOnly = ["llmAnthropicApiKey", "llmOpenaiApiKey", "llmGeminiApiKey", "llmAzureApiKey"];
        for (const key of Object.keys(secretsSettingsShape)) {
            if (presenceOnly.includes(key)) continue;
            assert.ok(secretsSettingsFixes[key], `no fix text for ${key}`);
        }
    });
});
