// The real program (index.ts) evaluated under the offline mocks for the committed `dev` and `prod` stacks:
// every field the issue lists, every Kubernetes object valid against its schema, unique URNs, explicit providers,
// no Output misused in a string, no secret in stack outputs.
import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { StackConfigError } from "../components/config-values";
import {
    nodeReaderRules,
    podSecurityAdmissionLabels,
    relayerRbacRules,
    restrictedContainerSecurityContext,
    restrictedPodSecurityContext,
} from "../components/workload";
import { manifestFromRegistration, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import { RecordedResource } from "../tools/lib/mock-runtime";
import { SECRET_PLACEHOLDER_PREFIX } from "../tools/lib/stack-files";
import { CONNECTOR_OVERRIDES, one, plainInputs, ProgramRun, runProgram } from "./helpers/program";

const T = {
    namespace: "kubernetes:core/v1:Namespace",
    namespacePatch: "kubernetes:core/v1:NamespacePatch",
    serviceAccount: "kubernetes:core/v1:ServiceAccount",
    role: "kubernetes:rbac.authorization.k8s.io/v1:Role",
    roleBinding: "kubernetes:rbac.authorization.k8s.io/v1:RoleBinding",
    clusterRole: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRole",
    clusterRoleBinding: "kubernetes:rbac.authorization.k8s.io/v1:ClusterRoleBinding",
    deployment: "kubernetes:apps/v1:Deployment",
    service: "kubernetes:core/v1:Service",
    pdb: "kubernetes:policy/v1:PodDisruptionBudget",
    hpa: "kubernetes:autoscaling/v2:HorizontalPodAutoscaler",
    networkPolicy: "kubernetes:networking.k8s.io/v1:NetworkPolicy",
    serviceMonitor: "kubernetes:monitoring.coreos.com/v1:ServiceMonitor",
    prometheusRule: "kubernetes:monitoring.coreos.com/v1:PrometheusRule",
    peerAuthentication: "kubernetes:security.istio.io/v1beta1:PeerAuthentication",
    image: "docker-build:index:Image",
};

// Loose views of the recorded inputs, for assertions.
/* eslint-disable @typescript-eslint/no-explicit-any */
type Obj = Record<string, any>;
const podSpec = (run: ProgramRun): Obj => plainInputs<Obj>(one(run.recorder, T.deployment)).spec.template.spec;
const deploymentSpec = (run: ProgramRun): Obj => plainInputs<Obj>(one(run.recorder, T.deployment)).spec;
/* eslint-enable @typescript-eslint/no-explicit-any */

const OUTPUT_MISUSE = /Calling \[toString\] on an \[Output<T>\]|This function may throw in a future version of @pulumi\/pulumi/;

/** Assertions that hold for every stack and variant. */
function commonChecks(label: string, getRun: () => ProgramRun) {
    describe(`${label}: invariants`, () => {
        it("registers no URN twice", () => assert.deepStrictEqual(getRun().recorder.duplicateUrns(), []));

        it("every Kubernetes object is valid against the Kubernetes API schema (CRDs against their models)", async () => {
            const manifests = getRun()
                .recorder.resources.map((r) => manifestFromRegistration(r, { secrets: "unwrap" }))
                .filter((m) => m !== undefined);
            assert.ok(manifests.length >= 8, `only ${manifests.length} objects`);
            assert.deepStrictEqual(await validateKubernetesObjects(manifests), []);
        });

        it("every resource uses an explicit provider (no default provider exists)", () => {
            const resources = getRun().recorder.resources;
            const providers = resources.filter((r) => r.type.startsWith("pulumi:providers:"));
            const providerUrns = new Set(providers.map((p) => p.urn));
            for (const r of resources.filter((x) => x.custom && !x.type.startsWith("pulumi:providers:"))) {
                assert.ok(r.provider, `${r.type} ${r.name} has no explicit provider`);
                const urn = r.provider.split("::").slice(0, -1).join("::");
                assert.ok(providerUrns.has(urn), `${r.type} ${r.name} uses unknown provider ${urn}`);
                assert.ok(!urn.includes("::default"), `${r.type} ${r.name} uses a default provider`);
            }
            for (const r of resources.filter((x) => x.type.startsWith("kubernetes:"))) {
                assert.ok(r.provider?.includes("pulumi:providers:kubernetes::kubernetes::"), `${r.type} ${r.name}`);
            }
        });

        it("the Kubernetes provider takes kubeconfig, context and a stable cluster identifier from config", () => {
            const provider = plainInputs<Record<string, unknown>>(one(getRun().recorder, "pulumi:providers:kubernetes"));
            const cfg = getRun().files.config;
            assert.strictEqual(provider.kubeconfig, cfg.kubeconfig);
            assert.strictEqual(provider.context, cfg.kubeContext);
            assert.strictEqual(provider.clusterIdentifier, cfg.clusterIdentifier || cfg.clusterName, "an empty clusterIdentifier (its Pulumi.yaml default) means clusterName");
        });

        it("no input or output contains the text of an Output used in a string", () => {
            for (const r of getRun().recorder.resources) {
                assert.doesNotMatch(JSON.stringify(r.inputs), OUTPUT_MISUSE, `${r.type} ${r.name} inputs`);
                assert.doesNotMatch(JSON.stringify(r.outputs), OUTPUT_MISUSE, `${r.type} ${r.name} outputs`);
            }
            assert.doesNotMatch(JSON.stringify(getRun().outputs), OUTPUT_MISUSE);
        });

        it("no stack output is a secret or contains a secret value", () => {
            const run = getRun();
            for (const [key, out] of Object.entries(run.outputs)) {
                assert.strictEqual(out.secret, false, `stack output ${key} is a secret`);
                assert.ok(out.known, `stack output ${key} is unknown`);
                assert.ok(!String(JSON.stringify(out.value)).includes(SECRET_PLACEHOLDER_PREFIX), `stack output ${key} holds a secret config value`);
            }
        });

        it("every container, init containers included, runs with the restricted security context", () => {
            const deployments = getRun().recorder.resources.filter((r) => r.type === T.deployment);
            for (const d of deployments) {
                const spec = plainInputs<Obj>(d).spec.template.spec;
                assert.deepStrictEqual(spec.securityContext, restrictedPodSecurityContext(), d.name);
                for (const c of [...(spec.initContainers ?? []), ...spec.containers]) {
                    assert.deepStrictEqual(
                        { ...restrictedContainerSecurityContext(), ...c.securityContext },
                        c.securityContext,
                        `${d.name}/${c.name} must keep every restricted setting`,
                    );
                    assert.strictEqual(c.securityContext.allowPrivilegeEscalation, false);
                    assert.strictEqual(c.securityContext.privileged, false);
                    assert.strictEqual(c.securityContext.readOnlyRootFilesystem, true);
                    assert.deepStrictEqual(c.securityContext.capabilities.drop, ["ALL"]);
                }
            }
        });

        it("no LoadBalancer or NodePort Service", () => {
            for (const s of getRun().recorder.ofType(T.service)) assert.strictEqual(plainInputs<Obj>(s).spec.type, "ClusterIP", s.name);
        });
    });
}

/** Workload assertions shared by dev and prod. */
function workloadChecks(label: string, getRun: () => ProgramRun, expect: { replicas: number; image: RegExp; kagentNamespaces: string[] }) {
    describe(`${label}: workload`, () => {
        it("namespace labelled Pod Security Admission restricted (enforce, audit, warn) with pinned versions", () => {
            const ns = plainInputs<Obj>(one(getRun().recorder, T.namespace, "relayer-namespace"));
            assert.strictEqual(ns.metadata.name, "consonant-system");
            assert.deepStrictEqual(ns.metadata.labels, { ...podSecurityAdmissionLabels("v1.32"), "app.kubernetes.io/part-of": "consonant" });
        });

        it("ServiceAccount has the fixed name and no automounted token of its own", () => {
            const sa = plainInputs<Obj>(one(getRun().recorder, T.serviceAccount, "relayer-serviceaccount"));
            assert.strictEqual(sa.metadata.name, "consonant-relayer");
            assert.strictEqual(sa.metadata.namespace, "consonant-system");
            assert.strictEqual(sa.automountServiceAccountToken, false);
        });

        it("Roles grant exactly the relayer's needs, bound to its ServiceAccount in each namespace", () => {
            const run = getRun();
            const expected = relayerRbacRules({ namespace: "consonant-system", kagentNamespaces: expect.kagentNamespaces });
            const roles = run.recorder.ofType(T.role).filter((r) => r.name.startsWith("relayer-role"));
            assert.deepStrictEqual(
                roles.map((r) => ({ namespace: plainInputs<Obj>(r).metadata.namespace, rules: plainInputs<Obj>(r).rules })).sort((a, b) => a.namespace.localeCompare(b.namespace)),
                [...expected].sort((a, b) => a.namespace.localeCompare(b.namespace)),
            );
            for (const role of roles) {
                const suffix = role.name.slice("relayer-role".length);
                const binding = plainInputs<Obj>(one(run.recorder, T.roleBinding, `relayer-rolebinding${suffix}`));
                const roleName = (role.outputs as Obj).metadata.name;
                assert.deepStrictEqual(binding.roleRef, { apiGroup: "rbac.authorization.k8s.io", kind: "Role", name: roleName });
                assert.deepStrictEqual(binding.subjects, [{ kind: "ServiceAccount", name: "consonant-relayer", namespace: "consonant-system" }]);
                assert.strictEqual(binding.metadata.namespace, plainInputs<Obj>(role).metadata.namespace);
            }
            assert.deepStrictEqual(run.recorder.ofType(T.clusterRole), [], "the Node reader is off by default");
        });

        it(`Deployment: ${expect.replicas} replicas, digest image, probes, volumes, mounts, grace, spread`, () => {
            const run = getRun();
            const spec = deploymentSpec(run);
            const hpa = run.recorder.ofType(T.hpa);
            if (hpa.length > 0) {
                assert.strictEqual(spec.replicas, undefined, "the HPA owns the replica count");
                assert.strictEqual(plainInputs<Obj>(hpa[0]).spec.minReplicas, expect.replicas);
            } else {
                assert.strictEqual(spec.replicas, expect.replicas);
            }
            const pod = podSpec(run);
            assert.strictEqual(pod.serviceAccountName, "consonant-relayer");
            assert.strictEqual(pod.automountServiceAccountToken, true);
            assert.strictEqual(pod.containers.length, 1);
            const c = pod.containers[0];
            assert.match(c.image, expect.image);
            assert.strictEqual(c.image, run.outputs.imageRef.value);
            assert.deepStrictEqual(c.startupProbe.httpGet, { path: "/healthz", port: 8080, scheme: "HTTP" });
            assert.deepStrictEqual(c.livenessProbe.httpGet, { path: "/healthz", port: 8080, scheme: "HTTP" });
            assert.deepStrictEqual(c.readinessProbe.httpGet, { path: "/readyz", port: 8080, scheme: "HTTP" });
            assert.deepStrictEqual(
                pod.volumes.map((v: Obj) => [v.name, v.emptyDir?.sizeLimit ?? v.projected?.sources.map((s: Obj) => s.secret.name).join(",")]),
                [
                    ["tmp", "100Mi"],
                    ["spool", "500Mi"],
                    ["secrets", [...(run.outputs.secretsKubernetesSecrets?.value as string[] ?? ["consonant-relayer-cluster"])].sort().join(",")],
                ],
            );
            assert.deepStrictEqual(c.volumeMounts, [
                { name: "tmp", mountPath: "/tmp" },
                { name: "spool", mountPath: "/var/cache/relayer" },
                { name: "secrets", mountPath: "/var/run/secrets/consonant", readOnly: true },
            ]);
            assert.ok(c.resources.requests.cpu && c.resources.requests.memory && c.resources.limits.cpu && c.resources.limits.memory);
            const drain = Number(c.env.find((e: Obj) => e.name === "RELAYER_DRAIN_SECONDS").value);
            assert.ok(pod.terminationGracePeriodSeconds > drain);
            assert.deepStrictEqual(c.env.find((e: Obj) => e.name === "RELAYER_NAMESPACE").valueFrom, { fieldRef: { fieldPath: "metadata.namespace" } });
            assert.deepStrictEqual(c.env.find((e: Obj) => e.name === "RELAYER_REPLICA").valueFrom, { fieldRef: { fieldPath: "metadata.name" } });
            assert.deepStrictEqual(
                pod.topologySpreadConstraints.map((t: Obj) => [t.topologyKey, t.maxSkew]),
                [
                    ["topology.kubernetes.io/zone", 1],
                    ["kubernetes.io/hostname", 1],
                ],
            );
            assert.strictEqual(pod.affinity.podAntiAffinity.preferredDuringSchedulingIgnoredDuringExecution[0].podAffinityTerm.topologyKey, "kubernetes.io/hostname");
            assert.match(spec.template.metadata.annotations["consonant.dev/config-checksum"], /^[a-f0-9]{64}$/);
            assert.deepStrictEqual(spec.selector.matchLabels, { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" });
        });

        it("Service: ClusterIP, fixed name, 4317 gRPC, 4318, 8081 and the named metrics port 8080", () => {
            const svc = plainInputs<Obj>(one(getRun().recorder, T.service, "relayer-service"));
            assert.strictEqual(svc.metadata.name, "consonant-relayer");
            assert.strictEqual(svc.spec.type, "ClusterIP");
            assert.deepStrictEqual(svc.spec.ports, [
                { name: "otlp-grpc", port: 4317, targetPort: "otlp-grpc", protocol: "TCP", appProtocol: "grpc" },
                { name: "otlp-http", port: 4318, targetPort: "otlp-http", protocol: "TCP", appProtocol: "http" },
                { name: "llm-gateway", port: 8081, targetPort: "llm-gateway", protocol: "TCP", appProtocol: "http" },
                { name: "metrics", port: 8080, targetPort: "metrics", protocol: "TCP", appProtocol: "http" },
            ]);
        });

        it("stack outputs: namespace, Service DNS name and ports, image reference", () => {
            const o = getRun().outputs;
            assert.strictEqual(o.namespace.value, "consonant-system");
            assert.strictEqual(o.serviceDnsName.value, "consonant-relayer.consonant-system.svc.cluster.local");
            assert.deepStrictEqual(o.ports.value, { otlpGrpc: 4317, otlpHttp: 4318, llmGateway: 8081, metrics: 8080 });
            assert.match(String(o.imageRef.value), expect.image);
        });
    });
}

const PRIVATE_V4 = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"];
const PRIVATE_V6 = ["fc00::/7", "fe80::/10", "::1/128"];

describe("program: dev stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev");
    });

    commonChecks("dev", () => run);
    workloadChecks("dev", () => run, { replicas: 1, image: /^localhost:5001\/consonant\/relayer@sha256:[a-f0-9]{64}$/, kagentNamespaces: ["kagent"] });

    it("builds relayer-app/Dockerfile with docker-build from the repository root (its lockfile), pushes it, and runs it by digest", () => {
        const image = plainInputs<Obj>(one(run.recorder, T.image));
        const repoRoot = path.resolve(__dirname, "..");
        assert.strictEqual(image.context.location, repoRoot, "context = repository root, where the workspaces' package-lock.json is");
        assert.strictEqual(image.dockerfile.location, path.join(repoRoot, "relayer-app", "Dockerfile"));
        assert.ok(fs.existsSync(path.join(repoRoot, "package-lock.json")) && fs.existsSync(image.dockerfile.location));
        // BuildKit reads <Dockerfile>.dockerignore instead of the context's .dockerignore: without it the whole repo is sent.
        assert.ok(fs.existsSync(`${image.dockerfile.location}.dockerignore`), "per-Dockerfile ignore file next to the Dockerfile");
        assert.strictEqual(image.push, true);
        assert.deepStrictEqual(image.tags, ["localhost:5001/consonant/relayer:dev"]);
        const digest = (one(run.recorder, T.image).outputs as Obj).digest;
        assert.strictEqual(run.outputs.imageRef.value, `localhost:5001/consonant/relayer@${digest}`);
    });

    it("one replica: no PodDisruptionBudget, no autoscaler, no monitoring objects", () => {
        for (const t of [T.pdb, T.hpa, T.serviceMonitor, T.prometheusRule, T.peerAuthentication]) assert.deepStrictEqual(run.recorder.ofType(t), [], t);
    });

    it("env follows the contract with dev's values", () => {
        const env = Object.fromEntries(podSpec(run).containers[0].env.filter((e: Obj) => "value" in e).map((e: Obj) => [e.name, e.value]));
        assert.deepStrictEqual(env, {
            RELAYER_BACKEND_URL: "wss://relay.dev.consonant.example",
            RELAYER_ALLOW_INSECURE_BACKEND: "false",
            RELAYER_CLUSTER_NAME: "kind-consonant-dev",
            RELAYER_SECRETS_DIR: "/var/run/secrets/consonant",
            RELAYER_SPOOL_DIR: "/var/cache/relayer",
            RELAYER_SPOOL_MAX_BYTES: "419430400",
            RELAYER_OTLP_MAX_REQUEST_BYTES: "8388608",
            RELAYER_LLM_PROVIDERS: "",
            RELAYER_KAGENT_URL: "http://kagent-controller.kagent:8083",
            RELAYER_KAGENT_NAMESPACES: "kagent",
            RELAYER_LOG_LEVEL: "debug",
            RELAYER_REDACT_IPS: "false",
            RELAYER_DRAIN_SECONDS: "20",
        });
    });

    it("NetworkPolicy: default deny both ways; every peer and port, AND selectors, private-range exceptions", () => {
        const np = plainInputs<Obj>(one(run.recorder, T.networkPolicy));
        assert.strictEqual(np.metadata.namespace, "consonant-system");
        assert.deepStrictEqual(np.spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kagent"] }] },
                            podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "kagent" } },
                        },
                    ],
                    ports: [
                        { protocol: "TCP", port: 4317 },
                        { protocol: "TCP", port: 4318 },
                        { protocol: "TCP", port: 8081 },
                    ],
                },
            ],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                { to: [{ ipBlock: { cidr: "172.18.0.0/16" } }], ports: [{ protocol: "TCP", port: 6443 }] },
                {
                    to: [
                        { ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_V4 } },
                        { ipBlock: { cidr: "::/0", except: PRIVATE_V6 } },
                    ],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kagent" } } }], ports: [{ protocol: "TCP", port: 8083 }] },
            ],
        });
    });
});

