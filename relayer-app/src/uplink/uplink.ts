// The uplink: one WebSocket per replica to the backend, exactly as PROTOCOL.md specifies. It sends spooled
// batches in seq order inside a window of `maxInFlight` unacknowledged batches, deletes them from the spool on
// cumulative acks (or nacks), resends everything unacknowledged after a reconnect starting after the
// backend's `lastSeq`, keeps the session alive with heartbeats and pings, and dispatches commands.
import WebSocket from "ws";
import type { Logger } from "pino";
import { audit } from "../log/audit";
import { redactText } from "../log/redact";
import { setUplinkState, type RelayerMetrics, type UplinkState } from "../metrics";
import type { SecretFiles } from "../secrets/secret-files";
import type { Spool } from "../spool/spool";
import { backoffDelayMs } from "./backoff";
import type { CommandFrame, CommandHandler, CommandResult } from "./command-types";
import { encodeBatchHeader, parseBackendMessage, type WelcomeMessage } from "./frames";
import { handshakeHeaders, type HandshakeCredentials } from "./handshake";

export const SUBPROTOCOL = "consonant.relay.v1";
/** Secret files the handshake is built from (re-read on every attempt and after 401/403). */
const CREDENTIAL_FILES = ["cluster-id", "cluster-token", "access-client-id", "access-client-secret"] as const;
const WELCOME_TIMEOUT_MS = 15_000;
const HANDSHAKE_TIMEOUT_MS = 15_000;
/** Stop handing frames to the socket while this many bytes are not yet written (memory bound). */
const MAX_UNFLUSHED_BYTES = 8 * 1024 * 1024;

export interface UplinkOptions {
    backendUrl: URL;
    replica: string;
    version: string;
    startedAt: number;
    capabilities: readonly string[];
    spool: Spool;
    secrets: SecretFiles;
    log: Logger;
    metrics: RelayerMetrics;
}

interface Session {
    ws: WebSocket;
    id: number;
    welcome?: WelcomeMessage;
    openedAt: number;
    lastFrameAt: number;
    /** Armed when a ping is sent, cleared by any pong: fires 2 × heartbeatMs after the ping. */
    pongTimer?: NodeJS.Timeout;
    /** Fires when no frame arrived for 3 × heartbeatMs (re-armed from the last frame's time). */
    idleTimer?: NodeJS.Timeout;
    /** Highest seq handed to this session's socket. */
    cursor: number;
    inFlight: Map<number, number>;
    unflushedBytes: number;
    timers: NodeJS.Timeout[];
    commands: Set<AbortController>;
    /** Set by a `close` message: reconnect after exactly this delay. */
    retryAfterMs?: number;
    authFailure: boolean;
    ended: boolean;
}

export class Uplink {
    private session: Session | undefined;
    private sessionCounter = 0;
    private attempt = 0;
    private reconnectTimer: NodeJS.Timeout | undefined;
    private stopping = false;
    private pumping = false;
    private commandHandler: CommandHandler | undefined;
    private state: UplinkState = "disconnected";

    constructor(private readonly options: UplinkOptions) {
        options.spool.on("appended", () => void this.pump());
        setUplinkState(options.metrics, "disconnected");
    }

    setCommandHandler(handler: CommandHandler): void {
        this.commandHandler = handler;
    }

    /** Best-effort text frame to the backend (not durable); false when no session is established. */
    sendControl(message: Record<string, unknown>): boolean {
        const session = this.session;
        if (!session?.welcome || session.ws.readyState !== WebSocket.OPEN) return false;
        session.ws.send(JSON.stringify(message));
        return true;
    }

    get currentState(): UplinkState {
        return this.state;
    }

    start(): void {
        if (this.options.backendUrl.protocol === "ws:") {
            this.options.log.warn("uplink: RELAYER_ALLOW_INSECURE_BACKEND=true, the backend connection is NOT encrypted (tests and local development only)");
        }
        this.connect();
    }

    /** Keep sending until the spool is empty or `deadline`, then close the session for good. */
    async drain(deadline: number): Promise<void> {
        this.setState("draining");
        const spool = this.options.spool;
        while (spool.stats().batches > 0 && Date.now() < deadline) {
            await new Promise<void>((resolve) => {
                const done = () => {
                    clearTimeout(timer);
                    spool.off("drained-some", done); // one listener per wait, not one leaked per 100 ms
                    resolve();
                };
                const timer = setTimeout(done, Math.min(100, Math.max(1, deadline - Date.now())));
                spool.once("drained-some", done);
            });
        }
        await this.stop();
    }

