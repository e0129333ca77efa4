// Builders for test resources shaped exactly like the Pulumi mocks record them (SDK input names).
// A compliant baseline per kind; each test mutates one field to make it non-compliant.
import type { OfflineResource } from "../lib/offline-runner";

export const DIGEST = `sha256:${"ab12".repeat(16)}`;
export const IMAGE = `ghcr.io/consonant/relayer:1.4.2@${DIGEST}`;
export const NAMESPACE = "consonant-system";
export const POD_LABELS = { "app.kubernetes.io/name": "relayer", "app.kubernetes.io/instance": "relayer" };

/** Free-form Kubernetes/cloud JSON that each test reshapes field by field. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- fixtures are arbitrary JSON mutated per test
export type Json = Record<string, any>;

export function urnOf(type: string, name: string): string {
    return `urn:pulumi:test::consonant::${type}::${name}`;
}

export function resource(type: string, name: string, props: Json, extra: Partial<OfflineResource> = {}): OfflineResource {
    return { type, name, urn: urnOf(type, name), props, ...extra };
}

export function hardenedContainer(name = "relayer"): Json {
    return {
        name,
        image: IMAGE,
        securityContext: { allowPrivilegeEscalation: false, capabilities: { drop: ["ALL"] }, readOnlyRootFilesystem: true, privileged: false },
        resources: { requests: { cpu: "100m", memory: "128Mi" }, limits: { memory: "256Mi" } },
        livenessProbe: { httpGet: { path: "/healthz", port: 8080 } },
        readinessProbe: { httpGet: { path: "/readyz", port: 8080 } },
        volumeMounts: [{ name: "tmp", mountPath: "/tmp" }],
    };
}

export function hardenedPodSpec(): Json {
    return {
        serviceAccountName: "relayer",
        securityContext: { runAsNonRoot: true, runAsUser: 65534, runAsGroup: 65534, fsGroup: 65534, seccompProfile: { type: "RuntimeDefault" } },
        containers: [hardenedContainer()],
        initContainers: [{ ...hardenedContainer("init-spool"), livenessProbe: undefined, readinessProbe: undefined }],
        volumes: [
            { name: "tmp", emptyDir: { sizeLimit: "100Mi" } },
            { name: "secrets", secret: { secretName: "relayer-secrets" } },
        ],
    };
}

export const WORKLOAD_TYPES = {
    Pod: "kubernetes:core/v1:Pod",
    Deployment: "kubernetes:apps/v1:Deployment",
    StatefulSet: "kubernetes:apps/v1:StatefulSet",
    DaemonSet: "kubernetes:apps/v1:DaemonSet",
    ReplicaSet: "kubernetes:apps/v1:ReplicaSet",
    Job: "kubernetes:batch/v1:Job",
    CronJob: "kubernetes:batch/v1:CronJob",
} as const;

export type WorkloadKindName = keyof typeof WORKLOAD_TYPES;

/** A workload of any kind around `podSpec` (default: hardened), in the test namespace. */
export function workload(kind: WorkloadKindName, podSpec: Json = hardenedPodSpec(), options: { name?: string; replicas?: number; namespace?: string; labels?: Json; annotations?: Json } = {}): OfflineResource {
    const name = options.name ?? `relayer-${kind.toLowerCase()}`;
    const labels = options.labels ?? POD_LABELS;
    const metadata = { name, namespace: options.namespace ?? NAMESPACE, labels, ...(options.annotations ? { annotations: options.annotations } : {}) };
    const template = { metadata: { labels }, spec: podSpec };
    const replicated = kind === "Deployment" || kind === "StatefulSet" || kind === "ReplicaSet";
    let props: Json;
    switch (kind) {
        case "Pod":
            props = { metadata, spec: podSpec };
            break;
        case "CronJob":
            props = { metadata, spec: { schedule: "0 * * * *", jobTemplate: { spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "OnFailure" } } } } } };
            break;
        case "Job":
            props = { metadata, spec: { template: { ...template, spec: { ...podSpec, restartPolicy: "OnFailure" } } } };
            break;
        default:
            props = { metadata, spec: { selector: { matchLabels: labels }, template, ...(replicated ? { replicas: options.replicas ?? 3 } : {}) } };
    }
    return resource(WORKLOAD_TYPES[kind], name, props);
}

export function namespaceResource(labels: Json = { "pod-security.kubernetes.io/enforce": "restricted" }): OfflineResource {
    return resource("kubernetes:core/v1:Namespace", "ns", { metadata: { name: NAMESPACE, labels } });
}

export function networkPolicy(name: string, spec: Json, namespace = NAMESPACE): OfflineResource {
    return resource("kubernetes:networking.k8s.io/v1:NetworkPolicy", name, { metadata: { namespace }, spec });
}

export function defaultDenyPolicy(namespace = NAMESPACE): OfflineResource {
    return networkPolicy(`deny-${namespace}`, { podSelector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, policyTypes: ["Ingress", "Egress"] }, namespace);
}

export function pdb(name: string, spec: Json, namespace = NAMESPACE): OfflineResource {
    return resource("kubernetes:policy/v1:PodDisruptionBudget", name, { metadata: { namespace }, spec });
}

/** A compliant namespace with one hardened workload of every kind, NetworkPolicy and PDB. */
export function compliantStack(): OfflineResource[] {
    const kinds = Object.keys(WORKLOAD_TYPES) as WorkloadKindName[];
    return [
        namespaceResource(),
        ...kinds.map((kind) => workload(kind)),
        defaultDenyPolicy(),
        pdb("relayer-pdb", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, maxUnavailable: 1 }),
    ];
}
