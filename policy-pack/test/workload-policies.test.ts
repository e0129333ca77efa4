import { strict as assert } from "assert";
import { Json, compliantStack, hardenedContainer, hardenedPodSpec, IMAGE, WORKLOAD_TYPES, WorkloadKindName, workload, resource, DIGEST } from "./fixtures";
import { messagesOf, run } from "./helpers";

function withPod(mutate: (pod: Json) => void, kind: WorkloadKindName = "Deployment") {
    const pod = hardenedPodSpec();
    mutate(pod);
    return [workload(kind, pod)];
}

describe("workload policies", () => {
    it("a hardened workload of every kind passes every policy (mandatory and advisory)", () => {
        const result = run(compliantStack());
        assert.deepEqual(result.violations, []);
        assert.deepEqual(result.undecided, []);
    });

    const kinds = Object.keys(WORKLOAD_TYPES) as WorkloadKindName[];
    for (const kind of kinds) {
        it(`finds a tag-only image in an init container of a ${kind}`, () => {
            const messages = messagesOf(withPod((pod) => (pod.initContainers[0].image = "ghcr.io/consonant/relayer:1.4.2"), kind), "image-pinned-by-digest");
            assert.equal(messages.length, 1);
            assert.match(messages[0], /init container 'init-spool'/);
            assert.match(messages[0], /initContainers\[0\]\.image/);
            assert.match(messages[0], /pinned by tag only/);
            assert.match(messages[0], /Fix: /);
        });
    }

    it("deprecated API versions the SDK still registers are workloads too (extensions/v1beta1, apps/v1beta2, batch/v1beta1)", () => {
        for (const [kind, type] of [["Deployment", "kubernetes:extensions/v1beta1:Deployment"], ["StatefulSet", "kubernetes:apps/v1beta2:StatefulSet"], ["CronJob", "kubernetes:batch/v1beta1:CronJob"], ["CronJob", "kubernetes:batch/v1beta1:CronJobPatch"]] as const) {
            const legacy = withPod((pod) => (pod.initContainers[0].securityContext.privileged = true), kind)[0];
            legacy.type = type;
            assert.equal(messagesOf([legacy], "container-not-privileged").length, 1, type);
        }
    });

    describe("image-pinned-by-digest", () => {
        const cases: [string, string, RegExp][] = [
            ["tag only", "nginx:1.27", /pinned by tag only/],
            ["registry with port and tag", "registry.local:5000/team/app:2.0", /pinned by tag only/],
            ["short digest", `ghcr.io/a/b@sha256:${"a".repeat(63)}`, /malformed digest|not sha256/],
            ["sha512 digest", `ghcr.io/a/b@sha512:${"a".repeat(128)}`, /not sha256/],
            ["uppercase repository", `ghcr.io/Acme/app@${DIGEST}`, /invalid repository path/],
        ];
        for (const [label, image, expected] of cases) {
            it(`rejects ${label}`, () => {
                const messages = messagesOf(withPod((pod) => (pod.containers[0].image = image)), "image-pinned-by-digest");
                assert.equal(messages.length, 1, messages.join("\n"));
                assert.match(messages[0], expected);
            });
        }
        it("rejects a name longer than the grammar's 255 characters", () => {
            assert.match(messagesOf(withPod((pod) => (pod.containers[0].image = `ghcr.io/${"a".repeat(250)}@${DIGEST}`)), "image-pinned-by-digest")[0], /longer than 255 characters/);
        });
        it("accepts a digest behind a registry port, a bracketed IPv6 registry and an uppercase registry host", () => {
            for (const image of [`registry.local:5000/team/app@${DIGEST}`, `[::1]:5000/app:1@${DIGEST}`, `localhost/app@${DIGEST}`, `MyRegistry/app@${DIGEST}`]) {
                assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].image = image)), "image-pinned-by-digest"), [], image);
            }
        });
        it("checks ephemeral containers too", () => {
            const messages = messagesOf(withPod((pod) => (pod.ephemeralContainers = [{ name: "debug", image: "busybox" }]), "Pod"), "image-pinned-by-digest");
            assert.equal(messages.length, 1);
            assert.match(messages[0], /ephemeral container 'debug'/);
        });
    });

    describe("image-no-latest-tag", () => {
        it("rejects explicit latest (even with a digest) and implicit latest", () => {
            assert.match(messagesOf(withPod((pod) => (pod.containers[0].image = `app:latest@${DIGEST}`)), "image-no-latest-tag")[0], /tag "latest"/);
            assert.match(messagesOf(withPod((pod) => (pod.containers[0].image = "docker.io/library/app")), "image-no-latest-tag")[0], /neither tag nor digest/);
        });
        it("accepts a digest-only reference", () => {
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].image = `ghcr.io/a/b@${DIGEST}`)), "image-no-latest-tag"), []);
        });
    });

    describe("image-registry-allowed (config)", () => {
        const config = { "image-registry-allowed": { allowedRegistries: ["ghcr.io/consonant/*", "*.dkr.ecr.*.amazonaws.com"] } };
        it("is not applicable without an allow-list and advisory by default", () => {
            const result = run(withPod((pod) => (pod.containers[0].image = `quay.io/x/y@${DIGEST}`)));
            assert.ok(result.notApplicable.some((n) => n.policyName === "image-registry-allowed"));
            const configured = run(withPod((pod) => (pod.containers[0].image = `quay.io/x/y@${DIGEST}`)), config).violations.filter((v) => v.policyName === "image-registry-allowed");
            assert.equal(configured.length, 1);
            assert.equal(configured[0].enforcementLevel, "advisory");
            assert.match(configured[0].message, /registry "quay.io"/);
        });
        it("rejects Docker Hub and other organisations' repositories; accepts allowed ones", () => {
            assert.equal(messagesOf(withPod((pod) => (pod.containers[0].image = `nginx@${DIGEST}`)), "image-registry-allowed", config).length, 1);
            assert.equal(messagesOf(withPod((pod) => (pod.containers[0].image = `ghcr.io/evil/relayer@${DIGEST}`)), "image-registry-allowed", config).length, 1);
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].image = `123456789012.dkr.ecr.eu-west-1.amazonaws.com/relayer@${DIGEST}`)), "image-registry-allowed", config), []);
            assert.deepEqual(messagesOf(withPod(() => undefined), "image-registry-allowed", config), []);
            // A wildcard in the host part never reaches into the repository path.
            assert.equal(messagesOf(withPod((pod) => (pod.containers[0].image = `evil.example/x.dkr.ecr.y.amazonaws.com@${DIGEST}`)), "image-registry-allowed", config).length, 1);
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].image = `ghcr.io/consonant/team/app@${DIGEST}`)), "image-registry-allowed", config), []);
            // Docker Hub under its legacy host name is still Docker Hub, official images under library/.
            const hub = { "image-registry-allowed": { allowedRegistries: ["docker.io/library/*", "ghcr.io/consonant/*"] } };
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].image = `index.docker.io/nginx@${DIGEST}`)), "image-registry-allowed", hub), []);
            assert.equal(messagesOf(withPod((pod) => (pod.containers[0].image = `index.docker.io/someone/nginx@${DIGEST}`)), "image-registry-allowed", hub).length, 1);
        });
        it("can be made mandatory through the config", () => {
            const result = run(withPod((pod) => (pod.containers[0].image = `quay.io/x/y@${DIGEST}`)), { "image-registry-allowed": { enforcementLevel: "mandatory", ...config["image-registry-allowed"] } });
            assert.equal(result.violations.find((v) => v.policyName === "image-registry-allowed")?.enforcementLevel, "mandatory");
        });
    });

    describe("pod-run-as-non-root (pod-level inheritance)", () => {
        it("accepts runAsNonRoot set only on the pod", () => {
            assert.deepEqual(messagesOf(withPod(() => undefined), "pod-run-as-non-root"), []);
        });
        it("accepts runAsNonRoot set on every container when the pod has none", () => {
            const messages = messagesOf(withPod((pod) => {
                delete pod.securityContext.runAsNonRoot;
                for (const c of [...pod.containers, ...pod.initContainers]) c.securityContext.runAsNonRoot = true;
            }), "pod-run-as-non-root");
            assert.deepEqual(messages, []);
        });
        it("rejects a container overriding the pod with runAsNonRoot: false", () => {
            const messages = messagesOf(withPod((pod) => (pod.initContainers[0].securityContext.runAsNonRoot = false)), "pod-run-as-non-root");
            assert.equal(messages.length, 1);
            assert.match(messages[0], /init container 'init-spool'.*runAsNonRoot\): is false/);
        });
        it("rejects runAsUser 0 inherited from the pod, for every container", () => {
            const messages = messagesOf(withPod((pod) => (pod.securityContext.runAsUser = 0)), "pod-run-as-non-root");
            assert.equal(messages.length, 2);
            assert.match(messages[0], /securityContext\.runAsUser \(inherited\)\): is 0/);
        });
        it("ephemeral containers inherit the pod's runAsNonRoot, runAsUser and seccomp profile like the others", () => {
            const debug: Json = { ...hardenedContainer("debug"), resources: undefined, livenessProbe: undefined, readinessProbe: undefined };
            const inherits = withPod((pod) => (pod.ephemeralContainers = [debug]), "Pod");
            assert.deepEqual([...messagesOf(inherits, "pod-run-as-non-root"), ...messagesOf(inherits, "pod-seccomp-profile")], []);
            const rootPod = withPod((pod) => {
                pod.securityContext.runAsUser = 0;
                delete pod.securityContext.seccompProfile;
                pod.ephemeralContainers = [debug];
            }, "Pod");
            assert.ok(messagesOf(rootPod, "pod-run-as-non-root").some((m) => /ephemeral container 'debug'.*runAsUser \(inherited\)\): is 0/.test(m)));
            assert.ok(messagesOf(rootPod, "pod-seccomp-profile").some((m) => /ephemeral container 'debug'.*Unconfined/.test(m)));
            const override = withPod((pod) => (pod.ephemeralContainers = [{ ...debug, securityContext: { ...debug.securityContext, runAsUser: 0 } }]), "Pod");
            assert.match(messagesOf(override, "pod-run-as-non-root")[0], /ephemeral container 'debug' \(spec\.ephemeralContainers\[0\]\.securityContext\.runAsUser\): is 0/);
        });
        it("rejects a pod without runAsNonRoot anywhere", () => {
            assert.equal(messagesOf(withPod((pod) => delete pod.securityContext.runAsNonRoot, "StatefulSet"), "pod-run-as-non-root").length, 2);
        });
    });

    describe("container security context", () => {
        const cases: [string, string, (pod: Json) => void, RegExp][] = [
            ["container-no-privilege-escalation", "unset", (pod) => delete pod.containers[0].securityContext.allowPrivilegeEscalation, /defaults to true/],
            ["container-no-privilege-escalation", "true on init container", (pod) => (pod.initContainers[0].securityContext.allowPrivilegeEscalation = true), /init container.*is true/],
            ["container-capabilities", "drop missing ALL", (pod) => (pod.containers[0].securityContext.capabilities.drop = ["NET_RAW"]), /does not contain "ALL"/],
            ["container-capabilities", "adds SYS_ADMIN", (pod) => (pod.containers[0].securityContext.capabilities.add = ["NET_BIND_SERVICE", "CAP_SYS_ADMIN"]), /adds \[CAP_SYS_ADMIN\]/],
            ["container-read-only-root-filesystem", "false", (pod) => (pod.containers[0].securityContext.readOnlyRootFilesystem = false), /is false/],
            ["container-read-only-root-filesystem", "unset on init", (pod) => delete pod.initContainers[0].securityContext.readOnlyRootFilesystem, /init container.*writable/],
            ["pod-seccomp-profile", "unset", (pod) => delete pod.securityContext.seccompProfile, /Unconfined/],
            ["pod-seccomp-profile", "Unconfined on a container", (pod) => (pod.containers[0].securityContext.seccompProfile = { type: "Unconfined" }), /"Unconfined"/],
            ["pod-seccomp-profile", "Localhost without file", (pod) => (pod.securityContext.seccompProfile = { type: "Localhost" }), /localhostProfile/],
            ["container-not-privileged", "privileged container", (pod) => (pod.containers[0].securityContext.privileged = true), /privileged\): is true/],
            ["container-not-privileged", "privileged ephemeral container", (pod) => (pod.ephemeralContainers = [{ ...hardenedContainer("debug"), securityContext: { privileged: true } }]), /ephemeral container 'debug'/],
        ];
        for (const [policy, label, mutate, expected] of cases) {
            it(`${policy}: rejects ${label}`, () => {
                const messages = messagesOf(withPod(mutate, "DaemonSet"), policy);
                assert.ok(messages.length >= 1, `expected a violation of ${policy}`);
                assert.match(messages.join("\n"), expected);
            });
        }
        it("container-capabilities: allowedAdd config admits more capabilities", () => {
            const pods = withPod((pod) => (pod.containers[0].securityContext.capabilities.add = ["NET_RAW"]));
            assert.equal(messagesOf(pods, "container-capabilities").length, 1);
            assert.deepEqual(messagesOf(pods, "container-capabilities", { "container-capabilities": { allowedAdd: ["NET_RAW"] } }), []);
        });
        it("accepts Localhost seccomp with a profile and lowercase 'all' drop", () => {
            const pods = withPod((pod) => {
                pod.securityContext.seccompProfile = { type: "Localhost", localhostProfile: "profiles/relayer.json" };
                pod.containers[0].securityContext.capabilities.drop = ["all"];
            });
            assert.deepEqual([...messagesOf(pods, "pod-seccomp-profile"), ...messagesOf(pods, "container-capabilities")], []);
        });
        it("skips Linux-only controls for Windows pods", () => {
            const pods = withPod((pod) => {
                pod.os = { name: "windows" };
                delete pod.securityContext.seccompProfile;
                delete pod.containers[0].securityContext.capabilities;
            });
            assert.deepEqual([...messagesOf(pods, "pod-seccomp-profile"), ...messagesOf(pods, "container-capabilities")], []);
        });
    });

    describe("pod-no-host-access and volumes", () => {
        it("rejects host namespaces, host ports and hostPath", () => {
            const messages = messagesOf(withPod((pod) => {
                pod.hostNetwork = true;
                pod.hostPID = true;
                pod.containers[0].ports = [{ containerPort: 8080, hostPort: 8080 }];
                pod.volumes.push({ name: "docker", hostPath: { path: "/var/run/docker.sock" } });
            }, "Job"), "pod-no-host-access");
            assert.equal(messages.length, 4);
            assert.match(messages.join("\n"), /hostNetwork/);
            assert.match(messages.join("\n"), /host port 8080/);
            assert.match(messages.join("\n"), /volume 'docker' mounts a path of the node/);
        });
        it("pod-no-host-access: a second fixture — hostIPC on a Pod, hostPort on an init container", () => {
            const messages = messagesOf(withPod((pod) => {
                pod.hostIPC = true;
                pod.initContainers[0].ports = [{ containerPort: 9000, hostPort: 9000 }];
            }, "Pod"), "pod-no-host-access");
            assert.equal(messages.length, 2);
            assert.match(messages.join("\n"), /init container 'init-spool' binds host port 9000/);
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].ports = [{ containerPort: 8080 }])), "pod-no-host-access"), []);
        });
        it("pod-restricted-volume-types and pod-emptydir-size-limit: second fixtures on other kinds", () => {
            assert.match(messagesOf(withPod((pod) => pod.volumes.push({ name: "ebs", awsElasticBlockStore: { volumeID: "vol-1" } }), "Pod"), "pod-restricted-volume-types")[0], /"awsElasticBlockStore"/);
            assert.equal(messagesOf(withPod((pod) => (pod.volumes[0].emptyDir = { sizeLimit: "" }), "StatefulSet"), "pod-emptydir-size-limit").length, 1);
            assert.deepEqual(messagesOf(withPod((pod) => pod.volumes.push({ name: "data", ephemeral: { volumeClaimTemplate: { spec: {} } } }, { name: "cfg", projected: { sources: [] } }), "Pod"), "pod-restricted-volume-types"), []);
        });
        it("pod-restricted-volume-types: rejects nfs and gitRepo, accepts the restricted set, honours config", () => {
            const pods = withPod((pod) => pod.volumes.push({ name: "share", nfs: { server: "nfs", path: "/" } }, { name: "repo", gitRepo: { repository: "x" } }), "CronJob");
            const messages = messagesOf(pods, "pod-restricted-volume-types");
            assert.equal(messages.length, 2);
            assert.match(messages[0], /volume 'share' uses type "nfs"/);
            assert.equal(messagesOf(pods, "pod-restricted-volume-types", { "pod-restricted-volume-types": { allowedVolumeTypes: ["emptyDir", "secret", "nfs", "gitRepo"] } }).length, 0);
        });
        it("pod-emptydir-size-limit: rejects emptyDir without sizeLimit, incl. memory-backed", () => {
            const messages = messagesOf(withPod((pod) => pod.volumes.push({ name: "cache", emptyDir: {} }, { name: "shm", emptyDir: { medium: "Memory" } })), "pod-emptydir-size-limit");
            assert.equal(messages.length, 2);
            assert.match(messages[1], /volume 'shm'.*memory-backed/);
        });
    });

    describe("resources, probes, service account", () => {
        it("container-resources: rejects missing requests and memory limit on init containers; requireCpuLimit knob", () => {
            const pods = withPod((pod) => (pod.initContainers[0].resources = { requests: { cpu: "10m" } }));
            const messages = messagesOf(pods, "container-resources");
            assert.equal(messages.length, 2);
            assert.match(messages.join("\n"), /requests\.memory\): is not set/);
            assert.equal(messagesOf(withPod(() => undefined), "container-resources", { "container-resources": { requireCpuLimit: true } }).length, 2);
        });
        it("container-resources: a limit stands in for a missing request (Kubernetes copies it), not the other way round", () => {
            assert.deepEqual(messagesOf(withPod((pod) => (pod.containers[0].resources = { limits: { cpu: "500m", memory: "256Mi" } })), "container-resources"), []);
            const requestsOnly = messagesOf(withPod((pod) => (pod.containers[0].resources = { requests: { cpu: "100m", memory: "128Mi" } })), "container-resources");
            assert.equal(requestsOnly.length, 1);
            assert.match(requestsOnly[0], /limits\.memory\): is not set/);
        });
        it("container-resources: ephemeral containers cannot declare resources and are not checked", () => {
            assert.deepEqual(messagesOf(withPod((pod) => (pod.ephemeralContainers = [{ name: "debug", image: IMAGE }]), "Pod"), "container-resources"), []);
        });
        it("container-probes: advisory, regular and sidecar containers, not Jobs", () => {
            const pods = withPod((pod) => {
                delete pod.containers[0].readinessProbe;
                pod.initContainers.push({ ...hardenedContainer("proxy"), restartPolicy: "Always", livenessProbe: undefined });
            });
            const violations = run(pods).violations.filter((v) => v.policyName === "container-probes");
            assert.equal(violations.length, 2);
            assert.ok(violations.every((v) => v.enforcementLevel === "advisory"));
            assert.deepEqual(messagesOf(withPod((pod) => delete pod.containers[0].readinessProbe, "Job"), "container-probes"), []);
            assert.equal(messagesOf(withPod(() => undefined), "container-probes", { "container-probes": { requiredProbes: ["startupProbe"] } }).length, 1);
        });
        it("pod-service-account: rejects default and unset", () => {
            assert.match(messagesOf(withPod((pod) => (pod.serviceAccountName = "default")), "pod-service-account")[0], /is "default"/);
            assert.match(messagesOf(withPod((pod) => delete pod.serviceAccountName, "ReplicaSet"), "pod-service-account")[0], /is not set/);
            assert.match(messagesOf(withPod((pod) => { delete pod.serviceAccountName; pod.serviceAccount = "default"; }), "pod-service-account")[0], /is "default"/);
        });
    });

    describe("*Patch variants", () => {
        for (const kind of kinds) {
            it(`${kind}Patch: an explicitly privileged container is found, missing fields are not`, () => {
                const patch = workload(kind, { containers: [{ name: "relayer", securityContext: { privileged: true } }] });
                patch.type = `${WORKLOAD_TYPES[kind]}Patch`;
                delete (patch.props.metadata as Json).namespace;
                const result = run([patch]);
                assert.deepEqual([...new Set(result.violations.map((v) => v.policyName))], ["container-not-privileged"], result.violations.map((v) => v.message).join("\n"));
                assert.match(result.violations[0].message, new RegExp(`${kind}Patch 'relayer-${kind.toLowerCase()}' container 'relayer'`));
            });
        }
        it("flag only explicitly bad values; absent fields belong to other field managers", () => {
            const patch = resource("kubernetes:apps/v1:DeploymentPatch", "relayer-patch", { metadata: { name: "relayer" }, spec: { template: { spec: { containers: [{ name: "relayer", image: "ghcr.io/x/y:2" }] } } } });
            const result = run([patch]);
            assert.deepEqual([...new Set(result.violations.map((v) => v.policyName))].sort(), ["image-pinned-by-digest"]);
            const bad = resource("kubernetes:apps/v1:DeploymentPatch", "bad-patch", { spec: { template: { spec: { containers: [{ name: "relayer", securityContext: { privileged: true, allowPrivilegeEscalation: true } }] } } } });
            const names = run([bad]).violations.map((v) => v.policyName).sort();
            assert.deepEqual(names, ["container-no-privilege-escalation", "container-not-privileged"]);
        });
    });

    describe("namespace-pod-security", () => {
        const ns = (labels: Json) => [resource("kubernetes:core/v1:Namespace", "ns", { metadata: { name: "x", labels } })];
        it("accepts restricted, rejects missing and weaker levels, honours the level knob", () => {
            assert.deepEqual(messagesOf(ns({ "pod-security.kubernetes.io/enforce": "restricted" }), "namespace-pod-security"), []);
            assert.match(messagesOf(ns({}), "namespace-pod-security")[0], /is not set/);
            assert.match(messagesOf(ns({ "pod-security.kubernetes.io/enforce": "baseline" }), "namespace-pod-security")[0], /weaker than the required "restricted"/);
            assert.deepEqual(messagesOf(ns({ "pod-security.kubernetes.io/enforce": "baseline" }), "namespace-pod-security", { "namespace-pod-security": { level: "baseline" } }), []);
            assert.equal(messagesOf(ns({ "pod-security.kubernetes.io/enforce": "privileged" }), "namespace-pod-security", { "namespace-pod-security": { level: "baseline" } }).length, 1);
        });
    });
});
