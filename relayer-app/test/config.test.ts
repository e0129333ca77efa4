// The env contract (DESIGN.md) as parsed by the app: defaults, one error line per bad variable, no echoed values.
import { strict as assert } from "node:assert";
import { parseRelayerConfig } from "../src/config";

const minimal = {
    RELAYER_BACKEND_URL: "wss://relay.example.test",
    RELAYER_CLUSTER_NAME: "prod-use1",
    RELAYER_NAMESPACE: "consonant-system",
    RELAYER_REPLICA: "consonant-relayer-7d9f-abcde",
};

describe("relayer config (env contract)", () => {
    it("applies DESIGN.md defaults", () => {
        const result = parseRelayerConfig(minimal);
        assert.ok(result.ok);
        const c = result.config;
        assert.equal(c.secretsDir, "/var/run/secrets/consonant");
        assert.deepEqual(c.spool, { dir: "/var/cache/relayer", maxBytes: 400 * 1024 * 1024, fsync: "always", segmentBytes: 32 * 1024 * 1024 });
        assert.equal(c.otlpMaxRequestBytes, 8 * 1024 * 1024);
        assert.deepEqual(c.llmProviders, []);
        assert.equal(c.kagentUrl, "http://kagent-controller.kagent:8083");
        assert.equal(c.logLevel, "info");
        assert.equal(c.drainSeconds, 20);
        assert.equal(c.allowInsecureBackend, false);
        assert.deepEqual(c.ports, { otlpGrpc: 4317, otlpHttp: 4318, gateway: 8081, ops: 8080 });
        assert.equal(c.bindHost, "0.0.0.0");
    });

    it("reports one line per bad variable with the problem and the fix, never the value", () => {
        const secretLooking = "hunter2-should-not-be-echoed";
        const result = parseRelayerConfig({
            RELAYER_CLUSTER_NAME: "x",
            RELAYER_NAMESPACE: "UPPER",
            RELAYER_REPLICA: secretLooking + "_",
            RELAYER_SPOOL_MAX_BYTES: "12",
            RELAYER_LLM_PROVIDERS: "openai,cohere",
            RELAYER_DRAIN_SECONDS: "soon",
            RELAYER_ALLOW_INSECURE_BACKEND: "yes",
        });
        assert.ok(!result.ok);
        const variables = result.errors.map((line) => line.split(":")[0]).sort();
        assert.deepEqual(variables, [
            "RELAYER_ALLOW_INSECURE_BACKEND",
            "RELAYER_BACKEND_URL",
            "RELAYER_DRAIN_SECONDS",
            "RELAYER_LLM_PROVIDERS",
            "RELAYER_NAMESPACE",
            "RELAYER_REPLICA",
            "RELAYER_SPOOL_MAX_BYTES",
        ]);
        for (const line of result.errors) {
            assert.match(line, /^RELAYER_[A-Z_]+: .+; fix: .+/);
            assert.ok(!line.includes(secretLooking));
        }
    });

    it("refuses ws:// unless RELAYER_ALLOW_INSECURE_BACKEND=true, and URLs with credentials", () => {
        const insecure = parseRelayerConfig({ ...minimal, RELAYER_BACKEND_URL: "ws://127.0.0.1:9000" });
        assert.ok(!insecure.ok && insecure.errors[0].startsWith("RELAYER_BACKEND_URL: uses ws://"));
        assert.ok(parseRelayerConfig({ ...minimal, RELAYER_BACKEND_URL: "ws://127.0.0.1:9000", RELAYER_ALLOW_INSECURE_BACKEND: "true" }).ok);
        const https = parseRelayerConfig({ ...minimal, RELAYER_BACKEND_URL: "https://relay.example.test" });
        assert.ok(!https.ok && /ws:\/\/ or wss:\/\//.test(https.errors[0]));
        const withUser = parseRelayerConfig({ ...minimal, RELAYER_BACKEND_URL: "wss://user:pw@relay.example.test" });
        assert.ok(!withUser.ok && /credentials/.test(withUser.errors[0]));
    });

    it("treats empty values as unset, parses lists and rejects duplicate ports", () => {
        const result = parseRelayerConfig({ ...minimal, RELAYER_LOG_LEVEL: "", RELAYER_LLM_PROVIDERS: " openai , azure " });
        assert.ok(result.ok);
        assert.equal(result.config.logLevel, "info");
        assert.deepEqual(result.config.llmProviders, ["openai", "azure"]);
        const clash = parseRelayerConfig({ ...minimal, RELAYER_OPS_PORT: "4317" });
        assert.ok(!clash.ok && /share a port/.test(clash.errors[0]));
    });
});
