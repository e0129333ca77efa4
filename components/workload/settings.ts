// The workload's plain settings, derived from the validated StackConfig by a pure function, so the component
// receives typed args and never reads Pulumi config itself.
import * as path from "path";
import type { StackConfig } from "../config";
import type { RelayerEnvSettings } from "./container";
import { inClusterServiceTarget } from "./values";

/**
 * The relayer's Dockerfile inside the build context. The context is the repository root, not relayer-app/: npm
 * workspaces keep the one package-lock.json there, and the image must install exactly that lockfile.
 * relayer-app/Dockerfile.dockerignore (BuildKit's per-Dockerfile ignore file) keeps the context small.
 */
export const RELAYER_DOCKERFILE = "relayer-app/Dockerfile";

/** Where the relayer image comes from. */
export type ImageSource =
    | { ref: string }
    | {
          /** Build `dockerfile` in `context` (the repository root), push it here tagged `tag`; pods run `<repository>@<digest>`. */
          build: { context: string; dockerfile: string; repository: string; tag: string; registryUsername?: string };
      };

/** Everything the RelayerWorkload needs from the stack config. */
export interface RelayerWorkloadSettings {
    namespace: string;
    createNamespace: boolean;
    podSecurityVersion: string;
    replicas: number;
    image: ImageSource;
    imagePullPolicy: string;
    resources: { cpuRequest: string; cpuLimit: string; memoryRequest: string; memoryLimit: string };
    /** The env settings known from config; the backend URL and KAgent namespaces are added by the component. */
    env: Omit<RelayerEnvSettings, "backendUrl" | "kagentNamespaces">;
    kagent: {
        namespaces: readonly string[];
        podSelector: Record<string, string>;
        /** Egress target for agents.invoke; undefined when not allowed. */
        controller?: { namespace: string; port: number };
    };
    /** undefined when the NetworkPolicy is disabled. */
    networkPolicy?: {
        apiServerCidrs: readonly string[];
        apiServerPorts: readonly number[];
        extraEgress: readonly { cidr: string; port: number; protocol: "TCP" | "UDP" }[];
    };
    /** undefined when monitoring is off. */
    monitoring?: { namespace: string; labels: Record<string, string> };
    serviceMesh: "none" | "istio" | "linkerd";
    /** undefined when the HorizontalPodAutoscaler is off. */
    autoscaling?: { maxReplicas: number; cpuPercent: number };
    nodeReader: boolean;
}

/** Pure: StackConfig (+ the repository root, the image's build context) → workload settings. */
export function workloadSettingsFromConfig(cfg: StackConfig, repoRoot: string): RelayerWorkloadSettings {
    const image: ImageSource =
        cfg.imageRef !== undefined
            ? { ref: cfg.imageRef }
            : {
                  build: {
                      context: repoRoot,
                      dockerfile: path.join(repoRoot, RELAYER_DOCKERFILE),
                      repository: cfg.imageRepository ?? "",
                      tag: cfg.stack,
                      registryUsername: cfg.imageRegistryUsername,
                  },
              };
    return {
        namespace: cfg.namespace,
        createNamespace: cfg.createNamespace,
        podSecurityVersion: cfg.podSecurityVersion,
        replicas: cfg.replicas,
        image,
        imagePullPolicy: cfg.imagePullPolicy,
        resources: { cpuRequest: cfg.cpuRequest, cpuLimit: cfg.cpuLimit, memoryRequest: cfg.memoryRequest, memoryLimit: cfg.memoryLimit },
        env: {
            allowInsecureBackend: cfg.allowInsecureBackend,
            clusterName: cfg.clusterName,
            spoolMaxBytes: cfg.spoolMaxBytes,
            otlpMaxRequestBytes: cfg.otlpMaxRequestBytes,
            llmProviders: [...cfg.llmProviders],
            llmRateLimits: cfg.llmRateLimits,
            kagentUrl: cfg.kagentUrl,
            logLevel: cfg.logLevel,
            redactPii: cfg.logRedactPii,
            drainSeconds: cfg.drainSeconds,
        },
        kagent: {
            namespaces: cfg.kagentNamespaces,
            podSelector: cfg.kagentPodSelector,
            controller: cfg.kagentInvokeEgress ? inClusterServiceTarget(cfg.kagentUrl) : undefined,
        },
        networkPolicy: cfg.networkPolicyEnabled
            ? { apiServerCidrs: cfg.apiServerCidrs, apiServerPorts: cfg.apiServerPorts, extraEgress: cfg.extraEgress }
            : undefined,
        monitoring: cfg.monitoringEnabled ? { namespace: cfg.monitoringNamespace, labels: cfg.monitoringLabels } : undefined,
        serviceMesh: cfg.serviceMesh,
        autoscaling: cfg.autoscalingEnabled ? { maxReplicas: cfg.autoscalingMaxReplicas, cpuPercent: cfg.autoscalingCpuPercent } : undefined,
        nodeReader: cfg.nodeReaderEnabled,
    };
}
