// An independent fake Consonant backend, written from PROTOCOL.md alone: it imports NO relayer code (only
// `ws`, node:crypto and the official OTLP schema to decode what it receives). It verifies the signed handshake,
// keeps a durable-per-test store across its own restarts, de-duplicates by (cluster, replica, seq), acks
// cumulatively, and has knobs for the fault tests (hold acks, nack, garbage frames, refuse auth, commands).
import { createHmac, randomBytes, timingSafeEqual } from "node:crypto";
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import { WebSocketServer, WebSocket } from "ws";

const EMPTY = Buffer.alloc(0);

export interface TestCluster {
    id: string;
    token: string;
}

/** Fresh fake credentials, generated at run time so no credential-like literal is committed. */
export function testCluster(): TestCluster {
    return { id: `test-cluster-${randomBytes(4).toString("hex")}`, token: `fake-token-${randomBytes(24).toString("hex")}` };
}

export interface StoredBatch {
    seq: number;
    kind: number;
    payload: Buffer;
}

/** What the backend holds durably; survives `restart()` of the fake (pass the same store). */
export class BackendStore {
    readonly batches = new Map<string, Map<number, StoredBatch>>();
    /** Highest seq per replica such that every seq ≤ it is held or was rejected. */
    readonly lastSeq = new Map<string, number>();
    readonly rejected = new Map<string, Set<number>>();
    duplicates = 0;

    key(cluster: string, replica: string): string {
        return `${cluster}/${replica}`;
    }

    held(cluster: string, replica: string): StoredBatch[] {
        return [...(this.batches.get(this.key(cluster, replica))?.values() ?? [])].sort((a, b) => a.seq - b.seq);
    }
}

export interface HandshakeAttempt {
    at: number;
    status: number;
    replica?: string;
    reason?: string;
    headers: http.IncomingHttpHeaders;
}

export interface FakeBackendOptions {
    clusters: TestCluster[];
    heartbeatMs?: number;
    maxInFlight?: number;
    port?: number;
    store?: BackendStore;
    /** false: keep only the seqs, not the payloads (benchmarks). */
    retainPayloads?: boolean;
    /** false: never answer WebSocket pings (liveness tests). */
    autoPong?: boolean;
    /** Cloudflare Access service token the backend requires (as Access would), if any. */
    access?: { clientId: string; clientSecret: string };
    /** Subprotocol the backend selects; false selects none (a backend that does not speak version 1). */
    subprotocol?: string | false;
    /** Wait this long after `hello` before sending `welcome` (the relayer must not send batches meanwhile). */
    welcomeDelayMs?: number;
}

interface Connection {
    ws: WebSocket;
    cluster: string;
    replica: string;
    session: string;
    pendingAck: boolean;
    hello?: Record<string, unknown>;
    welcomed: boolean;
}

export class FakeBackend {
    readonly store: BackendStore;
    readonly attempts: HandshakeAttempt[] = [];
    readonly textFrames: Record<string, unknown>[] = [];
    /** Behaviour knobs, changeable while running. */
    holdAcks = false;
    nackSeqs = new Set<number>();
    /** Answer every upgrade with this status instead of checking (e.g. 401). */
    forceStatus: number | undefined;
    /** Announce this `lastSeq` in the next welcomes instead of the store's (a backend that lost or never had data). */
    lastSeqOverride: number | undefined;
    /** Every batch seq received, in arrival order, resends included (to prove what was or was not sent again). */
    readonly seqsReceived: number[] = [];
    /** Binary frames that arrived before this backend sent `welcome` (a protocol violation). */
    batchesBeforeWelcome = 0;
    /** WebSocket pings received from relayers. */
    pingsReceived = 0;
    private server: http.Server | undefined;
    private wss: WebSocketServer | undefined;
    private readonly connections = new Set<Connection>();
    private readonly nonces = new Map<string, number>();
    private readonly resultWaiters = new Map<string, (frame: Record<string, unknown>) => void>();
    private sessionCounter = 0;
    port = 0;