describe("program: prod stack", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("prod");
    });

    commonChecks("prod", () => run);
    workloadChecks("prod", () => run, {
        replicas: 3,
        image: /^111122223333\.dkr\.ecr\.us-east-1\.amazonaws\.com\/consonant\/relayer@sha256:[a-f0-9]{64}$/,
        kagentNamespaces: ["kagent"],
    });

    it("runs the configured digest-pinned image and builds nothing", () => {
        assert.strictEqual(run.outputs.imageRef.value, run.files.config.imageRef);
        assert.deepStrictEqual(run.recorder.ofType(T.image), []);
    });

    it("PodDisruptionBudget keeps all but one replica through drains", () => {
        const pdb = plainInputs<Obj>(one(run.recorder, T.pdb));
        assert.deepStrictEqual(pdb.spec, {
            maxUnavailable: 1,
            selector: { matchLabels: { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" } },
            unhealthyPodEvictionPolicy: "AlwaysAllow",
        });
    });

    it("HorizontalPodAutoscaler never drops below the configured replicas", () => {
        const hpa = plainInputs<Obj>(one(run.recorder, T.hpa));
        assert.strictEqual(hpa.spec.minReplicas, 3);
        assert.strictEqual(hpa.spec.maxReplicas, 6);
        assert.deepStrictEqual(hpa.spec.scaleTargetRef, { apiVersion: "apps/v1", kind: "Deployment", name: (one(run.recorder, T.deployment).outputs as Obj).metadata.name });
    });

    it("PII-redacting logs (hipaa)", () => {
        const env = podSpec(run).containers[0].env;
        assert.strictEqual(env.find((e: Obj) => e.name === "RELAYER_REDACT_IPS").value, "true");
    });

    it("monitoring: ServiceMonitor, PrometheusRule with Prometheus' selector labels, metrics ingress from monitoring", () => {
        const sm = plainInputs<Obj>(one(run.recorder, T.serviceMonitor));
        assert.strictEqual(sm.metadata.labels.release, "kube-prometheus-stack");
        assert.deepStrictEqual(sm.spec.endpoints.map((e: Obj) => e.port), ["metrics"]);
        const rule = plainInputs<Obj>(one(run.recorder, T.prometheusRule));
        assert.strictEqual(rule.metadata.labels.release, "kube-prometheus-stack");
        assert.strictEqual(rule.spec.groups[0].rules.length, 5);
        const np = plainInputs<Obj>(one(run.recorder, T.networkPolicy));
        assert.deepStrictEqual(np.spec.ingress[1], { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8080 }] });
        assert.deepStrictEqual(np.spec.egress[1], { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] });
    });

    it("NetworkPolicy: every peer and port exactly, incl. metrics from monitoring and the private EKS API endpoint", () => {
        const np = plainInputs<Obj>(one(run.recorder, T.networkPolicy));
        assert.strictEqual(np.metadata.namespace, "consonant-system");
        assert.deepStrictEqual(np.spec, {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    from: [
                        {
                            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kagent"] }] },
                            podSelector: { matchLabels: { "app.kubernetes.io/managed-by": "kagent" } },
                        },
                    ],
                    ports: [
                        { protocol: "TCP", port: 4317 },
                        { protocol: "TCP", port: 4318 },
                        { protocol: "TCP", port: 8081 },
                    ],
                },
                { from: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "monitoring" } } }], ports: [{ protocol: "TCP", port: 8080 }] },
            ],
            egress: [
                {
                    to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
                    ports: [
                        { protocol: "UDP", port: 53 },
                        { protocol: "TCP", port: 53 },
                    ],
                },
                { to: [{ ipBlock: { cidr: "10.20.0.0/16" } }], ports: [{ protocol: "TCP", port: 443 }] },
                {
                    to: [
                        { ipBlock: { cidr: "0.0.0.0/0", except: PRIVATE_V4 } },
                        { ipBlock: { cidr: "::/0", except: PRIVATE_V6 } },
                    ],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kagent" } } }], ports: [{ protocol: "TCP", port: 8083 }] },
            ],
        });
    });

    it("the Deployment waits for the namespace and mounts the Secrets the store delivers", () => {
        const deployment = one(run.recorder, T.deployment);
        const namespaceUrn = one(run.recorder, T.namespace, "relayer-namespace").urn;
        assert.ok(deployment.dependencies.includes(namespaceUrn));
        const sources = podSpec(run).volumes[2].projected.sources.map((s: Obj) => s.secret.name);
        assert.deepStrictEqual(sources, [...(run.outputs.secretsKubernetesSecrets.value as string[])].sort());
    });
});

