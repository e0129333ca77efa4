// The one Pulumi mocks implementation of this repository, used by the program tests and the offline render.
//
// `pulumi.runtime.setMocks` alone does not tell us a resource's parent, provider or URN, so after installing the
// mocks we wrap the mock monitor's register/read calls and record every registration exactly as the engine
// would see it. Provider-computed outputs (ids, ARNs, digests, auto-names) are deterministic and visibly fake,
// so two evaluations give the same bytes and nobody mistakes a placeholder for a real identifier.
import { createHash } from "crypto";
import * as pulumi from "@pulumi/pulumi";
import { StackFiles, toPulumiRuntimeConfig } from "./stack-files";

/** One resource registration (or read) as the engine received it. */
export interface RecordedResource {
    /** Type token, e.g. `kubernetes:apps/v1:Deployment` or `consonant:workload:RelayerWorkload`. */
    type: string;
    /** Logical Pulumi name. */
    name: string;
    urn: string;
    /** Inputs as sent to the engine; secret values stay wrapped (see `isSecretValue`, `maskSecrets`). */
    inputs: Record<string, unknown>;
    /** State the mock returned (inputs plus placeholder outputs). */
    outputs: Record<string, unknown>;
    id?: string;
    /** URN of the parent resource, when there is one. */
    parent?: string;
    /** Provider reference `<provider urn>::<provider id>` when an explicit provider was passed. */
    provider?: string;
    /** URNs this resource depends on. */
    dependencies: string[];
    /** False for component resources. */
    custom: boolean;
    /** True for `Resource.get(...)` reads of existing resources. */
    read: boolean;
}

/** One provider function call. */
export interface RecordedInvoke {
    token: string;
    inputs: Record<string, unknown>;
}

export interface MockRecorder {
    readonly project: string;
    readonly stack: string;
    readonly preview: boolean;
    /** Every registration, in registration order. */
    readonly resources: RecordedResource[];
    readonly invokes: RecordedInvoke[];
    /** All registrations of one type token. */
    ofType(type: string): RecordedResource[];
    /** The one registration with this type and logical name; throws listing what exists otherwise. */
    get(type: string, name: string): RecordedResource;
    /** URNs registered more than once (must be empty). */
    duplicateUrns(): string[];
}

/** Arguments of a placeholder-output factory. */
export interface PlaceholderArgs {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    id: string;
}

/** Extra outputs for a resource type, merged over its inputs. */
export type OutputFactory = (args: PlaceholderArgs) => Record<string, unknown>;

/** sha256 hex of a text: the base of every deterministic placeholder. */
export function placeholderHex(text: string): string {
    return createHash("sha256").update(text).digest("hex");
}

/** The id every mocked resource gets. */
export function placeholderId(name: string): string {
    return `offline-${name}-id`;
}

/** A visibly fake image digest, deterministic per name. */
export function placeholderDigest(name: string): string {
    return `sha256:${placeholderHex(`offline-image:${name}`)}`;
}

/** A visibly fake ARN in the documentation account 000000000000. */
export function placeholderArn(type: string, name: string): string {
    // aws:<module>/<resource>:<Type> → service = module's first segment (iam, kms, secretsmanager, …).
    const service = type.split(":")[1]?.split("/")[0] ?? "unknown";
    // Global services have no region in their ARNs.
    const region = ["iam", "cloudfront", "route53"].includes(service) ? "" : "us-east-1";
    return `arn:aws:${service}:${region}:000000000000:${name}:offline-placeholder`;
}

/** The name the Kubernetes provider would generate for an auto-named object (it appends a random suffix). */
export function placeholderKubernetesName(name: string): string {
    return `${name}-offline`;
}

/**
 * Placeholder outputs per type token. A key ending in `*` matches every token with that prefix; the longest
 * matching key wins. Owners of a component add rows for their resource types here (small edits only).
 */
