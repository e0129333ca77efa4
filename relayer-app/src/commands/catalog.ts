// The commands of PROTOCOL.md (version 1), each with its parameter schema and its read-only implementation.
// Every Kubernetes call here is listed in src/kube/api-calls.ts (the RBAC contract with the workload Role).
import { z } from "zod";
import type { V1Pod } from "@kubernetes/client-node";
import { redactText, type RedactOptions } from "../log/redact";
import type { RelayerStatusData } from "../status";
import { IgnoredByBreaker, type Breaker } from "../gateway/breaker";
import { abortableCall, type KubeApis } from "../kube/client";
import { AGENT_API } from "../kube/api-calls";
import { CommandError } from "./errors";
import { invokeAgent } from "./kagent-a2a";
import { readNewestLogLines } from "./pod-logs";

export interface CommandContext {
    /** Kubernetes API access, or why there is none (commands that need it answer `unavailable`). */
    kube: { ok: true; apis: KubeApis } | { ok: false; reason: string };
    namespace: string;
    kagentNamespaces: readonly string[];
    replica: string;
    relayerVersion: string;
    kagentUrl: string;
    kagentBreaker: Breaker;
    status: () => RelayerStatusData;
    podLogsMaxBytes: number;
    redact: RedactOptions;
}

export interface CommandDefinition<S extends z.ZodType = z.ZodType> {
    params: S;
    run(params: z.output<S>, ctx: CommandContext, signal: AbortSignal): Promise<unknown>;
}

const define = <S extends z.ZodType>(d: CommandDefinition<S>): CommandDefinition => d as unknown as CommandDefinition;

// DNS-1123 names as Kubernetes validates them for namespaces, pods and custom resources.
const dnsLabel = z.string().regex(/^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$/, { error: "must be a Kubernetes name (DNS-1123 label)" });
const dnsSubdomain = z
    .string()
    .max(253, { error: "must be at most 253 characters" })
    .regex(/^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/, { error: "must be a Kubernetes name (DNS-1123 subdomain)" });
const noParams = z.union([z.strictObject({}), z.undefined(), z.null()]).transform(() => ({}));

function kubeOf(ctx: CommandContext): KubeApis {
    if (!ctx.kube.ok) throw new CommandError("unavailable", `no Kubernetes API access: ${ctx.kube.reason}`);
    return ctx.kube.apis;
}

/** The namespace an agents.* command targets: the given one if allowed, else the first KAgent namespace. */
function agentNamespace(ctx: CommandContext, requested: string | undefined): string {
    const namespace = requested ?? ctx.kagentNamespaces[0];
    if (namespace === undefined) throw new CommandError("forbidden", "no KAgent namespace is configured; fix: set RELAYER_KAGENT_NAMESPACES");
    if (!ctx.kagentNamespaces.includes(namespace)) {
        throw new CommandError("forbidden", `namespace ${namespace} is not one of the relayer's KAgent namespaces (${ctx.kagentNamespaces.join(", ")})`);
    }
    return namespace;
}

interface AgentResource {
    metadata?: { name?: string; namespace?: string; generation?: number };
    spec?: {
        type?: string;
        description?: string;
        declarative?: { modelConfig?: string; tools?: { type?: string; mcpServer?: { name?: string; toolNames?: string[] }; agent?: { name?: string } }[]; stream?: boolean };
        byo?: { deployment?: { image?: string } };
    };
    status?: { conditions?: { type?: string; status?: string; reason?: string; message?: string; lastTransitionTime?: string }[] };
}