    constructor(private readonly options: FakeBackendOptions) {
        this.store = options.store ?? new BackendStore();
        this.port = options.port ?? 0;
    }

    get url(): string {
        return `ws://127.0.0.1:${this.port}`;
    }

    get sessions(): number {
        return this.connections.size;
    }

    /** Sessions that got past hello/welcome (the relayer may send data and take messages). */
    get establishedSessions(): number {
        return [...this.connections].filter((c) => c.hello).length;
    }

    async start(): Promise<void> {
        this.server = http.createServer((_req, res) => res.writeHead(404).end());
        this.wss = new WebSocketServer({
            noServer: true,
            perMessageDeflate: false,
            autoPong: this.options.autoPong ?? true,
            maxPayload: 17 * 1024 * 1024,
            handleProtocols: (protocols) =>
                this.options.subprotocol !== undefined ? this.options.subprotocol : protocols.has("consonant.relay.v1") ? "consonant.relay.v1" : false,
        });
        this.server.on("upgrade", (request, socket, head) => this.upgrade(request, socket as import("node:net").Socket, head));
        await new Promise<void>((resolve, reject) => {
            this.server!.once("error", reject);
            this.server!.listen(this.port, "127.0.0.1", () => resolve());
        });
        this.port = (this.server.address() as AddressInfo).port;
    }

    /** Stop abruptly (like a crash): sockets are destroyed without a close handshake. */
    async stop(): Promise<void> {
        for (const connection of this.connections) connection.ws.terminate();
        this.connections.clear();
        this.wss?.close();
        if (this.server) {
            this.server.closeAllConnections();
            await new Promise<void>((resolve) => this.server!.close(() => resolve()));
        }
        this.server = undefined;
    }

    async restart(downMs = 0): Promise<void> {
        await this.stop();
        if (downMs > 0) await new Promise((r) => setTimeout(r, downMs));
        await this.start();
    }

    /** Batches held for a replica, in seq order (already de-duplicated by seq). */
    received(replica: string, cluster = this.options.clusters[0].id): StoredBatch[] {
        return this.store.held(cluster, replica);
    }

    lastSeq(replica: string, cluster = this.options.clusters[0].id): number {
        return this.store.lastSeq.get(this.store.key(cluster, replica)) ?? 0;
    }

    /** Ack everything held (after `holdAcks` is switched off). */
    flushAcks(): void {
        for (const connection of this.connections) this.sendAck(connection);
    }

    /** Send a raw frame to every connected replica (garbage tests). */
    sendRaw(data: string | Buffer): void {
        for (const connection of this.connections) connection.ws.send(data);
    }

    /** Send a text message to every connected replica. */
    sendMessage(message: Record<string, unknown>): void {
        this.sendRaw(JSON.stringify(message));
    }

    /** Destroy the TCP connections without a close frame. */
    cutConnections(): void {
        for (const connection of this.connections) connection.ws.terminate();
    }

    /** Send a command to a replica and wait for its `result`. */
    sendCommand(replica: string, command: { name: string; params?: unknown; timeoutMs?: number; id?: string }, waitMs = 30_000): Promise<Record<string, unknown>> {
        const connection = [...this.connections].find((c) => c.replica === replica);
        if (!connection) return Promise.reject(new Error(`replica ${replica} is not connected`));
        const id = command.id ?? `cmd-${randomBytes(6).toString("hex")}`;
        return new Promise((resolve, reject) => {
            const timer = setTimeout(() => {
                this.resultWaiters.delete(id);
                reject(new Error(`no result for command ${id} within ${waitMs} ms`));
            }, waitMs);
            this.resultWaiters.set(id, (frame) => {
                clearTimeout(timer);
                resolve(frame);
            });
            connection.ws.send(JSON.stringify({ type: "command", id, name: command.name, params: command.params ?? {}, ...(command.timeoutMs ? { timeoutMs: command.timeoutMs } : {}) }));
        });
    }

