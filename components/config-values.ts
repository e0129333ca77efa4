// Shared building blocks for stack-config sections.
//
// Pulumi hands every config value to the program as a string (objects and arrays as JSON text), and the
// offline render feeds the same strings from the committed stack files. Each section of the stack config
// (general/workload in config.ts, secrets/settings.ts, edge/settings.ts) declares its keys with these
// parsers, so one raw-string convention holds everywhere and every problem is reported the same way.
import { z } from "zod";

/** One thing wrong with the stack config: the key, what is wrong with its value, and how to fix it. */
export interface ConfigProblem {
    /** The Pulumi config key without the project prefix, e.g. `replicas`. */
    key: string;
    /** What is wrong, without echoing a secret value. */
    problem: string;
    /** The command or change that fixes it. */
    fix: string;
}

/** Facts about the stack that production guardrails depend on. */
export interface GuardrailContext {
    stack: string;
    /** True for `prod` and any stack with `environment: prod` or `productionLike: true`. */
    productionLike: boolean;
    /** `none` or `hipaa`. */
    compliance: "none" | "hipaa";
}

/** Raw config as Pulumi gives it: key (without project prefix) → string. */
export type RawConfig = Readonly<Record<string, string | undefined>>;

/** A boolean written as `true`/`false` (Pulumi stores booleans as strings). */
export const configBoolean = z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
    z.union([z.literal("true").transform(() => true), z.literal("false").transform(() => false), z.boolean()], {
        error: "must be true or false",
    }),
);

/** A whole number written as text. */
export const configInteger = z.preprocess(
    (v) => (typeof v === "string" && /^-?\d+$/.test(v.trim()) ? Number(v.trim()) : v),
    z.number({ error: "must be a whole number" }).int({ error: "must be a whole number" }),
);

/** A structured value (object or array) written as JSON text, validated by `schema`. */
export function configJson<T extends z.ZodType>(schema: T) {
    return z.preprocess((v) => {
        if (typeof v !== "string") return v;
        try {
            return JSON.parse(v);
        } catch {
            return Symbol.for("invalid-json");
        }
    }, schema);
}

/** Turn zod issues for a section into ConfigProblems, each with a fix taken from `fixes` (or a generic one). */
export function problemsFromZod(error: z.ZodError, fixes: Readonly<Record<string, string>>): ConfigProblem[] {
    return error.issues.map((issue) => {
        const key = issue.path.length > 0 ? String(issue.path[0]) : "(stack config)";
        const sub = issue.path.slice(1).join(".");
        return {
            key: sub ? `${key}.${sub}` : key,
            problem: issue.message,
            fix: fixes[key] ?? `set a valid value with \`pulumi config set ${key} <value>\``,
        };
    });
}

/** One line per problem, as printed by `pulumi preview` and the offline render. */
export function formatProblems(problems: readonly ConfigProblem[]): string {
    return problems.map((p) => `config '${p.key}': ${p.problem}; fix: ${p.fix}`).join("\n");
}

/** Thrown once, with every problem, before any resource exists. */
export class StackConfigError extends Error {
    constructor(readonly problems: readonly ConfigProblem[]) {
        super(`invalid stack config (${problems.length} problem${problems.length === 1 ? "" : "s"}):\n${formatProblems(problems)}`);
        this.name = "StackConfigError";
    }
}