describe("program: optional features (dev with overrides)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", {
            overrides: {
                replicas: "2",
                createNamespace: "false",
                monitoringEnabled: "true",
                serviceMesh: "istio",
                autoscalingEnabled: "true",
                autoscalingMaxReplicas: "4",
                nodeReaderEnabled: "true",
                kagentNamespaces: '["kagent","team-a"]',
                extraEgress: '[{"cidr":"10.40.0.0/24","port":5432,"protocol":"TCP"}]',
            },
        });
    });

    commonChecks("variants", () => run);

    it("an existing namespace is labelled by a server-side patch instead of created", async () => {
        assert.deepStrictEqual(run.recorder.ofType(T.namespace), []);
        const patch = plainInputs<Obj>(one(run.recorder, T.namespacePatch));
        assert.strictEqual(patch.metadata.name, "consonant-system");
        assert.deepStrictEqual(patch.metadata.labels, { ...podSecurityAdmissionLabels("v1.32"), "app.kubernetes.io/part-of": "consonant" });
        // A patch is not a whole object (manifestFromRegistration skips it), but what it applies must be a valid Namespace.
        assert.deepStrictEqual(await validateKubernetesObjects([{ apiVersion: "v1", kind: "Namespace", metadata: patch.metadata }]), []);
    });

    it("istio: injection annotation and a STRICT PeerAuthentication (metrics port permissive for Prometheus)", () => {
        assert.strictEqual(deploymentSpec(run).template.metadata.annotations["sidecar.istio.io/inject"], "true");
        const pa = plainInputs<Obj>(one(run.recorder, T.peerAuthentication));
        assert.deepStrictEqual(pa.spec, {
            selector: { matchLabels: { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" } },
            mtls: { mode: "STRICT" },
            portLevelMtls: { "8080": { mode: "PERMISSIVE" } },
        });
    });

    it("optional read-only Node ClusterRole bound to the relayer's ServiceAccount", () => {
        const cr = plainInputs<Obj>(one(run.recorder, T.clusterRole));
        assert.deepStrictEqual(cr.rules, nodeReaderRules());
        const crb = plainInputs<Obj>(one(run.recorder, T.clusterRoleBinding));
        assert.deepStrictEqual(crb.subjects, [{ kind: "ServiceAccount", name: "consonant-relayer", namespace: "consonant-system" }]);
    });

    it("a Role per KAgent namespace, PDB for 2 replicas, HPA min 2, extra egress and KAgent ingress from both namespaces", () => {
        assert.deepStrictEqual(run.recorder.ofType(T.role).map((r) => plainInputs<Obj>(r).metadata.namespace).sort(), ["consonant-system", "kagent", "team-a"]);
        assert.strictEqual(run.recorder.ofType(T.pdb).length, 1);
        assert.strictEqual(plainInputs<Obj>(one(run.recorder, T.hpa)).spec.minReplicas, 2);
        const np = plainInputs<Obj>(one(run.recorder, T.networkPolicy));
        assert.deepStrictEqual(np.spec.ingress[0].from[0].namespaceSelector.matchExpressions[0].values, ["kagent", "team-a"]);
        assert.ok(np.spec.egress.some((e: Obj) => e.to[0].ipBlock?.cidr === "10.40.0.0/24" && e.ports[0].port === 5432));
        assert.deepStrictEqual(np.spec.egress[np.spec.egress.length - 1], {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } } }],
            ports: [{ protocol: "TCP", port: 15012 }],
        });
    });
});

