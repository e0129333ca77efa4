// components/config.ts: parsing, every problem reported together with its fix, production guardrails, the
// Pulumi.yaml schema in step with the validator, and secrets never parsed into plain fields.
import * as assert from "assert";
import {
    generalGuardrails,
    generalSettingsFixes,
    generalSettingsSchema,
    generalSettingsShape,
    guardrailContext,
    loadStackConfig,
    parseStackConfig,
    SECRET_CONFIG_MARKER,
} from "../components/config";
import { formatProblems, StackConfigError } from "../components/config-values";
import { edgeSettingsShape } from "../components/edge/settings";
import { secretsSettingsShape } from "../components/secrets/settings";
import { installMocks, loadStackConfig as loadRuntimeConfig } from "../tools/lib/mock-runtime";
import { withConfigOverrides } from "../tools/lib/stack-files";
import { inClusterServiceTarget } from "../components/workload/values";
import { stackFiles } from "./helpers/program";

const dev = stackFiles("dev");
const DIGEST = "sha256:" + "ab12".repeat(16);
const generalKeys = new Set(Object.keys(generalSettingsShape));

/** Formatted problem lines of a config (empty when it is valid). */
function problems(raw: Record<string, string | undefined>, stack: string, secretKeys: string[] = []): string[] {
    try {
        parseStackConfig(raw, stack, secretKeys);
        return [];
    } catch (err) {
        assert.ok(err instanceof StackConfigError, String(err));
        return formatProblems(err.problems).split("\n");
    }
}

/** Only the lines about this section's keys (other sections' guardrails are tested by their owners). */
function generalLines(lines: string[]): string[] {
    return lines.filter((l) => generalKeys.has(/^config '([^'.]+)/.exec(l)?.[1] ?? ""));
}

const fix = (key: keyof typeof generalSettingsFixes) => generalSettingsFixes[key];

interface InvalidCase {
    name: string;
    stack?: string;
    overrides: Record<string, string | undefined>;
    secret?: string[];
    expected: string[];
}

