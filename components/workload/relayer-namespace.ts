// consonant:workload:RelayerNamespace — the relayer's namespace, created or (when it already exists) labelled by a
// server-side patch, always with Pod Security Admission `restricted`. Separate from RelayerWorkload so the secret
// store can put its Secrets into the namespace before the workload that mounts them exists.
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { podSecurityAdmissionLabels } from "./security";

export interface RelayerNamespaceArgs {
    /** Namespace name (fixed: the secret store and KAgent bind to it). */
    name: string;
    /** Create it; false patches the labels onto an existing namespace. */
    create: boolean;
    /** Pinned Pod Security Admission version for the `*-version` labels, e.g. `v1.32`. */
    podSecurityVersion: pulumi.Input<string>;
    /** Explicit Kubernetes provider. */
    provider: k8s.Provider;
}

export class RelayerNamespace extends pulumi.ComponentResource {
    /** The namespace name, resolved once the Namespace (or patch) exists: depend on it to be ordered after it. */
    readonly name: pulumi.Output<string>;
    /** The Namespace or NamespacePatch resource. */
    readonly resource: k8s.core.v1.Namespace | k8s.core.v1.NamespacePatch;

    constructor(name: string, args: RelayerNamespaceArgs, opts?: pulumi.ComponentResourceOptions) {
        super("consonant:workload:RelayerNamespace", name, {}, opts);
        const labels = pulumi.output(args.podSecurityVersion).apply((v) => ({ ...podSecurityAdmissionLabels(v), "app.kubernetes.io/part-of": "consonant" }));
        const metadata = { name: args.name, labels };
        const childOpts = { parent: this, provider: args.provider };
        this.resource = args.create
            ? new k8s.core.v1.Namespace(`${name}-namespace`, { metadata }, childOpts)
            : new k8s.core.v1.NamespacePatch(`${name}-namespace`, { metadata }, childOpts);
        this.name = (this.resource.metadata as pulumi.Output<{ name?: string }>).apply((m) => m.name ?? args.name);
        this.registerOutputs({ name: this.name });
    }
}
