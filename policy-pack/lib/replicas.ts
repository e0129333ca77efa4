// How many pods a replicated workload runs at least. A HorizontalPodAutoscaler that targets the workload
// owns the replica count (spec.replicas is then left unset on purpose), so its minReplicas wins. The
// HPA names its target by the workload's Kubernetes name, which for an auto-named object is only known
// as an output; the HPA then depends on the workload's URN, which identifies it just as well.
import type { PolicyResource } from "@pulumi/policy";
import { HPA_TYPES } from "./k8s-types";
import { asRecord, WorkloadView } from "./k8s-workloads";
import { namespaceOf } from "./namespaces";
import { checkEach } from "./unknowns";


interface Autoscaler {
    name: string;
    kind: string;
    minReplicas: number;
}

export interface AutoscalerIndex {
    /** "<namespace>/<kind>/<name>" → autoscaler */
    byTargetName: Map<string, Autoscaler>;
    /** URN of a resource an autoscaler depends on → autoscalers */
    byDependency: Map<string, Autoscaler[]>;
}

export function indexAutoscalers(resources: readonly PolicyResource[]): AutoscalerIndex {
    const index: AutoscalerIndex = { byTargetName: new Map(), byDependency: new Map() };
    checkEach(resources, (resource) => {
        if (!HPA_TYPES.includes(resource.type)) return;
        const spec = asRecord(resource.props["spec"]);
        const target = asRecord(spec["scaleTargetRef"]);
        const minReplicas = typeof spec["minReplicas"] === "number" ? spec["minReplicas"] : 1;
        const autoscaler: Autoscaler = { name: resource.name, kind: String(target["kind"] ?? ""), minReplicas };
        index.byTargetName.set(`${namespaceOf(resource.props, resource.provider)}/${autoscaler.kind}/${String(target["name"] ?? "")}`, autoscaler);
        for (const dependency of resource.dependencies) {
            const list = index.byDependency.get(dependency.urn);
            if (list) list.push(autoscaler);
            else index.byDependency.set(dependency.urn, [autoscaler]);
        }
    });
    return index;
}

export interface ReplicaCount {
    replicas: number;
    /** Where the number comes from, for messages. */
    source: string;
}

/** The fewest replicas the workload runs; undefined for kinds without replicas (DaemonSet, Job, Pod). */
export function minimumReplicas(resource: PolicyResource, workload: WorkloadView, autoscalers: AutoscalerIndex): ReplicaCount | undefined {
    if (!workload.replicated) return undefined;
    const name = workload.metadata["name"];
    const namespace = namespaceOf(resource.props, resource.provider);
    const autoscaler =
        (typeof name === "string" ? autoscalers.byTargetName.get(`${namespace}/${workload.kind}/${name}`) : undefined) ??
        autoscalers.byDependency.get(resource.urn)?.find((candidate) => candidate.kind === workload.kind);
    if (autoscaler) return { replicas: autoscaler.minReplicas, source: `HorizontalPodAutoscaler '${autoscaler.name}' minReplicas` };
    const replicas = asRecord(resource.props["spec"])["replicas"];
    return typeof replicas === "number" ? { replicas, source: "spec.replicas" } : { replicas: 1, source: "spec.replicas (unset, defaults to 1)" };
}