    async stop(): Promise<void> {
        this.stopping = true;
        if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
        const session = this.session;
        if (!session) return;
        await new Promise<void>((resolve) => {
            const timer = setTimeout(() => {
                session.ws.terminate();
                resolve();
            }, 1000);
            session.ws.once("close", () => {
                clearTimeout(timer);
                resolve();
            });
            session.ws.close(1001, "relayer shutting down");
        });
        this.endSession(session, "relayer shutting down");
    }

    // ---- connection lifecycle ----

    private setState(state: UplinkState): void {
        if (this.state === "draining" && state !== "draining") {
            // Stay "draining" for metrics while shutting down, but keep the session machinery working.
            return;
        }
        this.state = state;
        setUplinkState(this.options.metrics, state);
    }

    private readCredentials(): HandshakeCredentials | undefined {
        const { secrets } = this.options;
        const clusterId = secrets.read("cluster-id");
        const clusterToken = secrets.read("cluster-token");
        if (!clusterId || !clusterToken) return undefined;
        return {
            clusterId,
            clusterToken,
            accessClientId: secrets.read("access-client-id"),
            accessClientSecret: secrets.read("access-client-secret"),
        };
    }

    private connect(): void {
        if (this.stopping) return;
        this.setState("connecting");
        const { log, replica, version, backendUrl } = this.options;
        // Credentials are re-read on every attempt, so rotated or late-synced secret files take effect.
        const credentials = this.readCredentials();
        if (!credentials) {
            audit(log, "uplink_credentials_missing", { secretsDir: this.options.secrets.dir }, "uplink: cluster-id or cluster-token secret file missing or empty; retrying with backoff (fix: check the ExternalSecret/Secret mounted at RELAYER_SECRETS_DIR)");
            this.scheduleReconnect(false); // not an auth failure: the files may appear any moment (ESO sync)
            return;
        }
        const url = new URL(backendUrl.href.replace(/\/+$/, "") + "/v1/relay");
        let ws: WebSocket;
        try {
            ws = new WebSocket(url, [SUBPROTOCOL], {
                headers: handshakeHeaders(credentials, replica, version),
                perMessageDeflate: false,
                handshakeTimeout: HANDSHAKE_TIMEOUT_MS,
                maxPayload: 4 * 1024 * 1024,
            });
        } catch (error) {
            // Node refuses header values with control characters synchronously; a stray byte in a mounted secret
            // file must not crash the process (it would crash-loop): report it and retry, the file may be fixed.
            log.error(
                { problem: redactText((error as Error).message) },
                "uplink: cannot build the handshake from the credential files; fix: remove control characters from cluster-id / access-client-id / access-client-secret / cluster-token in RELAYER_SECRETS_DIR",
            );
            this.scheduleReconnect(false);
            return;
        }
        const now = Date.now();
        const session: Session = {
            ws,
            id: ++this.sessionCounter,
            openedAt: now,
            lastFrameAt: now,
            cursor: 0,
            inFlight: new Map(),
            unflushedBytes: 0,
            timers: [],
            commands: new Set(),
            authFailure: false,
            ended: false,
        };
        this.session = session;
        ws.on("unexpected-response", (request, response) => {
            const status = response.statusCode ?? 0;
            if (status === 401 || status === 403) {
                session.authFailure = true;
                // PROTOCOL.md: re-read the credential files — bypass the change detection by file identity, which
                // an in-place rewrite of equal size within the same mtime tick would slip past.
                for (const name of CREDENTIAL_FILES) this.options.secrets.forget(name);
                this.options.metrics.uplinkAuthFailures.inc();
                audit(log, "uplink_auth_failed", { status, backend: url.host, cluster: credentials.clusterId }, "uplink: backend rejected the handshake; re-reading credential files and retrying with backoff");
            } else {
                log.warn({ status, backend: url.host }, "uplink: backend refused the WebSocket upgrade");
            }
            response.resume();
            request.destroy();
            this.endSession(session, `upgrade refused with HTTP ${status}`);
        });
        ws.on("open", () => {
            if (ws.protocol !== SUBPROTOCOL) {
                this.endSession(session, "backend did not select subprotocol consonant.relay.v1");
                return;
            }
            ws.send(
                JSON.stringify({
                    type: "hello",
                    version,
                    replica,
                    capabilities: this.options.capabilities,
                    startedAt: this.options.startedAt,
                }),
            );
            session.timers.push(
                setTimeout(() => {
                    if (!session.welcome) this.endSession(session, "no welcome from the backend in time");
                }, WELCOME_TIMEOUT_MS),
            );
        });
        ws.on("message", (data, isBinary) => {
            session.lastFrameAt = Date.now();
            if (isBinary) {
                this.invalidFrame(session, "binary frame from the backend");
                return;
            }
            this.onMessage(session, data.toString());
        });
        ws.on("pong", () => {
            session.lastFrameAt = Date.now();
            clearTimeout(session.pongTimer);
            session.pongTimer = undefined;
        });
        ws.on("ping", () => {
            session.lastFrameAt = Date.now();
        });
        ws.on("error", (error) => this.endSession(session, redactText(error.message)));
        ws.on("close", (code, reason) => this.endSession(session, `closed (${code}${reason.length ? ` ${redactText(reason.toString().slice(0, 200))}` : ""})`));
    }