const invalid: InvalidCase[] = [
    { name: "replicas 0", overrides: { replicas: "0" }, expected: [`config 'replicas': must be at least 1; fix: ${fix("replicas")}`] },
    {
        name: "llmRateLimits for an unknown provider with a negative limit",
        overrides: { llmRateLimits: '{"mistral":{"requestsPerMinute":5},"openai":{"tokensPerMinute":-1}}' },
        expected: [
            `config 'llmRateLimits.openai.tokensPerMinute': must be 0 (unlimited) or more; fix: ${fix("llmRateLimits")}`,
            `config 'llmRateLimits.mistral': is not a provider; keys must be anthropic, openai, gemini, azure; fix: ${fix("llmRateLimits")}`,
        ],
    },
    {
        name: "llmRateLimits for a provider that is not enabled",
        overrides: { llmRateLimits: '{"gemini":{"requestsPerMinute":60}}' },
        expected: ["config 'llmRateLimits': limits 'gemini', which is not in llmProviders, so they would have no effect; fix: add 'gemini' to llmProviders, or remove it from llmRateLimits"],
    },
    { name: "replicas not a number", overrides: { replicas: "two" }, expected: [`config 'replicas': must be a whole number; fix: ${fix("replicas")}`] },
    { name: "clusterName missing", overrides: { clusterName: undefined }, expected: [`config 'clusterName': is required (the cluster's name); fix: ${fix("clusterName")}`] },
    {
        name: "clusterName not a DNS label",
        overrides: { clusterName: "Prod_Cluster" },
        expected: [`config 'clusterName': must be a DNS label (lowercase letters, digits, '-', max 63); fix: ${fix("clusterName")}`],
    },
    { name: "kubeContext missing", overrides: { kubeContext: undefined }, expected: [`config 'kubeContext': is required (the kubeconfig context of the target cluster); fix: ${fix("kubeContext")}`] },
    { name: "backendUrl https", overrides: { backendUrl: "https://relay.example.test" }, expected: [`config 'backendUrl': must be a wss:// URL; fix: ${fix("backendUrl")}`] },
    {
        name: "backendUrl with credentials",
        overrides: { backendUrl: "wss://user:pw@relay.example.test" },
        expected: [`config 'backendUrl': must not contain credentials, a query or a fragment; fix: ${fix("backendUrl")}`],
    },
    {
        name: "backendUrl ws:// without allowInsecureBackend",
        overrides: { backendUrl: "ws://relay.example.test" },
        expected: [
            "config 'backendUrl': uses ws:// (unencrypted) but allowInsecureBackend is not true; fix: use a wss:// URL (ws:// only for local tests with `pulumi config set allowInsecureBackend true`)",
        ],
    },
    {
        name: "no backendUrl while Cloudflare is off",
        overrides: { backendUrl: undefined },
        expected: [`config 'backendUrl': is required when cloudflareEnabled is false (the relayer needs a backend to dial); fix: ${fix("backendUrl")}`],
    },
    {
        name: "imageRef without tag or digest",
        overrides: { imageRef: "relayer", imageRepository: undefined },
        expected: [`config 'imageRef': is not an image reference (repo:tag or repo@sha256:<64 hex>); fix: ${fix("imageRef")}`],
    },
    {
        name: "imageRef and imageRepository both set",
        overrides: { imageRef: `ghcr.io/consonant/relayer@${DIGEST}` },
        expected: [
            "config 'imageRef': is set together with imageRepository; the image would be ambiguous; fix: remove one: `pulumi config rm imageRepository` (use imageRef) or `pulumi config rm imageRef` (build)",
        ],
    },
    {
        name: "no image at all",
        overrides: { imageRepository: undefined },
        expected: [`config 'imageRef': is required unless imageRepository is set (no image to run); fix: ${fix("imageRef")}, or ${fix("imageRepository")}`],
    },
    {
        name: "registry password in plain text without username",
        overrides: { imageRegistryPassword: "plain-text-test-value" },
        expected: [
            `config 'imageRegistryUsername': and imageRegistryPassword must be set together; fix: ${fix("imageRegistryUsername")}`,
            "config 'imageRegistryPassword': is stored in plain text in the stack file; fix: run `pulumi config set --secret imageRegistryPassword <value>`",
        ],
    },
    {
        name: "API server CIDR malformed",
        overrides: { apiServerCidrs: '["10.0.0.0/33"]' },
        expected: [`config 'apiServerCidrs.0': must be a CIDR such as 10.0.0.0/16 or fd00::/8; fix: ${fix("apiServerCidrs")}`],
    },
    {
        name: "API server CIDRs missing with the NetworkPolicy on",
        overrides: { apiServerCidrs: undefined },
        expected: [
            `config 'apiServerCidrs': is required when networkPolicyEnabled is true (the relayer must reach the Kubernetes API, usually on private addresses); fix: ${fix("apiServerCidrs")}`,
        ],
    },
    {
        name: "empty KAgent pod selector",
        overrides: { kagentPodSelector: "{}" },
        expected: [`config 'kagentPodSelector': must name at least one label (an empty selector matches every pod); fix: ${fix("kagentPodSelector")}`],
    },
    {
        name: "KAgent pod selector not JSON",
        overrides: { kagentPodSelector: "app=kagent" },
        expected: [`config 'kagentPodSelector': must be a JSON object of label key → value; fix: ${fix("kagentPodSelector")}`],
    },
    {
        name: "memory limit below request",
        overrides: { memoryLimit: "128Mi" },
        expected: [`config 'memoryLimit': (128Mi) is below memoryRequest (256Mi); fix: set memoryLimit at least as high as memoryRequest`],
    },
    {
        name: "spool cap larger than its volume allows",
        overrides: { spoolMaxBytes: "524288000" },
        expected: [`config 'spoolMaxBytes': must be at most 471859200 (450 MiB): the spool volume is 500Mi and needs headroom; fix: ${fix("spoolMaxBytes")}`],
    },
    {
        name: "typo in a key",
        overrides: { replica: "3" },
        expected: ["config 'replica': is not a setting of this program; fix: did you mean 'replicas'? run `pulumi config rm replica` and set 'replicas'"],
    },
    {
        name: "autoscaler maximum below replicas",
        overrides: { autoscalingEnabled: "true", autoscalingMaxReplicas: "1", replicas: "2" },
        expected: [
            `config 'autoscalingMaxReplicas': (1) is below replicas (2); the autoscaler minimum never drops below replicas; fix: ${fix("autoscalingMaxReplicas")}`,
        ],
    },
    {
        name: "unpinned Pod Security version",
        overrides: { podSecurityVersion: "latest" },
        expected: [`config 'podSecurityVersion': must be a pinned Kubernetes minor version such as v1.32 (not latest); fix: ${fix("podSecurityVersion")}`],
    },
    {
        name: "external KAgent URL with controller egress",
        overrides: { kagentUrl: "https://kagent.example.test" },
        expected: [
            "config 'kagentUrl': must be an in-cluster service URL http://<service>.<namespace>[.svc[.cluster.local]]:<port> when kagentInvokeEgress is true; fix: set the in-cluster URL or run `pulumi config set kagentInvokeEgress false`",
        ],
    },
    {
        name: "extra egress with an unknown protocol",
        overrides: { extraEgress: '[{"cidr":"10.1.0.0/16","port":8443,"protocol":"SCTP"}]' },
        expected: [`config 'extraEgress.0.protocol': must be TCP or UDP; fix: ${fix("extraEgress")}`],
    },
    { name: "unknown service mesh", overrides: { serviceMesh: "consul" }, expected: [`config 'serviceMesh': must be none, istio or linkerd; fix: ${fix("serviceMesh")}`] },
    {
        name: "several problems are reported together",
        overrides: { replicas: "0", clusterName: undefined, logLevel: "verbose" },
        expected: [
            `config 'clusterName': is required (the cluster's name); fix: ${fix("clusterName")}`,
            `config 'replicas': must be at least 1; fix: ${fix("replicas")}`,
            `config 'logLevel': must be one of fatal, error, warn, info, debug, trace; fix: ${fix("logLevel")}`,
        ],
    },
    // Production guardrails (a dev config declared prod: only this section's lines are compared here).
    {
        name: "production: a parse error does not hide the guardrail problems of other keys",
        overrides: { environment: "prod", replicas: "1", logLevel: "loud" },
        expected: [
            `config 'logLevel': must be one of fatal, error, warn, info, debug, trace; fix: ${fix("logLevel")}`,
            `config 'replicas': is 1; production-like stacks need at least 3 (spread across zones, survive a drain); fix: ${fix("replicas")}`,
        ],
    },
    {
        name: "production: a guardrail on a key that failed to parse is not reported twice",
        overrides: { environment: "prod", replicas: "many" },
        expected: [`config 'replicas': must be a whole number; fix: ${fix("replicas")}`],
    },
    {
        name: "production: fewer than 3 replicas, tag-only image, insecure backend allowed",
        overrides: { environment: "prod", replicas: "2", imageRepository: undefined, imageRef: "ghcr.io/consonant/relayer:1.0.0", allowInsecureBackend: "true" },
        expected: [
            `config 'replicas': is 2; production-like stacks need at least 3 (spread across zones, survive a drain); fix: ${fix("replicas")}`,
            `config 'imageRef': is not pinned by @sha256 digest; production-like stacks only run digest-pinned images; fix: ${fix("imageRef")}`,
            `config 'allowInsecureBackend': is true; production-like stacks only talk to the backend over wss://; fix: ${fix("allowInsecureBackend")}`,
        ],
    },
    {
        name: "production by stack name: NetworkPolicy disabled",
        stack: "production-eu",
        overrides: { replicas: "3", networkPolicyEnabled: "false" },
        expected: [`config 'networkPolicyEnabled': is false; production-like stacks require the NetworkPolicy; fix: ${fix("networkPolicyEnabled")}`],
    },
    {
        name: "hipaa: NetworkPolicy off and logs not PII-redacting",
        overrides: { compliance: "hipaa", networkPolicyEnabled: "false" },
        expected: [
            `config 'networkPolicyEnabled': is false; compliance hipaa requires the NetworkPolicy; fix: ${fix("networkPolicyEnabled")}`,
            `config 'logRedactPii': is false; compliance hipaa requires PII-redacting logs; fix: ${fix("logRedactPii")}`,
        ],
    },
];

