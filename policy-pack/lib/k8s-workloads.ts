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

const KINDS: Record<string, WorkloadKind> = {
    "kubernetes:core/v1:Pod": { kind: "Pod", podSpecPath: ["spec"], replicated: false },
    "kubernetes:core/v1:ReplicationController": { kind: "ReplicationController", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "kubernetes:apps/v1:Deployment": { kind: "Deployment", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "kubernetes:apps/v1:StatefulSet": { kind: "StatefulSet", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "kubernetes:apps/v1:DaemonSet": { kind: "DaemonSet", podSpecPath: ["spec", "template", "spec"], replicated: false },
    "kubernetes:apps/v1:ReplicaSet": { kind: "ReplicaSet", podSpecPath: ["spec", "template", "spec"], replicated: true },
    "kubernetes:batch/v1:Job": { kind: "Job", podSpecPath: ["spec", "template", "spec"], replicated: false },
    "kubernetes:batch/v1:CronJob": { kind: "CronJob", podSpecPath: ["spec", "jobTemplate", "spec", "template", "spec"], replicated: false },
};

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
    const patch = type.endsWith("Patch");
    const known = KINDS[patch ? type.slice(0, -"Patch".length) : type];
    return known ? { kind: known.kind, patch, replicated: known.replicated } : undefined;
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
    const patch = type.endsWith("Patch");
    const known = KINDS[patch ? type.slice(0, -"Patch".length) : type];
    if (!known) return undefined;
    const templatePath = known.podSpecPath.slice(0, -1);
    const podMetadata = known.kind === "Pod" ? asRecord(props["metadata"]) : asRecord(at(props, [...templatePath, "metadata"]));
    return {
        kind: known.kind,
        patch,
        metadata: asRecord(props["metadata"]),
        podSpec: asRecord(at(props, known.podSpecPath)),
        podSpecPath: known.podSpecPath.join("."),
        podLabels: asRecord(podMetadata["labels"]) as Record<string, string>,
        podAnnotations: asRecord(podMetadata["annotations"]) as Record<string, string>,
        podAnnotationsPath: known.kind === "Pod" ? "metadata.annotations" : [...templatePath, "metadata", "annotations"].join("."),
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