    private endSession(session: Session, reason: string): void {
        if (session.ended) return;
        session.ended = true;
        for (const timer of session.timers) clearInterval(timer);
        clearTimeout(session.pongTimer);
        clearTimeout(session.idleTimer);
        for (const controller of session.commands) controller.abort();
        if (session.ws.readyState !== WebSocket.CLOSED) session.ws.terminate();
        if (this.session === session) this.session = undefined;
        if (session.welcome) {
            audit(this.options.log, "uplink_session_ended", {
                session: session.welcome.session,
                reason,
                durationMs: Date.now() - session.openedAt,
            });
        } else if (!session.authFailure) {
            this.options.log.warn({ reason }, "uplink: connection attempt failed");
        }
        this.setState("disconnected");
        if (!this.stopping) this.scheduleReconnect(session.authFailure, session.retryAfterMs);
    }

    private scheduleReconnect(authFailure: boolean, exactDelayMs?: number): void {
        if (this.stopping || this.reconnectTimer) return;
        const delay = exactDelayMs ?? backoffDelayMs(this.attempt++, authFailure);
        this.options.log.debug({ delayMs: delay }, "uplink: reconnecting after delay");
        this.reconnectTimer = setTimeout(() => {
            this.reconnectTimer = undefined;
            this.options.metrics.uplinkReconnects.inc();
            this.connect();
        }, delay);
    }

    // ---- messages ----

    private invalidFrame(session: Session, problem: string): void {
        this.options.metrics.uplinkInvalidFrames.inc();
        this.options.log.warn({ session: session.welcome?.session, problem: redactText(problem.slice(0, 300)) }, "uplink: ignoring an invalid frame from the backend");
    }

    private onMessage(session: Session, text: string): void {
        const message = parseBackendMessage(text);
        if (message.type === "invalid") return this.invalidFrame(session, message.problem);
        if (message.type === "unknown") return; // PROTOCOL.md: unknown types are ignored
        if (message.type === "welcome") return this.onWelcome(session, message);
        if (!session.welcome) return this.invalidFrame(session, `${message.type} before welcome`);
        switch (message.type) {
            case "ack":
                return this.onAck(session, message.seq);
            case "nack":
                return this.onNack(session, message.seq, message.code, message.message);
            case "command":
                return void this.onCommand(session, message as CommandFrame);
            case "close":
                session.retryAfterMs = message.retryAfterMs;
                this.options.log.info({ reason: redactText(message.reason.slice(0, 200)), retryAfterMs: message.retryAfterMs }, "uplink: backend asked to close; reconnecting after its delay");
                session.ws.close(1000, "closing as requested");
                return;
        }
    }

    private onWelcome(session: Session, welcome: WelcomeMessage): void {
        if (session.welcome) return this.invalidFrame(session, "second welcome");
        session.welcome = welcome;
        this.attempt = 0;
        const { spool, log } = this.options;
        // Everything up to lastSeq is already durable at the backend.
        spool.ack(welcome.lastSeq);
        session.cursor = welcome.lastSeq;
        this.setState("connected");
        audit(log, "uplink_session_started", {
            session: welcome.session,
            backend: this.options.backendUrl.host,
            lastSeq: welcome.lastSeq,
            maxInFlight: welcome.maxInFlight,
            heartbeatMs: welcome.heartbeatMs,
            spoolBatches: spool.stats().batches,
        });
        if (spool.stats().nextSeq <= welcome.lastSeq) {
            const nextSeq = spool.stats().nextSeq;
            const moved = spool.skipSeqsThrough(welcome.lastSeq);
            log.warn({ lastSeq: welcome.lastSeq, nextSeq, continuedAbove: moved }, "uplink: backend holds seqs this spool never issued (spool directory reset under the same replica name?)");
        }
        const heartbeat = setInterval(() => this.heartbeat(session), welcome.heartbeatMs);
        session.timers.push(heartbeat);
        this.watchIdle(session, welcome.heartbeatMs);
        void this.pump();
    }

