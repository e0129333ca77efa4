// Root hook (loaded by .mocharc.json): after the whole suite, no output of any relayer process started through
// the harness contains any test credential it was given (cluster tokens, Access secrets, LLM API keys).
import { spawnedRelayers, testSecretValues } from "./relayer-process";

export const mochaHooks = {
    afterAll(): void {
        const leaks: string[] = [];
        for (const relayer of spawnedRelayers) {
            const output = relayer.allOutput();
            for (const secret of testSecretValues) {
                if (output.includes(secret)) leaks.push(`relayer ${relayer.options.replica} (pid ${relayer.child.pid}) logged a test credential of ${secret.length} characters`);
            }
        }
        if (leaks.length > 0) throw new Error(`test credentials found in relayer logs:\n${leaks.join("\n")}`);
        if (spawnedRelayers.length > 0) {
            console.log(`  log hygiene: ${spawnedRelayers.length} relayer processes, ${testSecretValues.size} test credentials, no leak`);
        }
    },
};
