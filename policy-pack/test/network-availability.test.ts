import { strict as assert } from "assert";
import { defaultDenyPolicy, hardenedPodSpec, namespaceResource, networkPolicy, pdb, resource, workload, NAMESPACE } from "./fixtures";
import { messagesOf, run } from "./helpers";

const relayer = () => workload("Deployment", hardenedPodSpec(), { name: "relayer", replicas: 3 });
const goodPdb = () => pdb("relayer-pdb", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, maxUnavailable: 1 });

describe("network policies", () => {
    describe("network-policy-coverage (stack)", () => {
        it("accepts a workload selected for both directions, also via matchExpressions split over two policies", () => {
            assert.deepEqual(messagesOf([relayer(), defaultDenyPolicy(), goodPdb()], "network-policy-coverage"), []);
            const split = [
                relayer(),
                networkPolicy("ingress", { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "In", values: ["relayer", "x"] }] }, policyTypes: ["Ingress"] }),
                networkPolicy("egress", { podSelector: {}, egress: [{ to: [{ podSelector: {} }] }] }),
            ];
            assert.deepEqual(messagesOf(split, "network-policy-coverage"), []);
        });
        it("rejects a workload without any NetworkPolicy, naming the labels and the fix", () => {
            const violations = run([relayer()]).violations.filter((v) => v.policyName === "network-policy-coverage");
            assert.equal(violations.length, 1);
            assert.equal(violations[0].name, "relayer");
            assert.match(violations[0].message, /selected by no NetworkPolicy, leaving Ingress and Egress unrestricted/);
            assert.match(violations[0].message, /\(spec\.template\.metadata\.labels\): pods with labels/);
            const pod = messagesOf([workload("Pod", hardenedPodSpec(), { name: "bare-pod" })], "network-policy-coverage");
            assert.match(pod[0], /Pod 'bare-pod' in namespace 'consonant-system' \(metadata\.labels\): pods with labels/, "a Pod's labels are its own metadata.labels");
        });
        it("rejects Ingress-only coverage (policyTypes defaults), other namespaces and non-matching expressions", () => {
            const ingressOnly = networkPolicy("ingress-only", { podSelector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, ingress: [] });
            assert.match(messagesOf([relayer(), ingressOnly], "network-policy-coverage")[0], /selected only by \[ingress-only\], leaving Egress unrestricted/);
            assert.equal(messagesOf([relayer(), defaultDenyPolicy("other")], "network-policy-coverage").length, 1);
            const notIn = networkPolicy("not-relayer", { podSelector: { matchExpressions: [{ key: "app.kubernetes.io/name", operator: "NotIn", values: ["relayer"] }] }, policyTypes: ["Ingress", "Egress"] });
            assert.equal(messagesOf([relayer(), notIn], "network-policy-coverage").length, 1);
        });
        it("defaults policyTypes like the API server: `egress: []` and `policyTypes: []` leave Egress open", () => {
            const selector = { matchLabels: { "app.kubernetes.io/name": "relayer" } };
            const emptyEgress = networkPolicy("empty-egress", { podSelector: selector, ingress: [], egress: [] });
            assert.match(messagesOf([relayer(), emptyEgress], "network-policy-coverage")[0], /selected only by \[empty-egress\], leaving Egress unrestricted/);
            const emptyTypes = networkPolicy("empty-types", { podSelector: selector, policyTypes: [], egress: [{ to: [{ podSelector: {} }] }] });
            assert.deepEqual(messagesOf([relayer(), emptyTypes], "network-policy-coverage"), [], "an empty policyTypes is defaulted from the rules");
            const emptyTypesNoEgress = networkPolicy("ingress-by-default", { podSelector: selector, policyTypes: [] });
            assert.match(messagesOf([relayer(), emptyTypesNoEgress], "network-policy-coverage")[0], /leaving Egress unrestricted/);
        });
        it("deprecated extensions/v1beta1 NetworkPolicies count for coverage and are checked for egress", () => {
            const legacy = { ...defaultDenyPolicy(), type: "kubernetes:extensions/v1beta1:NetworkPolicy" };
            assert.deepEqual(messagesOf([relayer(), legacy], "network-policy-coverage"), []);
            const open = { ...networkPolicy("open", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock: { cidr: "0.0.0.0/0" } }] }] }), type: "kubernetes:extensions/v1beta1:NetworkPolicy" };
            assert.equal(messagesOf([open], "network-policy-egress-private-ranges").length, 1);
        });
        it("uses the provider's default namespace for resources without one; exemptNamespaces knob", () => {
            const provider = resource("pulumi:providers:kubernetes", "k8s", { namespace: NAMESPACE });
            const bare = workload("Pod", hardenedPodSpec(), { name: "bare", namespace: "" });
            bare.provider = `${provider.urn}::id`;
            assert.deepEqual(messagesOf([provider, bare, defaultDenyPolicy()], "network-policy-coverage"), []);
            assert.deepEqual(messagesOf([relayer()], "network-policy-coverage", { "network-policy-coverage": { exemptNamespaces: [NAMESPACE] } }), []);
        });
    });

    describe("network-policy-egress-private-ranges", () => {
        const egress = (ipBlock: object) => [networkPolicy("np", { podSelector: {}, policyTypes: ["Egress"], egress: [{ to: [{ ipBlock }], ports: [{ port: 443 }] }] })];
        const all = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10"];
        it("accepts 0.0.0.0/0 and ::/0 with every range excepted (also by adjacent halves)", () => {
            assert.deepEqual(messagesOf(egress({ cidr: "0.0.0.0/0", except: all }), "network-policy-egress-private-ranges"), []);
            assert.deepEqual(messagesOf(egress({ cidr: "::/0", except: ["fc00::/7", "fe80::/10", "::1/128"] }), "network-policy-egress-private-ranges"), []);
            const halves = ["10.0.0.0/9", "10.128.0.0/9", ...all.slice(1)];
            assert.deepEqual(messagesOf(egress({ cidr: "0.0.0.0/0", except: halves }), "network-policy-egress-private-ranges"), []);
            assert.deepEqual(messagesOf(egress({ cidr: "10.20.0.5/32" }), "network-policy-egress-private-ranges"), []);
        });
        it("rejects missing excepts, a split 0.0.0.0/1 trick, IPv6 without fc00::/7 and an empty `to`", () => {
            assert.match(messagesOf(egress({ cidr: "0.0.0.0/0", except: all.slice(0, 4) }), "network-policy-egress-private-ranges")[0], /also allows 127\.0\.0\.0\/8, 100\.64\.0\.0\/10/);
            assert.match(messagesOf(egress({ cidr: "0.0.0.0/1" }), "network-policy-egress-private-ranges")[0], /10\.0\.0\.0\/8/);
            assert.match(messagesOf(egress({ cidr: "::/0", except: ["fe80::/10", "::1/128"] }), "network-policy-egress-private-ranges")[0], /fc00::\/7/);
            const open = [networkPolicy("open", { podSelector: {}, egress: [{ ports: [{ port: 53 }] }] })];
            assert.match(messagesOf(open, "network-policy-egress-private-ranges")[0], /is empty, which allows every destination/);
        });
        it("honours the excludedRanges knob", () => {
            assert.deepEqual(messagesOf(egress({ cidr: "0.0.0.0/0", except: ["10.0.0.0/8"] }), "network-policy-egress-private-ranges", { "network-policy-egress-private-ranges": { excludedRanges: ["10.0.0.0/8"] } }), []);
        });
    });

    describe("service-type-restricted", () => {
        const svc = (type?: string) => [resource("kubernetes:core/v1:Service", "svc", { spec: { ...(type ? { type } : {}), ports: [{ port: 80 }] } })];
        it("accepts ClusterIP, rejects LoadBalancer and NodePort, honours forbiddenTypes", () => {
            assert.deepEqual(messagesOf(svc(), "service-type-restricted"), []);
            assert.match(messagesOf(svc("LoadBalancer"), "service-type-restricted")[0], /"LoadBalancer" exposes/);
            assert.equal(messagesOf(svc("NodePort"), "service-type-restricted").length, 1);
            assert.deepEqual(messagesOf(svc("NodePort"), "service-type-restricted", { "service-type-restricted": { forbiddenTypes: ["LoadBalancer"] } }), []);
        });
    });
});

