import { strict as assert } from "assert";
import { parseExemption } from "../lib/exemptions";
import { PolicyPackConfigError } from "../lib/pack-config";
import { runPolicies } from "../lib/offline-runner";
import { packPolicies } from "../policies";
import { UNKNOWN_SENTINELS, UNKNOWN_STRING_VALUE } from "../lib/unknowns";
import { compliantStack, hardenedPodSpec, resource, workload } from "./fixtures";
import { messagesOf, run } from "./helpers";

const KEY = "consonant.io/policy-exempt";
const privileged = (annotations?: Record<string, string>, name?: string) => {
    const pod = hardenedPodSpec();
    pod.containers[0].securityContext.privileged = true;
    // A compliant namespace (NetworkPolicy, PDB) around one privileged Deployment.
    const others = compliantStack().filter((r) => !r.type.startsWith("kubernetes:apps/") && !r.type.startsWith("kubernetes:batch/") && !r.type.endsWith(":Pod"));
    return [...others, workload("Deployment", pod, { annotations, name })];
};

describe("exemptions", () => {
    it("a valid annotation exempts the named policy only, and is reported as not applicable", () => {
        const result = run(privileged({ [KEY]: "policies=container-not-privileged+image-no-latest-tag expires=2099-12-31 reason=Vendor CNI agent needs device access" }));
        assert.deepEqual(result.violations, []);
        const na = result.notApplicable.find((n) => n.policyName === "container-not-privileged");
        assert.match(na?.reason ?? "", /until 2099-12-31: Vendor CNI agent needs device access/);
    });
    it("an exemption without reason is not honoured and is itself a violation", () => {
        const result = run(privileged({ [KEY]: "policies=container-not-privileged expires=2099-12-31" }));
        const names = result.violations.map((v) => v.policyName).sort();
        assert.deepEqual(names, ["container-not-privileged", "policy-exemptions-valid"]);
        assert.match(result.violations.find((v) => v.policyName === "policy-exemptions-valid")?.message ?? "", /it has no reason\. Fix: add "reason=/);
    });
    it("an expired exemption is not honoured and is itself a violation", () => {
        const messages = messagesOf(privileged({ [KEY]: "policies=container-not-privileged expires=2020-01-31 reason=temporary" }), "policy-exemptions-valid");
        assert.match(messages[0], /it expired on 2020-01-31/);
        assert.equal(messagesOf(privileged({ [KEY]: "policies=container-not-privileged expires=2020-01-31 reason=temporary" }), "container-not-privileged").length, 1);
    });
    it("rejects unknown policy names, malformed dates and a missing expiry", () => {
        assert.match(messagesOf(privileged({ [KEY]: "policies=no-such-policy expires=2099-01-01 reason=x" }), "policy-exemptions-valid")[0], /names \[no-such-policy\]/);
        assert.deepEqual(parseExemption("policies=a expires=31/12/2099 reason=r").problems.length, 1);
        assert.match(parseExemption("policies=a reason=r").problems[0], /no expiry date/);
        assert.equal(parseExemption("policies=a+b expires=2099-01-01 reason=long text with = signs").reason, "long text with = signs");
    });
    it("AWS tags carry exemptions too", () => {
        const key = resource("aws:kms/key:Key", "legacy", { tags: { [KEY]: "policies=aws-kms-key-rotation expires=2099-06-30 reason=Imported key material cannot rotate" } });
        assert.deepEqual(run([key]).violations, []);
    });
    it("config exempts by resource name pattern (with reason; expired entries ignored), for resource and stack policies", () => {
        const config = { "container-not-privileged": { exemptResources: [{ name: "legacy-*", reason: "migrating by Q1" }] } };
        assert.deepEqual(messagesOf(privileged(undefined, "legacy-agent"), "container-not-privileged", config), []);
        assert.equal(messagesOf(privileged(undefined, "relayer"), "container-not-privileged", config).length, 1);
        const expired = { "container-not-privileged": { exemptResources: [{ name: "legacy-*", reason: "old", expires: "2020-01-01" }] } };
        assert.equal(messagesOf(privileged(undefined, "legacy-agent"), "container-not-privileged", expired).length, 1);
        const lonely = [workload("Deployment", hardenedPodSpec(), { name: "legacy-app", replicas: 1 })];
        assert.equal(messagesOf(lonely, "network-policy-coverage").length, 1);
        assert.deepEqual(messagesOf(lonely, "network-policy-coverage", { "network-policy-coverage": { exemptResources: [{ name: "legacy-*", reason: "cluster without NetworkPolicy support" }] } }), []);
        assert.throws(() => run(lonely, { "network-policy-coverage": { exemptResources: [{ name: "legacy-*" }] } }), /must have required property 'reason'/);
    });
});

describe("offline runner and --policy-pack-config", () => {
    it("applies `all` and per-policy enforcement levels like the CLI (policy entry wins)", () => {
        const stack = privileged();
        const all = run(stack, { all: "advisory" });
        assert.ok(all.violations.every((v) => v.enforcementLevel === "advisory"));
        const mixed = run(stack, { all: "advisory", "container-not-privileged": "mandatory" });
        assert.equal(mixed.violations.find((v) => v.policyName === "container-not-privileged")?.enforcementLevel, "mandatory");
        assert.deepEqual(run(stack, { "container-not-privileged": { enforcementLevel: "disabled" } }).violations, []);
        assert.deepEqual(run(stack, { all: "disabled" }).violations, []);
    });
    it("rejects bad config with one error naming every problem and its fix", () => {
        try {
            run(privileged(), { all: "strict" as never, "no-such-policy": "advisory", "workload-min-replicas": { minReplicas: 0, typo: 1 } });
            assert.fail("expected a config error");
        } catch (error) {
            assert.ok(error instanceof PolicyPackConfigError);
            const text = (error as Error).message;
            assert.match(text, /"all": "strict" is not an enforcement level/);
            assert.match(text, /"no-such-policy" is not a policy of this pack/);
            assert.match(text, /workload-min-replicas\.minReplicas": must be >= 1/);
            assert.match(text, /must NOT have additional properties "typo"/);
        }
    });
    it("every policy carries name, description, severity, level, framework and remediation; names are unique", () => {
        const names = packPolicies.map((p) => p.name);
        assert.equal(new Set(names).size, names.length);
        for (const policy of packPolicies) {
            assert.ok(policy.description && policy.severity && policy.enforcementLevel && policy.framework.name && policy.remediationSteps, policy.name);
            assert.ok(policy.configSchema?.properties?.["exemptResources"] || policy.name === "policy-exemptions-valid", policy.name);
        }
    });
    it("a crashing policy is reported with the policy and resource it failed on", () => {
        const crashing = { ...packPolicies[0], name: "crashing", validateResource: () => { throw new Error("boom"); } };
        assert.throws(() => runPolicies([resource("kubernetes:core/v1:ConfigMap", "cm", {})], { policies: [crashing as never] }), /policy 'crashing' failed on resource urn:pulumi:test::consonant::kubernetes:core\/v1:ConfigMap::cm: boom/);
    });
    it("builds stack resources with parent, dependencies and provider, and secret values unwrapped", () => {
        const seen: unknown[] = [];
        const probe = {
            ...packPolicies[0],
            name: "probe",
            validateResource: undefined,
            validateStack: (args: { resources: { name: string; parent?: { name: string }; provider?: { name: string; props: Record<string, unknown> }; dependencies: { name: string }[]; props: Record<string, unknown> }[] }) => {
                for (const r of args.resources) seen.push([r.name, r.parent?.name, r.dependencies.map((d) => d.name), r.props["value"], r.provider?.props["namespace"]]);
            },
        };
        const provider = resource("pulumi:providers:kubernetes", "k8s", { namespace: "consonant-system" });
        const parent = resource("consonant:workload:RelayerWorkload", "relayer", {});
        const child = resource("kubernetes:core/v1:ConfigMap", "cm", { value: { "4dabf18193072939515e22adb298388d": "1b47061264138c4ac30d75fd1eb44270", value: "plain" } }, { parent: parent.urn, dependencies: [parent.urn], provider: `${provider.urn}::offline-k8s-id` });
        runPolicies([provider, parent, child], { policies: [probe as never] });
        assert.deepEqual(seen, [["k8s", undefined, [], undefined, undefined], ["relayer", undefined, [], undefined, undefined], ["cm", "relayer", ["relayer"], "plain", "consonant-system"]]);
    });
});

describe("preview: unknown values", () => {
    it("a policy that meets an unknown value reports undecided, never a pass or a fail, and still reports what it knows", () => {
        const pod = hardenedPodSpec();
        pod.containers[0].image = UNKNOWN_STRING_VALUE;
        pod.initContainers[0].securityContext.privileged = true;
        pod.initContainers[0].image = "ghcr.io/x/y:1";
        const result = run([workload("Deployment", pod)]);
        const undecided = result.undecided.filter((u) => u.policyName === "image-pinned-by-digest");
        assert.equal(undecided.length, 1);
        assert.match(undecided[0].reason, /can't run policy 'image-pinned-by-digest' during preview: string value at \.spec\.template\.spec\.containers\.0\.image can't be known/);
        assert.equal(messagesOf([workload("Deployment", pod)], "image-pinned-by-digest").length, 1, "the known init container is still judged");
        assert.equal(messagesOf([workload("Deployment", pod)], "container-not-privileged").length, 1);
    });
    it("every typed unknown sentinel makes the policy undecided, never a pass or a fail", () => {
        for (const sentinel of UNKNOWN_SENTINELS) {
            const pod = hardenedPodSpec();
            pod.containers[0].securityContext.privileged = sentinel;
            const result = run([workload("Deployment", pod)]);
            assert.ok(result.undecided.some((u) => u.policyName === "container-not-privileged"), String(sentinel));
            assert.ok(!result.violations.some((v) => v.policyName === "container-not-privileged"), String(sentinel));
        }
    });
    it("stack policies stay undecided when a namespace or selector is unknown", () => {
        const stack = compliantStack();
        const np = stack.find((r) => r.type.endsWith("NetworkPolicy"));
        (np!.props.metadata as Record<string, unknown>).namespace = UNKNOWN_STRING_VALUE;
        const result = run(stack);
        assert.ok(result.undecided.some((u) => u.policyName === "network-policy-coverage"));
        assert.ok(!result.violations.some((v) => v.policyName === "network-policy-coverage"));
    });
});
