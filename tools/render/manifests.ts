// The Kubernetes manifests of an evaluated stack: one YAML document per object, in the order `kubectl apply`
// needs (namespaces and identities before what uses them), each validated against its Kubernetes schema.
import { stringify } from "yaml";
import { KubernetesObject, manifestFromRegistration, validateKubernetesObjects } from "../lib/k8s-schema";
import { sortKeysDeep } from "./canonical-json";
import { NoticeFacts, yamlNotice } from "./offline-notice";
import { RenderResource, SECRET_MASK } from "./render-model";

/**
 * Kinds in apply order: what others reference comes first (the order Helm installs in, for the same reason).
 * Kinds not listed (custom resources) follow, sorted by kind.
 */
const applyOrder: readonly string[] = [
    "Namespace",
    "NetworkPolicy",
    "ResourceQuota",
    "LimitRange",
    "PodSecurityPolicy",
    "PodDisruptionBudget",
    "ServiceAccount",
    "Secret",
    "ConfigMap",
    "StorageClass",
    "PersistentVolume",
    "PersistentVolumeClaim",
    "CustomResourceDefinition",
    "ClusterRole",
    "ClusterRoleBinding",
    "Role",
    "RoleBinding",
    "Service",
    "DaemonSet",
    "Pod",
    "ReplicaSet",
    "Deployment",
    "HorizontalPodAutoscaler",
    "StatefulSet",
    "Job",
    "CronJob",
    "Ingress",
    "APIService",
];

/** A manifest with the Pulumi resource it came from (for messages and the document comment). */
export interface RenderedManifest {
    urn: string;
    object: KubernetesObject;
}

function orderKey(m: RenderedManifest): [number, string, string, string, string] {
    const rank = applyOrder.indexOf(m.object.kind);
    return [
        rank < 0 ? applyOrder.length : rank,
        m.object.kind,
        m.object.metadata?.namespace ?? "",
        m.object.metadata?.name ?? "",
        m.urn,
    ];
}

/** Stable apply order: kind rank, kind, namespace, name, then URN as the final tie-breaker. */
export function compareManifests(a: RenderedManifest, b: RenderedManifest): number {
    const ka = orderKey(a);
    const kb = orderKey(b);
    for (let i = 0; i < ka.length; i++) {
        if (ka[i] < kb[i]) return -1;
        if (ka[i] > kb[i]) return 1;
    }
    return 0;
}

/**
 * A Secret's `data` values are base64 by schema; a masked value is written as the base64 of the mask text, so
 * the manifest stays valid for `kubectl apply --dry-run` and still decodes to the mask, never to a secret.
 */
function base64MaskedSecretData(object: KubernetesObject): KubernetesObject {
    if (object.kind !== "Secret" || object.apiVersion !== "v1" || typeof object.data !== "object" || object.data === null) {
        return object;
    }
    const encodedMask = Buffer.from(SECRET_MASK, "utf8").toString("base64");
    const data = Object.fromEntries(
        Object.entries(object.data as Record<string, unknown>).map(([k, v]) => [k, v === SECRET_MASK ? encodedMask : v]),
    );
    return { ...object, data };
}

/** The Kubernetes objects among the resources, in apply order (providers, components and patches excluded). */
export function kubernetesManifests(resources: readonly RenderResource[]): RenderedManifest[] {
    const manifests: RenderedManifest[] = [];
    for (const resource of resources) {
        // Inputs are masked already; "unwrap" only removes envelopes, of which none are left.
        const object = manifestFromRegistration(resource, { secrets: "unwrap" });
        if (object) manifests.push({ urn: resource.urn, object: base64MaskedSecretData(object) });
    }
    return manifests.sort(compareManifests);
}

/**
 * The manifests phase: the stack's Kubernetes objects in apply order, and one problem per object that does not
 * match its Kubernetes (or CRD) schema. Any problem fails the render.
 */
export async function validatedManifests(resources: readonly RenderResource[]): Promise<{ manifests: RenderedManifest[]; problems: string[] }> {
    const manifests = kubernetesManifests(resources);
    return { manifests, problems: await validateKubernetesObjects(manifests.map((m) => m.object)) };
}

/** The multi-document YAML file: the offline notice, then one document per object with its source URN. */
export function manifestsYaml(facts: NoticeFacts, manifests: readonly RenderedManifest[]): string {
    const documents = manifests.map((m) => {
        const body = stringify(sortKeysDeep(m.object), { lineWidth: 0 });
        return `---\n# Pulumi resource: ${m.urn}\n${body}`;
    });
    return `${yamlNotice(facts)}${documents.join("")}`;
}
