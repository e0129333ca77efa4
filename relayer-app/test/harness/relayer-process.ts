// Test harness: runs the BUILT relayer (dist/main.js) as a real child process with its own env, temp secrets
// dir and temp spool on free 127.0.0.1 ports; waits for /readyz, collects its log lines, stops or kills it.
import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as http from "node:http";
import * as net from "node:net";
import * as os from "node:os";
import * as path from "node:path";

export const APP_DIR = path.resolve(__dirname, "..", "..");
const DIST_MAIN = path.join(APP_DIR, "dist", "main.js");

let built = false;

/** Every relayer process of this test run and every secret value it was given: checked by log-hygiene.ts. */
export const spawnedRelayers: RelayerProcess[] = [];
export const testSecretValues = new Set<string>();

/** Secret files whose content must never appear in output (ids and endpoints are not secret). */
const SECRET_FILE = /token|secret|key/;

/** Register an extra value that must never appear in any relayer output of this run. */
export function registerTestSecret(value: string): void {
    if (value.length >= 8) testSecretValues.add(value);
}

function newestMtime(dir: string): number {
    let newest = 0;
    for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : fs.statSync(full).mtimeMs);
    }
    return newest;
}

/** Build dist/ once per test run when it is missing or older than src/. */
export function ensureBuilt(): void {
    if (built) return;
    const stale = !fs.existsSync(DIST_MAIN) || fs.statSync(DIST_MAIN).mtimeMs < newestMtime(path.join(APP_DIR, "src"));
    if (stale) {
        const tsc = require.resolve("typescript/bin/tsc");
        try {
            execFileSync(process.execPath, [tsc, "-p", path.join(APP_DIR, "tsconfig.build.json")], { cwd: APP_DIR, stdio: "pipe" });
        } catch (error) {
            const output = String((error as { stdout?: Buffer }).stdout ?? "");
            throw new Error(`relayer build failed:\n${output.slice(0, 4000)}`);
        }
    }
    built = true;
}

/**
 * `count` distinct free ports on 127.0.0.1. All listeners stay open until every port is known: closing each one
 * before asking for the next lets the kernel hand the same port out twice.
 */
export async function freePorts(count: number): Promise<number[]> {
    const servers = await Promise.all(
        Array.from(
            { length: count },
            () =>
                new Promise<net.Server>((resolve, reject) => {
                    const server = net.createServer();
                    server.once("error", reject);
                    server.listen(0, "127.0.0.1", () => resolve(server));
                }),
        ),
    );
    const ports = servers.map((server) => (server.address() as net.AddressInfo).port);
    await Promise.all(servers.map((server) => new Promise<void>((resolve) => server.close(() => resolve()))));
    return ports;
}

export async function freePort(): Promise<number> {
    return (await freePorts(1))[0];
}

export function tempDir(prefix: string): string {
    return fs.mkdtempSync(path.join(os.tmpdir(), `relayer-${prefix}-`));
}

export interface RelayerPorts {
    grpc: number;
    http: number;
    ops: number;
    gateway: number;
}

export interface RelayerProcessOptions {
    backendUrl: string;
    /** Secret files written into the secrets dir (name → content). */
    secrets: Record<string, string>;
    env?: Record<string, string>;
    spoolDir?: string;
    secretsDir?: string;
    ports?: RelayerPorts;
    replica?: string;
    /** Wait for /readyz (default true). */
    waitReady?: boolean;
    /** Run the process through this wrapper command (e.g. unshare/setpriv); the node command is appended. */
    wrapper?: string[];
    /** Node entry (defaults to dist/main.js). */
    entry?: string;
}

export class RelayerProcess {
    readonly lines: string[] = [];
    readonly stderr: string[] = [];
    exitCode: number | null | undefined;
    private exited: Promise<number | null>;

    constructor(
        readonly child: ChildProcess,
        readonly options: Required<Pick<RelayerProcessOptions, "backendUrl" | "secrets" | "spoolDir" | "secretsDir" | "ports" | "replica">> & RelayerProcessOptions,
    ) {
        let buffered = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            buffered += chunk.toString();
            const parts = buffered.split("\n");
            buffered = parts.pop() ?? "";
            this.lines.push(...parts.filter((l) => l.length > 0));
        });
        child.stderr!.on("data", (chunk: Buffer) => this.stderr.push(chunk.toString()));
        this.exited = new Promise((resolve) =>
            child.on("exit", (code, signal) => {
                if (buffered) this.lines.push(buffered);
                this.exitCode = signal ? null : code;
                resolve(this.exitCode);
            }),
        );
    }

    get ports(): RelayerPorts {
        return this.options.ports;
    }

    get running(): boolean {
        return this.exitCode === undefined;
    }

    /** Parsed JSON log lines. */
    logs(): Record<string, unknown>[] {
        return this.lines.flatMap((line) => {
            try {
                return [JSON.parse(line) as Record<string, unknown>];
            } catch {
                return [];
            }
        });
    }

    allOutput(): string {
        return [...this.lines, ...this.stderr].join("\n");
    }

    async waitForLog(predicate: (line: Record<string, unknown>) => boolean, timeoutMs: number, what: string): Promise<Record<string, unknown>> {
        const end = Date.now() + timeoutMs;
        for (;;) {
            const found = this.logs().find(predicate);
            if (found) return found;
            if (Date.now() > end) throw new Error(`timed out after ${timeoutMs} ms waiting for log: ${what}\n${this.allOutput().slice(-3000)}`);
            await new Promise((r) => setTimeout(r, 25));
        }
    }

    async waitReady(timeoutMs = 20_000): Promise<void> {
        const end = Date.now() + timeoutMs;
        while (Date.now() < end) {
            if (!this.running) throw new Error(`relayer exited with ${this.exitCode} before ready:\n${this.allOutput().slice(-3000)}`);
            if ((await httpStatus(this.ports.ops, "/readyz")) === 200) return;
            await new Promise((r) => setTimeout(r, 50));
        }
        throw new Error(`relayer not ready after ${timeoutMs} ms:\n${this.allOutput().slice(-3000)}`);
    }

    /** SIGTERM and wait for exit (bounded). */
    async stop(timeoutMs = 40_000): Promise<number | null> {
        if (!this.running) return this.exitCode ?? null;
        this.child.kill("SIGTERM");
        const timer = setTimeout(() => this.child.kill("SIGKILL"), timeoutMs);
        const code = await this.exited;
        clearTimeout(timer);
        return code;
    }

    async kill(): Promise<void> {
        if (!this.running) return;
        this.child.kill("SIGKILL");
        await this.exited;
    }

    wait(): Promise<number | null> {
        return this.exited;
    }

    /** Start a new process with the same dirs, ports and env (after stop/kill). */
    restart(overrides: Partial<RelayerProcessOptions> = {}): Promise<RelayerProcess> {
        return startRelayerProcess({ ...this.options, ...overrides });
    }

    removeDirs(): void {
        fs.rmSync(this.options.spoolDir, { recursive: true, force: true });
        fs.rmSync(this.options.secretsDir, { recursive: true, force: true });
    }
}