describe("config: invalid configurations (exact errors)", () => {
    it(`has at least 15 cases (${invalid.length})`, () => assert.ok(invalid.length >= 15));
    for (const c of invalid) {
        it(c.name, () => {
            const files = withConfigOverrides(dev, c.overrides, c.secret ?? []);
            const lines = problems(files.config, c.stack ?? "dev", files.secretKeys);
            const stackIsProd = guardrailContext(files.config, c.stack ?? "dev").productionLike || files.config.compliance === "hipaa";
            assert.deepStrictEqual(stackIsProd ? generalLines(lines) : lines, c.expected);
        });
    }

    it("Kubernetes-mode secrets are refused for production and hipaa (secret store section)", () => {
        for (const overrides of [{ environment: "prod" }, { compliance: "hipaa" }]) {
            const lines = problems(withConfigOverrides(dev, { ...overrides, secretsMode: "kubernetes" }).config, "dev");
            assert.ok(lines.some((l) => l.startsWith("config 'secretsMode': 'kubernetes'")), lines.join("\n"));
        }
    });

    it("the Cloudflare connector may not share the relayer's namespace (cross-section rule)", () => {
        const prod = stackFiles("prod", {
            overrides: { cloudflareConnectorEnabled: "true", cloudflareConnectorImage: `cloudflare/cloudflared:2025.1.0@${DIGEST}`, cloudflareConnectorNamespace: "consonant-system" },
        });
        const lines = problems(prod.config, "prod", prod.secretKeys);
        assert.deepStrictEqual(lines, [
            "config 'cloudflareConnectorNamespace': is the relayer's namespace 'consonant-system'; the connector gets its own namespace; fix: run `pulumi config set cloudflareConnectorNamespace cloudflared`",
        ]);
    });

    it("the error says how many problems there are and names each key", () => {
        assert.throws(
            () => parseStackConfig({ ...dev.config, replicas: "0", logLevel: "loud" }, "dev"),
            (err: Error) => err instanceof StackConfigError && err.message.startsWith("invalid stack config (2 problems):\nconfig 'replicas'"),
        );
    });
});

