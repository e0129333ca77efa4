// Test helpers: run the real pack (through the offline runner) and pick one policy's outcome.
import type { PolicyPackConfigFile } from "../lib/pack-config";
import { OfflineResource, PolicyRunResult, runPolicies } from "../lib/offline-runner";

export function run(resources: OfflineResource[], config?: PolicyPackConfigFile): PolicyRunResult {
    return runPolicies(resources, { config });
}

/** Messages one policy reported (any enforcement level). */
export function messagesOf(resources: OfflineResource[], policyName: string, config?: PolicyPackConfigFile): string[] {
    return run(resources, config).violations.filter((v) => v.policyName === policyName).map((v) => v.message);
}

/** Deep copy so each case mutates its own fixture. */
export function clone<T>(value: T): T {
    return structuredClone(value);
}
