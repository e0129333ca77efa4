// Reads the committed Pulumi project and stack files the way the Pulumi CLI hands them to the program.
//
// The offline render and the program tests evaluate `index.ts` without the Pulumi CLI, so something has to
// turn `Pulumi.yaml` + `Pulumi.<stack>.yaml` into the flat string map Pulumi would pass (project defaults
// applied, objects/arrays as JSON text, `secure:` values kept secret). Doing it here, once, keeps tests and
// the render evaluating exactly the committed configuration.
import * as fs from "fs";
import * as path from "path";
import { parse as parseYaml } from "yaml";

/** Marks a value that stands in for a `secure:` stack value: obviously fake and never a real secret. */
export const SECRET_PLACEHOLDER_PREFIX = "offline-placeholder-not-a-secret:";

/** One declared key of the project's `config:` schema in Pulumi.yaml. */
export interface ProjectConfigKey {
    /** Key without the project prefix (e.g. `replicas`) or with a foreign namespace (e.g. `pulumi:...`). */
    key: string;
    type?: string;
    /** The default exactly as written in Pulumi.yaml (not stringified). */
    default?: unknown;
    description?: string;
    /** Set for keys given a fixed `value:` in Pulumi.yaml (e.g. `pulumi:disable-default-providers`). */
    value?: unknown;
    /** `secret: true`: the value must be set with `pulumi config set --secret`. */
    secret?: boolean;
}

/** The configuration Pulumi would hand to the program for one stack. */
export interface StackFiles {
    project: string;
    stack: string;
    /** Keys WITHOUT the project prefix (foreign namespaces such as `pulumi:` keep theirs) → Pulumi's string. */
    config: Record<string, string>;
    /** Keys of `config` whose value came from a `secure:` entry (value is a placeholder). */
    secretKeys: string[];
    /** The project's declared config schema, in file order (for docs and the README reference test). */
    schema: ProjectConfigKey[];
}

/** Thrown when a project or stack file cannot be read as Pulumi would read it. */
export class StackFileError extends Error {
    constructor(file: string, problem: string, fix: string) {
        super(`${file}: ${problem}; fix: ${fix}`);
        this.name = "StackFileError";
    }
}

function isRecord(v: unknown): v is Record<string, unknown> {
    return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Pulumi passes scalars as their text and structured values as JSON text. */
function toPulumiString(value: unknown): string {
    if (typeof value === "string") return value;
    if (typeof value === "number" || typeof value === "boolean") return String(value);
    return JSON.stringify(value);
}

/** True when the value is, or contains, a `{ secure: "…" }` envelope. */
function containsSecure(value: unknown): boolean {
    if (Array.isArray(value)) return value.some(containsSecure);
    if (!isRecord(value)) return false;
    if (Object.keys(value).length === 1 && typeof value.secure === "string") return true;
    return Object.values(value).some(containsSecure);
}

/** Replaces every `{ secure: … }` envelope with a visibly fake placeholder naming the key. */
function replaceSecure(value: unknown, key: string): unknown {
    if (Array.isArray(value)) return value.map((v) => replaceSecure(v, key));
    if (!isRecord(value)) return value;
    if (Object.keys(value).length === 1 && typeof value.secure === "string") return `${SECRET_PLACEHOLDER_PREFIX}${key}`;
    return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, replaceSecure(v, key)]));
}

/** Strips `<project>:` from a key; keys of other namespaces (`pulumi:`, `kubernetes:` …) keep theirs. */
function localKey(fullKey: string, project: string): string {
    const prefix = `${project}:`;
    return fullKey.startsWith(prefix) ? fullKey.slice(prefix.length) : fullKey;
}

/** Parses the `config:` block of Pulumi.yaml into declared keys. */
export function parseProjectConfigSchema(projectDoc: Record<string, unknown>, file = "Pulumi.yaml"): ProjectConfigKey[] {
    const block = projectDoc.config ?? {};
    if (!isRecord(block)) {
        throw new StackFileError(file, "`config:` must be a mapping of keys", "write `config:` as `key: {type, default, description}` entries");
    }
    const project = String(projectDoc.name ?? "");
    return Object.entries(block).map(([rawKey, decl]) => {
        const key = localKey(rawKey, project);
        if (!isRecord(decl)) return { key, default: decl };
        return {
            key,
            type: typeof decl.type === "string" ? decl.type : undefined,
            default: decl.default,
            description: typeof decl.description === "string" ? decl.description : undefined,
            value: decl.value,
            ...(decl.secret === true ? { secret: true } : {}),
        };
    });
}

/**
 * Pure: the text of Pulumi.yaml and of Pulumi.<stack>.yaml (undefined when the stack has no file) → the config
 * Pulumi would give the program. Project defaults and fixed values apply first; the stack file wins.
 */