    /** Wait until `predicate` holds (polled every 20 ms, bounded). */
    async waitFor(predicate: () => boolean, timeoutMs: number, what: string): Promise<void> {
        const end = Date.now() + timeoutMs;
        while (!predicate()) {
            if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
            await new Promise((r) => setTimeout(r, 20));
        }
    }

    // ---- protocol ----

    private verify(request: http.IncomingMessage): { status: number; reason?: string; cluster?: TestCluster; replica?: string } {
        if (this.forceStatus) return { status: this.forceStatus, reason: "forced" };
        const header = (name: string) => {
            const value = request.headers[name.toLowerCase()];
            return Array.isArray(value) ? value[0] : value;
        };
        if (this.options.access) {
            if (header("CF-Access-Client-Id") !== this.options.access.clientId || header("CF-Access-Client-Secret") !== this.options.access.clientSecret) {
                return { status: 403, reason: "access token missing or wrong" };
            }
        }
        const clusterId = header("X-Consonant-Cluster");
        const replica = header("X-Consonant-Replica");
        const timestamp = header("X-Consonant-Timestamp");
        const nonce = header("X-Consonant-Nonce");
        const signature = header("X-Consonant-Signature");
        const cluster = this.options.clusters.find((c) => c.id === clusterId);
        if (!cluster) return { status: 401, reason: "unknown cluster" };
        if (!replica || !/^[a-z0-9.-]{1,253}$/.test(replica)) return { status: 401, reason: "bad replica" };
        if (!timestamp || !/^\d+$/.test(timestamp) || Math.abs(Date.now() - Number(timestamp)) > 300_000) return { status: 401, reason: "timestamp skew" };
        if (!nonce || !/^[0-9a-f]{32}$/.test(nonce)) return { status: 401, reason: "bad nonce" };
        const now = Date.now();
        for (const [n, at] of this.nonces) if (now - at > 600_000) this.nonces.delete(n);
        if (this.nonces.has(nonce)) return { status: 401, reason: "nonce replay" };
        const expected = createHmac("sha256", Buffer.from(cluster.token, "utf8")).update(`v1\n${cluster.id}\n${replica}\n${timestamp}\n${nonce}`).digest();
        const given = Buffer.from(signature ?? "", "hex");
        if (!/^[0-9a-f]{64}$/.test(signature ?? "") || given.length !== expected.length || !timingSafeEqual(given, expected)) {
            return { status: 401, reason: "bad signature" };
        }
        this.nonces.set(nonce, now);
        return { status: 101, cluster, replica };
    }

    private upgrade(request: http.IncomingMessage, socket: import("node:net").Socket, head: Buffer): void {
        const url = new URL(request.url ?? "/", "http://x");
        const verdict = url.pathname === "/v1/relay" ? this.verify(request) : { status: 404, reason: "wrong path" };
        this.attempts.push({ at: Date.now(), status: verdict.status, replica: verdict.replica, reason: verdict.reason, headers: request.headers });
        if (verdict.status !== 101 || !verdict.cluster || !verdict.replica) {
            socket.end(`HTTP/1.1 ${verdict.status} Rejected\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`);
            return;
        }
        const { cluster, replica } = verdict;
        this.wss!.handleUpgrade(request, socket, head, (ws) => this.session(ws, cluster.id, replica));
    }

