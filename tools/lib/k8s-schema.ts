// Validates Kubernetes objects against the Kubernetes API schema, using the generated model classes of
// `kubernetes-models` (built-in kinds) and the @kubernetes-models CRD packages (External Secrets, Prometheus
// Operator, Istio). Every object the program registers goes through here in tests and in the offline render;
// an apiVersion/kind without a model is an error, never a silent pass.
import { maskSecrets, unwrapSecrets } from "./mock-runtime";

/** A Kubernetes object as it would be sent to the API server. */
export interface KubernetesObject {
    apiVersion: string;
    kind: string;
    metadata?: { name?: string; namespace?: string; [key: string]: unknown };
    [key: string]: unknown;
}

/** Thrown when an object does not match its schema or has no known schema. */
export class KubernetesSchemaError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "KubernetesSchemaError";
    }
}

// The model packages are ESM-only; a real dynamic import survives CommonJS compilation this way.
const importEsm = new Function("specifier", "return import(specifier)") as (specifier: string) => Promise<Record<string, unknown>>;

/** API groups of CRDs → the model package that ships their schema. */
const crdModelPackages: Readonly<Record<string, string>> = {
    "external-secrets.io": "@kubernetes-models/external-secrets",
    "generators.external-secrets.io": "@kubernetes-models/external-secrets",
    "monitoring.coreos.com": "@kubernetes-models/prometheus-operator",
    "security.istio.io": "@kubernetes-models/istio",
    "networking.istio.io": "@kubernetes-models/istio",
    "telemetry.istio.io": "@kubernetes-models/istio",
};

/** The module specifier holding the models of an apiVersion, or undefined when no package covers its group. */
export function modelModuleFor(apiVersion: string): string | undefined {
    const slash = apiVersion.indexOf("/");
    if (slash < 0) return apiVersion === "v1" ? "kubernetes-models/v1" : undefined;
    const group = apiVersion.slice(0, slash);
    const crdPackage = crdModelPackages[group];
    if (crdPackage) return `${crdPackage}/${apiVersion}`;
    // Built-in groups: the core-ish ones without dots (apps, batch, policy, autoscaling) and *.k8s.io.
    if (!group.includes(".") || group.endsWith(".k8s.io")) return `kubernetes-models/${apiVersion}`;
    return undefined;
}

type ModelClass = new (data: unknown) => { validate(): void };
const moduleCache = new Map<string, Promise<Record<string, unknown>>>();

async function loadModel(apiVersion: string, kind: string): Promise<ModelClass> {
    const specifier = modelModuleFor(apiVersion);
    if (!specifier) {
        throw new KubernetesSchemaError(
            `no schema model for apiVersion '${apiVersion}' (kind ${kind}); fix: add its model package to crdModelPackages in tools/lib/k8s-schema.ts`,
        );
    }
    let loading = moduleCache.get(specifier);
    if (!loading) {
        loading = importEsm(specifier);
        moduleCache.set(specifier, loading);
    }
    let mod: Record<string, unknown>;
    try {
        mod = await loading;
    } catch {
        moduleCache.delete(specifier);
        throw new KubernetesSchemaError(`no schema model for apiVersion '${apiVersion}' (kind ${kind}): '${specifier}' cannot be loaded; fix: use a served apiVersion`);
    }
    const model = mod[kind];
    if (typeof model !== "function") {
        throw new KubernetesSchemaError(`apiVersion '${apiVersion}' has no kind '${kind}'; fix: use a kind that group/version serves`);
    }
    return model as ModelClass;
}

function describe(obj: Partial<KubernetesObject>): string {
    const ns = obj.metadata?.namespace ? `${obj.metadata.namespace}/` : "";
    return `${obj.kind ?? "(no kind)"} ${ns}${obj.metadata?.name ?? "(no name)"} (${obj.apiVersion ?? "no apiVersion"})`;
}

