// Which stacks can be rendered, and how `--config` overrides apply to a stack's committed config.
import * as fs from "fs";
import { StackFiles } from "../lib/stack-files";

/** Stacks with a committed `Pulumi.<stack>.yaml` in `dir`, sorted. */
export function committedStacks(dir: string): string[] {
    return fs
        .readdirSync(dir)
        .flatMap((f) => /^Pulumi\.(.+)\.yaml$/.exec(f)?.[1] ?? [])
        .sort();
}

/**
 * `--config` / `--secret-config` overrides as the Pulumi CLI reads them: keys with or without the `<project>:`
 * prefix; a `--secret-config` value, and any value of a key the project declares `secret: true`, stays secret.
 */
export function configOverridesFor(
    files: StackFiles,
    raw: Readonly<Record<string, string>>,
    rawSecret: Readonly<Record<string, string>> = {},
): { values: Record<string, string>; secretKeys: string[] } {
    const local = (key: string) => (key.startsWith(`${files.project}:`) ? key.slice(files.project.length + 1) : key);
    const values: Record<string, string> = {};
    for (const [key, value] of Object.entries(raw)) values[local(key)] = value;
    const secret = new Set(files.schema.filter((k) => k.secret).map((k) => k.key));
    for (const [key, value] of Object.entries(rawSecret)) {
        values[local(key)] = value;
        secret.add(local(key));
    }
    return { values, secretKeys: Object.keys(values).filter((k) => secret.has(k)) };
}
