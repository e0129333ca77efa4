// The program's own stacks, evaluated for real under the offline mocks (test/helpers/program.ts at the
// repository root), must pass every mandatory policy; a deliberately broken copy of the prod workload
// must fail exactly the policies its defects violate.
import { strict as assert } from "assert";
import { installMocks, RecordedResource, settleRegistrations } from "../../tools/lib/mock-runtime";
import { runProgram, stackFiles } from "../../test/helpers/program";
import { OfflineResource, PolicyRunResult, runPolicies } from "../lib/offline-runner";
import type { Json } from "./fixtures";

function toOffline(recorded: readonly RecordedResource[]): OfflineResource[] {
    return recorded.map((r) => ({ type: r.type, name: r.name, urn: r.urn, props: structuredClone(r.inputs), parent: r.parent, dependencies: r.dependencies, provider: r.provider }));
}

/** A `pulumi preview`-like evaluation: unknown inputs keep the engine's sentinel, as the policy server sees them. */
async function previewProgram(stack: string, overrides?: Record<string, string>): Promise<OfflineResource[]> {
    const files = stackFiles(stack, { overrides });
    const recorder = await installMocks({ project: files.project, stack, preview: true, config: files, keepUnknowns: true });
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- index.ts is loaded after the mocks, as Pulumi does
    const main = require("../../index") as () => Promise<unknown>;
    await main();
    await settleRegistrations();
    return toOffline(recorder.resources);
}

const mandatory = (result: PolicyRunResult) => result.violations.filter((v) => v.enforcementLevel === "mandatory");
const describeAll = (result: PolicyRunResult) => result.violations.map((v) => `${v.policyName}: ${v.message}`).join("\n");

describe("the program's own stacks", function () {
    this.timeout(120_000);
    const stacks: Record<string, OfflineResource[]> = {};

    before(async () => {
        // Mocks are process-global: evaluate one stack after the other, each under fresh mocks.
        for (const stack of ["dev", "prod"]) stacks[stack] = toOffline((await runProgram(stack)).recorder.resources);
    });

    for (const stack of ["dev", "prod"]) {
        it(`${stack}: passes every mandatory policy and nothing is undecided`, () => {
            const result = runPolicies(stacks[stack]);
            assert.deepEqual(mandatory(result), [], describeAll(result));
            assert.deepEqual(result.undecided, []);
            assert.ok(stacks[stack].some((r) => r.type === "kubernetes:apps/v1:Deployment"), "the stack has a workload to check");
        });
    }

    it("prod under a strict organisation config (every policy mandatory, external secrets on) still passes", () => {
        const strict = { all: "mandatory", "no-literal-kubernetes-secret": { externalSecrets: true } } as const;
        const result = runPolicies(stacks["prod"], { config: strict });
        assert.deepEqual(result.violations, [], describeAll(result));
        assert.ok(stacks["prod"].some((r) => r.type === "kubernetes:external-secrets.io/v1:ExternalSecret"), "prod syncs its secrets with External Secrets");
        // The same config catches a Secret whose data went through Pulumi state instead of the store.
        const literal = { type: "kubernetes:core/v1:Secret", name: "leaked", urn: "urn:pulumi:prod::consonant::kubernetes:core/v1:Secret::leaked", props: { metadata: { namespace: "consonant-system" }, stringData: { "llm-anthropic-api-key": "fake" } } };
        const failed = runPolicies([...stacks["prod"], literal], { config: strict }).violations.map((v) => v.policyName);
        assert.deepEqual(failed, ["no-literal-kubernetes-secret"]);
    });

    it("prod during preview (unknown inputs kept as the engine's sentinel): no mandatory violation", async () => {
        const resources = await previewProgram("prod");
        const result = runPolicies(resources);
        assert.deepEqual(mandatory(result), [], describeAll(result));
        assert.ok(JSON.stringify(resources).includes("04da6b54-80e4-46f7-96ec-b56ff0331ba9"), "the preview has unknown inputs to judge");
    });

    it("prod with Cloudflare-enforced MFA for people passes the Access policy", async () => {
        const resources = await previewProgram("prod", { cloudflareHumanMfa: "cloudflare", cloudflareMfaAuthenticators: '["security_key"]' });
        const result = runPolicies(resources);
        assert.ok(resources.some((r) => r.type === "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy" && (r.props as Json).mfaConfig), "the people policy uses mfaConfig");
        assert.deepEqual(mandatory(result), [], describeAll(result));
    });

    it("prod: the stack policies really see the workload (NetworkPolicy, PDB and Access coverage exercised)", () => {
        const types = new Set(stacks["prod"].map((r) => r.type));
        for (const type of [
            "kubernetes:networking.k8s.io/v1:NetworkPolicy",
            "kubernetes:policy/v1:PodDisruptionBudget",
            "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
            "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication",
        ]) {
            assert.ok(types.has(type), `prod registers ${type}`);
        }
        // Without its NetworkPolicy, PDB and Access application the same stack must fail the stack policies.
        const stripped = stacks["prod"].filter((r) => !/NetworkPolicy$|PodDisruptionBudget$|zeroTrustAccessApplication:/.test(r.type));
        const failed = new Set(mandatory(runPolicies(stripped)).map((v) => v.policyName));
        assert.deepEqual([...failed].sort(), ["cloudflare-tunnel-hostnames-covered", "network-policy-coverage", "pdb-coverage"]);
    });

    it("prod, deliberately broken: fails exactly the expected policies", () => {
        const broken = structuredClone(stacks["prod"]);
        const deployment = broken.find((r) => r.type === "kubernetes:apps/v1:Deployment") as OfflineResource;
        const pod = (deployment.props.spec as Json).template.spec as Json;
        const container = pod.containers[0] as Json;
        container.image = String(container.image).replace(/@sha256:[0-9a-f]{64}$/, ":latest");
        container.securityContext.runAsNonRoot = false;
        container.securityContext.privileged = true;
        container.securityContext.capabilities = { add: ["SYS_ADMIN"] };
        pod.volumes.push({ name: "host", hostPath: { path: "/" } });
        container.env = [...(container.env ?? []), { name: "ANTHROPIC_API_KEY", value: ["sk", "ant", "api03", "FAKEfakeFAKEfakeFAKEfake0123456789"].join("-") }];
        const service = broken.find((r) => r.type === "kubernetes:core/v1:Service") as OfflineResource;
        (service.props.spec as Json).type = "LoadBalancer";

        const failed = new Set(mandatory(runPolicies(broken)).map((v) => v.policyName));
        assert.deepEqual([...failed].sort(), [
            "container-capabilities",
            "container-not-privileged",
            "image-no-latest-tag",
            "image-pinned-by-digest",
            "no-literal-credentials",
            "pod-no-host-access",
            "pod-run-as-non-root",
            "service-type-restricted",
        ]);
    });
});
