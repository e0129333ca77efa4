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
import { isUnknownValueError, unknownCheckingProxy } from "./unknowns";

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

class NotApplicableSignal extends Error {
    constructor(readonly reason: string) {
        super(reason);
    }
}

function throwNotApplicable(reason?: string): never {
    throw new NotApplicableSignal(reason ?? "");
}

const rpc = pulumiRpc as unknown as { specialSigKey: string; specialSecretSig: string };

/** Mirrors the server's deserialisation: secrets unwrapped to their value, undefined keys dropped. */
function plainProperty(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(plainProperty);
    if (value === null || typeof value !== "object") return value;
    const record = value as Record<string, unknown>;
    if (record[rpc.specialSigKey] === rpc.specialSecretSig) return plainProperty(record["value"]);
    const plain: Record<string, unknown> = {};
    for (const [key, inner] of Object.entries(record)) {
        if (inner !== undefined) plain[key] = plainProperty(inner);
    }
    return plain;
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

function providerOf(resource: OfflineResource, byUrn: Map<string, OfflineResource>): PolicyProviderResource | undefined {
    const provider = resource.provider;
    if (provider === undefined) return undefined;
    if (typeof provider !== "string") return { ...provider, props: unknownCheckingProxy(plainProperty(provider.props) as Record<string, unknown>) };
    // A provider reference is "<urn>::<id>"; the URN part finds the recorded provider resource.
    const recorded = byUrn.get(provider) ?? byUrn.get(provider.replace(/::[^:]*$/, ""));
    if (!recorded) return undefined;
    return { type: recorded.type, name: recorded.name, urn: recorded.urn, props: unknownCheckingProxy(plainProperty(recorded.props) as Record<string, unknown>) };
}

function describeUnknown(policyName: string, error: Error): string {
    return `can't run policy '${policyName}' during preview: ${error.message}`;
}

/** Runs every (or the given) policy over `resources`; never throws for a policy outcome, only for bad config. */
export function runPolicies(resources: readonly OfflineResource[], options: RunPoliciesOptions = {}): PolicyRunResult {
    const policies = options.policies ?? packPolicies;
    const resolved = resolvePackConfig(policies, options.config);
    const stackTags = options.stackTags ?? new Map<string, string>();
    const byUrn = new Map(resources.map((resource) => [resource.urn, resource]));
    const plainProps = resources.map((resource) => plainProperty(resource.props) as Record<string, unknown>);
    const result: PolicyRunResult = { violations: [], undecided: [], notApplicable: [] };

    const active = policies
        .map((policy) => ({ policy, config: resolved.get(policy.name) as ResolvedPolicyConfig }))
        .filter(({ config }) => config.enforcementLevel !== "disabled")
        .map(({ policy, config }) => ({
            policy,
            config,
            // "remediate" policies that still report are reported as mandatory, like the server does.
            level: (config.enforcementLevel === "remediate" ? "mandatory" : config.enforcementLevel) as EnforcementLevel,
            getConfig: <T extends object>() => ({ ...config.properties }) as T,
        }));

    const record = (policyName: string, resource: OfflineResource | undefined, outcome: unknown): void => {
        if (outcome instanceof NotApplicableSignal) {
            result.notApplicable.push({ policyName, urn: resource?.urn, reason: outcome.reason });
        } else if (isUnknownValueError(outcome)) {
            result.undecided.push({ policyName, urn: resource?.urn, type: resource?.type, name: resource?.name, reason: describeUnknown(policyName, outcome) });
        } else {
            throw outcome;
        }
    };
    const reporter = (entry: (typeof active)[number], fallback: OfflineResource | undefined): ReportViolation =>
        (message: string, urn?: string) => {
            const subject = fallback ?? (urn === undefined ? undefined : byUrn.get(urn));
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

    resources.forEach((resource, index) => {
        const type = resource.type;
        const isType = isTypeFor(type);
        const provider = providerOf(resource, byUrn);
        for (const entry of active) {
            if (isStackPolicy(entry.policy) || entry.policy.validateResource === undefined) continue;
            const report = reporter(entry, resource);
            for (const validate of [entry.policy.validateResource].flat()) {
                // A fresh proxy per validation, as the server deserialises per validation.
                const props = unknownCheckingProxy(plainProps[index]);
                const args: ResourceValidationArgs = {
                    type,
                    props,
                    urn: resource.urn,
                    name: resource.name,
                    opts: optionsOf(resource),
                    stackTags,
                    isType,
                    asType: ((resourceClass: never) => (isType(resourceClass) ? props : undefined)) as ResourceValidationArgs["asType"],
                    getConfig: entry.getConfig,
                    notApplicable: throwNotApplicable,
                    ...(provider ? { provider } : {}),
                };
                try {
                    mustBeSync(entry.policy.name, validate(args, report));
                } catch (outcome) {
                    record(entry.policy.name, resource, outcome);
                }
            }
        }
    });

    const stackPolicies = active.filter((entry) => isStackPolicy(entry.policy));
    if (stackPolicies.length > 0) {
        const stackResources = buildStackResources(resources, plainProps, byUrn);
        for (const entry of stackPolicies) {
            const args: StackValidationArgs = {
                resources: stackResources,
                stackTags,
                getConfig: entry.getConfig,
                notApplicable: throwNotApplicable,
            };
            try {
                mustBeSync(entry.policy.name, (entry.policy as { validateStack: (a: StackValidationArgs, r: ReportViolation) => unknown }).validateStack(args, reporter(entry, undefined)));
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
    plainProps: Record<string, unknown>[],
    byUrn: Map<string, OfflineResource>,
): PolicyResource[] {
    const views = new Map<string, PolicyResource>();
    resources.forEach((resource, index) => {
        const isType = isTypeFor(resource.type);
        const props = unknownCheckingProxy(plainProps[index]);
        const provider = providerOf(resource, byUrn);
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