const isReady = (a: AgentResource): boolean => (a.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True");

function podSummary(pod: V1Pod) {
    const statuses = pod.status?.containerStatuses ?? [];
    return {
        name: pod.metadata?.name ?? "",
        phase: pod.status?.phase ?? "Unknown",
        ready: (pod.status?.conditions ?? []).some((c) => c.type === "Ready" && c.status === "True"),
        restarts: statuses.reduce((sum, s) => sum + (s.restartCount ?? 0), 0),
        node: pod.spec?.nodeName ?? null,
    };
}

export const COMMANDS: Readonly<Record<string, CommandDefinition>> = {
    "cluster.info": define({
        params: noParams,
        async run(_p, ctx, signal) {
            const info = await kubeOf(ctx).version.getCode(abortableCall(signal));
            return { kubernetesVersion: info.gitVersion, namespace: ctx.namespace, relayerVersion: ctx.relayerVersion, replica: ctx.replica };
        },
    }),
    "relayer.status": define({
        params: noParams,
        async run(_p, ctx) {
            return ctx.status();
        },
    }),
    "agents.list": define({
        params: z.union([z.strictObject({ namespace: dnsLabel.optional() }), z.undefined(), z.null()]).transform((p) => p ?? {}),
        async run(p, ctx, signal) {
            const namespace = agentNamespace(ctx, p.namespace);
            const list = (await kubeOf(ctx).custom.listNamespacedCustomObject({ ...AGENT_API, namespace }, abortableCall(signal))) as { items?: AgentResource[] };
            return (list.items ?? []).map((a) => ({
                name: a.metadata?.name ?? "",
                namespace: a.metadata?.namespace ?? namespace,
                ready: isReady(a),
                description: a.spec?.description ?? "",
            }));
        },
    }),
    "agents.get": define({
        params: z.strictObject({ name: dnsSubdomain, namespace: dnsLabel.optional() }),
        async run(p, ctx, signal) {
            const namespace = agentNamespace(ctx, p.namespace);
            const a = (await kubeOf(ctx).custom.getNamespacedCustomObject({ ...AGENT_API, namespace, name: p.name }, abortableCall(signal))) as AgentResource;
            const tools = (a.spec?.declarative?.tools ?? []).map((t) => ({
                type: t.type ?? "",
                name: t.mcpServer?.name ?? t.agent?.name ?? "",
                ...(t.mcpServer?.toolNames ? { toolNames: t.mcpServer.toolNames } : {}),
            }));
            return {
                name: a.metadata?.name ?? p.name,
                namespace,
                ready: isReady(a),
                spec: {
                    type: a.spec?.type ?? "",
                    description: a.spec?.description ?? "",
                    modelConfig: a.spec?.declarative?.modelConfig ?? null,
                    stream: a.spec?.declarative?.stream ?? null,
                    tools,
                    image: a.spec?.byo?.deployment?.image ?? null,
                },
                conditions: (a.status?.conditions ?? []).map((c) => ({
                    type: c.type ?? "",
                    status: c.status ?? "",
                    reason: c.reason ?? "",
                    message: redactText(c.message ?? "", ctx.redact),
                    lastTransitionTime: c.lastTransitionTime ?? null,
                })),
            };
        },
    }),
    "agents.invoke": define({
        params: z.strictObject({
            name: dnsSubdomain,
            namespace: dnsLabel.optional(),
            message: z.string().min(1, { error: "must not be empty" }).max(100_000, { error: "must be at most 100000 characters" }),
        }),
        async run(p, ctx, signal) {
            const namespace = agentNamespace(ctx, p.namespace);
            return ctx.kagentBreaker.run(() =>
                invokeAgent(ctx.kagentUrl, namespace, p.name, p.message, signal).catch((err: unknown) => {
                    // The backend's timeout for this command (or a shutdown) says nothing about the controller.
                    if (signal.aborted) throw new IgnoredByBreaker("command aborted");
                    throw err;
                }),
            );
        },
    }),
    "pods.list": define({
        params: z
            .union([z.strictObject({ labelSelector: z.string().max(1024, { error: "must be at most 1024 characters" }).optional() }), z.undefined(), z.null()])
            .transform((p) => p ?? {}),
        async run(p, ctx, signal) {
            const list = await kubeOf(ctx).core.listNamespacedPod(
                { namespace: ctx.namespace, ...(p.labelSelector !== undefined ? { labelSelector: p.labelSelector } : {}) },
                abortableCall(signal),
            );
            return list.items.map(podSummary);
        },
    }),
    "pods.logs": define({
        params: z.strictObject({
            name: dnsSubdomain,
            container: dnsLabel.optional(),
            tailLines: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(1000, { error: "must be at most 1000" }).optional(),
            sinceSeconds: z.number().int({ error: "must be a whole number" }).min(1, { error: "must be at least 1" }).max(30 * 86_400, { error: "must be at most 2592000 (30 days)" }).optional(),
        }),
        async run(p, ctx, signal) {
            const core = kubeOf(ctx).core;
            const read = async (tailLines: number, limitBytes: number): Promise<string> =>
                String(
                    await core.readNamespacedPodLog(
                        {
                            name: p.name,
                            namespace: ctx.namespace,
                            tailLines,
                            // The API server stops at this size, so a huge log never crosses the wire whole.
                            limitBytes,
                            ...(p.container !== undefined ? { container: p.container } : {}),
                            ...(p.sinceSeconds !== undefined ? { sinceSeconds: p.sinceSeconds } : {}),
                        },
                        abortableCall(signal),
                    ),
                );
            return readNewestLogLines(read, p.tailLines ?? 100, ctx.podLogsMaxBytes, ctx.redact);
        },
    }),
};

