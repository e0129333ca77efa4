// The optional tunnel connector (`cloudflared`) as Kubernetes specs. Pure: the component passes the image,
// replicas, the workload's hardened security contexts and the egress ranges, and registers the objects.
import type * as pulumi from "@pulumi/pulumi";
import type * as k8s from "@pulumi/kubernetes";
import { TUNNEL_TOKEN_SECRET_KEY, TUNNEL_TOKEN_SECRET_NAME } from "../secrets/catalog";
import { kubeDnsEgressRule } from "../workload/network-policy";
import { relayerTopologySpread } from "../workload/scheduling";
import { podSecurityAdmissionLabels, restrictedContainerSecurityContext, restrictedPodSecurityContext } from "../workload/security";

/** cloudflared serves Prometheus metrics and `/ready` (200 once it holds a tunnel connection) on this port. */
export const CONNECTOR_METRICS_PORT = 2000;
/** Tunnel edge port: QUIC over UDP, with HTTP/2 over TCP as cloudflared's fallback. */
export const TUNNEL_EDGE_PORT = 7844;
/** The Secret holding the tunnel token in the connector's namespace (written by the secret store). */
export const TUNNEL_TOKEN_SECRET = { name: TUNNEL_TOKEN_SECRET_NAME, key: TUNNEL_TOKEN_SECRET_KEY } as const;
/** Where the token file is mounted; cloudflared reads it with `--token-file` (cloudflared ≥ 2025.4.0). */
export const TUNNEL_TOKEN_DIR = "/etc/cloudflared/token";

const CONTAINER_NAME = "cloudflared";

/** Labels of every connector object; the selector uses the stable subset (name + instance). */
export function connectorLabels(instance: string): Record<string, string> {
    return {
        "app.kubernetes.io/name": "cloudflared",
        "app.kubernetes.io/instance": instance,
        "app.kubernetes.io/component": "tunnel-connector",
        "app.kubernetes.io/part-of": "consonant",
        "app.kubernetes.io/managed-by": "pulumi",
    };
}

/** The selector labels (a Deployment's selector is immutable, so it never includes version-like labels). */
export function connectorSelector(instance: string): Record<string, string> {
    return { "app.kubernetes.io/name": "cloudflared", "app.kubernetes.io/instance": instance };
}

/** Pod Security Admission labels: the connector namespace admits only `restricted` pods (pinned version). */
export function connectorNamespaceLabels(podSecurityVersion: string): Record<string, string> {
    return {
        "app.kubernetes.io/part-of": "consonant",
        "app.kubernetes.io/managed-by": "pulumi",
        ...podSecurityAdmissionLabels(podSecurityVersion),
    };
}

/** The cloudflared command line: remotely managed tunnel, QUIC, no self-update, metrics for probes. */
export function connectorArgs(): string[] {
    return [
        "tunnel",
        // The image is pinned by digest; a self-update would replace the binary behind that pin.
        "--no-autoupdate",
        "--protocol",
        "quic",
        // Kubelet probes and Prometheus reach the pod IP, so the metrics server listens on all pod addresses.
        "--metrics",
        `0.0.0.0:${CONNECTOR_METRICS_PORT}`,
        "--loglevel",
        "info",
        "run",
        // The token comes from a mounted Secret file, never an argument or env var (both show up in `ps`/describe).
        "--token-file",
        `${TUNNEL_TOKEN_DIR}/${TUNNEL_TOKEN_SECRET.key}`,
    ];
}

export interface ConnectorDeploymentInput {
    instance: string;
    replicas: number;
    /** Image pinned by digest. */
    image: string;
    /** Only passed through (may be the auto-named ServiceAccount's Output). */
    serviceAccountName: pulumi.Input<string>;
}

export function connectorContainer(input: ConnectorDeploymentInput): k8s.types.input.core.v1.Container {
    const probe = (overrides: Partial<k8s.types.input.core.v1.Probe>): k8s.types.input.core.v1.Probe => ({
        httpGet: { path: "/ready", port: "metrics" },
        periodSeconds: 10,
        timeoutSeconds: 3,
        ...overrides,
    });
    return {
        name: CONTAINER_NAME,
        image: input.image,
        imagePullPolicy: "IfNotPresent",
        command: ["cloudflared"],
        args: connectorArgs(),
        ports: [{ name: "metrics", containerPort: CONNECTOR_METRICS_PORT, protocol: "TCP" }],
        // Startup allows a minute to reach the edge; after that a connector that lost every connection restarts.
        startupProbe: probe({ periodSeconds: 2, failureThreshold: 30 }),
        readinessProbe: probe({ failureThreshold: 1 }),
        livenessProbe: probe({ failureThreshold: 6 }),
        resources: {
            requests: { cpu: "50m", memory: "64Mi" },
            limits: { cpu: "500m", memory: "256Mi" },
        },
        // The relayer's hardened context (components/workload): one definition for every pod of this program.
        securityContext: restrictedContainerSecurityContext(),
        volumeMounts: [{ name: "tunnel-token", mountPath: TUNNEL_TOKEN_DIR, readOnly: true }],
    };
}

