// docs/policy-pack.md must describe the pack as it is: every policy with its level and knobs, and a config
// example the pack accepts.
import { strict as assert } from "assert";
import * as fs from "fs";
import * as path from "path";
import { resolvePackConfig } from "../lib/pack-config";
import { packPolicies } from "../policies";

const DOC = fs.readFileSync(path.resolve(__dirname, "..", "..", "docs", "policy-pack.md"), "utf8");

describe("docs/policy-pack.md", () => {
    it("lists every policy with its severity, default level and knobs", () => {
        for (const policy of packPolicies) {
            const row = DOC.split("\n").find((line) => line.startsWith(`| \`${policy.name}\` |`));
            assert.ok(row, `missing table row for ${policy.name}`);
            assert.ok(row.includes(`| ${policy.severity} | ${policy.enforcementLevel} |`), `${policy.name}: severity/level differ`);
            for (const knob of Object.keys(policy.configSchema?.properties ?? {}).filter((k) => k !== "exemptResources")) {
                assert.ok(row.includes(`\`${knob}\``), `${policy.name}: knob ${knob} not documented`);
            }
        }
    });
    it("shows a --policy-pack-config example the pack accepts", () => {
        const example = /```json\n([\s\S]*?)```/.exec(DOC);
        assert.ok(example, "no JSON example");
        resolvePackConfig(packPolicies, JSON.parse(example[1]));
    });
    it("shows running locally, with a config file, and publishing to an organisation", () => {
        for (const command of ["--policy-pack policy-pack", "--policy-pack-config", "pulumi policy publish <org>", "pulumi policy enable <org>/consonant-security"]) {
            assert.ok(DOC.includes(command), command);
        }
    });
});
