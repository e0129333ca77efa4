// consonant:workload:RelayerWorkload — the hardened Kubernetes workload of the relayer. This component only
// wires resources; every spec it uses comes from a pure builder in this folder.
import * as dockerBuild from "@pulumi/docker-build";
import * as k8s from "@pulumi/kubernetes";
import * as pulumi from "@pulumi/pulumi";
import { configChecksum, RELAYER_PORTS, relayerContainer, relayerEnv, relayerResources, relayerVolumes, terminationGracePeriodSeconds } from "./container";
import { relayerLabels, relayerSelectorLabels } from "./labels";
import { relayerPrometheusRuleSpec, relayerServiceMonitorSpec } from "./monitoring";
import { meshControlPlaneEgress, relayerNetworkPolicySpec } from "./network-policy";
import { nodeReaderRules, relayerRbacRules } from "./rbac";
import { relayerAntiAffinity, relayerTopologySpread } from "./scheduling";
import { RelayerNamespace } from "./relayer-namespace";
import { restrictedPodSecurityContext } from "./security";
import { RelayerWorkloadSettings } from "./settings";

/** Fixed names: the backend, the secret store (Vault/IRSA bindings) and KAgent pods bind to them. */
export const RELAYER_SERVICE_ACCOUNT = "consonant-relayer";
export const RELAYER_SERVICE = "consonant-relayer";

export interface RelayerWorkloadArgs {
    /** Plain settings derived from the stack config (`workloadSettingsFromConfig`). */
    settings: RelayerWorkloadSettings;
    /** The relayer's namespace (created first, so the secret store can deliver Secrets into it). */
    namespace: RelayerNamespace;
    /** Explicit providers: never an ambient kubeconfig or Docker context. */
    providers: {
        kubernetes: k8s.Provider;
        /** Required when `settings.image` is a build. */
        dockerBuild?: dockerBuild.Provider;
    };
    /** `wss://` URL of the backend (direct, or the Cloudflare hostname from the edge component). */
    backendUrl: pulumi.Input<string>;
    /** Kubernetes Secrets (in the relayer namespace) whose keys become files under /var/run/secrets/consonant. */
    secretNames: pulumi.Input<pulumi.Input<string>[]>;
    /** Changes whenever a secret value is rotated; hashed into the pod template so pods roll. */
    secretsVersion: pulumi.Input<string>;
    /** Password/token for pushing a built image (a secret); with `settings.image.build.registryUsername`. */
    imageRegistryPassword?: pulumi.Input<string>;
    /** Resources the namespace must wait for (e.g. Secrets written by the secret store). */
    dependsOn?: pulumi.Input<pulumi.Resource>[];
}

export class RelayerWorkload extends pulumi.ComponentResource {
    /** Name of the relayer's namespace. */
    readonly namespace: pulumi.Output<string>;
    readonly serviceAccountName: pulumi.Output<string>;
    readonly serviceName: pulumi.Output<string>;
    /** `<service>.<namespace>.svc.cluster.local`. */
    readonly serviceDnsName: pulumi.Output<string>;
    readonly ports: typeof RELAYER_PORTS;
    /** The image the pods run (`repo@sha256:…` when pinned or built). */
    readonly imageRef: pulumi.Output<string>;
    readonly deploymentName: pulumi.Output<string>;