    private session(ws: WebSocket, cluster: string, replica: string): void {
        const key = this.store.key(cluster, replica);
        // PROTOCOL.md: one session per replica — a new one replaces the old.
        for (const old of this.connections) if (old.cluster === cluster && old.replica === replica) old.ws.terminate();
        const connection: Connection = { ws, cluster, replica, session: `s${++this.sessionCounter}`, pendingAck: false, welcomed: false };
        this.connections.add(connection);
        const heartbeatMs = this.options.heartbeatMs ?? 15_000;
        let lastFrame = Date.now();
        const idle = setInterval(() => {
            if (Date.now() - lastFrame > 3 * heartbeatMs) ws.terminate();
        }, heartbeatMs);
        ws.on("close", () => {
            clearInterval(idle);
            this.connections.delete(connection);
        });
        ws.on("error", () => ws.terminate());
        ws.on("pong", () => (lastFrame = Date.now()));
        ws.on("ping", () => {
            lastFrame = Date.now();
            this.pingsReceived++;
        });
        ws.on("message", (data: Buffer, isBinary) => {
            lastFrame = Date.now();
            if (!isBinary) {
                let message: Record<string, unknown>;
                try {
                    message = JSON.parse(data.toString()) as Record<string, unknown>;
                } catch {
                    return;
                }
                this.textFrames.push(message);
                if (message.type === "hello") {
                    connection.hello = message;
                    const welcome = () => {
                        if (ws.readyState !== WebSocket.OPEN) return;
                        connection.welcomed = true;
                        ws.send(
                            JSON.stringify({
                                type: "welcome",
                                session: connection.session,
                                heartbeatMs,
                                maxInFlight: this.options.maxInFlight ?? 32,
                                lastSeq: this.lastSeqOverride ?? this.store.lastSeq.get(key) ?? 0,
                            }),
                        );
                    };
                    if (this.options.welcomeDelayMs) setTimeout(welcome, this.options.welcomeDelayMs);
                    else welcome();
                } else if (message.type === "result" && typeof message.id === "string") {
                    this.resultWaiters.get(message.id)?.(message);
                    this.resultWaiters.delete(message.id);
                }
                return;
            }
            if (!connection.welcomed) {
                this.batchesBeforeWelcome++; // PROTOCOL.md: no batch is sent before welcome
                return ws.terminate();
            }
            if (data.length < 10 || data[0] !== 1) return ws.terminate();
            const kind = data[1];
            const seq = Number(data.readBigUInt64BE(2));
            this.seqsReceived.push(seq);
            const payload = this.options.retainPayloads === false ? EMPTY : Buffer.from(data.subarray(10));
            let batches = this.store.batches.get(key);
            if (!batches) this.store.batches.set(key, (batches = new Map()));
            if (this.nackSeqs.has(seq)) {
                let rejected = this.store.rejected.get(key);
                if (!rejected) this.store.rejected.set(key, (rejected = new Set()));
                rejected.add(seq);
                ws.send(JSON.stringify({ type: "nack", seq, code: "malformed", message: `batch ${seq} rejected by test` }));
            } else if (batches.has(seq)) {
                this.store.duplicates++;
            } else {
                batches.set(seq, { seq, kind, payload: this.options.retainPayloads === false ? EMPTY : payload });
            }
            // Advance the contiguous high-water mark (rejected seqs count as handled).
            let last = this.store.lastSeq.get(key) ?? 0;
            const rejected = this.store.rejected.get(key);
            while (batches.has(last + 1) || rejected?.has(last + 1)) last++;
            this.store.lastSeq.set(key, last);
            if (!this.holdAcks && !connection.pendingAck) {
                connection.pendingAck = true;
                setImmediate(() => {
                    connection.pendingAck = false;
                    if (!this.holdAcks) this.sendAck(connection);
                });
            }
        });
    }

    private sendAck(connection: Connection): void {
        const last = this.store.lastSeq.get(this.store.key(connection.cluster, connection.replica)) ?? 0;
        if (last > 0 && connection.ws.readyState === WebSocket.OPEN) connection.ws.send(JSON.stringify({ type: "ack", seq: last }));
    }
}

export async function startFakeBackend(options: FakeBackendOptions): Promise<FakeBackend> {
    const backend = new FakeBackend(options);
    await backend.start();
    return backend;
}
