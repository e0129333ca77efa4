// The files the secret store delivers are exactly the files the relayer reads: same providers, same LLM key and
// endpoint file names. Both sides import their own source of truth, so a rename on either side fails here.
import { strict as assert } from "assert";
import { credentialFiles } from "../relayer-app/src/gateway/providers";
import { LLM_PROVIDERS as APP_LLM_PROVIDERS } from "../relayer-app/src/gateway/settings";
import { AZURE_ENDPOINT_FILE, secretCatalog } from "../components/secrets/catalog";
import { LLM_PROVIDERS } from "../components/secrets/settings";

describe("secret files: program ↔ relayer contract", () => {
    it("knows the same LLM providers as the relayer's gateway", () => {
        assert.deepEqual([...LLM_PROVIDERS], [...APP_LLM_PROVIDERS]);
    });

    it("delivers each provider's key under the file name the gateway reads, and azure's endpoint file", () => {
        const catalog = secretCatalog({
            prefix: "consonant/test",
            llm: LLM_PROVIDERS.map((provider) => ({ provider, source: "config" as const })),
            accessServiceToken: true,
            tunnelToken: "none",
        });
        for (const provider of APP_LLM_PROVIDERS) {
            const entry = catalog.find((e) => e.role === `llm-${provider}`);
            assert.ok(entry, `no store entry for ${provider}`);
            const expected = credentialFiles(provider);
            assert.deepEqual(entry.files, [expected.apiKey], `${provider}'s key file`);
            if (expected.endpoint) assert.equal(AZURE_ENDPOINT_FILE, expected.endpoint);
        }
    });

    it("delivers the uplink's credential files (PROTOCOL.md / DESIGN.md names)", () => {
        const catalog = secretCatalog({ prefix: "p", llm: [], accessServiceToken: true, tunnelToken: "none" });
        assert.deepEqual(
            catalog.flatMap((e) => e.files),
            ["cluster-id", "cluster-token", "access-client-id", "access-client-secret"],
        );
    });
});