describe("config: valid configurations", () => {
    it("the committed dev stack parses", () => {
        const cfg = parseStackConfig(dev.config, "dev", dev.secretKeys);
        assert.strictEqual(cfg.stack, "dev");
        assert.strictEqual(cfg.productionLike, false);
        assert.strictEqual(cfg.replicas, 1);
        assert.strictEqual(cfg.imageRepository, "localhost:5001/consonant/relayer");
        assert.deepStrictEqual(cfg.apiServerCidrs, ["172.18.0.0/16"]);
        assert.deepStrictEqual(cfg.kagentPodSelector, { "app.kubernetes.io/managed-by": "kagent" });
    });

    it("the committed prod stack parses, production-like with hipaa", () => {
        const prod = stackFiles("prod");
        const cfg = parseStackConfig(prod.config, "prod", prod.secretKeys);
        assert.strictEqual(cfg.productionLike, true);
        assert.strictEqual(cfg.compliance, "hipaa");
        assert.ok(cfg.replicas >= 3);
        assert.match(cfg.imageRef ?? "", /@sha256:[a-f0-9]{64}$/);
        assert.notStrictEqual(cfg.secretsMode, "kubernetes");
        assert.strictEqual(cfg.networkPolicyEnabled, true);
        assert.strictEqual(cfg.logRedactPii, true);
    });

    const edgeCases: { name: string; overrides: Record<string, string | undefined>; check: (cfg: ReturnType<typeof parseStackConfig>) => void }[] = [
        { name: "50 replicas (the maximum)", overrides: { replicas: "50" }, check: (c) => assert.strictEqual(c.replicas, 50) },
        {
            name: "ws:// backend explicitly allowed in dev",
            overrides: { backendUrl: "ws://127.0.0.1:9000", allowInsecureBackend: "true" },
            check: (c) => assert.strictEqual(c.backendUrl, "ws://127.0.0.1:9000"),
        },
        { name: "booleans in any case with spaces", overrides: { monitoringEnabled: " TRUE " }, check: (c) => assert.strictEqual(c.monitoringEnabled, true) },
        { name: "an empty value falls back to the default", overrides: { logLevel: "" }, check: (c) => assert.strictEqual(c.logLevel, "info") },
        {
            name: "existing namespace, no NetworkPolicy needs no API CIDRs",
            overrides: { createNamespace: "false", networkPolicyEnabled: "false", apiServerCidrs: undefined },
            check: (c) => assert.deepStrictEqual(c.apiServerCidrs, []),
        },
        {
            name: "external KAgent URL without controller egress",
            overrides: { kagentUrl: "https://kagent.example.test", kagentInvokeEgress: "false" },
            check: (c) => assert.strictEqual(c.kagentInvokeEgress, false),
        },
        {
            name: "a digest-pinned image with a tag",
            overrides: { imageRef: `ghcr.io/consonant/relayer:1.0.0@${DIGEST}`, imageRepository: undefined },
            check: (c) => assert.strictEqual(c.imageRef, `ghcr.io/consonant/relayer:1.0.0@${DIGEST}`),
        },
        { name: "IPv6 API endpoint", overrides: { apiServerCidrs: '["fd00:10::/64"]' }, check: (c) => assert.deepStrictEqual(c.apiServerCidrs, ["fd00:10::/64"]) },
        { name: "foreign namespaces are ignored", overrides: { "kubernetes:context": "x", "aws:region": "us-east-1" }, check: (c) => assert.strictEqual(c.stack, "dev") },
    ];
    for (const c of edgeCases) {
        it(c.name, () => {
            const files = withConfigOverrides(dev, c.overrides);
            c.check(parseStackConfig(files.config, "dev", files.secretKeys));
        });
    }

    it("a secret value is never parsed into a plain field", () => {
        const files = withConfigOverrides(dev, { kubeconfig: "apiVersion: v1 # fake kubeconfig contents", imageRegistryUsername: "ci", imageRegistryPassword: "not-a-real-token" }, ["kubeconfig", "imageRegistryPassword"]);
        const cfg = parseStackConfig(files.config, "dev", files.secretKeys);
        assert.strictEqual(cfg.kubeconfig, SECRET_CONFIG_MARKER);
        assert.strictEqual(cfg.imageRegistryPassword, SECRET_CONFIG_MARKER);
        assert.deepStrictEqual(cfg.secretKeys, ["imageRegistryPassword", "kubeconfig"]);
        assert.ok(!JSON.stringify(cfg).includes("not-a-real-token"));
    });
});