export const resourceOutputs: Record<string, OutputFactory> = {
    // Kubernetes objects: the API server fills in metadata.name for auto-named objects.
    "kubernetes:*": ({ name, inputs }) => {
        const metadata = (inputs.metadata ?? {}) as Record<string, unknown>;
        if (metadata.name !== undefined) return {};
        return { metadata: { ...metadata, name: placeholderKubernetesName(name) } };
    },
    "pulumi:providers:*": () => ({}),
    // docker-build: the registry returns the digest; `ref` is the pushed tag pinned to that digest.
    "docker-build:index:Image": ({ name, inputs }) => {
        const digest = placeholderDigest(name);
        const tags = Array.isArray(inputs.tags) ? (inputs.tags as string[]) : [];
        const repo = (tags[0] ?? `offline.invalid/${name}`).replace(/:[^/:]*$/, "");
        return { digest, ref: `${repo}@${digest}` };
    },
    "aws:*": ({ type, name }) => ({ arn: placeholderArn(type, name) }),
    // Secret store (issue 3): KMS keys also have a key id; random values are derived from the resource name.
    "aws:kms/key:Key": ({ type, name }) => ({ arn: placeholderArn(type, name), keyId: `offline-${name}-key-id` }),
    "random:index/randomBytes:RandomBytes": ({ name, inputs }) => {
        const bytes = Buffer.from(placeholderHex(`offline-random-bytes:${name}`).repeat(4), "hex").subarray(0, Number(inputs.length ?? 32));
        return { hex: bytes.toString("hex"), base64: bytes.toString("base64") };
    },
    "random:index/randomId:RandomId": ({ name, inputs }) => {
        const bytes = Buffer.from(placeholderHex(`offline-random-id:${name}`), "hex").subarray(0, Number(inputs.byteLength ?? 8));
        const prefix = typeof inputs.prefix === "string" ? inputs.prefix : "";
        return { hex: `${prefix}${bytes.toString("hex")}`, b64Url: `${prefix}${bytes.toString("base64url")}`, b64Std: `${prefix}${bytes.toString("base64")}` };
    },
    // Cloudflare (components/edge): Access mints the audience tag and the service token's credentials.
    "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication": ({ name }) => ({
        aud: `offline-aud-${placeholderHex(`aud:${name}`).slice(0, 32)}`,
    }),
    "cloudflare:index/zeroTrustAccessServiceToken:ZeroTrustAccessServiceToken": ({ name }) => ({
        clientId: `offline-placeholder-not-a-secret-client-id-${name}.access`,
        clientSecret: `offline-placeholder-not-a-secret-client-secret-${name}`,
        expiresAt: "2099-01-01T00:00:00Z",
    }),
};

/** Results of provider functions by invoke token. Unknown tokens throw; owners add the ones they call. */
export const invokeResults: Record<string, (inputs: Record<string, unknown>) => Record<string, unknown>> = {
    "aws:index/getCallerIdentity:getCallerIdentity": () => ({
        accountId: "000000000000",
        arn: "arn:aws:iam::000000000000:user/offline-placeholder",
        userId: "offline-placeholder",
        id: "000000000000",
    }),
    "aws:index/getPartition:getPartition": () => ({ partition: "aws", dnsSuffix: "amazonaws.com", id: "aws" }),
    "aws:index/getRegion:getRegion": () => ({ name: "us-east-1", region: "us-east-1", id: "us-east-1" }),
    "cloudflare:index/getZeroTrustTunnelCloudflaredToken:getZeroTrustTunnelCloudflaredToken": (inputs) => ({
        accountId: inputs.accountId,
        tunnelId: inputs.tunnelId,
        token: `offline-placeholder-not-a-secret-tunnel-token-${String(inputs.tunnelId)}`,
    }),
};

function factoryFor(type: string): OutputFactory | undefined {
    if (resourceOutputs[type]) return resourceOutputs[type];
    const prefixes = Object.keys(resourceOutputs)
        .filter((k) => k.endsWith("*") && type.startsWith(k.slice(0, -1)))
        .sort((a, b) => b.length - a.length);
    return prefixes.length > 0 ? resourceOutputs[prefixes[0]] : undefined;
}

/** Deep-merges placeholder outputs over the inputs, so nested objects such as `metadata` keep their fields. */
function mergeState(base: Record<string, unknown>, extra: Record<string, unknown>): Record<string, unknown> {
    const out: Record<string, unknown> = { ...base };
    for (const [k, v] of Object.entries(extra)) {
        const b = out[k];
        const bothObjects = typeof b === "object" && b !== null && !Array.isArray(b) && typeof v === "object" && v !== null && !Array.isArray(v);
        out[k] = bothObjects ? mergeState(b as Record<string, unknown>, v as Record<string, unknown>) : v;
    }
    return out;
}

/** The mocks: outputs = inputs + placeholders for the type; invokes from the table, unknown ones refused. */
export function offlineMocks(): pulumi.runtime.Mocks {
    return {
        newResource(args: pulumi.runtime.MockResourceArgs): pulumi.runtime.MockResourceResult {
            const id = args.id || placeholderId(args.name);
            const inputs = (args.inputs ?? {}) as Record<string, unknown>;
            const factory = factoryFor(args.type);
            const extra = factory ? factory({ type: args.type, name: args.name, inputs, id }) : {};
            return { id, state: mergeState(inputs, extra) };
        },
        call(args: pulumi.runtime.MockCallArgs): pulumi.runtime.MockCallResult {
            const result = invokeResults[args.token];
            if (!result) {
                throw new Error(
                    `offline mocks: unknown invoke '${args.token}'; fix: add a placeholder result for it to invokeResults in tools/lib/mock-runtime.ts`,
                );
            }
            return result((args.inputs ?? {}) as Record<string, unknown>);
        },
    };
}

