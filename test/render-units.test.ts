// Unit tests of the offline render's pure parts: argument parsing, stable ordering, masking in manifests,
// the report formats (SARIF validated against the official 2.1.0 schema), the component tree and locations.
import * as assert from "assert";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { parseAllDocuments } from "yaml";
import { canonicalJson } from "../tools/render/canonical-json";
import { EXIT, parseRenderArgs, RenderUsageError, USAGE } from "../tools/render/cli-args";
import { cloudDocuments, documentBody } from "../tools/render/cloud-documents";
import { componentTreeMermaid, NO_COMPONENT, resourcesPerComponent } from "../tools/render/component-tree";
import { kubernetesManifests, manifestsYaml, validatedManifests } from "../tools/render/manifests";
import { offlineNoticeLines } from "../tools/render/offline-notice";
import { writeRenderOutput } from "../tools/render/output-dir";
import { PolicyOutcome } from "../tools/render/policy-outcome";
import { POLICY_PACK_NAME } from "../tools/render/policy-phase";
import { policyReportJson, policyReportMarkdown } from "../tools/render/policy-report";
import { policyReportSarif } from "../tools/render/policy-sarif";
import { sarifSchemaProblems } from "../tools/render/sarif-schema";
import { RENDER_FILES } from "../tools/render/render-files";
import { relativizePaths, RenderResource, SECRET_MASK, toRenderResource } from "../tools/render/render-model";
import { componentSourceIndex, resourceLocator } from "../tools/render/source-locations";
import { configOverridesFor } from "../tools/render/stack-selection";

