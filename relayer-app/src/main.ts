// Composition root of the relayer process: config → logger/metrics → spool → uplink → listeners, and the
// SIGTERM sequence (readiness off → listeners stop → features stop → uplink drains the spool → exit 0).
import { installCommands } from "./commands/service";
import { parseRelayerConfig } from "./config";
import type { RelayerContext } from "./context";
import { GatewayService } from "./gateway/service";
import { OtlpGrpcServer } from "./ingest/grpc-server";
import { OtlpHttpServer } from "./ingest/http-server";
import { Intake } from "./ingest/intake";
import { audit } from "./log/audit";
import { createKubeSide } from "./kube/service";
import { createLogger } from "./log/logger";
import { redactText } from "./log/redact";
import { createMetrics, registerBreakerGauge, registerSpoolGauges } from "./metrics";
import { OpsServer } from "./ops/ops-server";
import { SecretFiles } from "./secrets/secret-files";
import type { ManagedService } from "./service";
import { Spool } from "./spool/spool";
import { StatusRegistry } from "./status";
import { Uplink } from "./uplink/uplink";
import { readVersion } from "./version";

/** Capabilities announced in `hello`. Features append theirs in `featureServices`. */
const CORE_CAPABILITIES = ["otlp.traces", "otlp.metrics", "otlp.logs"];

/**
 * Optional services (issue 7: Kubernetes events informer, command dispatcher, LLM gateway on
 * ctx.config.ports.gateway). Each is started after the core and stopped on SIGTERM before the uplink drains.
 * Register commands with ctx.uplink.setCommandHandler and push capability names into `capabilities`.
 */
function featureServices(ctx: RelayerContext, capabilities: string[]): ManagedService[] {
    const kube = createKubeSide(ctx);
    installCommands(ctx, kube);
    capabilities.push("commands.v1", "kube.events", "llm.usage");
    return [...kube.services, new GatewayService(ctx)];
}

async function main(): Promise<void> {
    const startedAt = Date.now();
    const parsed = parseRelayerConfig(process.env);
    if (!parsed.ok) {
        // One line per bad variable, on stderr, then exit 1: the pod's events and logs show exactly what to fix.
        for (const line of parsed.errors) process.stderr.write(`config error: ${line}\n`);
        process.exitCode = 1;
        return;
    }
    const config = parsed.config;
    const version = readVersion();
    const log = createLogger({ level: config.logLevel, redactIps: config.redactIps });
    const metrics = createMetrics();
    const secrets = new SecretFiles(config.secretsDir);
    secrets.onChange((file) => audit(log, "config_reload", { file }, "secret file changed; the new value is used from now on"));

    let spool: Spool;
    try {
        spool = await Spool.open(
            {
                dir: config.spool.dir,
                maxBytes: config.spool.maxBytes,
                segmentBytes: config.spool.segmentBytes,
                fsync: config.spool.fsync,
                onWrite: (seconds) => metrics.spoolWriteSeconds.observe(seconds),
                onSync: (seconds) => metrics.spoolSyncSeconds.observe(seconds),
            },
            log,
        );
    } catch (error) {
        log.fatal({ err: error, dir: config.spool.dir }, "cannot open the spool; fix: mount a writable volume at RELAYER_SPOOL_DIR");
        log.flush();
        process.exitCode = 1;
        return;
    }
    registerSpoolGauges(metrics, spool);
    const status = new StatusRegistry(spool, startedAt);
    registerBreakerGauge(metrics, status);
    const capabilities = [...CORE_CAPABILITIES];
    const uplink = new Uplink({
        backendUrl: config.backendUrl,
        replica: config.replica,
        version,
        startedAt,
        capabilities,
        spool,
        secrets,
        log,
        metrics,
    });
    const ctx: RelayerContext = { config, log, metrics, spool, uplink, secrets, status, startedAt, version };

    let shuttingDown = false;
    const intake = new Intake(spool, metrics, log, Math.max(32 * 1024 * 1024, 2 * config.otlpMaxRequestBytes));
    const listeners: ManagedService[] = [
        new OtlpGrpcServer({ host: config.bindHost, port: config.ports.otlpGrpc, maxRequestBytes: config.otlpMaxRequestBytes, intake, log }),
        new OtlpHttpServer({ host: config.bindHost, port: config.ports.otlpHttp, maxRequestBytes: config.otlpMaxRequestBytes, intake, log }),
    ];
    const ops = new OpsServer({
        host: config.bindHost,
        port: config.ports.ops,
        registry: metrics.registry,
        notReadyReason: () => (shuttingDown ? "shutting down" : spool.isReady() ? undefined : "spool is full or not writable"),
    });
    const features = featureServices(ctx, capabilities);

    try {
        await ops.start();
        for (const service of [...listeners, ...features]) await service.start();
    } catch (error) {
        log.fatal({ err: error }, "cannot start a listener (port in use?)");
        log.flush();
        process.exit(1);
    }
    uplink.start();
    log.info(
        { version, replica: config.replica, cluster: config.clusterName, ports: config.ports, spoolFsync: config.spool.fsync },
        "relayer ready",
    );

    const shutdown = async (signal: string): Promise<void> => {
        if (shuttingDown) return;
        shuttingDown = true;
        const deadline = Date.now() + config.drainSeconds * 1000;
        log.info({ signal, drainSeconds: config.drainSeconds }, "shutting down: readiness off, finishing requests, draining the spool");
        // In-flight requests get up to a quarter of the budget (at least 2 s); the uplink drains in the rest.
        const listenerDeadline = Math.min(deadline, Date.now() + Math.max(2000, config.drainSeconds * 250));
        await Promise.all(listeners.map((l) => l.stop(listenerDeadline)));
        await Promise.all(features.map((f) => f.stop(listenerDeadline)));
        await uplink.drain(deadline);
        const left = spool.stats();
        await spool.close();
        secrets.stop();
        await ops.stop();
        log.info({ spoolBatches: left.batches, spoolBytes: left.bytes }, left.batches > 0 ? "stopped; unsent batches stay in the spool for the next start" : "stopped; spool drained");
        log.flush(() => process.exit(0));
    };
    process.on("SIGTERM", () => void shutdown("SIGTERM"));
    process.on("SIGINT", () => void shutdown("SIGINT"));
    process.on("unhandledRejection", (reason) => log.error({ err: reason }, "unhandled promise rejection"));
}

process.on("uncaughtException", (error) => {
    process.stderr.write(`fatal: ${redactText(String(error?.stack ?? error))}\n`);
    process.exit(1);
});

void main();