describe("program: prod with every component at once (connector, Vault, Istio)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("prod", {
            overrides: {
                ...CONNECTOR_OVERRIDES,
                secretsMode: "vault",
                vaultAddress: "https://vault.example.test:8200",
                vaultKubernetesHost: "https://api.eks-prod.example.test",
                vaultKubernetesCaCert: "-----BEGIN CERTIFICATE-----\nMIIBfakeTestCertificateNotReal\n-----END CERTIFICATE-----",
                serviceMesh: "istio",
            },
        });
    });

    // The invariants (unique URNs, schema-valid objects incl. CRDs, explicit providers, hardened containers, no
    // secret output) hold for the largest program too, not only for the committed stacks.
    commonChecks("prod, all components", () => run);

    it("runs exactly two Deployments, the relayer and the connector, in their own restricted namespaces", () => {
        const namespaces = run.recorder.ofType(T.deployment).map((d) => plainInputs<Obj>(d).metadata.namespace).sort();
        assert.deepStrictEqual(namespaces, ["cloudflared", "consonant-system"]);
        assert.deepStrictEqual(run.recorder.ofType(T.namespace).map((ns) => plainInputs<Obj>(ns).metadata.name).sort(), ["cloudflared", "consonant-system"]);
        for (const ns of run.recorder.ofType(T.namespace)) {
            assert.deepStrictEqual(
                Object.fromEntries(Object.entries(plainInputs<Obj>(ns).metadata.labels).filter(([k]) => k.startsWith("pod-security.kubernetes.io/"))),
                podSecurityAdmissionLabels("v1.32"),
                plainInputs<Obj>(ns).metadata.name,
            );
        }
    });
});

