// Circuit breakers (opossum) for the relayer's outbound dependencies: one per LLM provider and one for the
// KAgent controller. The breaker wraps "start the call and wait for its answer"; what counts as a failure is
// decided by the caller (a rejected promise), while `ignored` errors (the client went away, the request was too
// large) never count against the dependency.
import CircuitBreaker from "opossum";

import type { BreakerState } from "../status";

export type { BreakerState };

export interface BreakerOptions {
    /** Consecutive failures that open the breaker; also the requests in the window before the 50 % rule applies. */
    minRequests: number;
    /** How long an open breaker refuses calls before it lets one trial call through. */
    cooldownMs: number;
    /** Rolling window over which failures are counted. */
    windowMs?: number;
    /** Errors that say nothing about the dependency's health (default: IgnoredByBreaker instances). */
    ignore?: (err: unknown) => boolean;
}

/** An error that says nothing about the dependency's health and must not count as a failure. */
export class IgnoredByBreaker extends Error {
    readonly ignoredByBreaker = true;
}

export interface Breaker {
    readonly name: string;
    /** Run `call` through the breaker; rejects with code EOPENBREAKER at once while open. */
    run<T>(call: () => Promise<T>): Promise<T>;
    state(): BreakerState;
    /** Milliseconds until an open breaker lets a trial call through (0 when not open). */
    msUntilTrial(now?: number): number;
    shutdown(): void;
}

export function isBreakerOpenError(err: unknown): boolean {
    return typeof err === "object" && err !== null && (err as { code?: unknown }).code === "EOPENBREAKER";
}

export function createBreaker(name: string, options: BreakerOptions, onStateChange?: (name: string, state: BreakerState) => void): Breaker {
    const windowMs = options.windowMs ?? 60_000;
    const circuit = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
        name,
        // Timeouts are the caller's job (it knows what a timeout means for its call and aborts the request).
        timeout: false,
        errorThresholdPercentage: 50,
        volumeThreshold: options.minRequests,
        resetTimeout: options.cooldownMs,
        rollingCountTimeout: windowMs,
        rollingCountBuckets: 10,
        errorFilter: (err: unknown) => err instanceof IgnoredByBreaker || (options.ignore?.(err) ?? false),
    });
    // opossum opens on a failure rate over the window; a dependency that fails every call in a row (down,
    // answering 5xx) must also open it even when earlier successes keep the window's rate below 50 %.
    let consecutiveFailures = 0;
    circuit.on("failure", () => {
        consecutiveFailures += 1;
        if (consecutiveFailures >= options.minRequests && !circuit.opened) circuit.open();
    });
    circuit.on("success", () => (consecutiveFailures = 0));
    let openedAt = 0;
    circuit.on("open", () => {
        openedAt = Date.now();
        onStateChange?.(name, "open");
    });
    circuit.on("halfOpen", () => onStateChange?.(name, "halfOpen"));
    circuit.on("close", () => {
        consecutiveFailures = 0;
        onStateChange?.(name, "closed");
    });
    const state = (): BreakerState => (circuit.halfOpen ? "halfOpen" : circuit.opened ? "open" : "closed");
    return {
        name,
        run: <T>(call: () => Promise<T>) => circuit.fire(call) as Promise<T>,
        state,
        msUntilTrial: (now = Date.now()) => (state() === "open" ? Math.max(0, openedAt + options.cooldownMs - now) : 0),
        shutdown: () => circuit.shutdown(),
    };
}
