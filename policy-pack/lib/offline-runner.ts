// Runs the pack's policies without the Pulumi engine, over resources recorded from the Pulumi mocks (the
// offline render, the pack's tests and its benchmark all use this). It builds the same argument objects
// the @pulumi/policy server builds — properties behind the unknown-checking proxy, isType/asType,
// getConfig with CLI-style config resolution, notApplicable, stack resources with parent and
// dependencies resolved — and maps the server's outcomes: violations, "can't run during preview"
// (undecided) and not-applicable.
import type {
    EnforcementLevel,
    PolicyProviderResource,
    PolicyResource,
    PolicyResourceOptions,
    ReportViolation,
    ResourceValidationArgs,
    Severity,
    StackValidationArgs,
} from "@pulumi/policy";
import * as pulumiRpc from "@pulumi/pulumi/runtime/rpc";
import { packPolicies } from "../policies";
import { PolicyPackConfigFile, resolvePackConfig, ResolvedPolicyConfig } from "./pack-config";
import type { PackPolicy } from "./policy-types";
import { isStackPolicy } from "./policy-types";
import { isUnknownValueError, UNKNOWN_SENTINELS, unknownCheckingProxy } from "./unknowns";

/** One resource as the mocks record it: SDK input names in `props`, unknowns as the engine's sentinel. */
export interface OfflineResource {
    type: string;
    name: string;
    urn: string;
    props: Record<string, unknown>;
    /** URN of the parent resource. */
    parent?: string;
    /** URNs of the resources this one depends on. */
    dependencies?: string[];
    /** The explicit provider: its URN, or its description when known. */
    provider?: string | PolicyProviderResource;
    options?: Partial<PolicyResourceOptions>;
}

export interface Violation {
    policyName: string;
    enforcementLevel: EnforcementLevel;
    severity?: Severity;
    /** The resource the violation is about; absent when a stack policy reports the stack as a whole. */
    urn?: string;
    type?: string;
    name?: string;
    message: string;
}

/** A policy that could not decide because a value is unknown (preview). Reported as advisory by Pulumi. */
export interface Undecided {
    policyName: string;
    urn?: string;
    type?: string;
    name?: string;
    reason: string;
}

export interface NotApplicable {
    policyName: string;
    urn?: string;
    reason: string;
}

export interface PolicyRunResult {
    violations: Violation[];
    undecided: Undecided[];
    notApplicable: NotApplicable[];
}

export interface RunPoliciesOptions {
    /** Same content as the file passed to `pulumi preview --policy-pack-config`. */
    config?: PolicyPackConfigFile;
    /** Policies to run; the whole pack by default. */
    policies?: readonly PackPolicy[];
    stackTags?: ReadonlyMap<string, string>;
}

// Thrown by args.notApplicable(); not an Error subclass because policies throw it once per resource and
// capturing a stack trace each time would dominate the run.
class NotApplicableSignal {
    constructor(readonly reason: string) {}
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableSignal(reason ?? "");
}

const rpc = pulumiRpc as unknown as { specialSigKey: string; specialSecretSig: string };

/** Mirrors the server's deserialisation: secrets unwrapped to their value, undefined keys dropped. */
function plainProperty(value: unknown, found: { unknown: boolean }): unknown {
    if (Array.isArray(value)) return value.map((item) => plainProperty(item, found));
    if (UNKNOWN_SENTINELS.has(value)) found.unknown = true;
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[rpc.specialSigKey] === rpc.specialSecretSig) return plainProperty(record["value"], found);
    const plain: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) {
        if (inner !== undefined) plain[key] = plainProperty(inner, found);
    }
    return plain;
}

/** Properties as policies see them, plus a factory for the per-validation view. */
interface PreparedProps {
    plain: Record<string, unknown>;
    /**
     * The server hands every validation a fresh unknown-checking proxy. When the properties hold no
     * unknown value that proxy can never throw, so the plain object behaves identically and is much
     * cheaper; only properties with unknowns get the proxy.
     */
    view(): Record<string, unknown>;
}

