// The README must be true about the code: the commands it gives exist, the files it describes are the ones the
// render writes, the configuration reference is the one Pulumi.yaml and the validator define, and every policy,
// config key and path it names exists (and every policy of the pack is mapped to compliance controls).
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { stackConfigShape } from "../components/config";
import { packPolicies } from "../policy-pack/policies";
import { configReferenceMarkdown, configReferenceProblems, replaceReadmeBlock } from "../tools/docs/config-reference";
import { configSections } from "../tools/docs/config-sections";
import { readStackFiles } from "../tools/lib/stack-files";
import { EXIT } from "../tools/render/cli-args";
import { RENDER_FILES } from "../tools/render/render-files";

const root = path.resolve(__dirname, "..");
const readme = fs.readFileSync(path.join(root, "README.md"), "utf8");
const scripts = (JSON.parse(fs.readFileSync(path.join(root, "package.json"), "utf8")) as { scripts: Record<string, string> }).scripts;
const policyNames = new Set(packPolicies.map((p) => p.name));
const configKeys = new Set(Object.keys(stackConfigShape));

/** The text between `<!-- name:start -->` and `<!-- name:end -->`. */
function block(name: string): string {
    const start = readme.indexOf(`<!-- ${name}:start`);
    const end = readme.indexOf(`<!-- ${name}:end -->`);
    assert.ok(start >= 0 && end > start, `README has the ${name} block`);
    return readme.slice(start, end);
}

/** `code spans` in a text. */
const codeSpans = (text: string) => [...text.matchAll(/`([^`\n]+)`/g)].map((m) => m[1]);

describe("README", () => {
    it("opens with exactly the two commands a newcomer runs: `npm ci && npm run render` and `npm test`", () => {
        const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1];
        assert.strictEqual(firstBlock, "npm ci && npm run render\nnpm test\n");
        assert.ok(readme.indexOf("```sh") < readme.indexOf("## "), "before any section");
        assert.strictEqual(scripts.render, "ts-node --swc tools/render.ts");
    });

    it("only mentions npm scripts that exist (in the root or the named workspace)", () => {
        for (const [, name, workspace] of readme.matchAll(/npm run ([a-z:-]+)(?: -w ([a-z-]+))?/g)) {
            const owner = workspace ? path.join(workspace, "package.json") : "package.json";
            const ownerScripts = (JSON.parse(fs.readFileSync(path.join(root, owner), "utf8")) as { scripts: Record<string, string> }).scripts;
            assert.ok(ownerScripts[name], `${owner} has script '${name}'`);
        }
    });

    it("describes exactly the files the render writes and its exit codes", () => {
        const section = readme.slice(readme.indexOf("## What the render wrote"), readme.indexOf("## Architecture"));
        for (const file of Object.values(RENDER_FILES)) assert.ok(section.includes(`| \`${file}\` |`), `${file} is described`);
        const described = [...section.matchAll(/^\| `([^`]+)` \|/gm)].map((m) => m[1]);
        assert.deepStrictEqual(described.filter((f) => !f.startsWith("cloud/")).sort(), Object.values(RENDER_FILES).sort());
        assert.match(section, new RegExp(`\`${EXIT.ok}\` rendered and no mandatory policy violated`));
        assert.match(section, new RegExp(`\`${EXIT.policyViolation}\` a mandatory policy is violated`));
        assert.match(section, new RegExp(`\`${EXIT.invalidInput}\` invalid command line, stack config or policy config`));
        assert.match(section, new RegExp(`\`${EXIT.renderFailure}\` the program or a manifest failed to render`));
    });

    it("has the configuration reference generated from Pulumi.yaml and the validator, which agree", () => {
        const { schema } = readStackFiles(root, "dev");
        assert.deepStrictEqual(configReferenceProblems(schema, configSections), []);
        const expected = replaceReadmeBlock(readme, configReferenceMarkdown(schema, configSections));
        assert.ok(expected === readme, "README.md's configuration reference is stale; fix: run `npm run docs:config`");
    });

    it("maps every checklist line to an existing policy, config key or file, or to the operator", () => {
        const checklist = block("checklist");
        const rows = checklist.split("\n").filter((l) => /^\| \d+ \|/.test(l));
        assert.ok(rows.length >= 15);
        for (const row of rows) {
            const enforcedBy = row.split(" | ").slice(2).join(" | ");
            assert.ok(/(policy|policies) `|guardrail|code |operator's duty/.test(enforcedBy), `row names what enforces it: ${row}`);
        }
        for (const span of codeSpans(checklist)) {
            if (/^[a-z]+(-[a-z0-9]+)+$/.test(span)) assert.ok(policyNames.has(span), `'${span}' is a policy of the pack`);
            else if (/^[a-z]+[A-Z][A-Za-z]*$/.test(span)) assert.ok(configKeys.has(span), `'${span}' is a config key`);
        }
    });

    it("maps every policy of the pack, and only those, to compliance controls", () => {
        const mapped = new Set(
            block("compliance")
                .split("\n")
                .filter((l) => l.startsWith("| ") && !l.startsWith("| control") && !l.startsWith("|---"))
                .flatMap((l) => codeSpans(l.split(" | ").pop() ?? "")),
        );
        assert.deepStrictEqual([...mapped].filter((n) => !policyNames.has(n)), [], "unknown policies in the mapping");
        assert.deepStrictEqual([...policyNames].filter((n) => !mapped.has(n)), [], "policies missing from the mapping");
    });

    it("links only to files that exist", () => {
        for (const [, target] of readme.matchAll(/\]\(([^)#]+)(#[^)]*)?\)/g)) {
            if (/^[a-z]+:/.test(target)) continue; // external URL
            assert.ok(fs.existsSync(path.join(root, target)), `link target ${target} exists`);
        }
    });

    it("names only real config keys in its `pulumi config set` commands", () => {
        // The generated reference quotes Pulumi.yaml's descriptions; the README's own commands are checked here.
        const handWritten = readme.replace(block("config-reference"), "");
        for (const [, key] of handWritten.matchAll(/pulumi config set (?:--secret )?([A-Za-z][A-Za-z0-9]*)\b/g)) {
            assert.ok(configKeys.has(key), `'${key}' is a config key of the program`);
        }
    });

    it("says that no install-time hook identity is needed, and shows the architecture as Mermaid", () => {
        assert.match(readme, /no install-time hook identity is needed/);
        assert.match(readme, /```mermaid\nflowchart/);
    });
});
