// `--policy-pack-config` semantics, reproduced for the offline runner: the file maps `all` and policy
// names to an enforcement level or an object `{ enforcementLevel?, ...knobs }`. Like the Pulumi CLI we
// validate every entry against the policy's configSchema (unknown policies and knobs are errors, so a
// typo never silently disables a check), fill schema defaults, and let a policy's own entry win over `all`.
import Ajv from "ajv";
import type { EnforcementLevel } from "@pulumi/policy";
import { defaultsOf } from "./policy-config";
import type { PackPolicy } from "./policy-types";

export type PolicyPackConfigFile = Record<string, EnforcementLevel | ({ enforcementLevel?: EnforcementLevel } & Record<string, unknown>)>;

export interface ResolvedPolicyConfig {
    enforcementLevel: EnforcementLevel;
    /** Knobs as `getConfig()` returns them: defaults filled, enforcementLevel removed. */
    properties: Record<string, unknown>;
}

export class PolicyPackConfigError extends Error {
    constructor(readonly problems: string[]) {
        super(`invalid policy pack config:\n- ${problems.join("\n- ")}`);
        this.name = "PolicyPackConfigError";
    }
}

const LEVELS: readonly EnforcementLevel[] = ["advisory", "mandatory", "remediate", "disabled"];
const ajv = new Ajv({ allErrors: true, strict: false });
// Compiling a schema costs far more than validating with it; a policy's schema never changes.
const validators = new WeakMap<PackPolicy, ReturnType<typeof ajv.compile>>();

function validatorFor(policy: PackPolicy): ReturnType<typeof ajv.compile> {
    let validate = validators.get(policy);
    if (!validate) {
        validate = ajv.compile({
            type: "object",
            properties: policy.configSchema?.properties ?? {},
            required: policy.configSchema?.required ?? [],
            additionalProperties: false,
        });
        validators.set(policy, validate);
    }
    return validate;
}

function splitEntry(key: string, entry: unknown, problems: string[]): { level?: EnforcementLevel; knobs: Record<string, unknown> } {
    if (entry === undefined) return { knobs: {} };
    if (typeof entry === "string") {
        if (LEVELS.includes(entry as EnforcementLevel)) return { level: entry as EnforcementLevel, knobs: {} };
        problems.push(`"${key}": "${entry}" is not an enforcement level; use one of ${LEVELS.join(", ")}`);
        return { knobs: {} };
    }
    if (entry === null || typeof entry !== "object" || Array.isArray(entry)) {
        problems.push(`"${key}": must be an enforcement level string or an object; write "${key}": { "enforcementLevel": "advisory" }`);
        return { knobs: {} };
    }
    const { enforcementLevel, ...knobs } = entry as Record<string, unknown>;
    if (enforcementLevel !== undefined && !LEVELS.includes(enforcementLevel as EnforcementLevel)) {
        problems.push(`"${key}.enforcementLevel": "${String(enforcementLevel)}" is not an enforcement level; use one of ${LEVELS.join(", ")}`);
        return { knobs };
    }
    return { level: enforcementLevel as EnforcementLevel | undefined, knobs };
}

/** Resolves the effective level and knobs of every policy; throws one error listing every problem. */
export function resolvePackConfig(
    policies: readonly PackPolicy[],
    config: PolicyPackConfigFile = {},
): Map<string, ResolvedPolicyConfig> {
    const problems: string[] = [];
    const byName = new Map(policies.map((policy) => [policy.name, policy]));
    for (const key of Object.keys(config)) {
        if (key !== "all" && !byName.has(key)) {
            problems.push(`"${key}" is not a policy of this pack; remove it or use one of the names listed by the pack`);
        }
    }
    const all = splitEntry("all", config["all"], problems);
    if (Object.keys(all.knobs).length > 0) {
        problems.push(`"all" only takes an enforcement level; move ${Object.keys(all.knobs).join(", ")} under the policy they belong to`);
    }
    const resolved = new Map<string, ResolvedPolicyConfig>();
    for (const policy of policies) {
        const own = splitEntry(policy.name, config[policy.name], problems);
        const properties = { ...defaultsOf(policy.configSchema), ...own.knobs };
        const validate = validatorFor(policy);
        if (!validate(properties)) {
            for (const error of validate.errors ?? []) {
                const where = `${policy.name}${error.instancePath.replace(/\//g, ".")}`;
                const extra = error.params && "additionalProperty" in error.params ? ` "${String(error.params.additionalProperty)}"` : "";
                problems.push(`"${where}": ${error.message}${extra}; fix it to match the policy's configSchema`);
            }
        }
        resolved.set(policy.name, {
            enforcementLevel: own.level ?? all.level ?? policy.enforcementLevel,
            properties,
        });
    }
    if (problems.length > 0) throw new PolicyPackConfigError(problems);
    return resolved;
}
