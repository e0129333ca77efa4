// The offline runner must behave like the real pack. This suite starts policy-pack/index.ts — the actual
// @pulumi/policy server, as the Pulumi CLI would — in a child process on 127.0.0.1, sends it the same
// resources over its gRPC analyzer protocol, and requires identical outcomes: violations (policy, level,
// message), not-applicable decisions, preview "can't run" diagnostics and stack-policy findings.
import { strict as assert } from "assert";
import { ChildProcess, spawn } from "child_process";
import * as grpc from "@grpc/grpc-js";
import type { EnforcementLevel } from "@pulumi/policy";
import * as analyzerRpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerProto from "@pulumi/pulumi/proto/analyzer_pb";
import { Empty } from "google-protobuf/google/protobuf/empty_pb";
import { Struct } from "google-protobuf/google/protobuf/struct_pb";
import * as path from "path";
import type { OfflineResource } from "../lib/offline-runner";
import { runPolicies } from "../lib/offline-runner";
import { isStackPolicy } from "../lib/policy-types";
import { resolvePackConfig, PolicyPackConfigFile } from "../lib/pack-config";
import { UNKNOWN_STRING_VALUE } from "../lib/unknowns";
import { packPolicies } from "../policies";
import { compliantStack, hardenedPodSpec, resource, workload } from "./fixtures";

const levelName = (level: number) => ({ [analyzerProto.EnforcementLevel.ADVISORY]: "advisory", [analyzerProto.EnforcementLevel.MANDATORY]: "mandatory", [analyzerProto.EnforcementLevel.REMEDIATE]: "remediate", [analyzerProto.EnforcementLevel.DISABLED]: "disabled" })[level];
const levelEnum = (level: EnforcementLevel) => ({ advisory: analyzerProto.EnforcementLevel.ADVISORY, mandatory: analyzerProto.EnforcementLevel.MANDATORY, remediate: analyzerProto.EnforcementLevel.REMEDIATE, disabled: analyzerProto.EnforcementLevel.DISABLED })[level];
const STACK_POLICIES = new Set(packPolicies.filter(isStackPolicy).map((p) => p.name));

type Outcome = { policyName: string; level: string; message: string; urn?: string };

function call<Req, Res>(fn: (req: Req, cb: (err: grpc.ServiceError | null, res: Res) => void) => void, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => fn(request, (err, res) => (err ? reject(err) : resolve(res))));
}

/** Properties as the engine serialises them: JSON values only (undefined keys dropped). */
function struct(props: Record<string, unknown>): Struct {
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(props)));
}

function options(): analyzerProto.AnalyzerResourceOptions {
    return new analyzerProto.AnalyzerResourceOptions().setCustomtimeouts(new analyzerProto.AnalyzerResourceOptions.CustomTimeouts());
}

function diagnostics(response: analyzerProto.AnalyzeResponse): Outcome[] {
    return response.getDiagnosticsList().map((d) => ({ policyName: d.getPolicyname(), level: levelName(d.getEnforcementlevel()) as string, message: d.getMessage(), ...(d.getUrn() ? { urn: d.getUrn() } : {}) }));
}

/** A resource set covering violations, exemptions (valid and expired), preview unknowns and stack policies. */
function sample(): OfflineResource[] {
    const broken = hardenedPodSpec();
    broken.containers[0].image = "ghcr.io/consonant/relayer:1.4.2";
    broken.containers[0].securityContext.privileged = true;
    broken.initContainers[0].securityContext.runAsNonRoot = false;
    const preview = hardenedPodSpec();
    preview.containers[0].image = UNKNOWN_STRING_VALUE;
    return [
        ...compliantStack(),
        workload("Deployment", broken, { name: "broken", replicas: 2, labels: { app: "broken" } }),
        workload("Deployment", broken, { name: "exempt", labels: { app: "exempt" }, annotations: { "consonant.io/policy-exempt": "policies=container-not-privileged+image-pinned-by-digest expires=2099-01-01 reason=vendor agent" } }),
        workload("StatefulSet", broken, { name: "expired", labels: { app: "expired" }, annotations: { "consonant.io/policy-exempt": "policies=container-not-privileged expires=2020-01-01 reason=old" } }),
        workload("Pod", preview, { name: "preview" }),
        resource("aws:kms/key:Key", "key", { customerMasterKeySpec: "ECC_NIST_P256" }),
        resource("vault:index/policy:Policy", "reader", { name: "relayer-read", policy: 'path "sys/*" { capabilities = ["read", "update"] }' }),
    ];
}

