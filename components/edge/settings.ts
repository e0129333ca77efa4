// Stack-config section of the Cloudflare edge (owned by components/edge). Bootstrap version: the edge
// component's work replaces this with the full set of keys (account, zone, tunnel, Access, connector).
import { z } from "zod";
import { configBoolean, ConfigProblem, GuardrailContext } from "../config-values";

/** Flat Pulumi config keys of this section → parsers of their raw string values. */
export const edgeSettingsShape = {
    /** Publish the backend through a Cloudflare Tunnel guarded by Cloudflare Access. */
    cloudflareEnabled: configBoolean.default(false),
};

export const edgeSettingsSchema = z.object(edgeSettingsShape);
export type EdgeSettings = z.infer<typeof edgeSettingsSchema>;

/** Fix text per key, used when a value fails its parser. */
export const edgeSettingsFixes: Readonly<Record<string, string>> = {
    cloudflareEnabled: "run `pulumi config set cloudflareEnabled true` (or false)",
};

/** Cross-field rules and production guardrails of this section. */
export function edgeGuardrails(_s: EdgeSettings, _ctx: GuardrailContext): ConfigProblem[] {
    return [];
}
