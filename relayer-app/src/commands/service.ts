// Installs the command dispatcher on the uplink, with its KAgent circuit breaker registered in relayer.status.
import type { RelayerContext } from "../context";
import { createBreaker } from "../gateway/breaker";
import type { KubeSide } from "../kube/service";
import { createCommandHandler } from "./dispatcher";
import { CommandError } from "./errors";
import { commandSettingsFromEnv } from "./settings";

/** Breaker for the KAgent controller: opens after repeated failures, tries again after 30 s. */
const KAGENT_BREAKER = { minRequests: 3, cooldownMs: 30_000 };

export function installCommands(ctx: Pick<RelayerContext, "config" | "log" | "status" | "uplink" | "version">, kube: KubeSide): void {
    const kagentBreaker = createBreaker("kagent", {
        ...KAGENT_BREAKER,
        // A missing agent or an agent's own error says nothing about the controller's health.
        ignore: (err) => err instanceof CommandError,
    });
    ctx.status.registerBreaker(kagentBreaker.name, () => kagentBreaker.state());
    const settings = commandSettingsFromEnv(ctx.config.env);
    ctx.uplink.setCommandHandler(
        createCommandHandler({
            settings,
            log: ctx.log.child({ component: "commands" }),
            context: {
                kube: kube.access.ok ? { ok: true, apis: kube.access.apis } : { ok: false, reason: kube.access.reason },
                namespace: ctx.config.namespace,
                kagentNamespaces: kube.settings.kagentNamespaces,
                replica: ctx.config.replica,
                relayerVersion: ctx.version,
                kagentUrl: ctx.config.kagentUrl,
                kagentBreaker,
                status: () => ctx.status.snapshot(),
                podLogsMaxBytes: settings.podLogsMaxBytes,
                redact: { ips: ctx.config.redactIps },
            },
        }),
    );
}
