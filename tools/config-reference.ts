// `npm run docs:config`: regenerates the configuration reference in README.md from Pulumi.yaml's config schema
// and the config validator. `npm run docs:config -- --check` only reports (exit 1) when README.md is stale.
// Refuses to write while Pulumi.yaml and the validator disagree, naming each disagreement and its fix.
import * as fs from "fs";
import * as path from "path";
import { configReferenceMarkdown, configReferenceProblems, replaceReadmeBlock } from "./docs/config-reference";
import { configSections } from "./docs/config-sections";
import { readStackFiles } from "./lib/stack-files";

const repoRoot = path.resolve(__dirname, "..");
const readmePath = path.join(repoRoot, "README.md");
const check = process.argv.includes("--check");

const { schema } = readStackFiles(repoRoot, "dev");
const problems = configReferenceProblems(schema, configSections);
if (problems.length > 0) {
    console.error(`Pulumi.yaml and the config validator disagree (${problems.length}):\n${problems.map((p) => `- ${p}`).join("\n")}`);
    process.exit(1);
}
const readme = fs.readFileSync(readmePath, "utf8");
const updated = replaceReadmeBlock(readme, configReferenceMarkdown(schema, configSections));
if (updated === readme) {
    console.log("README.md configuration reference is up to date");
} else if (check) {
    console.error("README.md configuration reference is stale; fix: run `npm run docs:config`");
    process.exit(1);
} else {
    fs.writeFileSync(readmePath, updated);
    console.log("README.md configuration reference regenerated");
}
