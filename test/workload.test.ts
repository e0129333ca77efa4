// Pure builders of the relayer workload, each checked directly (the program tests check the wiring).
import * as assert from "assert";
import { parseRelayerConfig, relayerEnvShape } from "../relayer-app/src/config";
import { gatewaySettingsFromEnv } from "../relayer-app/src/gateway/settings";
import { createMetrics, registerBreakerGauge, registerSpoolGauges, setUplinkState } from "../relayer-app/src/metrics";
import {
    configChecksum,
    cpuMillis,
    isDigestPinned,
    kubeDnsEgressRule,
    memoryBytes,
    meshControlPlaneEgress,
    nodeReaderRules,
    parseImageReference,
    podSecurityAdmissionLabels,
    relayerAntiAffinity,
    relayerContainer,
    relayerEnv,
    RelayerEnvSettings,
    relayerLabels,
    relayerNetworkPolicySpec,
    relayerProbes,
    relayerPrometheusRuleSpec,
    relayerRbacRules,
    relayerResources,
    relayerSelectorLabels,
    relayerServiceMonitorSpec,
    relayerTopologySpread,
    relayerVolumeMounts,
    relayerVolumes,
    restrictedContainerSecurityContext,
    restrictedPodSecurityContext,
    terminationGracePeriodSeconds,
} from "../components/workload";

const envSettings: RelayerEnvSettings = {
    backendUrl: "wss://relay.example.test",
    allowInsecureBackend: false,
    clusterName: "test-cluster",
    spoolMaxBytes: 400 * 1024 * 1024,
    otlpMaxRequestBytes: 8 * 1024 * 1024,
    llmProviders: ["anthropic", "openai"],
    llmRateLimits: { openai: { tokensPerMinute: 400000 }, anthropic: { requestsPerMinute: 600, tokensPerMinute: 300000 } },
    kagentUrl: "http://kagent-controller.kagent:8083",
    kagentNamespaces: ["kagent", "agents"],
    logLevel: "info",
    redactPii: true,
    drainSeconds: 20,
};

/** The env as the kubelet would give it to the container: downward-API fields resolved to sample values. */
function resolvedEnv(settings: RelayerEnvSettings): Record<string, string> {
    const samples: Record<string, string> = { "metadata.namespace": "consonant-system", "metadata.name": "relayer-deployment-6d9f7c-x2x7q" };
    const out: Record<string, string> = {};
    for (const entry of relayerEnv(settings)) {
        out[entry.name] = "value" in entry ? entry.value : samples[entry.valueFrom.fieldRef.fieldPath];
    }
    return out;
}

