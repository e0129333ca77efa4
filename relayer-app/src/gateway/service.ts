// The LLM gateway as a relayer service: an HTTP server on the gateway port (8081, cluster-internal; the
// workload's NetworkPolicy admits KAgent namespaces only), usage events to the backend, breakers in relayer.status.
import http from "node:http";
import type { Socket } from "node:net";
import type { RelayerContext } from "../context";
import { listen } from "../listen";
import type { ManagedService } from "../service";
import { createGatewayMetrics } from "./metrics";
import { credentialFiles } from "./providers";
import { createGateway, type Gateway } from "./proxy";
import { gatewaySettingsFromEnv } from "./settings";
import { UsageReporter } from "./usage-reporter";

export class GatewayService implements ManagedService {
    readonly name = "llm-gateway";
    private readonly gateway: Gateway;
    private readonly server: http.Server;
    private readonly sockets = new Set<Socket>();
    private readonly usage: UsageReporter;
    private boundPort = 0;

    constructor(private readonly ctx: Pick<RelayerContext, "config" | "log" | "metrics" | "secrets" | "status" | "uplink">) {
        const settings = gatewaySettingsFromEnv(ctx.config.env);
        this.usage = new UsageReporter((frame) => ctx.uplink.sendControl(frame), ctx.log);
        this.gateway = createGateway({
            settings,
            readSecret: (name) => ctx.secrets.read(name),
            log: ctx.log.child({ component: "llm-gateway" }),
            metrics: createGatewayMetrics(ctx.metrics.registry),
            onUsage: (event) => this.usage.add(event),
            onBreakerChange: (name, state) => ctx.log.warn({ breaker: name, state }, `circuit breaker ${name} is now ${state}`),
        });
        for (const [provider, breaker] of this.gateway.breakers) {
            if (settings.listed.includes(provider)) ctx.status.registerBreaker(breaker.name, () => breaker.state());
        }
        this.server = http.createServer({ keepAliveTimeout: 65_000, headersTimeout: 60_000, requestTimeout: 300_000 }, (req, res) => this.gateway.handle(req, res));
        this.server.on("connection", (socket: Socket) => {
            this.sockets.add(socket);
            socket.on("close", () => this.sockets.delete(socket));
        });
    }

    get port(): number {
        return this.boundPort;
    }

    async start(): Promise<void> {
        const { bindHost, ports } = this.ctx.config;
        await listen(this.server, ports.gateway, bindHost);
        const address = this.server.address();
        this.boundPort = typeof address === "object" && address !== null ? address.port : ports.gateway;
        this.usage.start();
        for (const provider of this.ctx.config.llmProviders) {
            const files = credentialFiles(provider);
            for (const file of [files.apiKey, ...(files.endpoint ? [files.endpoint] : [])]) {
                if (this.ctx.secrets.read(file) === undefined) {
                    this.ctx.log.warn({ provider, file }, `llm provider ${provider} is listed in RELAYER_LLM_PROVIDERS but its secret file ${file} is missing; it answers 404 until the file appears`);
                }
            }
        }
        this.ctx.log.info({ port: this.boundPort, providers: this.ctx.config.llmProviders }, "llm gateway listening");
    }

    /** Stop taking requests; streams in flight may finish until the deadline, then they are cut. */
    async stop(deadline: number): Promise<void> {
        const closed = new Promise<void>((resolve) => this.server.close(() => resolve()));
        this.server.closeIdleConnections();
        const timer = setTimeout(() => {
            for (const s of this.sockets) s.destroy();
        }, Math.max(0, deadline - Date.now()));
        await closed;
        clearTimeout(timer);
        this.gateway.close();
        // Usage of the requests that just finished still goes out before the uplink drains.
        this.usage.stop();
    }
}