function prepare(props: Record<string, unknown>): PreparedProps {
    const found = { unknown: false };
    const plain = plainProperty(props, found) as Record<string, unknown>;
    return { plain, view: found.unknown ? () => unknownCheckingProxy(plain) : () => plain };
}

/** Same test as the server: the class's static `__pulumiType`, else its `isInstance`. */
function isTypeFor(type: string): ResourceValidationArgs["isType"] {
    return ((resourceClass: { __pulumiType?: string; isInstance?: (o: unknown) => boolean }): boolean => {
        if (typeof resourceClass.__pulumiType === "string") return resourceClass.__pulumiType === type;
        return typeof resourceClass.isInstance === "function" && resourceClass.isInstance({ __pulumiType: type }) === true;
    }) as unknown as ResourceValidationArgs["isType"];
}

function optionsOf(resource: OfflineResource): PolicyResourceOptions {
    return {
        protect: false,
        ignoreChanges: [],
        aliases: [],
        additionalSecretOutputs: [],
        customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 },
        ...resource.options,
        ...(resource.parent ? { parent: resource.parent } : {}),
    };
}

/** Resolves provider references; a stack has few providers, so each is prepared once and shared. */
function providerResolver(byUrn: Map<string, OfflineResource>): (resource: OfflineResource) => PolicyProviderResource | undefined {
    const resolved = new Map<string, PolicyProviderResource | undefined>();
    return (resource) => {
        const provider = resource.provider;
        if (provider === undefined) return undefined;
        if (typeof provider !== "string") return { ...provider, props: prepare(provider.props).view() };
        if (!resolved.has(provider)) {
            // A provider reference is "<urn>::<id>"; the URN part finds the recorded provider resource.
            const recorded = byUrn.get(provider) ?? byUrn.get(provider.replace(/::[^:]*$/, ""));
            resolved.set(provider, recorded && { type: recorded.type, name: recorded.name, urn: recorded.urn, props: prepare(recorded.props).view() });
        }
        return resolved.get(provider);
    };
}

function describeUnknown(policyName: string, error: Error): string {
    return `can't run policy '${policyName}' during preview: ${error.message}`;
}

/**
 * Runs every (or the given) policy over `resources`. Findings, undecided and not-applicable outcomes are
 * returned; it throws only for an invalid config (PolicyPackConfigError) or a policy that crashes.
 */