/** The parts of the mock monitor's gRPC request/response objects we read (their protobuf getters). */
interface RegisterRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getCustom(): boolean;
    getDependenciesList(): string[];
    getObject(): unknown;
}
interface ReadRequest {
    getType(): string;
    getName(): string;
    getParent(): string;
    getProvider(): string;
    getProperties(): unknown;
}
interface RegisterResponse {
    getUrn(): string;
    getId?(): string;
    getObject?(): unknown;
    getProperties?(): unknown;
}
type Callback = (err: unknown, response: RegisterResponse | undefined) => void;
interface WrappableMonitor {
    registerResource(req: RegisterRequest, cb: Callback): Promise<void>;
    readResource(req: ReadRequest, cb: Callback): Promise<void>;
    invoke(req: { getTok(): string; getArgs(): unknown }, cb: (err: unknown, res: unknown) => void): Promise<void>;
}

/** The SDK reports a monitor error by its gRPC `details`; a plain Error from a mock would arrive with no text. */
function withGrpcDetails(err: unknown): unknown {
    if (err instanceof Error && (err as Error & { details?: string }).details === undefined) {
        (err as Error & { details?: string }).details = err.message;
    }
    return err;
}

function deserialize(struct: unknown, keepUnknowns = false): Record<string, unknown> {
    if (!struct) return {};
    const value = pulumi.runtime.deserializeProperties(struct as Parameters<typeof pulumi.runtime.deserializeProperties>[0], keepUnknowns);
    return (keepUnknowns ? unknownsAsSentinel(value) : value) as Record<string, unknown>;
}

/** Unknown markers → the engine's sentinel text, which is what @pulumi/policy hands policies during a preview. */
function unknownsAsSentinel(value: unknown): unknown {
    if (pulumi.isUnknown(value)) return pulumi.runtime.unknownValue;
    if (Array.isArray(value)) return value.map(unknownsAsSentinel);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unknownsAsSentinel(v)]));
    }
    return value;
}

/**
 * Installs the offline mocks for one evaluation and returns the recorder. Call it in a suite's `before()` (mocks
 * are process-global); pass `config` to also load a stack's config (replacing any config set before).
 */
export async function installMocks(options: {
    project: string;
    stack: string;
    preview: boolean;
    config?: StackFiles;
    /** Keep preview-unknown inputs as `pulumi.runtime.unknownValue` instead of undefined (policy runs tell them apart). */
    keepUnknowns?: boolean;
}): Promise<MockRecorder> {
    const { project, stack, preview } = options;
    await pulumi.runtime.setMocks(offlineMocks(), project, stack, preview);
    if (options.config) loadStackConfig(options.config);

    const resources: RecordedResource[] = [];
    const invokes: RecordedInvoke[] = [];
    const monitor = pulumi.runtime.getMonitor() as unknown as WrappableMonitor;

    const registerResource = monitor.registerResource.bind(monitor);
    monitor.registerResource = (req, cb) =>
        registerResource(req, (err, res) => {
            if (!err && res) {
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: res.getUrn(),
                    inputs: deserialize(req.getObject(), options.keepUnknowns),
                    outputs: deserialize(res.getObject?.()),
                    id: res.getId?.() || undefined,
                    parent: req.getParent() || undefined,
                    provider: req.getProvider() || undefined,
                    dependencies: [...req.getDependenciesList()],
                    custom: req.getCustom(),
                    read: false,
                });
            }
            cb(withGrpcDetails(err), res);
        });

    const readResource = monitor.readResource.bind(monitor);
    monitor.readResource = (req, cb) =>
        readResource(req, (err, res) => {
            if (!err && res) {
                resources.push({
                    type: req.getType(),
                    name: req.getName(),
                    urn: res.getUrn(),
                    inputs: deserialize(req.getProperties()),
                    outputs: deserialize(res.getProperties?.()),
                    parent: req.getParent() || undefined,
                    provider: req.getProvider() || undefined,
                    dependencies: [],
                    custom: true,
                    read: true,
                });
            }
            cb(withGrpcDetails(err), res);
        });

    const invoke = monitor.invoke.bind(monitor);
    monitor.invoke = (req, cb) => {
        invokes.push({ token: req.getTok(), inputs: deserialize(req.getArgs()) });
        return invoke(req, (err, res) => cb(withGrpcDetails(err), res));
    };

    return {
        project,
        stack,
        preview,
        resources,
        invokes,
        ofType: (type) => resources.filter((r) => r.type === type),
        get(type, name) {
            const found = resources.filter((r) => r.type === type && r.name === name);
            if (found.length !== 1) {
                const names = resources.filter((r) => r.type === type).map((r) => r.name);
                throw new Error(`expected one ${type} named '${name}', found ${found.length} (registered: ${names.join(", ") || "none"})`);
            }
            return found[0];
        },
        duplicateUrns() {
            const seen = new Set<string>();
            const dups = new Set<string>();
            for (const r of resources) (seen.has(r.urn) ? dups : seen).add(r.urn);
            return [...dups];
        },
    };
}

