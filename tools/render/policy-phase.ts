// The policy phase: the pack's own policies, through the pack's own offline runner, over every resource the
// program registered, with an optional `--policy-pack-config` file. Turns the runner's result into the
// PolicyOutcome every report format reads.
import * as fs from "fs";
import { runPolicies, OfflineResource } from "../../policy-pack/lib/offline-runner";
import { PolicyPackConfigFile, resolvePackConfig } from "../../policy-pack/lib/pack-config";
import { packPolicies } from "../../policy-pack/policies";
import { RenderUsageError } from "./cli-args";
import { PolicyOutcome, PolicyRuleInfo } from "./policy-outcome";
import { RenderResource } from "./render-model";

/** The pack's name, as in policy-pack/index.ts and `pulumi policy publish`. */
export const POLICY_PACK_NAME = "consonant-security";

/**
 * Reads a `--policy-pack-config` file and checks it against the pack (unknown policies, levels, knobs) before
 * anything is evaluated. A missing or malformed file is a usage error; a wrong entry a PolicyPackConfigError.
 */
export function loadPolicyConfigFile(file: string): PolicyPackConfigFile {
    let text: string;
    try {
        text = fs.readFileSync(file, "utf8");
    } catch {
        throw new RenderUsageError(`--policy-config file '${file}' cannot be read`, "pass the path of an existing JSON file");
    }
    let parsed: unknown;
    try {
        parsed = JSON.parse(text);
    } catch (err) {
        throw new RenderUsageError(`--policy-config file '${file}' is not valid JSON (${(err as Error).message})`, "fix the JSON syntax");
    }
    if (parsed === null || typeof parsed !== "object" || Array.isArray(parsed)) {
        throw new RenderUsageError(
            `--policy-config file '${file}' must hold a JSON object`,
            'write it as { "all": "mandatory", "<policy-name>": "advisory" }, the format of `pulumi preview --policy-pack-config`',
        );
    }
    resolvePackConfig(packPolicies, parsed as PolicyPackConfigFile);
    return parsed as PolicyPackConfigFile;
}

function toOfflineResource(r: RenderResource): OfflineResource {
    return {
        type: r.type,
        name: r.name,
        urn: r.urn,
        props: r.inputs,
        ...(r.parent ? { parent: r.parent } : {}),
        dependencies: r.dependencies,
        ...(r.provider ? { provider: r.provider } : {}),
    };
}

/** Runs the pack. Throws PolicyPackConfigError (from the pack) for an invalid config file. */
export function evaluatePolicies(resources: readonly RenderResource[], config: PolicyPackConfigFile = {}): PolicyOutcome {
    const levels = resolvePackConfig(packPolicies, config);
    const rules: PolicyRuleInfo[] = packPolicies.map((p) => ({
        name: p.name,
        description: p.description,
        severity: p.severity,
        enforcementLevel: levels.get(p.name)?.enforcementLevel ?? p.enforcementLevel,
        remediation: p.remediationSteps,
        framework: p.framework,
    }));
    const ruleByName = new Map(rules.map((r) => [r.name, r]));
    const resourceOf = (f: { urn?: string; type?: string; name?: string }) =>
        f.urn && f.type && f.name ? { resource: { urn: f.urn, type: f.type, name: f.name } } : {};

    const result = runPolicies(resources.map(toOfflineResource), { config });
    return {
        packName: POLICY_PACK_NAME,
        rules,
        violations: result.violations.map((v) => ({
            policyName: v.policyName,
            enforcementLevel: v.enforcementLevel,
            severity: v.severity ?? ruleByName.get(v.policyName)?.severity ?? "medium",
            message: v.message,
            ...resourceOf(v),
        })),
        undecided: result.undecided.map((u) => ({
            policyName: u.policyName,
            enforcementLevel: ruleByName.get(u.policyName)?.enforcementLevel ?? "advisory",
            severity: ruleByName.get(u.policyName)?.severity ?? "medium",
            message: u.reason,
            ...resourceOf(u),
        })),
    };
}
