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
    { key: "backendUrl", type: "string", default: "", description: "Optional." },
    { key: "apiKey", type: "string", default: "", description: "A secret." },
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
            .map((k) =>
                k.key === "replicas"
                    ? { ...k, default: 3 }
                    : k.key === "backendUrl"
                      ? { ...k, default: "wss://x", description: "" }
                      : k.key === "apiKey"
                        ? { ...k, secret: true }
                        : k.key === "clusterName"
                          ? { ...k, default: "" }
                          : k,
            )
            .concat([{ key: "stale", type: "string", description: "Gone." }, { key: "zone", type: "string", description: "No default." }]);
        const withZone = { ...section, shape: { ...section.shape, zone: z.string().optional() } };
        assert.deepStrictEqual(configReferenceProblems(schema, [withZone]), [
            "'enabled' is validated in components/test.ts but not declared in Pulumi.yaml's config schema; fix: add it with type, default and description",
            "'replicas' defaults to 3 in Pulumi.yaml but to 1 in components/test.ts; fix: make them equal",
            `'clusterName' is required in components/test.ts but Pulumi.yaml declares default ""; fix: remove the default so the Pulumi CLI asks for it too`,
            "'backendUrl' has no description in Pulumi.yaml; fix: add one",
            "'backendUrl' defaults to wss://x in Pulumi.yaml but is optional in components/test.ts; fix: make them equal",
            `'apiKey' is declared secret in Pulumi.yaml but is given a default in components/test.ts; fix: drop \`secret: true\` and declare default: "" (the validator refuses a plain-text value)`,
            "'stale' is declared in Pulumi.yaml but no section validates it; fix: remove it from Pulumi.yaml or add it to a settings shape",
            `'zone' is optional in components/test.ts but Pulumi.yaml declares no default, so the Pulumi CLI refuses every stack that does not set it; fix: declare default: "" (empty means not set)`,
        ]);
    });

    it("renders one row per key with type, default and escaped description", () => {
        const md = configReferenceMarkdown(agreeing, [section]);
        assert.ok(md.startsWith("#### Test ([components/test.ts](components/test.ts))\n\n| key | type | default | description |"));
        assert.ok(md.includes('| `namespaces` | array | `["kagent"]` | Namespaces \\| with a pipe. |'));
        assert.ok(md.includes("| `clusterName` | string | **required** | Required &lt;name&gt;. |"));
        assert.ok(md.includes("| `backendUrl` | string | (unset) | Optional. |"));
        assert.ok(md.includes("| `apiKey` | string | (unset) | A secret. |"), "an empty Pulumi.yaml default reads as unset");
    });

    it("replaces only the generated block of the README, and refuses a README without markers", () => {
        const readme = `# Title\n\n${README_TABLE_START}\nold\n${README_TABLE_END}\n\nafter\n`;
        assert.strictEqual(replaceReadmeBlock(readme, "new\n"), `# Title\n\n${README_TABLE_START}\n\nnew\n${README_TABLE_END}\n\nafter\n`);
        assert.throws(() => replaceReadmeBlock("# no markers\n", "x"), /README.md has no config reference markers; fix: add the lines/);
    });
});
