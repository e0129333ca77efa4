// The namespace a Kubernetes resource lands in: its own metadata.namespace, else the default namespace
// of the provider that manages it, else "default" — what the Kubernetes provider itself does.
import { asRecord } from "./k8s-workloads";

export function namespaceOf(props: Record<string, unknown>, provider?: { props: Record<string, unknown> }): string {
    const own = asRecord(props["metadata"])["namespace"];
    if (typeof own === "string" && own !== "") return own;
    const fromProvider = provider?.props["namespace"];
    if (typeof fromProvider === "string" && fromProvider !== "") return fromProvider;
    return "default";
}