const facts = { project: "consonant-relayer", stack: "unit" };
const SECRET_SIG = { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270" };
const urn = (type: string, name: string) => `urn:pulumi:unit::consonant-relayer::${type}::${name}`;

function resource(type: string, name: string, inputs: Record<string, unknown>, extra: Partial<RenderResource> = {}): RenderResource {
    return { type, name, urn: urn(type, name), dependencies: [], custom: true, inputs, outputs: {}, ...extra };
}

describe("offline render: command line", () => {
    it("defaults to the dev stack", () => {
        assert.deepStrictEqual(parseRenderArgs([]), { stack: "dev", configOverrides: {}, secretConfigOverrides: {}, help: false });
    });
    it("reads --stack, --out, --policy-config and repeated --config overrides (both spellings)", () => {
        const o = parseRenderArgs(["--stack", "prod", "--out=/tmp/x", "--policy-config", "p.json", "-c", "replicas=3", "--config=a=b=c"]);
        assert.deepStrictEqual(o, { stack: "prod", outDir: "/tmp/x", policyConfig: "p.json", configOverrides: { replicas: "3", a: "b=c" }, secretConfigOverrides: {}, help: false });
    });
    it("refuses unknown arguments, missing values and overrides without '=' with the fix", () => {
        assert.throws(() => parseRenderArgs(["--stak", "prod"]), (e: Error) => e instanceof RenderUsageError && /unknown argument '--stak'; fix: run `npm run render -- --help`/.test(e.message));
        assert.throws(() => parseRenderArgs(["--stack"]), /--stack needs a value; fix:/);
        assert.throws(() => parseRenderArgs(["--stack", "--out", "x"]), /--stack needs a value/);
        assert.throws(() => parseRenderArgs(["--config", "replicas"]), /not key=value; fix: write `--config replicas=3`/);
    });
    it("documents every exit code in the usage text", () => {
        for (const code of Object.values(EXIT)) assert.match(USAGE, new RegExp(`\\b${code} `));
    });
});

describe("offline render: --config overrides", () => {
    const files = {
        project: "consonant-relayer",
        stack: "dev",
        config: {},
        secretKeys: [],
        schema: [{ key: "replicas", type: "integer" }, { key: "llmAnthropicApiKey", type: "string", secret: true }],
    };
    it("accept keys with or without the project prefix and keep keys declared secret secret", () => {
        assert.deepStrictEqual(configOverridesFor(files, { "consonant-relayer:replicas": "3", llmAnthropicApiKey: "x" }), {
            values: { replicas: "3", llmAnthropicApiKey: "x" },
            secretKeys: ["llmAnthropicApiKey"],
        });
    });
    it("keep --secret-config values secret whatever Pulumi.yaml declares", () => {
        assert.deepStrictEqual(configOverridesFor(files, { replicas: "3" }, { "consonant-relayer:llmOpenaiApiKey": "y" }), {
            values: { replicas: "3", llmOpenaiApiKey: "y" },
            secretKeys: ["llmOpenaiApiKey"],
        });
        assert.deepStrictEqual(parseRenderArgs(["--secret-config", "llmOpenaiApiKey=y"]).secretConfigOverrides, { llmOpenaiApiKey: "y" });
    });
});

describe("offline render: deterministic JSON", () => {
    it("sorts keys at every depth, keeps array order, drops undefined", () => {
        assert.strictEqual(canonicalJson({ b: 1, a: { d: [3, 1], c: undefined } }), '{\n  "a": {\n    "d": [\n      3,\n      1\n    ]\n  },\n  "b": 1\n}\n');
    });
});

describe("offline render: secrets are masked before any phase sees them", () => {
    it("toRenderResource replaces every secret string, nested or whole", () => {
        const r = toRenderResource({
            type: "kubernetes:core/v1:Secret",
            name: "s",
            urn: urn("kubernetes:core/v1:Secret", "s"),
            inputs: { apiVersion: "v1", kind: "Secret", stringData: { ...SECRET_SIG, value: { token: "fake-value-1" } }, metadata: { name: "s" } },
            outputs: { apiVersion: "v1", kind: "Secret", stringData: { ...SECRET_SIG, value: { token: "fake-value-1" } } },
            dependencies: [],
            custom: true,
            read: false,
        }, "/repo");
        assert.deepStrictEqual(r.inputs.stringData, { token: SECRET_MASK });
        assert.ok(!JSON.stringify(r).includes("fake-value-1"));
    });
    it("writes paths inside the repository relative to it, so every checkout renders the same bytes", () => {
        assert.deepStrictEqual(relativizePaths({ context: { location: "/repo/relayer-app" }, files: ["/repo", "/repository/x", "/etc/x"] }, "/repo"), {
            context: { location: "./relayer-app" },
            files: [".", "/repository/x", "/etc/x"],
        });
    });
});

describe("offline render: Kubernetes manifests", () => {
    const resources = [
        resource("kubernetes:apps/v1:Deployment", "relayer", { apiVersion: "apps/v1", kind: "Deployment", metadata: { name: "relayer", namespace: "ns" } }),
        resource("kubernetes:core/v1:Secret", "creds", { apiVersion: "v1", kind: "Secret", metadata: { name: "creds", namespace: "ns" }, data: { token: SECRET_MASK } }),
        resource("kubernetes:core/v1:Namespace", "ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } }),
        resource("kubernetes:core/v1:ServiceAccount", "sa", { apiVersion: "v1", kind: "ServiceAccount", metadata: { name: "sa", namespace: "ns" } }),
        resource("kubernetes:monitoring.coreos.com/v1:ServiceMonitor", "sm", { apiVersion: "monitoring.coreos.com/v1", kind: "ServiceMonitor", metadata: { name: "sm" } }),
        resource("kubernetes:apps/v1:DeploymentPatch", "patch", { apiVersion: "apps/v1", kind: "Deployment" }),
        resource("pulumi:providers:kubernetes", "k8s", {}),
        resource("consonant:workload:RelayerWorkload", "relayer", {}, { custom: false }),
        resource("kubernetes:core/v1:ConfigMap", "auto", { apiVersion: "v1", kind: "ConfigMap", data: {} }, { outputs: { metadata: { name: "auto-offline" } } }),
    ];
    const manifests = kubernetesManifests(resources);
    it("keeps only Kubernetes objects, in apply order (namespace and identities first, custom resources last)", () => {
        assert.deepStrictEqual(
            manifests.map((m) => `${m.object.kind}/${m.object.metadata?.name}`),
            ["Namespace/ns", "ServiceAccount/sa", "Secret/creds", "ConfigMap/auto-offline", "Deployment/relayer", "ServiceMonitor/sm"],
        );
    });
    it("writes a masked Secret data value as valid base64 of the mask, never a value", () => {
        const secret = manifests.find((m) => m.object.kind === "Secret")?.object as unknown as { data: Record<string, string> };
        assert.strictEqual(Buffer.from(secret.data.token, "base64").toString("utf8"), SECRET_MASK);
    });
    it("fails the manifests phase for an object that does not match its schema, naming the object and field", async () => {
        const broken = resource("kubernetes:apps/v1:Deployment", "relayer", {
            apiVersion: "apps/v1",
            kind: "Deployment",
            metadata: { name: "relayer", namespace: "ns" },
            spec: { replicas: "three", selector: { matchLabels: { app: "r" } }, template: { metadata: { labels: { app: "r" } }, spec: { containers: [] } } },
        });
        const valid = resource("kubernetes:core/v1:Namespace", "ns", { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } });
        const { manifests: found, problems } = await validatedManifests([broken, valid]);
        assert.strictEqual(found.length, 2);
        assert.strictEqual(problems.length, 1);
        assert.match(problems[0], /^Deployment ns\/relayer \(apps\/v1\): .*replicas/);
        assert.deepStrictEqual((await validatedManifests([valid])).problems, []);
    });
    it("writes one YAML document per object after the offline notice", () => {
        const text = manifestsYaml(facts, manifests);
        assert.ok(text.startsWith(`# ${offlineNoticeLines(facts)[0]}`));
        const docs = parseAllDocuments(text);
        assert.strictEqual(docs.length, manifests.length);
        assert.deepStrictEqual(docs[0].toJS(), { apiVersion: "v1", kind: "Namespace", metadata: { name: "ns" } });
    });
});

describe("offline render: cloud-side documents", () => {
    it("parses JSON policy text, keeps HCL as text, and names files by resource", () => {
        assert.deepStrictEqual(documentBody('{"Version":"2012-10-17"}'), { document: { Version: "2012-10-17" } });
        assert.deepStrictEqual(documentBody('path "kv/data/x" { capabilities = ["read"] }'), { documentText: 'path "kv/data/x" { capabilities = ["read"] }' });
        const files = cloudDocuments(facts, [
            resource("aws:iam/role:Role", "relayer-role", { assumeRolePolicy: '{"Statement":[]}', inlinePolicies: [] }),
            resource("aws:iam/role:Role", "eso-role", { inlinePolicies: [{ name: "read", policy: '{"Version":"2012-10-17"}' }] }),
            resource("vault:index/policy:Policy", "reader", { policy: 'path "x" {}' }),
            resource("kubernetes:core/v1:Namespace", "ns", {}),
        ]);
        assert.deepStrictEqual([...files.keys()].sort(), [
            "cloud/aws-iam/eso-role.inline-policies.json",
            "cloud/aws-iam/relayer-role.trust-policy.json",
            "cloud/vault/reader.policy.json",
        ]);
        const inline = JSON.parse(files.get("cloud/aws-iam/eso-role.inline-policies.json") as string);
        assert.deepStrictEqual(inline.document, [{ name: "read", document: { Version: "2012-10-17" } }]);
        const trust = JSON.parse(files.get("cloud/aws-iam/relayer-role.trust-policy.json") as string);
        assert.deepStrictEqual(Object.keys(trust), ["//", "document", "resource"]);
        assert.deepStrictEqual(trust.document, { Statement: [] });
    });
});

describe("offline render: component tree", () => {
    const component = resource("consonant:workload:RelayerWorkload", "relayer", {}, { custom: false });
    const resources = [
        component,
        resource("kubernetes:apps/v1:Deployment", "relayer-deployment", {}, { parent: component.urn }),
        resource("kubernetes:core/v1:Service", "relayer-service", {}, { parent: component.urn }),
        resource("pulumi:providers:kubernetes", "k8s", {}),
    ];
    it("counts resources per nearest component", () => {
        assert.deepStrictEqual([...resourcesPerComponent(resources)], [
            [NO_COMPONENT, 1],
            ["relayer (consonant:workload:RelayerWorkload)", 2],
        ]);
    });
    it("draws a deterministic Mermaid flowchart with parent edges, whatever the input order", () => {
        const a = componentTreeMermaid(facts, resources);
        assert.strictEqual(a, componentTreeMermaid(facts, [...resources].reverse()));
        assert.match(a, /^%% OFFLINE RENDER/);
        assert.match(a, /\nflowchart LR\n/);
        const componentId = /\s(r\d+)\("relayer<br\/>consonant:workload:RelayerWorkload"\):::component/.exec(a)?.[1];
        assert.ok(componentId);
        assert.strictEqual(a.split("\n").filter((l) => l.startsWith(`  ${componentId} --> `)).length, 2);
    });
});

describe("offline render: policy reports", () => {
    const deployment = resource("kubernetes:apps/v1:Deployment", "relayer", {});
    const outcome: PolicyOutcome = {
        packName: "consonant-security",
        rules: [
            { name: "image-pinned-by-digest", description: "Images by digest.", severity: "high", enforcementLevel: "mandatory", remediation: "Pin it." },
            { name: "container-probes", description: "Probes.", severity: "low", enforcementLevel: "advisory", remediation: "Add probes." },
        ],
        violations: [
            { policyName: "container-probes", enforcementLevel: "advisory", severity: "low", message: "no | probe\nset", resource: { urn: deployment.urn, type: deployment.type, name: "relayer" } },
            { policyName: "image-pinned-by-digest", enforcementLevel: "mandatory", severity: "high", message: "tag only", resource: { urn: deployment.urn, type: deployment.type, name: "relayer" } },
        ],
        undecided: [{ policyName: "container-probes", enforcementLevel: "advisory", severity: "low", message: "unknown value" }],
    };
    const locate = resourceLocator([deployment], new Map(), { program: { uri: "index.ts", line: 1 }, stack: { uri: "Pulumi.unit.yaml", line: 1 } });

    it("Markdown: verdict, counts per severity, escaped table cells, mandatory first", () => {
        const md = policyReportMarkdown(facts, outcome);
        assert.match(md, /\*\*FAILED\*\*: 1 mandatory violation /);
        assert.match(md, /\| high \| 1 \| 0 \|/);
        assert.match(md, /\| low \| 0 \| 1 \|/);
        assert.ok(md.includes("no \\| probe set"));
        assert.ok(md.indexOf("tag only") < md.indexOf("no \\| probe"));
    });
    it("JSON: passed flag, blocking marks, notice first", () => {
        const json = JSON.parse(policyReportJson(facts, outcome));
        assert.strictEqual(Object.keys(json)[0], "//");
        assert.strictEqual(json.passed, false);
        assert.deepStrictEqual(json.violations.map((v: { blocking: boolean }) => v.blocking), [true, false]);
    });
    it("SARIF: valid against the SARIF 2.1.0 schema, errors for mandatory, review for undecided", () => {
        const sarif = JSON.parse(policyReportSarif(facts, outcome, locate));
        assert.deepStrictEqual(sarifSchemaProblems(sarif), []);
        assert.deepStrictEqual(sarifSchemaProblems({ version: "2.1.0", runs: [{ tool: {} }] }), ["/runs/0/tool must have required property 'driver'"]);
        const results = sarif.runs[0].results;
        assert.deepStrictEqual(results.map((r: { level: string; kind: string }) => `${r.kind}:${r.level}`), ["fail:error", "fail:warning", "review:none"]);
        assert.strictEqual(results[0].locations[0].physicalLocation.artifactLocation.uri, "index.ts");
        assert.strictEqual(results[2].locations[0].physicalLocation.artifactLocation.uri, "Pulumi.unit.yaml");
        assert.strictEqual(sarif.runs[0].tool.driver.rules[results[0].ruleIndex].id, "image-pinned-by-digest");
    });
});

describe("offline render: policy pack identity", () => {
    it("names the SARIF tool after the pack policy-pack/index.ts builds (read as text: importing it starts a server)", () => {
        const packSource = fs.readFileSync(path.join(__dirname, "..", "policy-pack", "index.ts"), "utf8");
        assert.match(packSource, new RegExp(`new PolicyPack\\(\\s*"${POLICY_PACK_NAME}"`));
    });
});

describe("offline render: source locations", () => {
    it("points a resource at the source line that names its nearest component's type", () => {
        const index = componentSourceIndex([
            { path: "index.ts", text: "import x;\n" },
            { path: "components/workload/relayer-workload.ts", text: 'a\nsuper("consonant:workload:RelayerWorkload", name);\n' },
        ]);
        const component = resource("consonant:workload:RelayerWorkload", "relayer", {}, { custom: false });
        const child = resource("kubernetes:apps/v1:Deployment", "d", {}, { parent: component.urn });
        const orphan = resource("pulumi:providers:kubernetes", "k8s", {});
        const locate = resourceLocator([component, child, orphan], index, { program: { uri: "index.ts", line: 1 }, stack: { uri: "Pulumi.x.yaml", line: 1 } });
        assert.deepStrictEqual(locate(child.urn), { uri: "components/workload/relayer-workload.ts", line: 2 });
        assert.deepStrictEqual(locate(orphan.urn), { uri: "index.ts", line: 1 });
        assert.deepStrictEqual(locate(undefined), { uri: "Pulumi.x.yaml", line: 1 });
    });
});

describe("offline render: output directory", () => {
    const base = fs.mkdtempSync(path.join(os.tmpdir(), "render-out-"));
    after(() => fs.rmSync(base, { recursive: true, force: true }));
    const render = (files: Record<string, string>) => new Map(Object.entries(files));

    it("replaces an earlier render's output completely (no stale file survives)", () => {
        const dir = path.join(base, "out");
        writeRenderOutput(dir, render({ [RENDER_FILES.resources]: "# OFFLINE RENDER …", "cloud/vault/old.policy.json": "{}" }));
        writeRenderOutput(dir, render({ [RENDER_FILES.resources]: "# OFFLINE RENDER …", "manifests.yaml": "---" }));
        assert.deepStrictEqual((fs.readdirSync(dir, { recursive: true }) as string[]).sort(), ["manifests.yaml", RENDER_FILES.resources]);
    });
    it("refuses to replace a directory that is not a render's output, naming the fix", () => {
        const dir = path.join(base, "precious");
        fs.mkdirSync(dir);
        fs.writeFileSync(path.join(dir, "notes.txt"), "keep me");
        assert.throws(() => writeRenderOutput(dir, render({ [RENDER_FILES.resources]: "x" })), (e: Error) => e instanceof RenderUsageError && /is not an earlier render's output; fix: pass an empty or new directory with --out/.test(e.message));
        assert.strictEqual(fs.readFileSync(path.join(dir, "notes.txt"), "utf8"), "keep me");
    });
});
