// Environment variables of the backend commands, spread into `relayerEnvShape` in src/config.ts.
import type { z } from "zod";
import { envInteger } from "../env-values";

export const commandEnvShape = {
    RELAYER_COMMAND_MAX_TIMEOUT_MS: envInteger(1_000, 600_000).default(120_000),
    RELAYER_COMMAND_CONCURRENCY: envInteger(1, 64).default(4),
    RELAYER_POD_LOGS_MAX_BYTES: envInteger(1_024, 16 * 1024 * 1024).default(256 * 1024),
};

export const commandEnvFixes: Readonly<Record<keyof typeof commandEnvShape, string>> = {
    RELAYER_COMMAND_MAX_TIMEOUT_MS: "set milliseconds between 1000 and 600000: the longest any command may run",
    RELAYER_COMMAND_CONCURRENCY: "set how many commands of one name (e.g. agents.invoke) may run at once (1-64)",
    RELAYER_POD_LOGS_MAX_BYTES: "set the largest pods.logs answer in bytes (1024-16777216)",
};

export interface CommandSettings {
    maxTimeoutMs: number;
    /** Commands of one name running at once (more wait, within their timeout). */
    concurrency: number;
    podLogsMaxBytes: number;
}

export function commandSettingsFromEnv(env: { [K in keyof typeof commandEnvShape]: z.output<(typeof commandEnvShape)[K]> }): CommandSettings {
    return {
        maxTimeoutMs: env.RELAYER_COMMAND_MAX_TIMEOUT_MS,
        concurrency: env.RELAYER_COMMAND_CONCURRENCY,
        podLogsMaxBytes: env.RELAYER_POD_LOGS_MAX_BYTES,
    };
}
