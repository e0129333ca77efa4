// The Cloudflare edge inside the real program (index.ts) for the committed stacks: prod publishes the backend
// through the tunnel and Access, the minted credentials are Pulumi secrets that reach only the secret store,
// the stack outputs carry identifiers only, dev has no edge at all, and bad edge config stops the program.
import { strict as assert } from "assert";
import { StackConfigError } from "../components/config-values";
import { manifestFromRegistration, validateKubernetesObjects } from "../tools/lib/k8s-schema";
import { maskSecrets, MockRecorder, RecordedResource, unwrapSecrets } from "../tools/lib/mock-runtime";
import { CONNECTOR_OVERRIDES, one, plainInputs, ProgramRun, runProgram, stackFiles } from "./helpers/program";

/** What the offline mocks mint for the edge's credentials (tools/lib/mock-runtime.ts). */
const CREDENTIALS = {
    tunnelToken: "offline-placeholder-not-a-secret-tunnel-token-offline-edge-tunnel-id",
    clientId: "offline-placeholder-not-a-secret-client-id-edge-service-token.access",
    clientSecret: "offline-placeholder-not-a-secret-client-secret-edge-service-token",
};

function isUnder(recorder: MockRecorder, r: RecordedResource, type: string): boolean {
    let parent = r.parent;
    while (parent) {
        const p = recorder.resources.find((x) => x.urn === parent);
        if (!p) return false;
        if (p.type === type) return true;
        parent = p.parent;
    }
    return false;
}

/** Registrations whose inputs contain `value` anywhere (secret or not). */
function holders(run: ProgramRun, value: string): RecordedResource[] {
    return run.recorder.resources.filter((r) => JSON.stringify(unwrapSecrets(r.inputs)).includes(value));
}

function relayerEnv(run: ProgramRun): Record<string, string | undefined> {
    const deployment = plainInputs<{ spec: { template: { spec: { containers: { env?: { name: string; value?: string }[] }[] } } } }>(
        one(run.recorder, "kubernetes:apps/v1:Deployment", "relayer-deployment"),
    );
    return Object.fromEntries((deployment.spec.template.spec.containers[0].env ?? []).map((e) => [e.name, e.value]));
}