describe("config: production-like detection and KAgent controller target", () => {
    it("prod by stack name, environment or flag", () => {
        assert.strictEqual(guardrailContext({}, "prod").productionLike, true);
        assert.strictEqual(guardrailContext({}, "prod-eu").productionLike, true);
        assert.strictEqual(guardrailContext({}, "production").productionLike, true);
        assert.strictEqual(guardrailContext({}, "products").productionLike, false);
        assert.strictEqual(guardrailContext({ environment: "prod" }, "dev").productionLike, true);
        assert.strictEqual(guardrailContext({ productionLike: "TRUE" }, "staging").productionLike, true);
        assert.strictEqual(guardrailContext({ compliance: "hipaa" }, "dev").compliance, "hipaa");
    });

    it("derives namespace and port of an in-cluster controller URL", () => {
        assert.deepStrictEqual(inClusterServiceTarget("http://kagent-controller.kagent:8083"), { namespace: "kagent", port: 8083 });
        assert.deepStrictEqual(inClusterServiceTarget("http://kagent-controller.ai.svc.cluster.local:9000"), { namespace: "ai", port: 9000 });
        assert.deepStrictEqual(inClusterServiceTarget("https://kagent-controller.ai.svc"), { namespace: "ai", port: 443 });
        assert.strictEqual(inClusterServiceTarget("https://kagent.example.com"), undefined);
        assert.strictEqual(inClusterServiceTarget("http://10.0.0.1:8083"), undefined);
    });

    it("section guardrails are pure and can be called directly", () => {
        // Pulumi hands declared-but-unset keys over as "" (their Pulumi.yaml default); parseStackConfig drops them.
        const settings = generalSettingsSchema.parse(Object.fromEntries(Object.entries(dev.config).filter(([, v]) => v !== "")));
        assert.deepStrictEqual(generalGuardrails(settings, { stack: "dev", productionLike: false, compliance: "none" }), []);
        assert.strictEqual(generalGuardrails(settings, { stack: "prod", productionLike: true, compliance: "none" })[0].key, "replicas");
    });
});

describe("config: loadStackConfig reads Pulumi's runtime config", () => {
    before(async () => {
        await installMocks({ project: "consonant-relayer", stack: "dev", preview: false });
    });

    it("reads every key once and marks --secret keys without exposing them", () => {
        loadRuntimeConfig(withConfigOverrides(dev, { kubeconfig: "fake-kubeconfig-contents" }, ["kubeconfig"]));
        const cfg = loadStackConfig();
        assert.strictEqual(cfg.stack, "dev");
        assert.strictEqual(cfg.kubeconfig, SECRET_CONFIG_MARKER);
        assert.deepStrictEqual(cfg.secretKeys, ["kubeconfig"]);
        assert.strictEqual(cfg.clusterName, "kind-consonant-dev");
    });

    it("throws the StackConfigError for a broken runtime config", () => {
        loadRuntimeConfig(withConfigOverrides(dev, { replicas: "-1" }));
        assert.throws(() => loadStackConfig(), /config 'replicas': must be at least 1/);
    });

    after(() => loadRuntimeConfig(dev));
});

describe("config: Pulumi.yaml and the stack files", () => {
    // Pulumi.yaml's schema against the validator (types, defaults, required keys) is checked once, by
    // configReferenceProblems in test/readme.test.ts; these are the checks that are about the files themselves.
    it("no key is declared by two sections", () => {
        const sections = [generalSettingsShape, secretsSettingsShape, edgeSettingsShape].map((s) => Object.keys(s));
        const all = sections.flat();
        assert.deepStrictEqual(all.filter((k, i) => all.indexOf(k) !== i), []);
    });

    it("default providers are disabled for every package", () => {
        assert.deepStrictEqual(JSON.parse(dev.config["pulumi:disable-default-providers"]), ["*"]);
    });

    it("no committed stack file holds a secure value", () => {
        assert.deepStrictEqual(dev.secretKeys, []);
        assert.deepStrictEqual(stackFiles("prod").secretKeys, []);
    });
});
