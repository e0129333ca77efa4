// Reading a policy's configuration. The Pulumi CLI fills schema defaults before it hands config to the
// pack, but older CLIs and direct callers may not: every policy reads its knobs through this helper so
// the schema's `default` is the single place a default lives.
import type { PolicyConfigSchema } from "@pulumi/policy";

export function defaultsOf(schema: PolicyConfigSchema | undefined): Record<string, unknown> {
    const defaults: Record<string, unknown> = {};
    for (const [key, property] of Object.entries(schema?.properties ?? {})) {
        if (property.default !== undefined) defaults[key] = structuredClone(property.default);
    }
    return defaults;
}

/** The policy's effective configuration: schema defaults overridden by what the operator set. */
export function readPolicyConfig<T extends object>(
    schema: PolicyConfigSchema,
    args: { getConfig<C extends object>(): C },
): T {
    return { ...defaultsOf(schema), ...args.getConfig<Record<string, unknown>>() } as T;
}