describe("Cloudflare edge in the program", () => {
    describe("committed prod stack", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("prod");
        });

        it("enables the edge", () => {
            assert.equal(stackFiles("prod").config.cloudflareEnabled, "true");
            assert.equal(run.recorder.ofType("consonant:edge:CloudflareEdge").length, 1);
        });

        it("gives the relayer the edge hostname as its backend URL", () => {
            assert.equal(relayerEnv(run).RELAYER_BACKEND_URL, "wss://relay.consonant.example");
        });

        it("exposes the tunnel id, hostname, Access application id and audience tag, service token id and expiry, none secret", () => {
            const edgeOutputs = Object.fromEntries(
                ["cloudflareTunnelId", "cloudflareHostname", "accessApplicationId", "accessAudienceTag", "accessServiceTokenId", "accessServiceTokenExpiresAt"].map(
                    (k) => [k, run.outputs[k]],
                ),
            );
            for (const [k, v] of Object.entries(edgeOutputs)) {
                assert.ok(v, `missing stack output ${k}`);
                assert.equal(v.secret, false, `${k} is secret`);
            }
            assert.equal(edgeOutputs.cloudflareHostname.value, "relay.consonant.example");
            assert.equal(edgeOutputs.cloudflareTunnelId.value, "offline-edge-tunnel-id");
            assert.equal(edgeOutputs.accessServiceTokenExpiresAt.value, "2099-01-01T00:00:00Z");
        });

        it("never puts a credential in a stack output", () => {
            for (const [key, output] of Object.entries(run.outputs)) {
                const text = JSON.stringify(output.value ?? null);
                for (const value of Object.values(CREDENTIALS)) assert.ok(!text.includes(value), `stack output ${key} contains a credential`);
            }
        });

        it("hands the tunnel token and the service token only to the secret store, as secrets", () => {
            for (const [what, value] of Object.entries(CREDENTIALS)) {
                const found = holders(run, value);
                assert.ok(found.length > 0, `${what} reaches no resource: the store did not receive it`);
                for (const r of found) {
                    assert.ok(isUnder(run.recorder, r, "consonant:secrets:SecretStore"), `${what} reaches ${r.type} ${r.name} outside the secret store`);
                    // Masking every secret hides it: the value travels only inside Pulumi secrets.
                    assert.ok(!JSON.stringify(maskSecrets(r.inputs)).includes(value), `${what} is plain in ${r.type} ${r.name}`);
                }
            }
        });

        it("registers the tunnel, its configuration, the CNAME, the application, two policies and the service token", () => {
            const cloudflareTypes = run.recorder.resources
                .filter((r) => r.type.startsWith("cloudflare:index/"))
                .map((r) => r.type.split(":").pop())
                .sort();
            assert.deepEqual(cloudflareTypes, [
                "DnsRecord",
                "ZeroTrustAccessApplication",
                "ZeroTrustAccessPolicy",
                "ZeroTrustAccessPolicy",
                "ZeroTrustAccessServiceToken",
                "ZeroTrustTunnelCloudflared",
                "ZeroTrustTunnelCloudflaredConfig",
            ]);
            for (const r of run.recorder.resources.filter((x) => x.type.startsWith("cloudflare:index/"))) {
                assert.match(r.provider ?? "", /::cloudflare::/, `${r.name} does not use the explicit Cloudflare provider`);
            }
        });
    });

    describe("prod with the connector deployed by this program", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("prod", { overrides: CONNECTOR_OVERRIDES });
        });

        it("registers schema-valid connector objects in the connector namespace", async () => {
            const connector = run.recorder.resources.filter((r) => isUnder(run.recorder, r, "consonant:edge:CloudflaredConnector"));
            const manifests = connector.map((r) => manifestFromRegistration(r, { secrets: "unwrap" })).filter((m) => m !== undefined);
            assert.deepEqual(manifests.map((m) => m!.kind).sort(), ["Deployment", "Namespace", "NetworkPolicy", "PodDisruptionBudget", "ServiceAccount"]);
            assert.deepEqual(await validateKubernetesObjects(manifests as never), []);
        });

        it("has the secret store deliver the tunnel token into the connector namespace", () => {
            const delivered = run.recorder.resources.filter(
                (r) =>
                    isUnder(run.recorder, r, "consonant:secrets:SecretStore") &&
                    r.type.startsWith("kubernetes:") &&
                    JSON.stringify(unwrapSecrets(r.inputs)).includes("cloudflared-tunnel-token"),
            );
            assert.ok(delivered.length > 0, "no store object writes cloudflared-tunnel-token");
            for (const r of delivered) assert.equal((plainInputs<{ metadata: { namespace: string } }>(r)).metadata.namespace, "cloudflared");
        });
    });

    describe("committed dev stack", () => {
        let run: ProgramRun;
        before(async () => {
            run = await runProgram("dev");
        });

        it("has no edge at all and the relayer dials backendUrl directly", () => {
            assert.deepEqual(
                run.recorder.resources.filter((r) => r.type.startsWith("cloudflare:") || r.type.startsWith("consonant:edge:")).map((r) => r.type),
                [],
            );
            assert.equal(relayerEnv(run).RELAYER_BACKEND_URL, stackFiles("dev").config.backendUrl);
            for (const key of Object.keys(run.outputs)) assert.ok(!/^(cloudflare|access)/.test(key), `dev has edge output ${key}`);
        });

        it("gives the store no Access credentials, so the relayer sends no Access headers", () => {
            assert.ok(!JSON.stringify(run.recorder.resources.map((r) => unwrapSecrets(r.inputs))).includes("access-client-secret"));
        });
    });

    describe("invalid edge config", () => {
        async function refusal(stack: string, overrides: Record<string, string | undefined>): Promise<string> {
            try {
                await runProgram(stack, { overrides });
            } catch (err) {
                assert.ok(err instanceof StackConfigError, `expected StackConfigError, got ${String(err)}`);
                return err.message;
            }
            throw new Error("the program accepted an invalid config");
        }

        it("refuses to disable the edge on prod without the acknowledgement", async () => {
            const message = await refusal("prod", { cloudflareEnabled: "false", backendUrl: "wss://relay.consonant.example" });
            assert.equal(
                message,
                "invalid stack config (1 problem):\nconfig 'cloudflareEnabled': is false on a production-like stack: the backend would be reached without the Cloudflare Tunnel and Access; fix: run `pulumi config set cloudflareEnabled true` and configure the edge, or acknowledge the risk with `pulumi config set cloudflareDisabledAcknowledged true`",
            );
        });

        it("reports a missing account id and a hostname outside the zone together", async () => {
            const message = await refusal("prod", { cloudflareAccountId: undefined, cloudflareHostname: "relay.elsewhere.example" });
            assert.equal(
                message,
                [
                    "invalid stack config (2 problems):",
                    "config 'cloudflareAccountId': is required when cloudflareEnabled is true; fix: run `pulumi config set cloudflareAccountId <account id>` (dashboard → Account home → Account ID)",
                    "config 'cloudflareHostname': 'relay.elsewhere.example' is not inside the zone 'consonant.example'; fix: use a name ending in .consonant.example (e.g. `pulumi config set cloudflareHostname relay.consonant.example`), or set cloudflareZoneId/cloudflareZoneName to the zone that holds it",
                ].join("\n"),
            );
        });

        it("refuses an origin that is not a URL", async () => {
            const message = await refusal("prod", { cloudflareOriginService: "consonant-backend:8080" });
            assert.equal(
                message,
                "invalid stack config (1 problem):\nconfig 'cloudflareOriginService': must be an http:// or https:// URL of the origin, e.g. http://backend.consonant.svc:8080; fix: run `pulumi config set cloudflareOriginService http://backend.consonant.svc:8080`",
            );
        });
    });
});
