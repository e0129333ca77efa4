// Reading a policy's configuration. The Pulumi CLI fills schema defaults before it hands config to the
// pack, but older CLIs and direct callers may not: every policy reads its knobs through this helper so
// the schema's `default` is the single place a default lives.
import type { PolicyConfigSchema } from "@pulumi/policy";

// Policies run once per resource: compute each schema's defaults once. Policies treat config as read-only.
const defaultsCache = new WeakMap<PolicyConfigSchema, Readonly<Record<string, unknown>>>();

export function defaultsOf(schema: PolicyConfigSchema | undefined): Readonly<Record<string, unknown>> {
    if (!schema) return {};
    let defaults = defaultsCache.get(schema);
    if (!defaults) {
        const computed: Record<string, unknown> = {};
        for (const [key, property] of Object.entries(schema.properties ?? {})) {
            if (property.default !== undefined) computed[key] = property.default;
        }
        defaults = Object.freeze(computed);
        defaultsCache.set(schema, defaults);
    }
    return defaults;
}

// Merged views per (schema, config object): the offline runner hands out one config object per policy,
// so each policy merges once per run instead of once per resource.
const mergedCache = new WeakMap<object, WeakMap<PolicyConfigSchema, object>>();

/** The policy's effective configuration: schema defaults overridden by what the operator set. */
export function readPolicyConfig<T extends object>(
    schema: PolicyConfigSchema,
    args: { getConfig<C extends object>(): C },
): T {
    const given = args.getConfig<Record<string, unknown>>();
    let bySchema = mergedCache.get(given);
    if (!bySchema) mergedCache.set(given, (bySchema = new WeakMap()));
    let merged = bySchema.get(schema);
    if (!merged) bySchema.set(schema, (merged = Object.freeze({ ...defaultsOf(schema), ...given })));
    return merged as T;
}