describe("workload: security builders", () => {
    it("pod security context runs as 65534 with RuntimeDefault seccomp", () => {
        assert.deepStrictEqual(restrictedPodSecurityContext(), {
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            fsGroup: 65534,
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("container security context drops everything and is read-only", () => {
        assert.deepStrictEqual(restrictedContainerSecurityContext(), {
            allowPrivilegeEscalation: false,
            privileged: false,
            readOnlyRootFilesystem: true,
            runAsNonRoot: true,
            runAsUser: 65534,
            runAsGroup: 65534,
            capabilities: { drop: ["ALL"] },
            seccompProfile: { type: "RuntimeDefault" },
        });
    });

    it("Pod Security Admission labels enforce, audit and warn restricted at a pinned version", () => {
        assert.deepStrictEqual(podSecurityAdmissionLabels("v1.32"), {
            "pod-security.kubernetes.io/enforce": "restricted",
            "pod-security.kubernetes.io/enforce-version": "v1.32",
            "pod-security.kubernetes.io/audit": "restricted",
            "pod-security.kubernetes.io/audit-version": "v1.32",
            "pod-security.kubernetes.io/warn": "restricted",
            "pod-security.kubernetes.io/warn-version": "v1.32",
        });
    });
});

describe("workload: RBAC rules", () => {
    it("grants exactly the relayer's API calls: events list/watch, pods list, pods/log get, kagent agents get/list", () => {
        const events = { apiGroups: [""], resources: ["events"], verbs: ["list", "watch"] };
        const agents = { apiGroups: ["kagent.dev"], resources: ["agents"], verbs: ["get", "list"] };
        assert.deepStrictEqual(relayerRbacRules({ namespace: "consonant-system", kagentNamespaces: ["kagent", "team-a"] }), [
            {
                namespace: "consonant-system",
                rules: [events, { apiGroups: [""], resources: ["pods"], verbs: ["list"] }, { apiGroups: [""], resources: ["pods/log"], verbs: ["get"] }],
            },
            { namespace: "kagent", rules: [events, agents] },
            { namespace: "team-a", rules: [events, agents] },
        ]);
    });

    it("merges a KAgent namespace equal to the relayer's into one Role and ignores duplicates", () => {
        const rules = relayerRbacRules({ namespace: "ops", kagentNamespaces: ["ops", "ops"] });
        assert.strictEqual(rules.length, 1);
        assert.deepStrictEqual(rules[0].rules.map((r) => r.resources.join("+")), ["events", "pods", "pods/log", "agents"]);
    });

    it("never grants secrets, write verbs or wildcards", () => {
        const all = [...relayerRbacRules({ namespace: "a", kagentNamespaces: ["b"] }).flatMap((e) => e.rules), ...nodeReaderRules()];
        const writeVerbs = ["create", "update", "patch", "delete", "deletecollection", "impersonate", "bind", "escalate", "*"];
        for (const rule of all) {
            assert.ok(!rule.resources.some((r) => r === "secrets" || r.includes("*")), JSON.stringify(rule));
            assert.ok(!rule.apiGroups.includes("*"), JSON.stringify(rule));
            assert.ok(!rule.verbs.some((v) => writeVerbs.includes(v)), JSON.stringify(rule));
        }
    });

    it("offers Nodes read-only as a cluster-scoped rule set", () => {
        assert.deepStrictEqual(nodeReaderRules(), [{ apiGroups: [""], resources: ["nodes"], verbs: ["get", "list", "watch"] }]);
    });
});

describe("workload: container", () => {
    it("generates the DESIGN.md env contract with downward-API namespace and pod name", () => {
        assert.deepStrictEqual(relayerEnv(envSettings), [
            { name: "RELAYER_BACKEND_URL", value: "wss://relay.example.test" },
            { name: "RELAYER_ALLOW_INSECURE_BACKEND", value: "false" },
            { name: "RELAYER_CLUSTER_NAME", value: "test-cluster" },
            { name: "RELAYER_NAMESPACE", valueFrom: { fieldRef: { fieldPath: "metadata.namespace" } } },
            { name: "RELAYER_REPLICA", valueFrom: { fieldRef: { fieldPath: "metadata.name" } } },
            { name: "RELAYER_SECRETS_DIR", value: "/var/run/secrets/consonant" },
            { name: "RELAYER_SPOOL_DIR", value: "/var/cache/relayer" },
            { name: "RELAYER_SPOOL_MAX_BYTES", value: "419430400" },
            { name: "RELAYER_OTLP_MAX_REQUEST_BYTES", value: "8388608" },
            { name: "RELAYER_LLM_PROVIDERS", value: "anthropic,openai" },
            { name: "RELAYER_LLM_ANTHROPIC_REQUESTS_PER_MINUTE", value: "600" },
            { name: "RELAYER_LLM_ANTHROPIC_TOKENS_PER_MINUTE", value: "300000" },
            { name: "RELAYER_LLM_OPENAI_TOKENS_PER_MINUTE", value: "400000" },
            { name: "RELAYER_KAGENT_URL", value: "http://kagent-controller.kagent:8083" },
            { name: "RELAYER_KAGENT_NAMESPACES", value: "kagent,agents" },
            { name: "RELAYER_LOG_LEVEL", value: "info" },
            { name: "RELAYER_REDACT_IPS", value: "true" },
            { name: "RELAYER_DRAIN_SECONDS", value: "20" },
        ]);
    });

    it("the generated env passes the relayer app's own config parser", () => {
        for (const settings of [envSettings, { ...envSettings, llmProviders: [], llmRateLimits: {}, kagentNamespaces: ["kagent"], redactPii: false, logLevel: "debug" }]) {
            const result = parseRelayerConfig(resolvedEnv(settings));
            assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
            assert.deepStrictEqual(result.config.llmProviders, settings.llmProviders);
            assert.strictEqual(result.config.namespace, "consonant-system");
            assert.strictEqual(result.config.spool.maxBytes, settings.spoolMaxBytes);
            assert.strictEqual(result.config.drainSeconds, settings.drainSeconds);
        }
    });

    it("the gateway's per-provider limits from stack config reach the app as its own rate-limit settings", () => {
        const result = parseRelayerConfig(resolvedEnv(envSettings));
        assert.ok(result.ok, result.ok ? "" : result.errors.join("\n"));
        const limits = gatewaySettingsFromEnv(result.config.env).limits;
        assert.deepStrictEqual(limits.anthropic, { requestsPerMinute: 600, tokensPerMinute: 300000 });
        assert.deepStrictEqual(limits.openai, { requestsPerMinute: 0, tokensPerMinute: 400000 });
        assert.deepStrictEqual(limits.gemini, { requestsPerMinute: 0, tokensPerMinute: 0 });
    });

    it("the app's parser rejects a broken generated env (the cross-check can fail)", () => {
        const result = parseRelayerConfig({ ...resolvedEnv(envSettings), RELAYER_BACKEND_URL: "ws://relay.example.test" });
        assert.ok(!result.ok);
        assert.match(result.errors.join("\n"), /^RELAYER_BACKEND_URL: /);
    });

    it("sets only variables the app knows, and none of its test/dev-only ones", () => {
        const known = Object.keys(relayerEnvShape);
        const names = relayerEnv(envSettings).map((e) => e.name);
        assert.deepStrictEqual(names.filter((n) => !known.includes(n)), []);
        for (const testOnly of ["RELAYER_BIND_HOST", "RELAYER_OTLP_GRPC_PORT", "RELAYER_OTLP_HTTP_PORT", "RELAYER_GATEWAY_PORT", "RELAYER_OPS_PORT", "RELAYER_SPOOL_FSYNC", "RELAYER_KUBECONFIG"]) {
            assert.ok(!names.includes(testOnly), testOnly);
        }
    });

    it("probes /healthz (startup, liveness) and /readyz (readiness) on :8080", () => {
        const get = (path: string) => ({ httpGet: { path, port: 8080, scheme: "HTTP" } });
        assert.deepStrictEqual(relayerProbes(), {
            startupProbe: { ...get("/healthz"), periodSeconds: 2, timeoutSeconds: 2, failureThreshold: 60 },
            livenessProbe: { ...get("/healthz"), periodSeconds: 10, timeoutSeconds: 3, failureThreshold: 3 },
            readinessProbe: { ...get("/readyz"), periodSeconds: 5, timeoutSeconds: 3, failureThreshold: 2 },
        });
    });

    it("mounts /tmp (100Mi), the spool (500Mi) and every secret read-only in one projected volume", () => {
        assert.deepStrictEqual(relayerVolumes(["b-secret", "a-secret", "b-secret"]), [
            { name: "tmp", emptyDir: { sizeLimit: "100Mi" } },
            { name: "spool", emptyDir: { sizeLimit: "500Mi" } },
            {
                name: "secrets",
                projected: {
                    defaultMode: 0o440,
                    sources: [{ secret: { name: "a-secret", optional: false } }, { secret: { name: "b-secret", optional: false } }],
                },
            },
        ]);
        assert.deepStrictEqual(relayerVolumeMounts(), [
            { name: "tmp", mountPath: "/tmp" },
            { name: "spool", mountPath: "/var/cache/relayer" },
            { name: "secrets", mountPath: "/var/run/secrets/consonant", readOnly: true },
        ]);
    });

    it("the spool cap default stays below the spool volume", () => {
        assert.ok(envSettings.spoolMaxBytes < memoryBytes("500Mi"));
    });

    it("sets requests and limits including ephemeral storage for both emptyDirs", () => {
        const r = relayerResources({ cpuRequest: "100m", cpuLimit: "1", memoryRequest: "256Mi", memoryLimit: "512Mi" });
        assert.deepStrictEqual(r, {
            requests: { cpu: "100m", memory: "256Mi", "ephemeral-storage": "640Mi" },
            limits: { cpu: "1", memory: "512Mi", "ephemeral-storage": "1Gi" },
        });
        assert.ok(memoryBytes(r.requests["ephemeral-storage"]) >= memoryBytes("100Mi") + memoryBytes("500Mi"));
    });

    it("the container carries ports, probes, mounts and the restricted security context", () => {
        const c = relayerContainer({ image: "r@sha256:" + "a".repeat(64), imagePullPolicy: "IfNotPresent", env: relayerEnv(envSettings), resources: relayerResources({ cpuRequest: "1", cpuLimit: "1", memoryRequest: "1Mi", memoryLimit: "1Mi" }) });
        assert.deepStrictEqual(c.ports.map((p) => [p.name, p.containerPort]), [["otlp-grpc", 4317], ["otlp-http", 4318], ["llm-gateway", 8081], ["metrics", 8080]]);
        assert.deepStrictEqual(c.securityContext, restrictedContainerSecurityContext());
        assert.deepStrictEqual(c.volumeMounts, relayerVolumeMounts());
        assert.strictEqual(c.readinessProbe.httpGet.path, "/readyz");
    });

    it("termination grace is longer than the drain budget", () => {
        for (const drain of [1, 20, 600]) assert.ok(terminationGracePeriodSeconds(drain) > drain);
    });

    it("the checksum changes with the secrets' version, the secret names and the env, and only then", () => {
        const env = relayerEnv(envSettings);
        const base = configChecksum({ env, secretNames: ["a", "b"], secretsVersion: "1" });
        assert.match(base, /^[a-f0-9]{64}$/);
        assert.strictEqual(configChecksum({ env, secretNames: ["b", "a"], secretsVersion: "1" }), base);
        assert.notStrictEqual(configChecksum({ env, secretNames: ["a", "b"], secretsVersion: "2" }), base);
        assert.notStrictEqual(configChecksum({ env, secretNames: ["a"], secretsVersion: "1" }), base);
        assert.notStrictEqual(configChecksum({ env: relayerEnv({ ...envSettings, logLevel: "debug" }), secretNames: ["a", "b"], secretsVersion: "1" }), base);
    });
});

describe("workload: labels and scheduling", () => {
    it("selector labels are a stable subset of the object labels", () => {
        assert.deepStrictEqual(relayerSelectorLabels("relayer"), { "app.kubernetes.io/name": "consonant-relayer", "app.kubernetes.io/instance": "relayer" });
        assert.deepStrictEqual(relayerLabels("relayer"), {
            "app.kubernetes.io/name": "consonant-relayer",
            "app.kubernetes.io/instance": "relayer",
            "app.kubernetes.io/component": "relayer",
            "app.kubernetes.io/part-of": "consonant",
            "app.kubernetes.io/managed-by": "pulumi",
        });
    });

    it("spreads across zones and hosts and prefers hosts without another replica", () => {
        const sel = { app: "x" };
        assert.deepStrictEqual(relayerTopologySpread(sel), [
            { maxSkew: 1, topologyKey: "topology.kubernetes.io/zone", whenUnsatisfiable: "ScheduleAnyway", labelSelector: { matchLabels: sel }, matchLabelKeys: ["pod-template-hash"] },
            { maxSkew: 1, topologyKey: "kubernetes.io/hostname", whenUnsatisfiable: "DoNotSchedule", labelSelector: { matchLabels: sel }, matchLabelKeys: ["pod-template-hash"] },
        ]);
        assert.deepStrictEqual(relayerAntiAffinity(sel), {
            podAntiAffinity: {
                preferredDuringSchedulingIgnoredDuringExecution: [{ weight: 100, podAffinityTerm: { topologyKey: "kubernetes.io/hostname", labelSelector: { matchLabels: sel } } }],
            },
        });
    });
});

describe("workload: NetworkPolicy", () => {
    const base = {
        podSelector: { "app.kubernetes.io/name": "consonant-relayer" },
        kagentNamespaces: ["team-b", "kagent"],
        kagentPodSelector: { "app.kubernetes.io/managed-by": "kagent" },
        apiServerCidrs: ["10.20.0.0/16"],
        apiServerPorts: [443, 6443],
        extraEgress: [{ cidr: "10.30.0.0/24", port: 8443, protocol: "TCP" as const }],
    };

    it("default-denies both directions and allows exactly the documented flows", () => {
        assert.deepStrictEqual(relayerNetworkPolicySpec({ ...base, monitoringNamespace: "monitoring", kagentController: { namespace: "kagent", port: 8083 } }), {
            podSelector: { matchLabels: { "app.kubernetes.io/name": "consonant-relayer" } },
            policyTypes: ["Ingress", "Egress"],
            ingress: [
                {
                    // ONE peer with both selectors: KAgent pods AND in a KAgent namespace.
                    from: [
                        {
                            namespaceSelector: { matchExpressions: [{ key: "kubernetes.io/metadata.name", operator: "In", values: ["kagent", "team-b"] }] },
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
                {
                    to: [{ ipBlock: { cidr: "10.20.0.0/16" } }],
                    ports: [
                        { protocol: "TCP", port: 443 },
                        { protocol: "TCP", port: 6443 },
                    ],
                },
                {
                    to: [
                        { ipBlock: { cidr: "0.0.0.0/0", except: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"] } },
                        { ipBlock: { cidr: "::/0", except: ["fc00::/7", "fe80::/10", "::1/128"] } },
                    ],
                    ports: [{ protocol: "TCP", port: 443 }],
                },
                { to: [{ ipBlock: { cidr: "10.30.0.0/24" } }], ports: [{ protocol: "TCP", port: 8443 }] },
                { to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kagent" } } }], ports: [{ protocol: "TCP", port: 8083 }] },
            ],
        });
    });

    it("a mesh sidecar may reach its control plane: istiod 15012, linkerd 8080/8086/8090; none without a mesh", () => {
        assert.deepStrictEqual(meshControlPlaneEgress("istio"), { namespace: "istio-system", ports: [15012] });
        assert.deepStrictEqual(meshControlPlaneEgress("linkerd"), { namespace: "linkerd", ports: [8080, 8086, 8090] });
        assert.strictEqual(meshControlPlaneEgress("none"), undefined);
        const spec = relayerNetworkPolicySpec({ ...base, extraEgress: [], meshControlPlane: meshControlPlaneEgress("istio") });
        assert.deepStrictEqual(spec.egress[spec.egress.length - 1], {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "istio-system" } } }],
            ports: [{ protocol: "TCP", port: 15012 }],
        });
    });

    it("DNS egress is ONE peer (kube-system AND kube-dns pods) on UDP and TCP 53, shared with the connector", () => {
        assert.deepStrictEqual(kubeDnsEgressRule(), {
            to: [{ namespaceSelector: { matchLabels: { "kubernetes.io/metadata.name": "kube-system" } }, podSelector: { matchLabels: { "k8s-app": "kube-dns" } } }],
            ports: [
                { protocol: "UDP", port: 53 },
                { protocol: "TCP", port: 53 },
            ],
        });
        assert.deepStrictEqual(relayerNetworkPolicySpec({ ...base, extraEgress: [] }).egress[0], kubeDnsEgressRule());
    });

    it("without monitoring and KAgent invocation there is no metrics ingress and no controller egress", () => {
        const spec = relayerNetworkPolicySpec({ ...base, extraEgress: [] });
        assert.strictEqual(spec.ingress.length, 1);
        assert.ok(!spec.ingress.some((r) => r.ports.some((p) => p.port === 8080)));
        assert.strictEqual(spec.egress.length, 3);
    });
});

describe("workload: monitoring", () => {
    it("ServiceMonitor scrapes the named metrics port in the relayer namespace", () => {
        assert.deepStrictEqual(relayerServiceMonitorSpec({ namespace: "ns", selector: { a: "b" } }), {
            selector: { matchLabels: { a: "b" } },
            namespaceSelector: { matchNames: ["ns"] },
            endpoints: [{ port: "metrics", path: "/metrics", scheme: "http", interval: "30s", scrapeTimeout: "10s" }],
        });
    });

    it("PrometheusRule alerts on down, uplink disconnected > 5m, spool growth, open breaker and auth failures", () => {
        const spec = relayerPrometheusRuleSpec({ namespace: "ns", service: "consonant-relayer" });
        const rules = spec.groups[0].rules;
        assert.deepStrictEqual(
            rules.map((r) => [r.alert, r.for, r.labels.severity]),
            [
                ["ConsonantRelayerDown", "5m", "critical"],
                ["ConsonantRelayerUplinkDisconnected", "5m", "critical"],
                ["ConsonantRelayerSpoolGrowing", "15m", "warning"],
                ["ConsonantRelayerCircuitBreakerOpen", "5m", "warning"],
                ["ConsonantRelayerAuthenticationFailures", "0m", "critical"],
            ],
        );
        assert.strictEqual(rules[0].expr, 'sum(up{namespace="ns",service="consonant-relayer"}) == 0 or absent(up{namespace="ns",service="consonant-relayer"})');
        assert.strictEqual(rules[1].expr, 'max by (pod) (relayer_uplink_state{namespace="ns",state="connected"}) == 0');
        assert.match(rules[2].expr, /deriv\(relayer_spool_bytes\{namespace="ns"\}\[15m\]\) > 0/);
        assert.match(rules[3].expr, /relayer_circuit_breaker_open\{namespace="ns"\}/);
        assert.match(rules[4].expr, /increase\(relayer_uplink_auth_failures_total\{namespace="ns"\}\[10m\]\)/);
        for (const r of rules) assert.ok(r.annotations.summary && r.annotations.description && r.annotations.runbook, r.alert);
    });

    it("every relayer_ series the alerts select is exported by the relayer, with the labels the alerts match and group by", async () => {
        // The relayer's own registry, with every metric main.ts registers (spool gauges, breaker gauge, uplink state).
        const metrics = createMetrics();
        registerSpoolGauges(metrics, { stats: () => ({ batches: 1, bytes: 10, diskBytes: 20, oldestUnackedMs: 1000 }) });
        registerBreakerGauge(metrics, { snapshot: () => ({ breakers: { "llm-anthropic": "open" } }) });
        setUplinkState(metrics, "connected");
        const exported = new Map((await metrics.registry.getMetricsAsJSON()).map((m) => [m.name, m.values.map((v) => v.labels as Record<string, unknown>)]));

        const rules = relayerPrometheusRuleSpec({ namespace: "ns", service: "consonant-relayer" }).groups[0].rules;
        const selected: string[] = [];
        for (const rule of rules) {
            for (const [, name, matchers] of rule.expr.matchAll(/\b(relayer_[a-z_]+)\{([^}]*)\}/g)) {
                selected.push(name);
                const series = exported.get(name);
                assert.ok(series, `${rule.alert}: the relayer exports no metric ${name}`);
                // `namespace` and `pod` are target labels Prometheus adds; every other matcher must hit an exported series.
                for (const [, label, value] of matchers.matchAll(/([a-z_]+)="([^"]*)"/g)) {
                    if (label === "namespace") continue;
                    assert.ok(series.some((labels) => labels[label] === value), `${rule.alert}: no ${name} series has ${label}="${value}"`);
                }
            }
            for (const [, by, name] of rule.expr.matchAll(/by \(([^)]*)\) \((?:[a-z_]+\()?(relayer_[a-z_]+)/g)) {
                for (const label of by.split(",").map((l) => l.trim()).filter((l) => l !== "pod")) {
                    assert.ok(exported.get(name)!.some((labels) => label in labels), `${rule.alert}: ${name} has no label ${label} to group by`);
                }
            }
        }
        assert.deepStrictEqual(
            [...new Set(selected)].sort(),
            ["relayer_circuit_breaker_open", "relayer_spool_bytes", "relayer_spool_oldest_age_seconds", "relayer_uplink_auth_failures_total", "relayer_uplink_state"],
        );
    });
});

describe("workload: image references and quantities", () => {
    const digest = "sha256:" + "0123456789abcdef".repeat(4);

    it("parses digests, tags and registries with ports", () => {
        assert.deepStrictEqual(parseImageReference(`ghcr.io/consonant/relayer@${digest}`), { repository: "ghcr.io/consonant/relayer", tag: undefined, digest });
        assert.deepStrictEqual(parseImageReference(`localhost:5001/relayer:1.2.3@${digest}`), { repository: "localhost:5001/relayer", tag: "1.2.3", digest });
        assert.deepStrictEqual(parseImageReference("localhost:5001/relayer:dev"), { repository: "localhost:5001/relayer", tag: "dev", digest: undefined });
    });

    it("refuses references without tag or digest and malformed digests", () => {
        for (const bad of ["relayer", "ghcr.io/x/relayer@sha256:abc", "Relayer:1", "ghcr.io/x/relayer@md5:" + "a".repeat(32), "ghcr.io//x:1"]) {
            assert.strictEqual(parseImageReference(bad), undefined, bad);
        }
    });

    it("only @sha256 references count as pinned", () => {
        assert.ok(isDigestPinned(`r.example/x@${digest}`));
        assert.ok(!isDigestPinned("r.example/x:1.0"));
        assert.ok(!isDigestPinned(`r.example/x:sha256-${"a".repeat(64)}`));
    });

    it("converts CPU and memory quantities", () => {
        assert.strictEqual(cpuMillis("250m"), 250);
        assert.strictEqual(cpuMillis("1.5"), 1500);
        assert.strictEqual(memoryBytes("512Mi"), 512 * 1024 * 1024);
        assert.strictEqual(memoryBytes("1G"), 1e9);
        assert.ok(Number.isNaN(memoryBytes("lots")));
    });
});