export function runPolicies(resources: readonly OfflineResource[], options: RunPoliciesOptions = {}): PolicyRunResult {
    const policies = options.policies ?? packPolicies;
    const resolved = resolvePackConfig(policies, options.config);
    const stackTags = options.stackTags ?? new Map<string, string>();
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
    const providerOf = providerResolver(byUrn);
    const prepared = resources.map((resource) => prepare(resource.props));
    const result: PolicyRunResult = { violations: [], undecided: [], notApplicable: [] };

    const active = policies
        .map((policy) => ({ policy, config: resolved.get(policy.name) as ResolvedPolicyConfig }))
        .filter(({ config }) => config.enforcementLevel !== "disabled")
        .map(({ policy, config }) => ({
            policy,
            config,
            // "remediate" policies that still report are reported as mandatory, like the server does.
            level: (config.enforcementLevel === "remediate" ? "mandatory" : config.enforcementLevel) as EnforcementLevel,
            // One frozen object per policy: policies read config, never write it, and reusing it lets
            // readPolicyConfig cache the merged view instead of rebuilding it for every resource.
            getConfig: (frozen => <T extends object>() => frozen as T)(Object.freeze({ ...config.properties })),
        }));

    const record = (policyName: string, resource: OfflineResource | undefined, outcome: unknown): void => {
        if (outcome instanceof NotApplicableSignal) {
            result.notApplicable.push({ policyName, urn: resource?.urn, reason: outcome.reason });
        } else if (isUnknownValueError(outcome)) {
            result.undecided.push({ policyName, urn: resource?.urn, type: resource?.type, name: resource?.name, reason: describeUnknown(policyName, outcome) });
        } else {
            // A policy bug, not a finding: name the policy and resource so it can be reported and fixed.
            const reason = outcome instanceof Error ? outcome.message : String(outcome);
            throw new Error(`policy '${policyName}' failed on ${resource ? `resource ${resource.urn}` : "the stack"}: ${reason}`, { cause: outcome });
        }
    };
    // The resource being validated; reporters read it so one reporter per policy serves every resource.
    let current: OfflineResource | undefined;
    const reporter = (entry: (typeof active)[number]): ReportViolation =>
        (message: string, urn?: string) => {
            const subject = current ?? (urn === undefined ? undefined : byUrn.get(urn));
            result.violations.push({
                policyName: entry.policy.name,
                enforcementLevel: entry.level,
                severity: entry.policy.severity,
                urn: subject?.urn ?? urn,
                type: subject?.type,
                name: subject?.name,
                // The server prefixes the policy description; keep the same text for identical reports.
                message: `${entry.policy.description}\n${message}`,
            });
        };
    const mustBeSync = (policyName: string, outcome: unknown): void => {
        if (outcome instanceof Promise) throw new Error(`policy '${policyName}' returned a Promise; the offline runner needs synchronous policies`);
    };

    const resourcePolicies = active.flatMap((entry) => {
        const policy = entry.policy;
        if (isStackPolicy(policy) || policy.validateResource === undefined) return [];
        return [{ ...entry, validations: [policy.validateResource].flat(), report: reporter(entry) }];
    });
    resources.forEach((resource, index) => {
        current = resource;
        const type = resource.type;
        const isType = isTypeFor(type);
        const provider = providerOf(resource);
        const opts = optionsOf(resource);
        for (const entry of resourcePolicies) {
            for (const validate of entry.validations) {
                const props = prepared[index].view();
                const args: ResourceValidationArgs = {
                    type,
                    props,
                    urn: resource.urn,
                    name: resource.name,
                    opts,
                    stackTags,
                    isType,
                    asType: ((resourceClass: never) => (isType(resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig: entry.getConfig,
                    notApplicable: throwNotApplicable,
                    ...(provider ? { provider } : {}),
                };
                try {
                    mustBeSync(entry.policy.name, validate(args, entry.report));
                } catch (outcome) {
                    record(entry.policy.name, resource, outcome);
                }
            }
        }
    });
    current = undefined;

    const stackPolicies = active.filter((entry) => isStackPolicy(entry.policy));
    if (stackPolicies.length > 0) {
        const stackResources = buildStackResources(resources, prepared, providerOf);
        for (const entry of stackPolicies) {
            const args: StackValidationArgs = {
                resources: stackResources,
                stackTags,
                getConfig: entry.getConfig,
                notApplicable: throwNotApplicable,
            };
            try {
                mustBeSync(entry.policy.name, (entry.policy as { validateStack: (a: StackValidationArgs, r: ReportViolation) => unknown }).validateStack(args, reporter(entry)));
            } catch (outcome) {
                record(entry.policy.name, undefined, outcome);
            }
        }
    }
    return result;
}

/** Stack view: one PolicyResource per resource, parents and dependencies linked by URN. */
function buildStackResources(
    resources: readonly OfflineResource[],
    prepared: PreparedProps[],
    providerOf: (resource: OfflineResource) => PolicyProviderResource | undefined,
): PolicyResource[] {
    const views = new Map<string, PolicyResource>();
    resources.forEach((resource, index) => {
        const isType = isTypeFor(resource.type);
        const props = prepared[index].view();
        const provider = providerOf(resource);
        views.set(resource.urn, {
            type: resource.type,
            props,
            urn: resource.urn,
            name: resource.name,
            opts: optionsOf(resource),
            dependencies: [],
            propertyDependencies: {},
            isType,
            asType: ((resourceClass: never) => (isType(resourceClass) ? props : undefined)) as PolicyResource["asType"],
            ...(provider ? { provider } : {}),
        });
    });
    for (const resource of resources) {
        const view = views.get(resource.urn) as PolicyResource;
        const parent = resource.parent ? views.get(resource.parent) : undefined;
        if (parent) view.parent = parent;
        view.dependencies = (resource.dependencies ?? []).flatMap((urn) => views.get(urn) ?? []);
    }
    return [...views.values()];
}
