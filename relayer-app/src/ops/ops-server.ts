// :8080 — /healthz (process alive), /readyz (spool writable and below its cap, not shutting down; the backend
// being away does NOT make the replica unready: it keeps accepting into the spool), /metrics (Prometheus).
import * as http from "node:http";
import type { AddressInfo } from "node:net";
import type { Registry } from "prom-client";
import { listen } from "../listen";
import type { ManagedService } from "../service";

export interface OpsServerOptions {
    host: string;
    port: number;
    registry: Registry;
    /** Undefined when ready, otherwise the reason. */
    notReadyReason: () => string | undefined;
}

export class OpsServer implements ManagedService {
    readonly name = "ops";
    private readonly server: http.Server;

    constructor(private readonly options: OpsServerOptions) {
        this.server = http.createServer({ requestTimeout: 10_000, headersTimeout: 5_000 }, (request, response) => void this.handle(request, response));
    }

    get port(): number {
        return (this.server.address() as AddressInfo).port;
    }

    start(): Promise<void> {
        return listen(this.server, this.options.port, this.options.host);
    }

    stop(): Promise<void> {
        return new Promise((resolve) => {
            this.server.close(() => resolve());
            this.server.closeAllConnections();
        });
    }

    private async handle(request: http.IncomingMessage, response: http.ServerResponse): Promise<void> {
        const path = (request.url ?? "").split("?")[0];
        if (request.method !== "GET" && request.method !== "HEAD") {
            response.writeHead(405, { Allow: "GET, HEAD", "Content-Type": "text/plain" }).end("use GET\n");
            return;
        }
        if (path === "/healthz") {
            response.writeHead(200, { "Content-Type": "text/plain" }).end("ok\n");
        } else if (path === "/readyz") {
            const reason = this.options.notReadyReason();
            if (reason) response.writeHead(503, { "Content-Type": "text/plain" }).end(`not ready: ${reason}\n`);
            else response.writeHead(200, { "Content-Type": "text/plain" }).end("ready\n");
        } else if (path === "/metrics") {
            try {
                const body = await this.options.registry.metrics();
                response.writeHead(200, { "Content-Type": this.options.registry.contentType }).end(body);
            } catch {
                response.writeHead(500, { "Content-Type": "text/plain" }).end("metrics collection failed\n");
            }
        } else {
            response.writeHead(404, { "Content-Type": "text/plain" }).end("not found: use /healthz, /readyz or /metrics\n");
        }
    }
}
