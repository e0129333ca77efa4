// Audit lines: one per backend session, authentication failure, config reload and command. They are normal
// log lines with `audit: true` and an `event` name, so operators can route them with one filter.
import type { Logger } from "pino";

export type AuditEvent =
    | "uplink_session_started"
    | "uplink_session_ended"
    | "uplink_auth_failed"
    | "uplink_credentials_missing"
    | "config_reload"
    | "command";

export function audit(log: Logger, event: AuditEvent, fields: Record<string, unknown>, message?: string): void {
    log.info({ audit: true, event, ...fields }, message ?? `audit: ${event}`);
}