describe("program: linkerd and a disabled NetworkPolicy (dev)", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", { overrides: { serviceMesh: "linkerd", networkPolicyEnabled: "false", kagentInvokeEgress: "false" } });
    });

    it("linkerd injection annotation and no Istio objects", () => {
        assert.strictEqual(deploymentSpec(run).template.metadata.annotations["linkerd.io/inject"], "enabled");
        assert.deepStrictEqual(run.recorder.ofType(T.peerAuthentication), []);
    });

    it("no NetworkPolicy when disabled (allowed only outside production)", () => {
        assert.deepStrictEqual(run.recorder.ofType(T.networkPolicy), []);
    });
});

describe("program: secrets in config never reach outputs", () => {
    let run: ProgramRun;
    before(async () => {
        run = await runProgram("dev", {
            overrides: { kubeconfig: "apiVersion: v1\n# fake kubeconfig for tests", imageRegistryUsername: "ci-bot", imageRegistryPassword: "fake-registry-token-for-tests" },
            secret: ["kubeconfig", "imageRegistryPassword"],
        });
    });

    it("kubeconfig contents and the registry password reach their resources only as secrets", () => {
        const provider = one(run.recorder, "pulumi:providers:kubernetes");
        assert.ok(provider.inputs.kubeconfig !== undefined && JSON.stringify(provider.inputs.kubeconfig).includes("1b47061264138c4ac30d75fd1eb44270"), "kubeconfig must be a secret input");
        const image = one(run.recorder, T.image);
        assert.ok(JSON.stringify(image.inputs.registries).includes("1b47061264138c4ac30d75fd1eb44270"), "registry password must be a secret input");
        assert.strictEqual((plainInputs<Obj>(image).registries as Obj[])[0].address, "localhost:5001");
    });

    it("stack outputs hold neither value and none is secret", () => {
        const text = JSON.stringify(run.outputs);
        assert.ok(!text.includes("fake-registry-token-for-tests") && !text.includes("fake kubeconfig"));
        for (const [key, out] of Object.entries(run.outputs)) assert.strictEqual(out.secret, false, key);
    });
});

