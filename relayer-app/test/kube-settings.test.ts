// The environment variables of the Kubernetes side, the commands and the gateway: defaults, typed settings, and
// one clear error line (variable, problem, fix) per bad value, through the relayer's one config parser.
import assert from "node:assert/strict";
import { parseRelayerConfig } from "../src/config";
import { commandSettingsFromEnv } from "../src/commands/settings";
import { gatewaySettingsFromEnv } from "../src/gateway/settings";
import { loadKubeAccess } from "../src/kube/client";
import { DEFAULT_NOISE_REASONS, kubeSettingsFromEnv } from "../src/kube/settings";

const base = {
    RELAYER_BACKEND_URL: "wss://relay.example.test",
    RELAYER_CLUSTER_NAME: "c",
    RELAYER_NAMESPACE: "consonant-system",
    RELAYER_REPLICA: "relayer-0",
};

function parse(extra: Record<string, string>) {
    return parseRelayerConfig({ ...base, ...extra });
}

describe("kube, command and gateway environment variables", () => {
    it("have production defaults", () => {
        const r = parse({});
        assert.ok(r.ok, r.ok ? "" : r.errors.join("\n"));
        const kube = kubeSettingsFromEnv(r.config.env);
        assert.deepEqual(kube.kagentNamespaces, ["kagent"]);
        assert.deepEqual(kube.allowedNamespaces, ["consonant-system", "kagent"]);
        assert.deepEqual([...kube.events.dropReasons], DEFAULT_NOISE_REASONS);
        assert.deepEqual({ ...kube.events, dropReasons: undefined }, { enabled: true, dropReasons: undefined, flushMs: 2000, watchdogMs: 300_000, senderCheckMs: 30_000 });
        assert.equal(kube.kubeconfigPath, undefined);
        assert.deepEqual(commandSettingsFromEnv(r.config.env), { maxTimeoutMs: 120_000, concurrency: 4, podLogsMaxBytes: 262_144 });
        const gw = gatewaySettingsFromEnv(r.config.env);
        assert.deepEqual(gw.baseUrls, { anthropic: "https://api.anthropic.com", openai: "https://api.openai.com", gemini: "https://generativelanguage.googleapis.com" });
        assert.deepEqual(gw.limits.openai, { requestsPerMinute: 0, tokensPerMinute: 0 });
        assert.deepEqual([gw.maxRequestBytes, gw.upstreamTimeoutMs, gw.breaker.minRequests, gw.breaker.cooldownMs], [20 * 1024 * 1024, 300_000, 5, 30_000]);
    });

    it("parse operator values", () => {
        const r = parse({
            RELAYER_KAGENT_NAMESPACES: "kagent, team-a",
            RELAYER_EVENTS_DROP_REASONS: "none",
            RELAYER_LLM_PROVIDERS: "anthropic,azure",
            RELAYER_LLM_ANTHROPIC_TOKENS_PER_MINUTE: "400000",
            RELAYER_LLM_ANTHROPIC_BASE_URL: "http://127.0.0.1:9999/up",
        });
        assert.ok(r.ok, r.ok ? "" : r.errors.join("\n"));
        assert.deepEqual(kubeSettingsFromEnv(r.config.env).kagentNamespaces, ["kagent", "team-a"]);
        assert.deepEqual(kubeSettingsFromEnv(r.config.env).events.dropReasons.size, 0);
        const gw = gatewaySettingsFromEnv(r.config.env);
        assert.deepEqual(gw.listed, ["anthropic", "azure"]);
        assert.equal(gw.limits.anthropic.tokensPerMinute, 400_000);
        assert.equal(gw.baseUrls.anthropic, "http://127.0.0.1:9999/up");
    });

    const bad: [string, string, RegExp][] = [
        ["RELAYER_KAGENT_NAMESPACES", "kagent,Team_A", /^RELAYER_KAGENT_NAMESPACES: each entry must be a Kubernetes namespace name; fix: set a comma-separated list/],
        ["RELAYER_KAGENT_NAMESPACES", "kagent,kagent", /lists an entry twice/],
        ["RELAYER_EVENTS_DROP_REASONS", "Pulled,not a reason", /each entry must be an Event reason/],
        ["RELAYER_EVENTS_FLUSH_MS", "10", /^RELAYER_EVENTS_FLUSH_MS: must be at least 100; fix:/],
        ["RELAYER_EVENTS_WATCHDOG_SECONDS", "soon", /must be a whole number/],
        ["RELAYER_EVENTS_SENDER_CHECK_SECONDS", "0", /^RELAYER_EVENTS_SENDER_CHECK_SECONDS: must be at least 1; fix:/],
        ["RELAYER_EVENTS_ENABLED", "yes", /must be true or false/],
        ["RELAYER_KUBECONFIG", "relative/kubeconfig", /^RELAYER_KUBECONFIG: must be an absolute path; fix: remove it in a cluster/],
        ["RELAYER_COMMAND_CONCURRENCY", "0", /^RELAYER_COMMAND_CONCURRENCY: must be at least 1; fix: set how many commands/],
        ["RELAYER_COMMAND_MAX_TIMEOUT_MS", "9999999", /must be at most 600000/],
        ["RELAYER_POD_LOGS_MAX_BYTES", "12", /must be at least 1024/],
        ["RELAYER_LLM_OPENAI_BASE_URL", "ftp://x", /^RELAYER_LLM_OPENAI_BASE_URL: must be an http:\/\/ or https:\/\/ URL; fix: set the OpenAI API base URL/],
        ["RELAYER_LLM_GEMINI_BASE_URL", "https://user:pw@host", /must not contain credentials/],
        ["RELAYER_LLM_AZURE_REQUESTS_PER_MINUTE", "-1", /must be at least 0; fix: set a whole number of requests \(or tokens\) per minute, 0 for no limit/],
        ["RELAYER_LLM_MAX_REQUEST_BYTES", "1", /must be at least 1024/],
        ["RELAYER_LLM_BREAKER_COOLDOWN_MS", "1", /^RELAYER_LLM_BREAKER_COOLDOWN_MS: must be at least 100; fix:/],
    ];
    for (const [variable, value, expected] of bad) {
        it(`rejects ${variable}=${JSON.stringify(value)} with one line naming the variable and the fix`, () => {
            const r = parse({ [variable]: value });
            assert.ok(!r.ok, "should be rejected");
            const lines = r.errors.filter((l) => l.startsWith(`${variable}:`));
            assert.equal(lines.length, 1, r.errors.join("\n"));
            assert.match(lines[0]!, expected);
            assert.ok(!lines[0]!.includes("pw@"), "values are never echoed");
        });
    }
});

describe("kubernetes API access", () => {
    it("says why there is none outside a cluster, and how to fix it", () => {
        const access = loadKubeAccess(undefined, {});
        assert.equal(access.ok, false);
        assert.match(access.ok ? "" : access.reason, /not running in a cluster.*fix: run the relayer in a pod.*RELAYER_KUBECONFIG/);
    });

    it("reports an unreadable kubeconfig with the variable to check", () => {
        const access = loadKubeAccess("/nonexistent/kubeconfig", {});
        assert.equal(access.ok, false);
        assert.match(access.ok ? "" : access.reason, /could not be loaded.*fix: check RELAYER_KUBECONFIG/);
    });
});
