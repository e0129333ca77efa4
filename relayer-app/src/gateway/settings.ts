// Environment variables of the LLM gateway (spread into `relayerEnvShape` in src/config.ts) and the pure
// derivation of the gateway's typed settings from the parsed environment.
import { z } from "zod";
import type { RelayerEnv } from "../config";
import { envInteger } from "../env-values";

export const LLM_PROVIDERS = ["anthropic", "openai", "gemini", "azure"] as const;
export type LlmProvider = (typeof LLM_PROVIDERS)[number];

const MiB = 1024 * 1024;

const httpBaseUrl = (fallback: string) =>
    z
        .string()
        .trim()
        .pipe(z.url({ protocol: /^https?$/, error: "must be an http:// or https:// URL" }))
        .refine((u) => !/[?#@]/.test(u), { error: "must not contain credentials, a query or a fragment" })
        .default(fallback);

/** Per-minute limit; 0 switches the limit off (the provider's own limits still apply). */
const perMinute = () => envInteger(0, 100_000_000).default(0);

export const gatewayEnvShape = {
    RELAYER_LLM_ANTHROPIC_BASE_URL: httpBaseUrl("https://api.anthropic.com"),
    RELAYER_LLM_OPENAI_BASE_URL: httpBaseUrl("https://api.openai.com"),
    RELAYER_LLM_GEMINI_BASE_URL: httpBaseUrl("https://generativelanguage.googleapis.com"),
    RELAYER_LLM_ANTHROPIC_REQUESTS_PER_MINUTE: perMinute(),
    RELAYER_LLM_ANTHROPIC_TOKENS_PER_MINUTE: perMinute(),
    RELAYER_LLM_OPENAI_REQUESTS_PER_MINUTE: perMinute(),
    RELAYER_LLM_OPENAI_TOKENS_PER_MINUTE: perMinute(),
    RELAYER_LLM_GEMINI_REQUESTS_PER_MINUTE: perMinute(),
    RELAYER_LLM_GEMINI_TOKENS_PER_MINUTE: perMinute(),
    RELAYER_LLM_AZURE_REQUESTS_PER_MINUTE: perMinute(),
    RELAYER_LLM_AZURE_TOKENS_PER_MINUTE: perMinute(),
    RELAYER_LLM_MAX_REQUEST_BYTES: envInteger(1024, 256 * MiB).default(20 * MiB),
    RELAYER_LLM_UPSTREAM_TIMEOUT_MS: envInteger(100, 3_600_000).default(300_000),
    RELAYER_LLM_BREAKER_MIN_REQUESTS: envInteger(1, 10_000).default(5),
    RELAYER_LLM_BREAKER_COOLDOWN_MS: envInteger(100, 3_600_000).default(30_000),
};

const rateFix = "set a whole number of requests (or tokens) per minute, 0 for no limit";

export const gatewayEnvFixes: Readonly<Record<keyof typeof gatewayEnvShape, string>> = {
    RELAYER_LLM_ANTHROPIC_BASE_URL: "set the Anthropic API base URL, e.g. https://api.anthropic.com, or remove it",
    RELAYER_LLM_OPENAI_BASE_URL: "set the OpenAI API base URL, e.g. https://api.openai.com, or remove it",
    RELAYER_LLM_GEMINI_BASE_URL: "set the Gemini API base URL, e.g. https://generativelanguage.googleapis.com, or remove it",
    RELAYER_LLM_ANTHROPIC_REQUESTS_PER_MINUTE: rateFix,
    RELAYER_LLM_ANTHROPIC_TOKENS_PER_MINUTE: rateFix,
    RELAYER_LLM_OPENAI_REQUESTS_PER_MINUTE: rateFix,
    RELAYER_LLM_OPENAI_TOKENS_PER_MINUTE: rateFix,
    RELAYER_LLM_GEMINI_REQUESTS_PER_MINUTE: rateFix,
    RELAYER_LLM_GEMINI_TOKENS_PER_MINUTE: rateFix,
    RELAYER_LLM_AZURE_REQUESTS_PER_MINUTE: rateFix,
    RELAYER_LLM_AZURE_TOKENS_PER_MINUTE: rateFix,
    RELAYER_LLM_MAX_REQUEST_BYTES: "set a byte count between 1024 and 268435456, e.g. 20971520",
    RELAYER_LLM_UPSTREAM_TIMEOUT_MS: "set milliseconds between 100 and 3600000 to wait for a provider's response headers",
    RELAYER_LLM_BREAKER_MIN_REQUESTS: "set how many requests in 60 s the breaker needs before it may open (1-10000)",
    RELAYER_LLM_BREAKER_COOLDOWN_MS: "set milliseconds (100-3600000) an open breaker waits before letting one request through",
};

export interface ProviderLimits {
    /** 0 = unlimited. */
    requestsPerMinute: number;
    /** 0 = unlimited. */
    tokensPerMinute: number;
}

export interface GatewaySettings {
    /** Providers listed in RELAYER_LLM_PROVIDERS (each still needs its key file to answer). */
    listed: readonly LlmProvider[];
    /** Fixed base URLs; azure's comes from the `azure-openai-endpoint` secret file at request time. */
    baseUrls: Readonly<Record<Exclude<LlmProvider, "azure">, string>>;
    limits: Readonly<Record<LlmProvider, ProviderLimits>>;
    maxRequestBytes: number;
    upstreamTimeoutMs: number;
    breaker: { minRequests: number; cooldownMs: number };
}

type GatewayEnv = Pick<RelayerEnv, "RELAYER_LLM_PROVIDERS"> & { [K in keyof typeof gatewayEnvShape]: z.output<(typeof gatewayEnvShape)[K]> };

/** Pure: the gateway's settings from the parsed environment. */
export function gatewaySettingsFromEnv(env: GatewayEnv): GatewaySettings {
    return {
        listed: env.RELAYER_LLM_PROVIDERS,
        baseUrls: {
            anthropic: env.RELAYER_LLM_ANTHROPIC_BASE_URL,
            openai: env.RELAYER_LLM_OPENAI_BASE_URL,
            gemini: env.RELAYER_LLM_GEMINI_BASE_URL,
        },
        limits: {
            anthropic: { requestsPerMinute: env.RELAYER_LLM_ANTHROPIC_REQUESTS_PER_MINUTE, tokensPerMinute: env.RELAYER_LLM_ANTHROPIC_TOKENS_PER_MINUTE },
            openai: { requestsPerMinute: env.RELAYER_LLM_OPENAI_REQUESTS_PER_MINUTE, tokensPerMinute: env.RELAYER_LLM_OPENAI_TOKENS_PER_MINUTE },
            gemini: { requestsPerMinute: env.RELAYER_LLM_GEMINI_REQUESTS_PER_MINUTE, tokensPerMinute: env.RELAYER_LLM_GEMINI_TOKENS_PER_MINUTE },
            azure: { requestsPerMinute: env.RELAYER_LLM_AZURE_REQUESTS_PER_MINUTE, tokensPerMinute: env.RELAYER_LLM_AZURE_TOKENS_PER_MINUTE },
        },
        maxRequestBytes: env.RELAYER_LLM_MAX_REQUEST_BYTES,
        upstreamTimeoutMs: env.RELAYER_LLM_UPSTREAM_TIMEOUT_MS,
        breaker: { minRequests: env.RELAYER_LLM_BREAKER_MIN_REQUESTS, cooldownMs: env.RELAYER_LLM_BREAKER_COOLDOWN_MS },
    };
}