describe("program: preview", () => {
    let previewRun: ProgramRun;
    let upRun: ProgramRun;
    before(async () => {
        previewRun = await runProgram("prod", { preview: true });
        upRun = await runProgram("prod");
    });

    it("registers the same resources in preview as in an update", () => {
        const key = (r: RecordedResource) => r.urn;
        assert.deepStrictEqual(previewRun.recorder.resources.map(key).sort(), upRun.recorder.resources.map(key).sort());
    });

    it("every stack output resolves (known or unknown) without hanging", () => {
        assert.deepStrictEqual(Object.keys(previewRun.outputs).sort(), Object.keys(upRun.outputs).sort());
        for (const [key, out] of Object.entries(previewRun.outputs)) assert.strictEqual(out.secret, false, key);
    });
});

describe("program: invalid stack config", () => {
    it("fails with every problem before any resource exists", async () => {
        await assert.rejects(
            () => runProgram("dev", { overrides: { replicas: "0", clusterName: undefined } }),
            (err: Error) => err instanceof StackConfigError && err.problems.length === 2 && /config 'replicas'/.test(err.message) && /config 'clusterName'/.test(err.message),
        );
    });

    it("registered nothing", async () => {
        const { installMocks } = await import("../tools/lib/mock-runtime");
        const { stackFiles } = await import("./helpers/program");
        const files = stackFiles("prod", { overrides: { replicas: "1" } });
        const recorder = await installMocks({ project: files.project, stack: "prod", preview: false, config: files });
        // eslint-disable-next-line @typescript-eslint/no-require-imports
        const main = require("../index") as () => Promise<unknown>;
        await assert.rejects(main, /config 'replicas': is 1; production-like stacks need at least 3/);
        assert.deepStrictEqual(recorder.resources, []);
    });
});