export function connectorDeploymentSpec(input: ConnectorDeploymentInput): k8s.types.input.apps.v1.DeploymentSpec {
    const selector = connectorSelector(input.instance);
    return {
        replicas: input.replicas,
        selector: { matchLabels: selector },
        // Bring a new connector up before an old one goes, so the tunnel never drops below `replicas` connectors.
        strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
        template: {
            metadata: {
                labels: connectorLabels(input.instance),
                annotations: {
                    "prometheus.io/scrape": "true",
                    "prometheus.io/port": String(CONNECTOR_METRICS_PORT),
                },
            },
            spec: {
                serviceAccountName: input.serviceAccountName,
                // cloudflared never talks to the Kubernetes API.
                automountServiceAccountToken: false,
                enableServiceLinks: false,
                securityContext: restrictedPodSecurityContext(),
                // cloudflared drains in-flight requests for up to 30 s (its --grace-period) on SIGTERM.
                terminationGracePeriodSeconds: 45,
                // Same spread as the relayer: zones best effort, never two connectors on one node.
                topologySpreadConstraints: relayerTopologySpread(selector),
                containers: [connectorContainer(input)],
                volumes: [
                    {
                        name: "tunnel-token",
                        secret: {
                            secretName: TUNNEL_TOKEN_SECRET.name,
                            items: [{ key: TUNNEL_TOKEN_SECRET.key, path: TUNNEL_TOKEN_SECRET.key }],
                            // Readable by the pod's fsGroup only.
                            defaultMode: 0o440,
                        },
                    },
                ],
            },
        },
    };
}

/** The connector's origin: an in-cluster Service's namespace, or the address ranges of an origin outside it. */
export type ConnectorOriginDestination = { namespace: string } | { cidrs: string[] };

export interface ConnectorNetworkInput {
    instance: string;
    /** Ranges cloudflared may dial on 7844 and 443 (Cloudflare's published ranges by default). */
    egressCidrs: string[];
    /** TCP ports of the origin as seen by the pod (the Service's target port for an in-cluster origin). */
    originPorts: number[];
    /** Where the origin ports may be dialled: an in-cluster origin's namespace, or the ranges of an outside origin. */
    originDestination: ConnectorOriginDestination;
    /** Namespace whose Prometheus scrapes the metrics port; undefined when monitoring is off. */
    monitoringNamespace?: string;
}

/** Default-deny both ways, then: metrics from monitoring (if on); DNS, the tunnel edge, the origin. */
export function connectorNetworkPolicySpec(input: ConnectorNetworkInput): k8s.types.input.networking.v1.NetworkPolicySpec {
    const toCloudflare = input.egressCidrs.map((cidr) => ({ ipBlock: { cidr } }));
    return {
        podSelector: { matchLabels: connectorSelector(input.instance) },
        policyTypes: ["Ingress", "Egress"],
        // Nothing else ever connects to cloudflared; without monitoring, ingress stays fully denied.
        ingress:
            input.monitoringNamespace === undefined
                ? []
                : [
                      {
                          from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": input.monitoringNamespace } } }],
                          ports: [{ protocol: "TCP", port: CONNECTOR_METRICS_PORT }],
                      },
                  ],
        egress: [
            // The relayer's DNS rule: kube-system AND kube-dns pods in one peer, UDP and TCP 53.
            kubeDnsEgressRule(),
            {
                to: toCloudflare,
                ports: [
                    { protocol: "UDP", port: TUNNEL_EDGE_PORT },
                    { protocol: "TCP", port: TUNNEL_EDGE_PORT },
                    { protocol: "TCP", port: 443 },
                ],
            },
            {
                // Never the origin ports on every address: an in-cluster origin's namespace, or the configured ranges.
                to:
                    "namespace" in input.originDestination
                        ? [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": input.originDestination.namespace } } }]
                        : input.originDestination.cidrs.map((cidr) => ({ ipBlock: { cidr } })),
                ports: input.originPorts.map((port) => ({ protocol: "TCP", port })),
            },
        ],
    };
}

/** One connector may be evicted at a time; with ≥2 replicas the tunnel stays up through a node drain. */
export function connectorPdbSpec(instance: string): k8s.types.input.policy.v1.PodDisruptionBudgetSpec {
    return { maxUnavailable: 1, selector: { matchLabels: connectorSelector(instance) } };
}

/** The TCP port an origin URL is reached on (its explicit port, else 80/443 by scheme). */
export function originPort(originService: string): number {
    const url = new URL(originService);
    if (url.port !== "") return Number(url.port);
    return url.protocol === "https:" ? 443 : 80;
}
