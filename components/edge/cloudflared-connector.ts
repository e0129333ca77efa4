// `consonant:edge:CloudflaredConnector`: the tunnel's connector inside the cluster, hardened like the relayer.
// Only wires resources; every spec comes from connector-manifests.ts.
import * as pulumi from "@pulumi/pulumi";
import * as k8s from "@pulumi/kubernetes";
import {
    connectorDeploymentSpec,
    connectorLabels,
    connectorNamespaceLabels,
    connectorNetworkPolicySpec,
    connectorPdbSpec,
} from "./connector-manifests";
import type { ConnectorPlan } from "./settings";

export interface CloudflaredConnectorArgs extends ConnectorPlan {
    /** Explicit Kubernetes provider (no ambient kubeconfig). */
    provider: k8s.Provider;
}

export class CloudflaredConnector extends pulumi.ComponentResource {
    /** The connector's namespace, resolved once the Namespace exists (order the token Secret after it). */
    public readonly namespace: pulumi.Output<string>;
    public readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: CloudflaredConnectorArgs, opts?: pulumi.ComponentResourceOptions) {
        super("consonant:edge:CloudflaredConnector", name, {}, opts);
        if (args.replicas < 2) {
            // Settings enforce this too; the component refuses on its own so no other caller can weaken it.
            throw new Error(`cloudflared connector '${name}': replicas must be at least 2, got ${args.replicas}`);
        }
        const childOpts = { parent: this, provider: args.provider };
        const labels = connectorLabels(name);

        const namespace = new k8s.core.v1.Namespace(
            `${name}-namespace`,
            { metadata: { name: args.namespace, labels: connectorNamespaceLabels(args.podSecurityVersion) } },
            childOpts,
        );
        this.namespace = namespace.metadata.name;
        const metadata = { namespace: this.namespace, labels };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-sa`,
            { metadata, automountServiceAccountToken: false },
            childOpts,
        );

        new k8s.networking.v1.NetworkPolicy(
            `${name}-netpol`,
            {
                metadata,
                spec: connectorNetworkPolicySpec({
                    instance: name,
                    egressCidrs: args.egressCidrs,
                    originPorts: args.originPorts,
                    originDestination: args.originDestination,
                    monitoringNamespace: args.monitoringNamespace,
                }),
            },
            childOpts,
        );

        new k8s.policy.v1.PodDisruptionBudget(`${name}-pdb`, { metadata, spec: connectorPdbSpec(name) }, childOpts);

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata,
                spec: connectorDeploymentSpec({
                    instance: name,
                    replicas: args.replicas,
                    image: args.image,
                    serviceAccountName: serviceAccount.metadata.name,
                }),
            },
            childOpts,
        );
        this.deploymentName = deployment.metadata.name;

        this.registerOutputs({ namespace: this.namespace, deploymentName: this.deploymentName });
    }
}