/** GET http://127.0.0.1:<port><path>; status 0 when nothing answers. */
export function httpGet(port: number, urlPath: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve) => {
        const request = http.get({ host: "127.0.0.1", port, path: urlPath, timeout: 2000 }, (response) => {
            let body = "";
            response.on("data", (chunk: Buffer) => (body += chunk));
            response.on("end", () => resolve({ status: response.statusCode ?? 0, body }));
            response.on("error", () => resolve({ status: 0, body }));
        });
        request.on("error", () => resolve({ status: 0, body: "" }));
        request.on("timeout", () => request.destroy());
    });
}

export async function httpStatus(port: number, urlPath: string): Promise<number> {
    return (await httpGet(port, urlPath)).status;
}

/** Sum of the samples of a metric line prefix in the relayer's /metrics (e.g. `relayer_spool_batches`). */
export async function metricValue(port: number, prefix: string): Promise<number> {
    const text = (await httpGet(port, "/metrics")).body;
    return text
        .split("\n")
        .filter((line) => line.startsWith(prefix))
        .reduce((sum, line) => sum + Number(line.split(" ").pop()), 0);
}

export async function allocatePorts(): Promise<RelayerPorts> {
    const [grpc, http, ops, gateway] = await freePorts(4);
    return { grpc, http, ops, gateway };
}

/** The env a test relayer runs with (ws:// backend allowed, 127.0.0.1, free ports, temp dirs). */
export function relayerEnv(options: { backendUrl: string; spoolDir: string; secretsDir: string; ports: RelayerPorts; replica: string }, extra: Record<string, string> = {}): Record<string, string> {
    return {
        RELAYER_BACKEND_URL: options.backendUrl,
        RELAYER_ALLOW_INSECURE_BACKEND: "true",
        RELAYER_CLUSTER_NAME: "test-cluster",
        RELAYER_NAMESPACE: "consonant-system",
        RELAYER_REPLICA: options.replica,
        RELAYER_SECRETS_DIR: options.secretsDir,
        RELAYER_SPOOL_DIR: options.spoolDir,
        RELAYER_BIND_HOST: "127.0.0.1",
        RELAYER_OTLP_GRPC_PORT: String(options.ports.grpc),
        RELAYER_OTLP_HTTP_PORT: String(options.ports.http),
        RELAYER_OPS_PORT: String(options.ports.ops),
        RELAYER_GATEWAY_PORT: String(options.ports.gateway),
        RELAYER_LOG_LEVEL: "debug",
        RELAYER_DRAIN_SECONDS: "5",
        ...extra,
    };
}

export function writeSecrets(dir: string, secrets: Record<string, string>): void {
    fs.mkdirSync(dir, { recursive: true });
    for (const [name, value] of Object.entries(secrets)) fs.writeFileSync(path.join(dir, name), value);
}

export async function startRelayerProcess(options: RelayerProcessOptions): Promise<RelayerProcess> {
    ensureBuilt();
    const spoolDir = options.spoolDir ?? tempDir("spool");
    const secretsDir = options.secretsDir ?? tempDir("secrets");
    const ports = options.ports ?? (await allocatePorts());
    const replica = options.replica ?? "relayer-test-0";
    writeSecrets(secretsDir, options.secrets);
    for (const [name, value] of Object.entries(options.secrets)) if (SECRET_FILE.test(name)) registerTestSecret(value);
    const env = relayerEnv({ backendUrl: options.backendUrl, spoolDir, secretsDir, ports, replica }, options.env);
    const nodeCommand = [process.execPath, options.entry ?? DIST_MAIN];
    const [command, ...args] = [...(options.wrapper ?? []), ...nodeCommand];
    const child = spawn(command, args, { env: { PATH: process.env.PATH ?? "/usr/bin:/bin", ...env }, stdio: ["ignore", "pipe", "pipe"] });
    const relayer = new RelayerProcess(child, { ...options, spoolDir, secretsDir, ports, replica });
    spawnedRelayers.push(relayer);
    if (options.waitReady !== false) {
        try {
            await relayer.waitReady();
        } catch (error) {
            await relayer.kill();
            throw error;
        }
    }
    return relayer;
}