describe("offline runner ≡ the real policy pack server", function () {
    this.timeout(120_000);
    let child: ChildProcess | undefined;
    let client: analyzerRpc.AnalyzerClient;

    before(async () => {
        const packDir = path.resolve(__dirname, "..");
        child = spawn(process.execPath, ["-r", "ts-node/register/transpile-only", "index.ts"], { cwd: packDir, stdio: ["ignore", "pipe", "pipe"] });
        const port = await new Promise<string>((resolve, reject) => {
            const timer = setTimeout(() => reject(new Error("the pack did not print its port within 60 s")), 60_000);
            child?.stdout?.once("data", (chunk: Buffer) => {
                clearTimeout(timer);
                resolve(chunk.toString().trim().split("\n")[0]);
            });
            child?.once("exit", (code) => reject(new Error(`the pack exited with ${code}`)));
        });
        assert.match(port, /^\d+$/);
        client = new analyzerRpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure());
    });

    after(() => {
        client?.close();
        if (child?.pid !== undefined && child.exitCode === null) child.kill("SIGTERM");
    });

    async function configure(config: PolicyPackConfigFile): Promise<void> {
        // What the CLI sends: every policy's reconciled level and knobs.
        const request = new analyzerProto.ConfigureAnalyzerRequest();
        for (const [name, resolved] of resolvePackConfig(packPolicies, config)) {
            request.getPolicyconfigMap().set(name, new analyzerProto.PolicyConfig().setEnforcementlevel(levelEnum(resolved.enforcementLevel)).setProperties(Struct.fromJavaScript(resolved.properties as never)));
        }
        await call<analyzerProto.ConfigureAnalyzerRequest, Empty>(client.configure.bind(client), request);
    }

    async function serverOutcomes(resources: OfflineResource[]): Promise<{ perResource: Map<string, Outcome[]>; notApplicable: Map<string, string[]>; stack: Outcome[] }> {
        const perResource = new Map<string, Outcome[]>();
        const notApplicable = new Map<string, string[]>();
        for (const r of resources) {
            const request = new analyzerProto.AnalyzeRequest().setType(r.type).setName(r.name).setUrn(r.urn).setProperties(struct(r.props)).setOptions(options());
            const response = await call<analyzerProto.AnalyzeRequest, analyzerProto.AnalyzeResponse>(client.analyze.bind(client), request);
            perResource.set(r.urn, diagnostics(response));
            notApplicable.set(r.urn, response.getNotApplicableList().map((n) => n.getPolicyName()).sort());
        }
        const stackRequest = new analyzerProto.AnalyzeStackRequest().setResourcesList(
            resources.map((r) => new analyzerProto.AnalyzerResource().setType(r.type).setName(r.name).setUrn(r.urn).setProperties(struct(r.props)).setOptions(options()).setDependenciesList(r.dependencies ?? [])),
        );
        const stack = diagnostics(await call<analyzerProto.AnalyzeStackRequest, analyzerProto.AnalyzeResponse>(client.analyzeStack.bind(client), stackRequest));
        return { perResource, notApplicable, stack };
    }

    for (const [label, config] of [
        ["default config", {}],
        ["a config with levels and knobs", { all: "advisory", "container-not-privileged": "mandatory", "container-capabilities": { allowedAdd: ["NET_RAW"] }, "pdb-coverage": "disabled" }],
    ] as [string, PolicyPackConfigFile][]) {
        it(`gives the same outcomes under ${label}`, async () => {
            await configure(config);
            const resources = sample();
            const server = await serverOutcomes(resources);
            const offline = runPolicies(resources, { config });
            const byUrn = (urn: string) => offline.violations.filter((v) => v.urn === urn && !STACK_POLICIES.has(v.policyName)).map((v) => ({ policyName: v.policyName, level: v.enforcementLevel, message: v.message }));
            let compared = 0;
            for (const r of resources) {
                const fromServer = server.perResource.get(r.urn) ?? [];
                const serverViolations = fromServer.filter((d) => !d.message.startsWith("can't run policy"));
                assert.deepEqual(byUrn(r.urn), serverViolations, `violations of ${r.name}`);
                const serverUndecided = fromServer.filter((d) => d.message.startsWith("can't run policy")).map((d) => d.policyName);
                assert.deepEqual(offline.undecided.filter((u) => u.urn === r.urn).map((u) => u.policyName), serverUndecided, `undecided of ${r.name}`);
                // The server also lists policies it skipped as not applicable to the type; compare the decisions policies made.
                const decided = offline.notApplicable.filter((n) => n.urn === r.urn).map((n) => n.policyName).sort();
                for (const name of decided) assert.ok(server.notApplicable.get(r.urn)?.includes(name), `${name} not applicable to ${r.name}`);
                compared += serverViolations.length;
            }
            assert.ok(compared > 5, "the sample produces violations to compare");
            const offlineStack = offline.violations.filter((v) => STACK_POLICIES.has(v.policyName)).map((v) => ({ policyName: v.policyName, level: v.enforcementLevel, message: v.message, urn: v.urn }));
            assert.deepEqual(offlineStack, server.stack);
        });
    }

    it("publishes every policy with its metadata and config schema", async () => {
        const info = await call<Empty, analyzerProto.AnalyzerInfo>(client.getAnalyzerInfo.bind(client), new Empty());
        assert.equal(info.getName(), "consonant-security");
        const published = info.getPoliciesList();
        assert.deepEqual(published.map((p) => p.getName()), packPolicies.map((p) => p.name));
        for (const p of published) {
            assert.ok(p.getDescription() && p.getRemediationSteps() && p.getFramework()?.getName(), p.getName());
            assert.ok(p.getConfigschema()?.getProperties()?.toJavaScript()["exemptResources"] || p.getName() === "policy-exemptions-valid", p.getName());
        }
    });
});