    constructor(name: string, args: RelayerWorkloadArgs, opts?: pulumi.ComponentResourceOptions) {
        super("consonant:workload:RelayerWorkload", name, {}, opts);
        const s = args.settings;
        const k8sOpts = { parent: this, provider: args.providers.kubernetes };
        const labels = relayerLabels(name);
        const selector = relayerSelectorLabels(name);

        const namespaceResource = args.namespace.resource;
        const namespace = args.namespace.name;
        const inNs = { ...k8sOpts, dependsOn: [namespaceResource] };

        const serviceAccount = new k8s.core.v1.ServiceAccount(
            `${name}-serviceaccount`,
            { metadata: { name: RELAYER_SERVICE_ACCOUNT, namespace, labels }, automountServiceAccountToken: false },
            inNs,
        );

        // One Role + RoleBinding per namespace the relayer reads (its own and each KAgent namespace).
        for (const entry of relayerRbacRules({ namespace: s.namespace, kagentNamespaces: s.kagent.namespaces })) {
            const suffix = entry.namespace === s.namespace ? "" : `-${entry.namespace}`;
            const role = new k8s.rbac.v1.Role(`${name}-role${suffix}`, { metadata: { namespace: entry.namespace, labels }, rules: entry.rules }, inNs);
            new k8s.rbac.v1.RoleBinding(
                `${name}-rolebinding${suffix}`,
                {
                    metadata: { namespace: entry.namespace, labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: role.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
                },
                inNs,
            );
        }
        if (s.nodeReader) {
            const clusterRole = new k8s.rbac.v1.ClusterRole(`${name}-node-reader`, { metadata: { labels }, rules: nodeReaderRules() }, k8sOpts);
            new k8s.rbac.v1.ClusterRoleBinding(
                `${name}-node-reader`,
                {
                    metadata: { labels },
                    roleRef: { apiGroup: "rbac.authorization.k8s.io", kind: "ClusterRole", name: clusterRole.metadata.name },
                    subjects: [{ kind: "ServiceAccount", name: serviceAccount.metadata.name, namespace }],
                },
                k8sOpts,
            );
        }

        this.imageRef = this.image(name, args);

        const env = pulumi.output(args.backendUrl).apply((backendUrl) => relayerEnv({ ...s.env, backendUrl, kagentNamespaces: s.kagent.namespaces }));
        const secretNames = pulumi.output(args.secretNames);
        const checksum = pulumi
            .all([env, secretNames, args.secretsVersion])
            .apply(([e, names, secretsVersion]) => configChecksum({ env: e, secretNames: names, secretsVersion }));
        const meshAnnotations: Record<string, string> =
            s.serviceMesh === "istio" ? { "sidecar.istio.io/inject": "true" } : s.serviceMesh === "linkerd" ? { "linkerd.io/inject": "enabled" } : {};

        const deployment = new k8s.apps.v1.Deployment(
            `${name}-deployment`,
            {
                metadata: { namespace, labels },
                spec: {
                    // With an autoscaler the HPA owns the count; setting it here would reset it on every update.
                    replicas: s.autoscaling ? undefined : s.replicas,
                    revisionHistoryLimit: 5,
                    selector: { matchLabels: selector },
                    // Never drop below the configured capacity during a rollout.
                    strategy: { type: "RollingUpdate", rollingUpdate: { maxUnavailable: 0, maxSurge: 1 } },
                    template: {
                        metadata: {
                            labels,
                            annotations: { "consonant.dev/config-checksum": checksum, "kubectl.kubernetes.io/default-container": "relayer", ...meshAnnotations },
                        },
                        spec: {
                            serviceAccountName: serviceAccount.metadata.name,
                            // The relayer reads Events, Pods and Agents through the API: it needs its token.
                            automountServiceAccountToken: true,
                            enableServiceLinks: false,
                            securityContext: restrictedPodSecurityContext(),
                            terminationGracePeriodSeconds: terminationGracePeriodSeconds(s.env.drainSeconds),
                            containers: [
                                pulumi
                                    .all([this.imageRef, env])
                                    .apply(([image, e]) => relayerContainer({ image, imagePullPolicy: s.imagePullPolicy, env: e, resources: relayerResources(s.resources) })),
                            ],
                            volumes: secretNames.apply((names) => relayerVolumes(names)),
                            topologySpreadConstraints: relayerTopologySpread(selector),
                            affinity: relayerAntiAffinity(selector),
                        },
                    },
                },
            },
            { ...inNs, dependsOn: [namespaceResource, ...(args.dependsOn ?? [])] },
        );

        const service = new k8s.core.v1.Service(
            `${name}-service`,
            {
                metadata: { name: RELAYER_SERVICE, namespace, labels },
                spec: {
                    type: "ClusterIP",
                    selector,
                    ports: [
                        { name: "otlp-grpc", port: RELAYER_PORTS.otlpGrpc, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
                        { name: "otlp-http", port: RELAYER_PORTS.otlpHttp, targetPort: "otlp-http", protocol: "TCP", appProtocol: "http" },
                        { name: "llm-gateway", port: RELAYER_PORTS.llmGateway, targetPort: "llm-gateway", protocol: "TCP", appProtocol: "http" },
                        { name: "metrics", port: RELAYER_PORTS.metrics, targetPort: "metrics", protocol: "TCP", appProtocol: "http" },
                    ],
                },
            },
            inNs,
        );

        if (s.replicas > 1) {
            new k8s.policy.v1.PodDisruptionBudget(
                `${name}-pdb`,
                {
                    metadata: { namespace, labels },
                    // A crash-looping pod must not block node drains.
                    spec: { maxUnavailable: 1, selector: { matchLabels: selector }, unhealthyPodEvictionPolicy: "AlwaysAllow" },
                },
                inNs,
            );
        }
        if (s.autoscaling) {
            new k8s.autoscaling.v2.HorizontalPodAutoscaler(
                `${name}-hpa`,
                {
                    metadata: { namespace, labels },
                    spec: {
                        scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: deployment.metadata.name },
                        minReplicas: s.replicas,
                        maxReplicas: s.autoscaling.maxReplicas,
                        metrics: [{ type: "Resource", resource: { name: "cpu", target: { type: "Utilization", averageUtilization: s.autoscaling.cpuPercent } } }],
                        // Scale down slowly: each replica holds a backend session and a spool.
                        behavior: { scaleDown: { stabilizationWindowSeconds: 300, policies: [{ type: "Pods", value: 1, periodSeconds: 120 }] } },
                    },
                },
                inNs,
            );
        }

        if (s.networkPolicy) {
            new k8s.networking.v1.NetworkPolicy(
                `${name}-networkpolicy`,
                {
                    metadata: { namespace, labels },
                    spec: relayerNetworkPolicySpec({
                        podSelector: selector,
                        kagentNamespaces: s.kagent.namespaces,
                        kagentPodSelector: s.kagent.podSelector,
                        monitoringNamespace: s.monitoring?.namespace,
                        apiServerCidrs: s.networkPolicy.apiServerCidrs,
                        apiServerPorts: s.networkPolicy.apiServerPorts,
                        extraEgress: s.networkPolicy.extraEgress,
                        kagentController: s.kagent.controller,
                        meshControlPlane: meshControlPlaneEgress(s.serviceMesh),
                    }),
                },
                inNs,
            );
        }

        if (s.monitoring) {
            const monitoringLabels = { ...labels, ...s.monitoring.labels };
            new k8s.apiextensions.CustomResource(
                `${name}-servicemonitor`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "ServiceMonitor",
                    metadata: { namespace, labels: monitoringLabels },
                    spec: relayerServiceMonitorSpec({ namespace: s.namespace, selector }),
                },
                { ...inNs, dependsOn: [namespaceResource, service] },
            );
            new k8s.apiextensions.CustomResource(
                `${name}-prometheusrule`,
                {
                    apiVersion: "monitoring.coreos.com/v1",
                    kind: "PrometheusRule",
                    metadata: { namespace, labels: monitoringLabels },
                    spec: relayerPrometheusRuleSpec({ namespace: s.namespace, service: RELAYER_SERVICE }),
                },
                inNs,
            );
        }

        if (s.serviceMesh === "istio") {
            new k8s.apiextensions.CustomResource(
                `${name}-peerauthentication`,
                {
                    apiVersion: "security.istio.io/v1beta1",
                    kind: "PeerAuthentication",
                    metadata: { namespace, labels },
                    spec: {
                        selector: { matchLabels: selector },
                        mtls: { mode: "STRICT" },
                        // Prometheus usually runs outside the mesh: let it scrape the metrics port in plain text.
                        ...(s.monitoring ? { portLevelMtls: { [String(RELAYER_PORTS.metrics)]: { mode: "PERMISSIVE" } } } : {}),
                    },
                },
                inNs,
            );
        }

        this.namespace = namespace;
        this.serviceAccountName = serviceAccount.metadata.name;
        this.serviceName = service.metadata.name;
        this.serviceDnsName = pulumi.interpolate`${service.metadata.name}.${namespace}.svc.cluster.local`;
        this.ports = RELAYER_PORTS;
        this.deploymentName = deployment.metadata.name;
        this.registerOutputs({
            namespace: this.namespace,
            serviceAccountName: this.serviceAccountName,
            serviceName: this.serviceName,
            serviceDnsName: this.serviceDnsName,
            imageRef: this.imageRef,
            deploymentName: this.deploymentName,
        });
    }

    /** The image reference: the configured one, or the digest of the image built from relayer-app/Dockerfile and pushed. */
    private image(name: string, args: RelayerWorkloadArgs): pulumi.Output<string> {
        const source = args.settings.image;
        if ("ref" in source) return pulumi.output(source.ref);
        if (!args.providers.dockerBuild) {
            throw new Error(`RelayerWorkload ${name}: building the image needs providers.dockerBuild; fix: pass a docker-build Provider from index.ts`);
        }
        const { build } = source;
        const registryHost = build.repository.split("/")[0];
        const image = new dockerBuild.Image(
            `${name}-image`,
            {
                context: { location: build.context },
                dockerfile: { location: build.dockerfile },
                platforms: ["linux/amd64"],
                push: true,
                tags: [`${build.repository}:${build.tag}`],
                registries:
                    build.registryUsername !== undefined && args.imageRegistryPassword !== undefined
                        ? [{ address: registryHost, username: build.registryUsername, password: args.imageRegistryPassword }]
                        : undefined,
            },
            { parent: this, provider: args.providers.dockerBuild },
        );
        // Run exactly the pushed bytes: repository pinned by digest, never the mutable tag.
        return pulumi.interpolate`${build.repository}@${image.digest}`;
    }
}