    /** Heartbeat and ping every heartbeatMs; no pong within 2 × heartbeatMs of a ping ends the session. */
    private heartbeat(session: Session): void {
        const welcome = session.welcome;
        if (!welcome || session.ended) return;
        const stats = this.options.spool.stats();
        session.ws.send(
            JSON.stringify({ type: "heartbeat", ts: Date.now(), spoolBatches: stats.batches, spoolBytes: stats.bytes, oldestUnackedMs: stats.oldestUnackedMs }),
        );
        session.ws.ping();
        // Armed by the oldest unanswered ping; any pong proves the backend alive and disarms it.
        session.pongTimer ??= setTimeout(() => this.endSession(session, "no pong from the backend within 2 heartbeats"), 2 * welcome.heartbeatMs);
    }

    /** End the session once no frame (message, ping or pong) arrived for 3 × heartbeatMs. */
    private watchIdle(session: Session, heartbeatMs: number): void {
        const limit = 3 * heartbeatMs;
        session.idleTimer = setTimeout(
            () => {
                if (session.ended) return;
                if (Date.now() - session.lastFrameAt >= limit) this.endSession(session, "no frame from the backend for 3 heartbeats");
                else this.watchIdle(session, heartbeatMs);
            },
            Math.max(1, session.lastFrameAt + limit - Date.now()),
        );
    }

    private onAck(session: Session, seq: number): void {
        if (seq > session.cursor) {
            // Acknowledging batches never sent would delete data the backend does not have: refuse.
            return this.invalidFrame(session, `ack ${seq} beyond the highest sent seq ${session.cursor}`);
        }
        const now = Date.now();
        for (const [sent, sentAt] of session.inFlight) {
            if (sent > seq) break;
            this.options.metrics.uplinkRoundTripSeconds.observe((now - sentAt) / 1000);
            session.inFlight.delete(sent);
        }
        const removed = this.options.spool.ack(seq);
        this.options.metrics.uplinkAcks.inc(removed);
        void this.pump();
    }

    private onNack(session: Session, seq: number, code: string, text: string): void {
        if (!session.inFlight.has(seq)) {
            return this.invalidFrame(session, `nack for seq ${seq} that is not in flight`);
        }
        session.inFlight.delete(seq);
        this.options.spool.nack(seq);
        this.options.metrics.uplinkNacks.inc({ code: code.slice(0, 64) });
        this.options.log.warn({ seq, code: code.slice(0, 64), message: redactText(text.slice(0, 500)) }, "uplink: backend rejected a batch for good; deleted from the spool");
        void this.pump();
    }

    private async onCommand(session: Session, command: CommandFrame): Promise<void> {
        const controller = new AbortController();
        session.commands.add(controller);
        let result: CommandResult;
        try {
            result = this.commandHandler
                ? await this.commandHandler(command, controller.signal)
                : { ok: false, error: { code: "unknown_command", message: `command "${command.name.slice(0, 64)}" is not supported by this relayer` } };
        } catch (error) {
            result = { ok: false, error: { code: "failed", message: redactText((error as Error)?.message ?? String(error)) } };
        } finally {
            session.commands.delete(controller);
        }
        if (session.ended || session.ws.readyState !== WebSocket.OPEN) return;
        session.ws.send(JSON.stringify({ type: "result", id: command.id, ...result }));
    }

    // ---- sending ----

    /** Send spooled batches in seq order while the window and the socket buffer allow. */
    private async pump(): Promise<void> {
        if (this.pumping) return;
        this.pumping = true;
        try {
            for (;;) {
                const session = this.session;
                if (!session?.welcome || session.ended || session.ws.readyState !== WebSocket.OPEN) return;
                if (session.inFlight.size >= session.welcome.maxInFlight || session.unflushedBytes > MAX_UNFLUSHED_BYTES) return;
                const seq = this.options.spool.nextSeqAfter(session.cursor);
                if (seq === undefined) return;
                let batch: Awaited<ReturnType<Spool["read"]>>;
                try {
                    batch = await this.options.spool.read(seq);
                } catch (error) {
                    // Retried at the next ack/append/reconnect; the batch stays in the spool.
                    this.options.log.error({ err: error, seq }, "uplink: cannot read a batch from the spool");
                    return;
                }
                // The session ended while reading: go round again for its successor (whose pump call returned
                // early because this loop was running), instead of leaving it idle until the next ack/append.
                if (session !== this.session || session.ended) continue;
                session.cursor = seq;
                if (!batch) continue;
                const frame = Buffer.concat([encodeBatchHeader(batch.kind, batch.seq), batch.payload]);
                session.inFlight.set(seq, Date.now());
                session.unflushedBytes += frame.length;
                session.ws.send(frame, { binary: true }, () => {
                    session.unflushedBytes -= frame.length;
                    if (session.unflushedBytes <= MAX_UNFLUSHED_BYTES) void this.pump();
                });
                this.options.metrics.uplinkBatchesSent.inc();
            }
        } finally {
            this.pumping = false;
        }
    }
}
