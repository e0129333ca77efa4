// Zod types for environment variable values (env values are always strings). Kept apart from config.ts so
// feature settings modules (src/gateway/settings.ts, src/kube/settings.ts, ...) can use them while config.ts
// spreads those modules' shapes into the one relayer schema, without a CommonJS import cycle.
import { z } from "zod";

/** A boolean written as `true`/`false` (env values are strings). */
export const envBoolean = z.preprocess(
    (v) => (typeof v === "string" ? v.trim().toLowerCase() : v),
    z.enum(["true", "false"], { error: "must be true or false" }).transform((v) => v === "true"),
);

/** A whole number written as decimal text, within [min, max]. */
export function envInteger(min: number, max: number) {
    return z.preprocess(
        (v) => (typeof v === "string" && /^\s*-?\d+\s*$/.test(v) ? Number(v.trim()) : v),
        z
            .number({ error: "must be a whole number" })
            .int({ error: "must be a whole number" })
            .min(min, { error: `must be at least ${min}` })
            .max(max, { error: `must be at most ${max}` }),
    );
}

/** A TCP port; 0 is not allowed because the orchestrator and probes need a fixed, known port. */
export const envPort = envInteger(1, 65535);

/** Comma-separated list of values from `allowed` (empty text = empty list). */
export function envCsvEnum<const T extends readonly [string, ...string[]]>(allowed: T) {
    return z.preprocess(
        (v) =>
            typeof v === "string"
                ? v
                      .split(",")
                      .map((s) => s.trim())
                      .filter((s) => s.length > 0)
                : v,
        z.array(z.enum(allowed, { error: `each entry must be one of ${allowed.join(", ")}` })).refine(
            (list) => new Set(list).size === list.length,
            { error: "lists an entry twice" },
        ),
    );
}

export const nonEmpty = (what: string) => z.string({ error: `is required (${what})` }).trim().min(1, { error: `is empty (${what})` });
