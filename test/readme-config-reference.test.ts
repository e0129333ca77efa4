// The configuration-reference checker and generator on small, made-up schemas: each kind of disagreement
// between Pulumi.yaml and the validator is caught with its fix, and the README block is replaced in place.
import * as assert from "assert";
import { z } from "zod";
import { configBoolean, configInteger, configJson } from "../components/config-values";
import {
    asConfigText,
    configReferenceMarkdown,
    configReferenceProblems,
    README_TABLE_END,
    README_TABLE_START,
    replaceReadmeBlock,
    validatorDefault,
} from "../tools/docs/config-reference";
import { ProjectConfigKey } from "../tools/lib/stack-files";

const section = {
    title: "Test",
    source: "components/test.ts",
    shape: {
        replicas: configInteger.default(1),
        enabled: configBoolean.default(false),
        namespaces: configJson(z.array(z.string())).default(["kagent"]),
        clusterName: z.string(),
        backendUrl: z.string().optional(),
        apiKey: z.preprocess((v) => typeof v === "string", z.boolean()).default(false),
    },
};
const agreeing: ProjectConfigKey[] = [
    { key: "pulumi:disable-default-providers", value: ["*"] },
    { key: "replicas", type: "integer", default: 1, description: "Replicas." },
    { key: "enabled", type: "boolean", default: false, description: "On or off." },
    { key: "namespaces", type: "array", default: ["kagent"], description: "Namespaces | with a pipe." },
    { key: "clusterName", type: "string", description: "Required <name>." },
    { key: "backendUrl", type: "string", description: "Optional." },
    { key: "apiKey", type: "string", secret: true, description: "A secret." },
];

describe("configuration reference", () => {
    it("classifies validator defaults: default value, optional, required", () => {
        assert.deepStrictEqual(validatorDefault(section.shape.namespaces), { kind: "default", value: ["kagent"] });
        assert.deepStrictEqual(validatorDefault(section.shape.backendUrl), { kind: "optional" });
        assert.deepStrictEqual(validatorDefault(section.shape.clusterName), { kind: "required" });
        assert.strictEqual(asConfigText('["kagent"]'), asConfigText(["kagent"]), "JSON text and structure compare equal");
    });

    it("finds no problem when Pulumi.yaml and the validator agree (foreign namespaces ignored)", () => {
        assert.deepStrictEqual(configReferenceProblems(agreeing, [section]), []);
    });

    it("names every disagreement with its fix", () => {
        const schema = agreeing
            .filter((k) => k.key !== "enabled")
            .map((k) => (k.key === "replicas" ? { ...k, default: 3 } : k.key === "backendUrl" ? { ...k, default: "wss://x", description: "" } : k.key === "apiKey" ? { ...k, default: "x" } : k))
            .concat([{ key: "stale", type: "string", description: "Gone." }]);
        assert.deepStrictEqual(configReferenceProblems(schema, [section]), [
            "'enabled' is validated in components/test.ts but not declared in Pulumi.yaml's config schema; fix: add it with type, default and description",
            "'replicas' defaults to 1 in components/test.ts but to 3 in Pulumi.yaml; fix: make them equal",
            "'backendUrl' has no description in Pulumi.yaml; fix: add one",
            "'backendUrl' has default wss://x in Pulumi.yaml but is optional in components/test.ts; fix: make them agree",
            "'apiKey' is secret but has a default in Pulumi.yaml; fix: remove the default",
            "'stale' is declared in Pulumi.yaml but no section validates it; fix: remove it from Pulumi.yaml or add it to a settings shape",
        ]);
    });

    it("renders one row per key with type, default and escaped description", () => {
        const md = configReferenceMarkdown(agreeing, [section]);
        assert.ok(md.startsWith("#### Test ([components/test.ts](components/test.ts))\n\n| key | type | default | description |"));
        assert.ok(md.includes('| `namespaces` | array | `["kagent"]` | Namespaces \\| with a pipe. |'));
        assert.ok(md.includes("| `clusterName` | string | **required** | Required &lt;name&gt;. |"));
        assert.ok(md.includes("| `backendUrl` | string | (unset) | Optional. |"));
        assert.ok(md.includes("| `apiKey` | string | secret: `pulumi config set --secret` | A secret. |"));
    });

    it("replaces only the generated block of the README, and refuses a README without markers", () => {
        const readme = `# Title\n\n${README_TABLE_START}\nold\n${README_TABLE_END}\n\nafter\n`;
        assert.strictEqual(replaceReadmeBlock(readme, "new\n"), `# Title\n\n${README_TABLE_START}\n\nnew\n${README_TABLE_END}\n\nafter\n`);
        assert.throws(() => replaceReadmeBlock("# no markers\n", "x"), /README.md has no config reference markers; fix: add the lines/);
    });
});
