// Deterministic JSON: the same value always serialises to the same bytes, whatever order its keys were built in.
// Every JSON file the offline render writes goes through here, so two renders of the same inputs are identical.

/** A copy of `value` with the keys of every plain object sorted; arrays keep their order (it is meaningful). */
export function sortKeysDeep(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(sortKeysDeep);
    if (value !== null && typeof value === "object") {
        const sorted: Record<string, unknown> = {};
        for (const key of Object.keys(value).sort()) {
            const child = (value as Record<string, unknown>)[key];
            // `undefined` is not JSON; dropping it here keeps key order and output identical to JSON.stringify.
            if (child !== undefined) sorted[key] = sortKeysDeep(child);
        }
        return sorted;
    }
    return value;
}

/** Pretty JSON with sorted keys and a final newline. */
export function canonicalJson(value: unknown): string {
    return `${JSON.stringify(sortKeysDeep(value), null, 2)}\n`;
}
