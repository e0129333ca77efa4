// Wires the Kubernetes side into the relayer: API access (in-cluster ServiceAccount token, or RELAYER_KUBECONFIG
// in tests) and the Events informer feeding the spool.
import type { RelayerContext } from "../context";
import type { ManagedService } from "../service";
import { loadKubeAccess, type KubeAccess } from "./client";
import { EventInformer } from "./event-informer";
import { EventsSenderElection } from "./events-sender";
import { kubeSettingsFromEnv, type KubeSettings } from "./settings";

export interface KubeSide {
    settings: KubeSettings;
    access: KubeAccess;
    /** The informer and the sender election, when events are enabled and the API is reachable. */
    services: ManagedService[];
}

export function createKubeSide(ctx: Pick<RelayerContext, "config" | "log" | "metrics" | "spool">): KubeSide {
    const settings = kubeSettingsFromEnv(ctx.config.env);
    const access = loadKubeAccess(settings.kubeconfigPath);
    if (!access.ok) {
        ctx.log.warn({ reason: access.reason }, "no Kubernetes API access: the events informer is off and cluster commands answer unavailable");
        return { settings, access, services: [] };
    }
    ctx.log.info({ source: access.source, namespaces: settings.allowedNamespaces }, "kubernetes API access configured");
    if (!settings.events.enabled) return { settings, access, services: [] };
    const informer = new EventInformer({
        namespaces: settings.allowedNamespaces,
        dropReasons: settings.events.dropReasons,
        flushMs: settings.events.flushMs,
        watchdogMs: settings.events.watchdogMs,
        core: access.apis.core,
        watch: access.apis.watch,
        spool: ctx.spool,
        log: ctx.log.child({ component: "events-informer" }),
        registry: ctx.metrics.registry,
        redact: { ips: ctx.config.redactIps },
    });
    // One replica sends the Events (see events-sender.ts); the informer watches only while this one is it.
    const election = new EventsSenderElection({
        namespace: settings.namespace,
        replica: ctx.config.replica,
        core: access.apis.core,
        log: ctx.log.child({ component: "events-sender" }),
        checkMs: settings.events.senderCheckMs,
        onChange: (sending) => informer.setSending(sending),
    });
    // Started in this order and stopped together: the election may only switch a started informer.
    return { settings, access, services: [informer, election] };
}
