// Per-provider limits on requests and tokens per minute, as token buckets that refill continuously.
// Tokens are only known once a response has finished, so a request is admitted while the token bucket is
// positive and its usage is charged afterwards (the bucket may go below zero and then refuses new requests until
// it has refilled). This is how the providers' own TPM limits behave towards a client.
import type { ProviderLimits } from "./settings";

export interface Bucket {
    /** Current level; may be negative for the token bucket after a large response. */
    level: number;
    atMs: number;
}

const MINUTE_MS = 60_000;

/** Pure: the bucket's level at `nowMs` (refilled at `perMinute` per minute, never above `perMinute`). */
export function levelAt(bucket: Bucket, perMinute: number, nowMs: number): Bucket {
    const elapsed = Math.max(0, nowMs - bucket.atMs);
    return { level: Math.min(perMinute, bucket.level + (elapsed * perMinute) / MINUTE_MS), atMs: nowMs };
}

/** Pure: whole seconds until the bucket holds at least `need` (Retry-After is in whole seconds, at least 1). */
export function secondsUntil(bucket: Bucket, perMinute: number, need: number): number {
    const missing = need - bucket.level;
    if (missing <= 0) return 0;
    return Math.max(1, Math.ceil((missing * MINUTE_MS) / perMinute / 1000));
}

export type Admission = { ok: true } | { ok: false; limit: "requests" | "tokens"; retryAfterSeconds: number };

export class ProviderRateLimiter {
    private requests: Bucket;
    private tokens: Bucket;

    constructor(
        private readonly limits: ProviderLimits,
        private readonly now: () => number = Date.now,
    ) {
        const start = now();
        this.requests = { level: limits.requestsPerMinute, atMs: start };
        this.tokens = { level: limits.tokensPerMinute, atMs: start };
    }

    /** Admit one request now, or say which limit refuses it and for how long. */
    admit(): Admission {
        const now = this.now();
        const { requestsPerMinute, tokensPerMinute } = this.limits;
        if (tokensPerMinute > 0) {
            this.tokens = levelAt(this.tokens, tokensPerMinute, now);
            // Admit while any token budget is left; usage is charged when the response has finished.
            if (this.tokens.level < 1) return { ok: false, limit: "tokens", retryAfterSeconds: secondsUntil(this.tokens, tokensPerMinute, 1) };
        }
        if (requestsPerMinute > 0) {
            this.requests = levelAt(this.requests, requestsPerMinute, now);
            if (this.requests.level < 1) return { ok: false, limit: "requests", retryAfterSeconds: secondsUntil(this.requests, requestsPerMinute, 1) };
            this.requests = { ...this.requests, level: this.requests.level - 1 };
        }
        return { ok: true };
    }

    /** Charge the tokens a finished response used. */
    charge(tokens: number): void {
        if (this.limits.tokensPerMinute <= 0 || tokens <= 0) return;
        this.tokens = levelAt(this.tokens, this.limits.tokensPerMinute, this.now());
        this.tokens = { ...this.tokens, level: this.tokens.level - tokens };
    }
}
