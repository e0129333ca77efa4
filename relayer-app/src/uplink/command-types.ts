// The hook between the uplink and the command dispatcher (PROTOCOL.md, "Commands").
export interface CommandFrame {
    type: "command";
    id: string;
    name: string;
    params: unknown;
    timeoutMs?: number;
}

export type CommandErrorCode = "unknown_command" | "invalid_params" | "forbidden" | "not_found" | "timeout" | "unavailable" | "failed";

export type CommandResult = { ok: true; data: unknown } | { ok: false; error: { code: CommandErrorCode; message: string } };

/** Runs one command. `signal` aborts when the session closes or the relayer stops. */
export type CommandHandler = (cmd: CommandFrame, signal: AbortSignal) => Promise<CommandResult>;
