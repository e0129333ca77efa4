// Command failures and their mapping onto the error codes of PROTOCOL.md. Messages go to the backend, so they
// are redacted by the dispatcher and never carry request or response bodies.
import type { CommandErrorCode } from "../uplink/command-types";
import { apiStatus } from "../kube/client";
import { isBreakerOpenError } from "../gateway/breaker";

export class CommandError extends Error {
    constructor(
        readonly code: CommandErrorCode,
        message: string,
    ) {
        super(message);
    }
}

/** Classify anything a command threw (Kubernetes API errors, network errors, open breakers). */
export function toCommandError(err: unknown, what: string): CommandError {
    if (err instanceof CommandError) return err;
    if (isBreakerOpenError(err)) return new CommandError("unavailable", `${what}: the dependency is failing and its circuit breaker is open; retry later`);
    const status = apiStatus(err);
    if (status === 401 || status === 403) {
        return new CommandError("forbidden", `${what}: the Kubernetes API refused the relayer (HTTP ${status}); fix: grant the call to the relayer's ServiceAccount in the workload Role`);
    }
    if (status === 404) return new CommandError("not_found", `${what}: not found`);
    if (status === 400) return new CommandError("invalid_params", `${what}: the Kubernetes API rejected the request (HTTP 400)`);
    if (status !== undefined && (status === 429 || status >= 500)) return new CommandError("unavailable", `${what}: the Kubernetes API is unavailable (HTTP ${status}); retry later`);
    const code = (err as { code?: unknown } | null)?.code;
    const cause = (err as { cause?: { code?: unknown } } | null)?.cause?.code;
    const netCode = typeof code === "string" ? code : typeof cause === "string" ? cause : undefined;
    if (netCode !== undefined && /^(ECONNREFUSED|ECONNRESET|ENOTFOUND|EAI_AGAIN|ETIMEDOUT|EHOSTUNREACH|UND_ERR_\w+)$/.test(netCode)) {
        return new CommandError("unavailable", `${what}: the dependency could not be reached (${netCode}); retry later`);
    }
    return new CommandError("failed", `${what}: ${err instanceof Error ? err.message : String(err)}`);
}
