// Name patterns in policy config (`legacy-*`, `*.dkr.ecr.*.amazonaws.com`): `*` matches any run of
// characters, everything else is literal. Compiled patterns are cached because config is read per resource.
const cache = new Map<string, RegExp>();

export function globToRegExp(pattern: string): RegExp {
    let compiled = cache.get(pattern);
    if (!compiled) {
        const body = pattern.split("*").map((part) => part.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*");
        compiled = new RegExp(`^${body}$`);
        cache.set(pattern, compiled);
    }
    return compiled;
}

export function matchesAnyGlob(value: string, patterns: readonly string[]): boolean {
    return patterns.some((pattern) => globToRegExp(pattern).test(value));
}