/** Throws a KubernetesSchemaError naming the object and the failing field when `obj` is not valid. */
export async function validateKubernetesObject(obj: Partial<KubernetesObject>): Promise<void> {
    if (typeof obj.apiVersion !== "string" || typeof obj.kind !== "string") {
        throw new KubernetesSchemaError(`${describe(obj)}: apiVersion and kind are required; fix: set both on the object`);
    }
    const Model = await loadModel(obj.apiVersion, obj.kind);
    try {
        new Model(obj).validate();
    } catch (err) {
        throw new KubernetesSchemaError(`${describe(obj)}: ${(err as Error).message}`);
    }
}

/** Validates many objects; returns one message per invalid object (empty when all are valid). */
export async function validateKubernetesObjects(objs: readonly Partial<KubernetesObject>[]): Promise<string[]> {
    const problems: string[] = [];
    for (const obj of objs) {
        try {
            await validateKubernetesObject(obj);
        } catch (err) {
            problems.push((err as Error).message);
        }
    }
    return problems;
}

/** A Pulumi registration, as recorded by tools/lib/mock-runtime.ts. */
export interface KubernetesRegistration {
    type: string;
    name: string;
    inputs: Record<string, unknown>;
    outputs?: Record<string, unknown>;
}

/** The apiVersion and kind of a `kubernetes:<group>/<version>:<Kind>` type token, or undefined for other tokens. */
export function kubernetesTypeOf(type: string): { apiVersion: string; kind: string } | undefined {
    const match = /^kubernetes:([^:]+\/[^:]+):([A-Za-z0-9]+)$/.exec(type);
    if (!match) return undefined; // providers, helm/yaml components, kustomize …
    const [, groupVersion, kind] = match;
    // Helm, YAML and Kustomize resources are Pulumi constructs that expand into objects, not objects themselves.
    if (/^(helm\.sh|yaml|kustomize)\//.test(groupVersion)) return undefined;
    const apiVersion = groupVersion.startsWith("core/") ? groupVersion.slice("core/".length) : groupVersion;
    return { apiVersion, kind };
}

function dropUndefined(value: unknown): unknown {
    if (Array.isArray(value)) return value.map(dropUndefined);
    if (typeof value === "object" && value !== null) {
        return Object.fromEntries(
            Object.entries(value)
                .filter(([, v]) => v !== undefined)
                .map(([k, v]) => [k, dropUndefined(v)]),
        );
    }
    return value;
}

/**
 * The manifest a Pulumi Kubernetes registration stands for, or undefined when the type is not a Kubernetes
 * object (providers, components, `…Patch`/`…List` helpers). Auto-named objects get the name from `outputs`
 * (the mocks' placeholder). `secrets: "mask"` (default) replaces secret values; `"unwrap"` keeps them (tests).
 */
export function manifestFromRegistration(
    reg: KubernetesRegistration,
    options: { secrets?: "mask" | "unwrap" } = {},
): KubernetesObject | undefined {
    const typeInfo = kubernetesTypeOf(reg.type);
    if (!typeInfo || typeInfo.kind.endsWith("Patch") || typeInfo.kind.endsWith("List")) return undefined;
    const plain = (options.secrets === "unwrap" ? unwrapSecrets(reg.inputs) : maskSecrets(reg.inputs)) as Record<string, unknown>;
    const inputs = dropUndefined(plain) as Record<string, unknown>;
    const outputMeta = (reg.outputs?.metadata ?? {}) as Record<string, unknown>;
    const metadata = { ...((inputs.metadata ?? {}) as Record<string, unknown>) };
    if (metadata.name === undefined && typeof outputMeta.name === "string") metadata.name = outputMeta.name;
    return {
        ...inputs,
        apiVersion: typeof inputs.apiVersion === "string" ? inputs.apiVersion : typeInfo.apiVersion,
        kind: typeof inputs.kind === "string" ? inputs.kind : typeInfo.kind,
        metadata,
    };
}
