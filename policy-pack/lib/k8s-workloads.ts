// Where the pod template lives in every workload kind the Kubernetes provider registers, and a uniform
// view of its containers. `*Patch` resources (server-side apply patches) only carry the fields they
// change: a missing field there is not a violation, only an explicitly bad value is.
type Json = Record<string, unknown>;

interface WorkloadKind {
    kind: string;
    /** Property path from the resource's props to the pod template's `spec`. */
    podSpecPath: readonly string[];
    /** Whether the kind has a `spec.replicas` field. */
    replicated: boolean;
}

// Keyed by API group and kind, not version: @pulumi/kubernetes still registers the deprecated versions
// (apps/v1beta1, apps/v1beta2, extensions/v1beta1, batch/v1beta1, batch/v2alpha1) with the same pod
// template layout, and a stack using them must not slip past the workload policies.
const KINDS: Record<string, WorkloadKind> = {
    "core:Pod": { kind: "Pod", podSpecPath: ["spec"], replicated: false },
    "core:ReplicationController": { kind: "ReplicationController", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "apps:Deployment": { kind: "Deployment", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "apps:StatefulSet": { kind: "StatefulSet", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "apps:DaemonSet": { kind: "DaemonSet", podSpecPath: ["spec", "template", "spec"], replicated: false },
    "apps:ReplicaSet": { kind: "ReplicaSet", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "extensions:Deployment": { kind: "Deployment", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "extensions:DaemonSet": { kind: "DaemonSet", podSpecPath: ["spec", "template", "spec"], replicated: false },
    "extensions:ReplicaSet": { kind: "ReplicaSet", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "batch:Job": { kind: "Job", podSpecPath: ["spec", "template", "spec"], replicated: false },
    "batch:CronJob": { kind: "CronJob", podSpecPath: ["spec", "jobTemplate", "spec", "template", "spec"], replicated: false },
};

const TYPE_TOKEN = /^kubernetes:([^/:]+)\/[^/:]+:([A-Za-z]+)$/;
// Every policy asks about every resource's type; a stack has few distinct types.
const kindsByType = new Map<string, { known: WorkloadKind; patch: boolean } | undefined>();

function lookupKind(type: string): { known: WorkloadKind; patch: boolean } | undefined {
    if (kindsByType.has(type)) return kindsByType.get(type);
    const match = TYPE_TOKEN.exec(type);
    let found: { known: WorkloadKind; patch: boolean } | undefined;
    if (match) {
        const patch = match[2].endsWith("Patch");
        const known = KINDS[`${match[1]}:${patch ? match[2].slice(0, -"Patch".length) : match[2]}`];
        found = known && { known, patch };
    }
    kindsByType.set(type, found);
    return found;
}

export interface WorkloadView {
    kind: string;
    /** True for `*Patch` types: absent fields are left to other field managers. */
    patch: boolean;
    /** Resource metadata (name, namespace, labels, annotations). */
    metadata: Json;
    podSpec: Json;
    /** Dotted path of the pod spec, for messages. */
    podSpecPath: string;
    /** Labels the pods get (pod template labels; for a Pod its own labels). */
    podLabels: Record<string, string>;
    /** Dotted path of the pod labels, for messages (`metadata.labels` for a Pod). */
    podLabelsPath: string;
    podAnnotations: Record<string, string>;
    podAnnotationsPath: string;
    replicated: boolean;
    props: Json;
}

export type ContainerGroup = "containers" | "initContainers" | "ephemeralContainers";

export interface ContainerView {
    group: ContainerGroup;
    name: string;
    /** Dotted path of the container, e.g. `spec.template.spec.initContainers[0]`. */
    path: string;
    spec: Json;
    /** Init container with `restartPolicy: Always`: runs for the pod's lifetime like a regular container. */
    sidecar: boolean;
}

function at(value: unknown, path: readonly string[]): unknown {
    let current = value;
    for (const key of path) {
        if (current === null || typeof current !== "object") return undefined;
        current = (current as Json)[key];
    }
    return current;
}

function asRecord(value: unknown): Json {
    return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Json) : {};
}

export function workloadKindOf(type: string): { kind: string; patch: boolean; replicated: boolean } | undefined {
    const found = lookupKind(type);
    return found && { kind: found.known.kind, patch: found.patch, replicated: found.known.replicated };
}

export function isWorkloadType(type: string): boolean {
    return workloadKindOf(type) !== undefined;
}

// A dozen policies look at the same resource's pod template; build the view once per properties object.
const views = new WeakMap<Json, { view: WorkloadView | undefined }>();

/** The workload view of a resource, or undefined when the type carries no pod template. */
export function workloadOf(type: string, props: Json): WorkloadView | undefined {
    if (!isWorkloadType(type)) return undefined;
    const cached = views.get(props);
    if (cached) return cached.view;
    const view = buildWorkloadView(type, props);
    views.set(props, { view });
    return view;
}

function buildWorkloadView(type: string, props: Json): WorkloadView | undefined {
    const found = lookupKind(type);
    if (!found) return undefined;
    const { known, patch } = found;
    const templatePath = known.podSpecPath.slice(0, -1);
    const podMetadataPath = known.kind === "Pod" ? ["metadata"] : [...templatePath, "metadata"];
    const podMetadata = asRecord(at(props, podMetadataPath));
    return {
        kind: known.kind,
        patch,
        metadata: asRecord(props["metadata"]),
        podSpec: asRecord(at(props, known.podSpecPath)),
        podSpecPath: known.podSpecPath.join("."),
        podLabels: asRecord(podMetadata["labels"]) as Record<string, string>,
        podLabelsPath: [...podMetadataPath, "labels"].join("."),
        podAnnotations: asRecord(podMetadata["annotations"]) as Record<string, string>,
        podAnnotationsPath: [...podMetadataPath, "annotations"].join("."),
        replicated: known.replicated,
        props,
    };
}

const GROUPS: readonly ContainerGroup[] = ["containers", "initContainers", "ephemeralContainers"];

const containerLists = new WeakMap<WorkloadView, ContainerView[]>();

/** Every container of the pod: regular, init and ephemeral, each with its path for messages. */
export function containersOf(workload: WorkloadView): ContainerView[] {
    let list = containerLists.get(workload);
    if (!list) containerLists.set(workload, (list = buildContainerViews(workload)));
    return list;
}

function buildContainerViews(workload: WorkloadView): ContainerView[] {
    const views: ContainerView[] = [];
    for (const group of GROUPS) {
        const list = workload.podSpec[group];
        if (!Array.isArray(list)) continue;
        list.forEach((raw, index) => {
            const spec = asRecord(raw);
            const name = typeof spec["name"] === "string" ? spec["name"] : `#${index}`;
            views.push({
                group,
                name,
                path: `${workload.podSpecPath}.${group}[${index}]`,
                spec,
                sidecar: group === "initContainers" && spec["restartPolicy"] === "Always",
            });
        });
    }
    return views;
}

const GROUP_LABEL: Record<ContainerGroup, string> = {
    containers: "container",
    initContainers: "init container",
    ephemeralContainers: "ephemeral container",
};

/** "init container 'migrate'" — how messages name a container. */
export function describeContainer(container: ContainerView): string {
    return `${GROUP_LABEL[container.group]} '${container.name}'`;
}

export function isWindowsPod(workload: WorkloadView): boolean {
    return asRecord(workload.podSpec["os"])["name"] === "windows";
}

export { asRecord, at };