export function parseStackFiles(projectYaml: string, stackYaml: string | undefined, stack: string): StackFiles {
    const projectDoc: unknown = parseYaml(projectYaml);
    if (!isRecord(projectDoc) || typeof projectDoc.name !== "string") {
        throw new StackFileError("Pulumi.yaml", "no project `name:`", "add `name: consonant-relayer` at the top of Pulumi.yaml");
    }
    const project = projectDoc.name;
    const schema = parseProjectConfigSchema(projectDoc);
    const config: Record<string, string> = {};
    for (const decl of schema) {
        const fixed = decl.value !== undefined ? decl.value : decl.default;
        if (fixed !== undefined && fixed !== null) config[decl.key] = toPulumiString(fixed);
    }

    const secretKeys: string[] = [];
    const stackFile = `Pulumi.${stack}.yaml`;
    const stackDoc: unknown = stackYaml === undefined ? {} : (parseYaml(stackYaml) ?? {});
    if (!isRecord(stackDoc)) {
        throw new StackFileError(stackFile, "the file is not a YAML mapping", "start the file with `config:`");
    }
    const stackConfig = stackDoc.config ?? {};
    if (!isRecord(stackConfig)) {
        throw new StackFileError(stackFile, "`config:` must be a mapping", "write entries as `consonant-relayer:<key>: <value>`");
    }
    for (const [rawKey, rawValue] of Object.entries(stackConfig)) {
        const key = localKey(rawKey, project);
        if (containsSecure(rawValue)) {
            config[key] = toPulumiString(replaceSecure(rawValue, key));
            secretKeys.push(key);
        } else if (rawValue !== null && rawValue !== undefined) {
            config[key] = toPulumiString(rawValue);
        }
    }
    checkLikeTheCli(schema, config, secretKeys, stack);
    return { project, stack, config, secretKeys: secretKeys.sort(), schema };
}

/**
 * The checks the Pulumi CLI makes before it runs the program (ValidateStackConfigAndApplyProjectConfig), so
 * that the offline render refuses exactly the stacks `pulumi preview` would: a declared key without a default
 * must be set by the stack, and a key declared `secret: true` must hold a `secure:` value.
 */
function checkLikeTheCli(schema: readonly ProjectConfigKey[], config: Readonly<Record<string, string>>, secretKeys: readonly string[], stack: string): void {
    const stackFile = `Pulumi.${stack}.yaml`;
    const missing = schema.filter((d) => d.default === undefined && d.value === undefined && !(d.key in config)).map((d) => d.key);
    if (missing.length > 0) {
        throw new StackFileError(
            stackFile,
            `Stack '${stack}' is missing configuration value${missing.length === 1 ? "" : "s"} ${missing.map((k) => `'${k}'`).join(", ")} (declared in Pulumi.yaml without a default)`,
            missing.map((k) => `\`pulumi config set ${k} <value>\``).join(", "),
        );
    }
    const plain = schema.filter((d) => d.secret === true && d.key in config && !secretKeys.includes(d.key)).map((d) => d.key);
    if (plain.length > 0) {
        throw new StackFileError(
            stackFile,
            `configuration ${plain.map((k) => `'${k}'`).join(", ")} must be encrypted as declared secret in Pulumi.yaml`,
            plain.map((k) => `\`pulumi config set --secret ${k} <value>\``).join(", "),
        );
    }
}

/** Reads `<dir>/Pulumi.yaml` and `<dir>/Pulumi.<stack>.yaml` (a missing stack file means no stack values). */
export function readStackFiles(dir: string, stack: string): StackFiles {
    if (!/^[A-Za-z0-9_.-]+$/.test(stack)) {
        throw new StackFileError(`Pulumi.${stack}.yaml`, `'${stack}' is not a valid stack name`, "use letters, digits, '-', '_' or '.' (e.g. `dev`)");
    }
    const projectFile = path.join(dir, "Pulumi.yaml");
    if (!fs.existsSync(projectFile)) {
        throw new StackFileError(projectFile, "file not found", "run from the repository root (where Pulumi.yaml is)");
    }
    const stackFile = path.join(dir, `Pulumi.${stack}.yaml`);
    const stackText = fs.existsSync(stackFile) ? fs.readFileSync(stackFile, "utf8") : undefined;
    return parseStackFiles(fs.readFileSync(projectFile, "utf8"), stackText, stack);
}

/**
 * A copy with some keys changed (`undefined` removes a key). Tests use it to derive invalid configurations
 * from the committed stacks. A key listed in `secret` becomes a secret key.
 */
export function withConfigOverrides(
    files: StackFiles,
    overrides: Readonly<Record<string, string | undefined>>,
    secret: readonly string[] = [],
): StackFiles {
    const config = { ...files.config };
    for (const [key, value] of Object.entries(overrides)) {
        if (value === undefined) delete config[key];
        else config[key] = value;
    }
    const secretKeys = [...new Set([...files.secretKeys.filter((k) => k in config), ...secret])].sort();
    return { ...files, config, secretKeys };
}

/**
 * The arguments of `pulumi.runtime.setAllConfig(config, secretKeys)`: project keys get the `<project>:` prefix
 * Pulumi's `Config` looks them up by; keys already namespaced (`pulumi:…`) stay as they are.
 */
export function toPulumiRuntimeConfig(files: StackFiles): { config: Record<string, string>; secretKeys: string[] } {
    const full = (key: string) => (key.includes(":") ? key : `${files.project}:${key}`);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(files.config)) config[full(key)] = value;
    return { config, secretKeys: files.secretKeys.map(full) };
}
