// The namespace a Kubernetes resource lands in: its own metadata.namespace, else the default namespace
// of the provider that manages it, else "default" — what the Kubernetes provider itself does.
import type { PolicyResource } from "@pulumi/policy";
import { asRecord } from "./k8s-workloads";
import { LabelSelector, SelectorIndex } from "./label-selector";
import { checkEach } from "./unknowns";

export function namespaceOf(props: Record<string, unknown>, provider?: { props: Record<string, unknown> }): string {
    const own = asRecord(props["metadata"])["namespace"];
    if (typeof own === "string" && own !== "") return own;
    const fromProvider = provider?.props["namespace"];
    if (typeof fromProvider === "string" && fromProvider !== "") return fromProvider;
    return "default";
}

/**
 * Every resource of the given types (NetworkPolicies, PodDisruptionBudgets) filed under its namespace in a
 * SelectorIndex, because their selectors only ever select pods of their own namespace. Stack policies
 * build this once and then look each workload up, which keeps them linear in the number of resources.
 * A resource whose namespace or selector is unknown during preview is left out and the policy undecided.
 */
export function indexSelectorsByNamespace<T>(
    resources: readonly PolicyResource[],
    types: readonly string[],
    itemOf: (resource: PolicyResource) => T,
    selectorOf: (item: T) => LabelSelector | null | undefined,
): Map<string, SelectorIndex<T>> {
    const byNamespace = new Map<string, SelectorIndex<T>>();
    checkEach(resources, (resource) => {
        if (!types.includes(resource.type)) return;
        const item = itemOf(resource);
        const namespace = namespaceOf(resource.props, resource.provider);
        let index = byNamespace.get(namespace);
        if (!index) byNamespace.set(namespace, (index = new SelectorIndex<T>(selectorOf)));
        index.add(item);
    });
    return byNamespace;
}
