// Stack-config section of the secret store (owned by components/secrets). Bootstrap version: the secrets
// component's work replaces this with the full set of keys (Vault, AWS, LLM key sources, rotation).
import { z } from "zod";
import { ConfigProblem, GuardrailContext } from "../config-values";

/** Flat Pulumi config keys of this section → parsers of their raw string values. */
export const secretsSettingsShape = {
    /** Where the relayer's secrets live: `vault`, `aws` or `kubernetes` (development only). */
    secretsMode: z.enum(["vault", "aws", "kubernetes"]).default("kubernetes"),
};

export const secretsSettingsSchema = z.object(secretsSettingsShape);
export type SecretsSettings = z.infer<typeof secretsSettingsSchema>;

/** Fix text per key, used when a value fails its parser. */
export const secretsSettingsFixes: Readonly<Record<string, string>> = {
    secretsMode: "run `pulumi config set secretsMode vault` (or `aws`; `kubernetes` is for development only)",
};

/** Cross-field rules and production guardrails of this section. */
export function secretsGuardrails(s: SecretsSettings, ctx: GuardrailContext): ConfigProblem[] {
    const problems: ConfigProblem[] = [];
    if (s.secretsMode === "kubernetes" && (ctx.productionLike || ctx.compliance === "hipaa")) {
        problems.push({
            key: "secretsMode",
            problem: `'kubernetes' keeps secrets in Pulumi config and is refused for ${ctx.productionLike ? "production-like stacks" : "compliance: hipaa"}`,
            fix: "run `pulumi config set secretsMode vault` (or `aws`) and configure that store",
        });
    }
    return problems;
}
