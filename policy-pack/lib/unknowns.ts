// Preview-time unknown values. The policy server wraps resource properties in @pulumi/policy's
// unknown-checking proxy: reading a value the engine cannot know yet throws UnknownValueError, and the
// server turns that into an advisory "can't run policy during preview" diagnostic. Policies lean on that
// mechanism (so "cannot decide" is never a false pass or a false fail) but check each item independently,
// so that definite violations on known fields are still reported next to the undecided part.
import * as policyProxy from "@pulumi/policy/proxy";

/** The error the proxy throws; its message names the unknown property path. */
export interface UnknownValueError extends Error {
    readonly unknownTypeSentinel: string;
}

/** The parts of @pulumi/policy's proxy module we reuse; the module ships without type declarations. */
interface PolicyProxyModule {
    UnknownValueError: new (...args: never[]) => UnknownValueError;
    unknownCheckingProxy<T>(props: T): T;
    unknownStringValue: string;
    unknownBooleanValue: string;
    unknownNumberValue: string;
    unknownArrayValue: string;
    unknownAssetValue: string;
    unknownArchiveValue: string;
    unknownObjectValue: string;
}
const proxyModule = policyProxy as unknown as PolicyProxyModule;

/** Wraps properties exactly like the policy server does, so unknown values throw on access. */
export const unknownCheckingProxy = proxyModule.unknownCheckingProxy;

/** The sentinel the Pulumi engine uses for a value unknown during preview. */
export const UNKNOWN_STRING_VALUE = proxyModule.unknownStringValue;

/** Every typed "unknown" sentinel the proxy recognises. */
export const UNKNOWN_SENTINELS: ReadonlySet<unknown> = new Set([
    proxyModule.unknownStringValue,
    proxyModule.unknownBooleanValue,
    proxyModule.unknownNumberValue,
    proxyModule.unknownArrayValue,
    proxyModule.unknownAssetValue,
    proxyModule.unknownArchiveValue,
    proxyModule.unknownObjectValue,
]);

/** True when `error` is the proxy's "this value is unknown during preview" signal. */
export function isUnknownValueError(error: unknown): error is UnknownValueError {
    return error instanceof proxyModule.UnknownValueError;
}

/**
 * Runs `check` for every item; an item whose check hits an unknown value is skipped and the first such
 * error is re-thrown after all items ran, so the policy still reports "cannot decide" as a whole.
 */
export function checkEach<T>(items: Iterable<T>, check: (item: T) => void): void {
    let undecided: UnknownValueError | undefined;
    for (const item of items) {
        try {
            check(item);
        } catch (error) {
            if (!isUnknownValueError(error)) throw error;
            undecided ??= error;
        }
    }
    if (undecided) throw undecided;
}

/** Runs independent checks of one item with the same "report what is known, then say undecided" rule. */
export function checkAll(...checks: (() => void)[]): void {
    checkEach(checks, (check) => check());
}
