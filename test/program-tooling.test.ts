// The shared tooling the program tests and the offline render stand on: stack-file reading, the mock runtime and
// the Kubernetes schema validator. Each is real code used by the render, so each is tested on its own.
import * as assert from "assert";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { kubernetesTypeOf, manifestFromRegistration, modelModuleFor, validateKubernetesObject, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import {
    installMocks,
    isSecretValue,
    maskSecrets,
    MockRecorder,
    placeholderDigest,
    resolveOutput,
    secretPaths,
    settleRegistrations,
    unwrapSecrets,
} from "../tools/lib/mock-runtime";
import { parseStackFiles, readStackFiles, SECRET_PLACEHOLDER_PREFIX, StackFileError, toPulumiRuntimeConfig, withConfigOverrides } from "../tools/lib/stack-files";
import { REPO_ROOT } from "./helpers/program";

const PROJECT = `
name: demo
runtime: nodejs
config:
  pulumi:disable-default-providers:
    value: ["*"]
  replicas:
    type: integer
    default: 1
    description: How many.
  mode:
    type: string
    default: fast
    description: The mode.
  ports:
    type: array
    items: { type: integer }
    default: [443, 6443]
    description: Ports.
`;

describe("tools/lib/stack-files", () => {
    it("applies project defaults, strips the project prefix, keeps foreign namespaces, JSON-encodes structures", () => {
        const files = parseStackFiles(
            PROJECT,
            `config:
  demo:replicas: 3
  demo:labels: { a: b }
  demo:cidrs: [10.0.0.0/8]
  demo:enabled: true
  aws:region: us-east-1
`,
            "dev",
        );
        assert.deepStrictEqual(files.config, {
            "pulumi:disable-default-providers": '["*"]',
            replicas: "3",
            mode: "fast",
            ports: "[443,6443]",
            labels: '{"a":"b"}',
            cidrs: '["10.0.0.0/8"]',
            enabled: "true",
            "aws:region": "us-east-1",
        });
        assert.deepStrictEqual(files.secretKeys, []);
        assert.deepStrictEqual(
            files.schema.map((d) => [d.key, d.type, d.default]),
            [
                ["pulumi:disable-default-providers", undefined, undefined],
                ["replicas", "integer", 1],
                ["mode", "string", "fast"],
                ["ports", "array", [443, 6443]],
            ],
        );
    });

    it("replaces secure values with visibly fake placeholders and lists them as secret", () => {
        const files = parseStackFiles(PROJECT, "config:\n  demo:token:\n    secure: AAABAOpaqueCiphertext\n  demo:nested:\n    inner:\n      secure: AAABAMore\n", "prod");
        assert.strictEqual(files.config.token, `${SECRET_PLACEHOLDER_PREFIX}token`);
        assert.deepStrictEqual(JSON.parse(files.config.nested), { inner: `${SECRET_PLACEHOLDER_PREFIX}nested` });
        assert.deepStrictEqual(files.secretKeys, ["nested", "token"]);
        assert.ok(!JSON.stringify(files).includes("AAAB"));
    });

    it("a stack without a file gets the project defaults only", () => {
        assert.strictEqual(parseStackFiles(PROJECT, undefined, "new").config.replicas, "1");
    });

    it("gives Pulumi's runtime keys with the project prefix and overrides by key", () => {
        const files = withConfigOverrides(parseStackFiles(PROJECT, undefined, "dev"), { replicas: "5", mode: undefined, token: "x" }, ["token"]);
        assert.deepStrictEqual(toPulumiRuntimeConfig(files), {
            config: { "pulumi:disable-default-providers": '["*"]', "demo:replicas": "5", "demo:ports": "[443,6443]", "demo:token": "x" },
            secretKeys: ["demo:token"],
        });
    });

    it("reports unreadable files with the file, the problem and the fix", () => {
        assert.throws(() => parseStackFiles("runtime: nodejs\n", undefined, "dev"), (e: Error) => e instanceof StackFileError && /^Pulumi\.yaml: no project `name:`; fix: /.test(e.message));
        assert.throws(() => parseStackFiles(PROJECT, "- a\n- b\n", "dev"), /Pulumi\.dev\.yaml: the file is not a YAML mapping; fix: start the file with `config:`/);
        assert.throws(() => readStackFiles(REPO_ROOT, "../etc"), /is not a valid stack name/);
        assert.throws(() => readStackFiles("/nonexistent-dir", "dev"), /Pulumi\.yaml: file not found/);
    });

    it("refuses what the Pulumi CLI refuses: a declared key without default left unset, a secret key in plain text", () => {
        const project = `${PROJECT}  region:\n    type: string\n    description: No default, so required.\n  token:\n    type: string\n    secret: true\n    description: Secret.\n`;
        assert.throws(
            () => parseStackFiles(project, undefined, "dev"),
            (e: Error) =>
                e instanceof StackFileError &&
                e.message ===
                    "Pulumi.dev.yaml: Stack 'dev' is missing configuration values 'region', 'token' (declared in Pulumi.yaml without a default); fix: `pulumi config set region <value>`, `pulumi config set token <value>`",
        );
        assert.throws(
            () => parseStackFiles(project, "config:\n  demo:region: eu-west-1\n  demo:token: plain\n", "dev"),
            /^StackFileError: Pulumi\.dev\.yaml: configuration 'token' must be encrypted as declared secret in Pulumi\.yaml; fix: `pulumi config set --secret token <value>`$/,
        );
        const ok = parseStackFiles(project, "config:\n  demo:region: eu-west-1\n  demo:token:\n    secure: AAABAOpaque\n", "dev");
        assert.deepStrictEqual(ok.secretKeys, ["token"]);
    });

    it("the committed Pulumi.yaml declares no key the CLI would demand from a stack that leaves it unset", () => {
        // Only truly required settings may lack a default; every optional one is declared with default "".
        const files = readStackFiles(REPO_ROOT, "dev");
        const required = files.schema.filter((d) => d.default === undefined && d.value === undefined).map((d) => d.key);
        assert.deepStrictEqual(required, ["clusterName", "kubeconfig", "kubeContext"]);
    });

    it("reads the committed stacks", () => {
        assert.strictEqual(readStackFiles(REPO_ROOT, "dev").project, "consonant-relayer");
        assert.strictEqual(readStackFiles(REPO_ROOT, "prod").config.environment, "prod");
    });
});

describe("tools/lib/mock-runtime", () => {
    let recorder: MockRecorder;
    before(async () => {
        recorder = await installMocks({ project: "demo", stack: "test", preview: false });
    });

    it("records type, name, URN, parent, provider, dependencies and placeholder outputs", async () => {
        class Parent extends pulumi.ComponentResource {
            constructor(name: string) {
                super("test:index:Parent", name, {}, {});
                const provider = new k8s.Provider(`${name}-k8s`, { context: "test" }, { parent: this });
                const ns = new k8s.core.v1.Namespace(`${name}-ns`, { metadata: { name: "fixed" } }, { parent: this, provider });
                new k8s.core.v1.ConfigMap(`${name}-cm`, { metadata: { namespace: ns.metadata.name }, data: { k: pulumi.secret("v") } }, { parent: this, provider });
                this.registerOutputs({});
            }
        }
        new Parent("p");
        await settleRegistrations();
        const cm = recorder.get("kubernetes:core/v1:ConfigMap", "p-cm");
        assert.strictEqual(cm.urn, "urn:pulumi:test::demo::test:index:Parent$kubernetes:core/v1:ConfigMap::p-cm");
        assert.strictEqual(cm.parent, "urn:pulumi:test::demo::test:index:Parent::p");
        assert.strictEqual(cm.provider, "urn:pulumi:test::demo::test:index:Parent$pulumi:providers:kubernetes::p-k8s::offline-p-k8s-id");
        assert.deepStrictEqual(cm.dependencies, [recorder.get("kubernetes:core/v1:Namespace", "p-ns").urn]);
        assert.strictEqual(cm.id, "offline-p-cm-id");
        assert.strictEqual((cm.outputs.metadata as { name: string }).name, "p-cm-offline");
        assert.strictEqual(recorder.get("test:index:Parent", "p").custom, false);
        assert.deepStrictEqual(recorder.duplicateUrns(), []);
        assert.throws(() => recorder.get("kubernetes:core/v1:ConfigMap", "nope"), /expected one kubernetes:core\/v1:ConfigMap named 'nope', found 0 \(registered: p-cm\)/);

        assert.ok(isSecretValue(cm.inputs.data));
        assert.deepStrictEqual(secretPaths(cm.inputs), ["data"]);
        assert.deepStrictEqual(unwrapSecrets(cm.inputs.data), { k: "v" });
        assert.deepStrictEqual(maskSecrets(cm.inputs.data), { k: "[secret]" });
    });

    it("refuses unknown invokes, naming the token", async () => {
        await assert.rejects(
            () => pulumi.runtime.invoke("test:index/unknown:unknown", {}),
            /offline mocks: unknown invoke 'test:index\/unknown:unknown'; fix: add a placeholder result for it to invokeResults/,
        );
    });

    it("placeholder digests are deterministic, distinct per name and visibly sha256", () => {
        assert.strictEqual(placeholderDigest("a"), placeholderDigest("a"));
        assert.notStrictEqual(placeholderDigest("a"), placeholderDigest("b"));
        assert.match(placeholderDigest("a"), /^sha256:[a-f0-9]{64}$/);
    });

    it("resolves secret and known outputs with their flags", async () => {
        assert.deepStrictEqual(await resolveOutput(pulumi.secret("s")), { value: "s", known: true, secret: true });
        assert.deepStrictEqual(await resolveOutput({ a: pulumi.output(1) }), { value: { a: 1 }, known: true, secret: false });
    });
});

describe("tools/lib/mock-runtime in preview", () => {
    let recorder: MockRecorder;
    before(async () => {
        recorder = await installMocks({ project: "demo", stack: "test", preview: true, keepUnknowns: true });
    });

    it("keeps preview-unknown inputs as Pulumi's unknown sentinel when asked", async () => {
        const provider = new k8s.Provider("u-k8s", { context: "test" });
        new k8s.core.v1.ConfigMap("u-cm", { metadata: { name: "u" }, data: { known: "v", later: pulumi.output(pulumi.unknown as unknown as string) } }, { provider });
        await settleRegistrations();
        const data = recorder.get("kubernetes:core/v1:ConfigMap", "u-cm").inputs.data as Record<string, unknown>;
        assert.deepStrictEqual(data, { known: "v", later: pulumi.runtime.unknownValue });
    });

    it("an unknown preview value resolves as unknown instead of hanging", async () => {
        const unknown = pulumi.output(pulumi.unknown as unknown as string);
        const resolved = await resolveOutput(unknown);
        assert.strictEqual(resolved.known, false);
        assert.strictEqual(resolved.value, undefined);
    });
});

describe("tools/lib/k8s-schema", () => {
    const deployment = (containerPort: unknown) => ({
        apiVersion: "apps/v1",
        kind: "Deployment",
        metadata: { name: "x", namespace: "ns" },
        spec: { selector: { matchLabels: { a: "b" } }, template: { metadata: { labels: { a: "b" } }, spec: { containers: [{ name: "c", image: "i:1", ports: [{ containerPort }] }] } } },
    });

    it("accepts a valid object and rejects an invalid one, naming object and field", async () => {
        await validateKubernetesObject(deployment(8080));
        await assert.rejects(() => validateKubernetesObject(deployment("8080")), /^KubernetesSchemaError: Deployment ns\/x \(apps\/v1\): .*containerPort must be integer/);
    });

    it("validates CRDs against their model packages", async () => {
        const monitor = { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "m" }, spec: { selector: {}, endpoints: [{ port: 8080 }] } };
        await assert.rejects(() => validateKubernetesObject(monitor), /ServiceMonitor m \(monitoring\.coreos\.com\/v1\): .*port must be string/);
        const externalSecret = { apiVersion: "external-secrets.io/v1", kind: "ExternalSecret", metadata: { name: "e" }, spec: { refreshInterval: 5 } };
        await assert.rejects(() => validateKubernetesObject(externalSecret), /ExternalSecret e \(external-secrets\.io\/v1\)/);
    });

    it("an unknown apiVersion or kind is an error, never a silent pass", async () => {
        assert.deepStrictEqual(
            await validateKubernetesObjects([
                { apiVersion: "example.com/v1", kind: "Widget" },
                { apiVersion: "apps/v1", kind: "Widget" },
                { apiVersion: "apps/v9", kind: "Deployment" },
                { kind: "Pod" },
            ]),
            [
                "no schema model for apiVersion 'example.com/v1' (kind Widget); fix: add its model package to crdModelPackages in tools/lib/k8s-schema.ts",
                "apiVersion 'apps/v1' has no kind 'Widget'; fix: use a kind that group/version serves",
                "no schema model for apiVersion 'apps/v9' (kind Deployment): 'kubernetes-models/apps/v9' cannot be loaded; fix: use a served apiVersion",
                "Pod (no name) (no apiVersion): apiVersion and kind are required; fix: set both on the object",
            ],
        );
    });

    it("maps type tokens and apiVersions to models", () => {
        assert.deepStrictEqual(kubernetesTypeOf("kubernetes:core/v1:Namespace"), { apiVersion: "v1", kind: "Namespace" });
        assert.deepStrictEqual(kubernetesTypeOf("kubernetes:monitoring.coreos.com/v1:PrometheusRule"), { apiVersion: "monitoring.coreos.com/v1", kind: "PrometheusRule" });
        assert.strictEqual(kubernetesTypeOf("pulumi:providers:kubernetes"), undefined);
        assert.strictEqual(kubernetesTypeOf("kubernetes:helm.sh/v3:Release"), undefined);
        assert.strictEqual(kubernetesTypeOf("kubernetes:yaml/v2:ConfigGroup"), undefined);
        assert.strictEqual(modelModuleFor("networking.k8s.io/v1"), "kubernetes-models/networking.k8s.io/v1");
        assert.strictEqual(modelModuleFor("security.istio.io/v1beta1"), "@kubernetes-models/istio/security.istio.io/v1beta1");
        assert.strictEqual(modelModuleFor("example.com/v1"), undefined);
    });

    it("turns a registration into its manifest: auto-name from outputs, secrets masked, patches skipped", () => {
        const secretValue = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: { token: "t" } };
        const reg = {
            type: "kubernetes:core/v1:Secret",
            name: "s",
            inputs: { apiVersion: "v1", kind: "Secret", metadata: { namespace: "ns" }, stringData: secretValue, immutable: undefined },
            outputs: { metadata: { name: "s-offline", namespace: "ns" } },
        };
        assert.deepStrictEqual(manifestFromRegistration(reg), { apiVersion: "v1", kind: "Secret", metadata: { namespace: "ns", name: "s-offline" }, stringData: { token: "[secret]" } });
        assert.deepStrictEqual(manifestFromRegistration(reg, { secrets: "unwrap" })?.stringData, { token: "t" });
        assert.strictEqual(manifestFromRegistration({ type: "kubernetes:core/v1:NamespacePatch", name: "n", inputs: {} }), undefined);
        assert.strictEqual(manifestFromRegistration({ type: "consonant:workload:RelayerWorkload", name: "r", inputs: {} }), undefined);
    });
});
