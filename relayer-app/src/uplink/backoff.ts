// Reconnect delays: exponential backoff with full jitter (PROTOCOL.md, "Flow control and liveness").
export const BACKOFF_INITIAL_MS = 1000;
export const BACKOFF_CAP_MS = 60_000;
export const BACKOFF_AUTH_CAP_MS = 300_000;

/** Delay before attempt number `attempt` (0 = first retry): uniform in [0, min(cap, initial·2^attempt)]. */
export function backoffDelayMs(attempt: number, authFailure: boolean, random: () => number = Math.random): number {
    const cap = authFailure ? BACKOFF_AUTH_CAP_MS : BACKOFF_CAP_MS;
    const ceiling = Math.min(cap, BACKOFF_INITIAL_MS * 2 ** Math.min(attempt, 30));
    return Math.floor(random() * ceiling);
}