describe("availability", () => {
    describe("pdb-coverage (stack)", () => {
        it("accepts one PDB allowing a disruption, and single-replica workloads without one", () => {
            assert.deepEqual(messagesOf([namespaceResource(), relayer(), goodPdb()], "pdb-coverage"), []);
            assert.deepEqual(messagesOf([workload("Deployment", hardenedPodSpec(), { replicas: 1 })], "pdb-coverage"), []);
            const percent = pdb("p", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, minAvailable: "50%" });
            assert.deepEqual(messagesOf([relayer(), percent], "pdb-coverage"), []);
        });
        it("rejects missing PDBs, zero allowed disruptions, duplicate PDBs and PDBs in another namespace", () => {
            assert.match(messagesOf([relayer()], "pdb-coverage")[0], /no PodDisruptionBudget selects its pods/);
            const zero = pdb("zero", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, minAvailable: 3 });
            assert.match(messagesOf([relayer(), zero], "pdb-coverage")[0], /allows 0 disruptions/);
            const zeroPercent = pdb("zero", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } }, maxUnavailable: "0%" });
            assert.match(messagesOf([relayer(), zeroPercent], "pdb-coverage")[0], /allows 0 disruptions/);
            const second = pdb("second", { selector: { matchExpressions: [{ key: "app.kubernetes.io/instance", operator: "Exists" }] }, maxUnavailable: 1 });
            assert.match(messagesOf([relayer(), goodPdb(), second], "pdb-coverage")[0], /several PodDisruptionBudgets/);
            assert.equal(messagesOf([relayer(), pdb("elsewhere", { selector: {}, maxUnavailable: 1 }, "other")], "pdb-coverage").length, 1);
            assert.match(messagesOf([relayer(), pdb("empty", { selector: { matchLabels: { "app.kubernetes.io/name": "relayer" } } })], "pdb-coverage")[0], /sets neither/);
        });
        it("policy/v1beta1 PDBs count, except that their empty selector selects no pod", () => {
            const legacy = (selector: object) => ({ ...pdb("legacy", { selector, maxUnavailable: 1 }), type: "kubernetes:policy/v1beta1:PodDisruptionBudget" });
            assert.deepEqual(messagesOf([relayer(), legacy({ matchLabels: { "app.kubernetes.io/name": "relayer" } })], "pdb-coverage"), []);
            assert.match(messagesOf([relayer(), legacy({})], "pdb-coverage")[0], /no PodDisruptionBudget selects its pods/);
            assert.deepEqual(messagesOf([relayer(), pdb("everything", { selector: {}, maxUnavailable: 1 })], "pdb-coverage"), [], "policy/v1: an empty selector selects every pod");
        });
        it("takes the replica count from a HorizontalPodAutoscaler (by target name or by URN dependency)", () => {
            const scaled = workload("Deployment", hardenedPodSpec(), { name: "relayer" });
            delete (scaled.props.spec as Record<string, unknown>).replicas;
            const byDependency = resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hpa", { metadata: { namespace: NAMESPACE }, spec: { scaleTargetRef: { apiVersion: "apps/v1", kind: "Deployment", name: "relayer-abc123" }, minReplicas: 3, maxReplicas: 6 } }, { dependencies: [scaled.urn] });
            assert.match(messagesOf([scaled, byDependency], "pdb-coverage")[0], /3 replicas by HorizontalPodAutoscaler 'hpa' minReplicas/);
            assert.deepEqual(messagesOf([scaled, byDependency, goodPdb()], "pdb-coverage"), []);
            const byName = resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hpa", { metadata: { namespace: NAMESPACE }, spec: { scaleTargetRef: { kind: "Deployment", name: "relayer" }, minReplicas: 2, maxReplicas: 6 } });
            assert.equal(messagesOf([scaled, byName], "pdb-coverage").length, 1);
            assert.deepEqual(messagesOf([scaled], "pdb-coverage"), [], "without HPA an unset spec.replicas means one replica");
        });
    });

    describe("workload-min-replicas (stack)", () => {
        it("is advisory, defaults to 3, follows the config and honours HorizontalPodAutoscaler minReplicas", () => {
            const one = [workload("Deployment", hardenedPodSpec(), { replicas: 1 })];
            const violations = run(one).violations.filter((v) => v.policyName === "workload-min-replicas");
            assert.equal(violations.length, 1);
            assert.equal(violations[0].enforcementLevel, "advisory");
            assert.match(violations[0].message, /\(spec\.replicas\): is 1, below the minimum of 3/);
            assert.equal(messagesOf([workload("StatefulSet", hardenedPodSpec(), { replicas: 2 })], "workload-min-replicas").length, 1);
            assert.deepEqual(messagesOf(one, "workload-min-replicas", { "workload-min-replicas": { minReplicas: 1 } }), []);
            const scaled = workload("Deployment", hardenedPodSpec(), { name: "relayer" });
            delete (scaled.props.spec as Record<string, unknown>).replicas;
            const hpa = (minReplicas: number) => resource("kubernetes:autoscaling/v2:HorizontalPodAutoscaler", "hpa", { metadata: { namespace: NAMESPACE }, spec: { scaleTargetRef: { kind: "Deployment", name: "relayer" }, minReplicas, maxReplicas: 9 } });
            assert.deepEqual(messagesOf([scaled, hpa(3)], "workload-min-replicas"), []);
            assert.match(messagesOf([scaled, hpa(2)], "workload-min-replicas")[0], /HorizontalPodAutoscaler 'hpa' minReplicas\): is 2/);
            const legacyHpa = { ...hpa(2), type: "kubernetes:autoscaling/v2beta2:HorizontalPodAutoscaler" };
            assert.match(messagesOf([scaled, legacyHpa], "workload-min-replicas")[0], /HorizontalPodAutoscaler 'hpa' minReplicas\): is 2/, "autoscaling/v2beta2 HPAs count too");
            assert.deepEqual(messagesOf([workload("DaemonSet")], "workload-min-replicas"), []);
        });
    });
});