/** Loads a stack's config into the Pulumi runtime (replaces all config), as the CLI would before running. */
export function loadStackConfig(files: StackFiles): void {
    const { config, secretKeys } = toPulumiRuntimeConfig(files);
    pulumi.runtime.setAllConfig(config, secretKeys);
}

/** True for a value the engine received as a secret. */
export function isSecretValue(value: unknown): boolean {
    return pulumi.runtime.isRpcSecret(value);
}

/** Every string inside a secret becomes `mask`; structure, numbers and booleans stay (so schemas still apply). */
function maskLeaves(value: unknown, mask: string): unknown {
    if (typeof value === "string") return mask;
    if (Array.isArray(value)) return value.map((v) => maskLeaves(v, mask));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskLeaves(v, mask)]));
    }
    return value;
}

/** A deep copy with every string inside a secret replaced by `mask` (for anything written or printed). */
export function maskSecrets(value: unknown, mask = "[secret]"): unknown {
    if (isSecretValue(value)) return maskLeaves(unwrapSecrets(pulumi.runtime.unwrapRpcSecret(value)), mask);
    if (Array.isArray(value)) return value.map((v) => maskSecrets(v, mask));
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, maskSecrets(v, mask)]));
    }
    return value;
}

/** A deep copy with secret wrappers removed (plain values, for assertions and schema checks only). */
export function unwrapSecrets(value: unknown): unknown {
    if (isSecretValue(value)) return unwrapSecrets(pulumi.runtime.unwrapRpcSecret(value));
    if (Array.isArray(value)) return value.map(unwrapSecrets);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, unwrapSecrets(v)]));
    }
    return value;
}

/** JSON paths (e.g. `spec.data[0]`) of every secret inside a value. */
export function secretPaths(value: unknown, at = ""): string[] {
    if (isSecretValue(value)) return [at || "(root)"];
    if (Array.isArray(value)) return value.flatMap((v, i) => secretPaths(v, `${at}[${i}]`));
    if (typeof value === "object" && value !== null) {
        return Object.entries(value).flatMap(([k, v]) => secretPaths(v, at ? `${at}.${k}` : k));
    }
    return [];
}

/** A resolved Output: its value (unknowns as undefined), whether it is known, and whether it is secret. */
export interface ResolvedOutput {
    value: unknown;
    known: boolean;
    secret: boolean;
}

/** Resolves any Input (deeply) without hanging on unknown preview values. */
export async function resolveOutput(input: unknown): Promise<ResolvedOutput> {
    // OutputImpl keeps `promise(withUnknowns)`, `isKnown` and `isSecret` as internals; they are the only way to
    // read a preview-unknown value without waiting forever on `apply`.
    const out = pulumi.output(input) as unknown as {
        promise(withUnknowns?: boolean): Promise<unknown>;
        isKnown: Promise<boolean>;
        isSecret: Promise<boolean>;
    };
    const [value, known, secret] = await Promise.all([out.promise(true), out.isKnown, out.isSecret]);
    return { value: known ? value : stripUnknowns(value), known, secret };
}

function stripUnknowns(value: unknown): unknown {
    if (pulumi.isUnknown(value)) return undefined;
    if (Array.isArray(value)) return value.map(stripUnknowns);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, stripUnknowns(v)]));
    }
    return value;
}

/** Resolves each top-level stack output separately, so secretness is reported per output. */
export async function resolveStackOutputs(outputs: Record<string, unknown>): Promise<Record<string, ResolvedOutput>> {
    const entries = await Promise.all(Object.entries(outputs).map(async ([k, v]) => [k, await resolveOutput(v)] as const));
    return Object.fromEntries(entries);
}

/**
 * Waits until every registration and invoke started so far has reached the mock engine (resources register
 * asynchronously). Call after awaiting the program's main function and before reading `recorder.resources`.
 */
export async function settleRegistrations(): Promise<void> {
    // `waitForRPCs` is what `pulumi` itself awaits before disconnecting; it is exported but marked internal.
    const runtime = pulumi.runtime as unknown as { waitForRPCs?: () => Promise<void> };
    if (typeof runtime.waitForRPCs !== "function") {
        throw new Error("@pulumi/pulumi no longer exports runtime.waitForRPCs; fix: update settleRegistrations in tools/lib/mock-runtime.ts");
    }
    await runtime.waitForRPCs();
}
