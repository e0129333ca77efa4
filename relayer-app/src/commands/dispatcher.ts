// Runs backend commands: validates parameters, applies the timeout (the command's timeoutMs, capped) and the
// concurrency limit of each command, maps every failure onto PROTOCOL.md's error codes, and writes one audit line
// per command.
import type { Logger } from "pino";
import { audit } from "../log/audit";
import { redactDeep, redactText } from "../log/redact";
import type { CommandFrame, CommandHandler, CommandResult } from "../uplink/command-types";
import { COMMANDS, type CommandContext, type CommandDefinition } from "./catalog";
import { CommandError, toCommandError } from "./errors";
import type { CommandSettings } from "./settings";

/** Timeout when the backend sends none. */
const DEFAULT_TIMEOUT_MS = 30_000;
/** Commands of one name allowed to wait for a free slot; beyond that the backend is told to back off. */
const MAX_WAITING = 64;
/** Parameters that are content, not configuration: audited by size only, like prompts in the gateway. */
const CONTENT_PARAMS = new Set(["message"]);

export interface CommandDispatcherOptions {
    settings: CommandSettings;
    context: CommandContext;
    log: Logger;
    /** Override the catalog (tests of the dispatcher's own rules). */
    commands?: Readonly<Record<string, CommandDefinition>>;
}

/** A counting semaphore with a bounded wait list; waiting ends early when `signal` aborts. */
class Slots {
    private free: number;
    private readonly waiting: (() => void)[] = [];
    constructor(size: number) {
        this.free = size;
    }
    acquire(signal: AbortSignal): Promise<boolean> {
        if (this.free > 0) {
            this.free--;
            return Promise.resolve(true);
        }
        if (this.waiting.length >= MAX_WAITING) return Promise.resolve(false);
        return new Promise((resolve) => {
            const grant = (): void => {
                signal.removeEventListener("abort", giveUp);
                resolve(true);
            };
            const giveUp = (): void => {
                const i = this.waiting.indexOf(grant);
                if (i !== -1) this.waiting.splice(i, 1);
                resolve(false);
            };
            this.waiting.push(grant);
            signal.addEventListener("abort", giveUp, { once: true });
        });
    }
    release(): void {
        const next = this.waiting.shift();
        if (next) next();
        else this.free++;
    }
}

/** Pure: parameters as they may appear in an audit line (secrets redacted, content reduced to its size). */
export function auditParams(params: unknown): unknown {
    if (typeof params !== "object" || params === null || Array.isArray(params)) return redactDeep(params);
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(params)) out[k] = CONTENT_PARAMS.has(k) && typeof v === "string" ? `[${v.length} characters]` : v;
    return redactDeep(out);
}

/**
 * Pure: the time a command may take: the backend's `timeoutMs` (whole milliseconds, rounded up: timers take
 * integers) or the default, never more than the operator's cap.
 */
export function commandTimeoutMs(requested: unknown, maxTimeoutMs: number): number {
    const asked = typeof requested === "number" && Number.isFinite(requested) && requested > 0 ? Math.ceil(requested) : DEFAULT_TIMEOUT_MS;
    return Math.min(asked, maxTimeoutMs);
}

export function createCommandHandler(o: CommandDispatcherOptions): CommandHandler {
    const commands = o.commands ?? COMMANDS;
    // One limit per command: slow agents.invoke calls must not keep relayer.status or pods.list waiting.
    const slotsByCommand = new Map(Object.keys(commands).map((name) => [name, new Slots(o.settings.concurrency)]));

    return async (cmd: CommandFrame, sessionSignal: AbortSignal): Promise<CommandResult> => {
        const started = performance.now();
        const timeoutMs = commandTimeoutMs(cmd.timeoutMs, o.settings.maxTimeoutMs);
        // Every command gets its audit line and a result, whatever went wrong inside.
        const result = await execute(cmd, sessionSignal, timeoutMs).catch((err: unknown) => failure("failed", `${cmd.name}: ${err instanceof Error ? err.message : String(err)}`));
        audit(o.log, "command", {
            id: cmd.id,
            name: cmd.name,
            params: auditParams(cmd.params),
            outcome: result.ok ? "ok" : result.error.code,
            durationMs: Math.round(performance.now() - started),
            timeoutMs,
        });
        return result;
    };

    async function execute(cmd: CommandFrame, sessionSignal: AbortSignal, timeoutMs: number): Promise<CommandResult> {
        const definition = Object.prototype.hasOwnProperty.call(commands, cmd.name) ? commands[cmd.name] : undefined;
        if (definition === undefined) {
            return failure("unknown_command", `unknown command ${JSON.stringify(cmd.name.slice(0, 64))}; this relayer knows ${Object.keys(commands).join(", ")}`);
        }
        const parsed = definition.params.safeParse(cmd.params);
        if (!parsed.success) {
            const problems = parsed.error.issues.map((i) => `${i.path.length > 0 ? i.path.join(".") : "params"}: ${i.message}`);
            return failure("invalid_params", `${cmd.name}: ${problems.join("; ")}`);
        }
        const timeout = AbortSignal.timeout(timeoutMs);
        const signal = AbortSignal.any([sessionSignal, timeout]);
        // Waiting for a slot counts against the command's time: the backend asked for an answer within timeoutMs.
        const slots = slotsByCommand.get(cmd.name)!;
        if (!(await slots.acquire(signal))) {
            if (timeout.aborted) return failure("timeout", `${cmd.name}: no free slot within ${timeoutMs} ms (${o.settings.concurrency} ${cmd.name} commands at once)`);
            return failure("unavailable", `${cmd.name}: too many ${cmd.name} commands in flight; retry later`);
        }
        try {
            const data = await raceAbort(definition.run(parsed.data, o.context, signal), signal);
            return { ok: true, data };
        } catch (err) {
            if (timeout.aborted) return failure("timeout", `${cmd.name}: did not finish within ${timeoutMs} ms`);
            if (sessionSignal.aborted) return failure("unavailable", `${cmd.name}: the relayer is stopping or the session closed`);
            const e = toCommandError(err, cmd.name);
            return failure(e.code, e.message);
        } finally {
            slots.release();
        }
    }
}

function failure(code: CommandError["code"], message: string): CommandResult {
    return { ok: false, error: { code, message: redactText(message) } };
}

/** Settle with the work, or reject as soon as `signal` aborts (calls that ignore the signal are abandoned). */
function raceAbort<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
    if (signal.aborted) return Promise.reject(signal.reason);
    return new Promise<T>((resolve, reject) => {
        const onAbort = (): void => reject(signal.reason);
        signal.addEventListener("abort", onAbort, { once: true });
        work.then(
            (v) => {
                signal.removeEventListener("abort", onAbort);
                resolve(v);
            },
            (e: unknown) => {
                signal.removeEventListener("abort", onAbort);
                reject(e);
            },
        );
    });
}
