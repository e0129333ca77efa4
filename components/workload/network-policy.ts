// The relayer's NetworkPolicy: default deny in both directions, then an allow-list of exactly the flows in
// DESIGN.md's data-flow diagram. Peers that must match BOTH a namespace and a pod are written as ONE peer
// (namespaceSelector + podSelector = AND); two peers would be OR and admit every pod of the namespace.
import { RELAYER_PORTS } from "./container";

/** Private, link-local, loopback and CGNAT IPv4 ranges the public-HTTPS rule must not reach. */
export const PRIVATE_IPV4_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"];
/** Unique-local, link-local and loopback IPv6 ranges. */
export const PRIVATE_IPV6_RANGES = ["fc00::/7", "fe80::/10", "::1/128"];

const NAMESPACE_NAME_LABEL = "kubernetes.io/metadata.name";

/** The mesh control plane a sidecar must reach (certificates, discovery), by mesh. */
export function meshControlPlaneEgress(mesh: "none" | "istio" | "linkerd"): { namespace: string; ports: number[] } | undefined {
    if (mesh === "istio") return { namespace: "istio-system", ports: [15012] }; // istiod xDS + CA
    if (mesh === "linkerd") return { namespace: "linkerd", ports: [8080, 8086, 8090] }; // identity, destination, policy
    return undefined;
}

export interface RelayerNetworkPolicyArgs {
    /** Labels selecting the relayer pods. */
    podSelector: Record<string, string>;
    /** Namespaces of the KAgent pods allowed in. */
    kagentNamespaces: readonly string[];
    /** Labels of the KAgent pods allowed in (ANDed with the namespaces). */
    kagentPodSelector: Record<string, string>;
    /** Namespace of Prometheus; undefined when monitoring is off. */
    monitoringNamespace?: string;
    /** Kubernetes API endpoints. */
    apiServerCidrs: readonly string[];
    apiServerPorts: readonly number[];
    /** Additional destinations. */
    extraEgress: readonly { cidr: string; port: number; protocol: "TCP" | "UDP" }[];
    /** The in-cluster KAgent controller for agents.invoke; undefined to not allow it. */
    kagentController?: { namespace: string; port: number };
    /** The service mesh control plane the sidecar needs; undefined without a mesh. */
    meshControlPlane?: { namespace: string; ports: readonly number[] };
}

type Port = { protocol: "TCP" | "UDP"; port: number };
const tcp = (port: number): Port => ({ protocol: "TCP", port });
type Peer = { namespaceSelector?: object; podSelector?: object; ipBlock?: { cidr: string; except?: string[] } };

/**
 * DNS to kube-dns: pods labelled k8s-app=kube-dns IN kube-system (one peer, both selectors), UDP and TCP 53.
 * Every pod this program runs (the relayer, the cloudflared connector) resolves names through this one rule.
 */
export function kubeDnsEgressRule(): { to: Peer[]; ports: Port[] } {
    return {
        to: [
            {
                namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: "kube-system" } },
                podSelector: { matchLabels: { "k8s-app": "kube-dns" } },
            },
        ],
        ports: [
            { protocol: "UDP", port: 53 },
            { protocol: "TCP", port: 53 },
        ],
    };
}

/** The NetworkPolicy spec of the relayer pods. */
export function relayerNetworkPolicySpec(a: RelayerNetworkPolicyArgs) {
    const ingress: { from: object[]; ports: Port[] }[] = [
        {
            from: [
                {
                    namespaceSelector: { matchExpressions: [{ key: NAMESPACE_NAME_LABEL, operator: "In", values: [...new Set(a.kagentNamespaces)].sort() }] },
                    podSelector: { matchLabels: { ...a.kagentPodSelector } },
                },
            ],
            ports: [tcp(RELAYER_PORTS.otlpGrpc), tcp(RELAYER_PORTS.otlpHttp), tcp(RELAYER_PORTS.llmGateway)],
        },
    ];
    if (a.monitoringNamespace !== undefined) {
        ingress.push({
            from: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: a.monitoringNamespace } } }],
            ports: [tcp(RELAYER_PORTS.metrics)],
        });
    }

    const egress: { to: object[]; ports: Port[] }[] = [
        kubeDnsEgressRule(),
        {
            to: a.apiServerCidrs.map((cidr) => ({ ipBlock: { cidr } })),
            ports: [...new Set(a.apiServerPorts)].map(tcp),
        },
        {
            // Backend (Cloudflare edge) and LLM providers: public HTTPS only, never internal addresses.
            to: [
                { ipBlock: { cidr: "0.0.0.0/0", except: [...PRIVATE_IPV4_RANGES] } },
                { ipBlock: { cidr: "::/0", except: [...PRIVATE_IPV6_RANGES] } },
            ],
            ports: [tcp(443)],
        },
        ...a.extraEgress.map((e) => ({ to: [{ ipBlock: { cidr: e.cidr } }], ports: [{ protocol: e.protocol, port: e.port }] })),
    ];
    if (a.kagentController !== undefined) {
        egress.push({
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: a.kagentController.namespace } } }],
            ports: [tcp(a.kagentController.port)],
        });
    }

    if (a.meshControlPlane !== undefined) {
        egress.push({
            to: [{ namespaceSelector: { matchLabels: { [NAMESPACE_NAME_LABEL]: a.meshControlPlane.namespace } } }],
            ports: a.meshControlPlane.ports.map(tcp),
        });
    }

    return {
        podSelector: { matchLabels: { ...a.podSelector } },
        policyTypes: ["Ingress", "Egress"],
        ingress,
        egress,
    };
}
