// Effective security context of a container. Kubernetes lets the pod-level securityContext supply
// runAsNonRoot, runAsUser, runAsGroup, seccompProfile, seLinuxOptions, appArmorProfile and windowsOptions;
// a container-level value overrides it. The remaining fields (privileged, allowPrivilegeEscalation,
// capabilities, readOnlyRootFilesystem, procMount) exist only on containers and have no pod default.
import { asRecord, ContainerView, WorkloadView } from "./k8s-workloads";

export interface EffectiveSecurityContext {
    runAsNonRoot?: boolean;
    runAsUser?: number;
    seccompProfile?: { type?: string; localhostProfile?: string };
    /** Where each inherited value came from, for messages ("pod" or "container"). */
    source: Record<"runAsNonRoot" | "runAsUser" | "seccompProfile", "pod" | "container" | "unset">;
    privileged?: boolean;
    allowPrivilegeEscalation?: boolean;
    readOnlyRootFilesystem?: boolean;
    capabilities: { add: string[]; drop: string[] };
}

function inherit<T>(container: Record<string, unknown>, pod: Record<string, unknown>, key: string): [T | undefined, "pod" | "container" | "unset"] {
    if (container[key] !== undefined && container[key] !== null) return [container[key] as T, "container"];
    if (pod[key] !== undefined && pod[key] !== null) return [pod[key] as T, "pod"];
    return [undefined, "unset"];
}

function stringList(value: unknown): string[] {
    return Array.isArray(value) ? value.filter((item): item is string => typeof item === "string") : [];
}

export function effectiveSecurityContext(workload: WorkloadView, container: ContainerView): EffectiveSecurityContext {
    const pod = asRecord(workload.podSpec["securityContext"]);
    const own = asRecord(container.spec["securityContext"]);
    const [runAsNonRoot, nonRootSource] = inherit<boolean>(own, pod, "runAsNonRoot");
    const [runAsUser, userSource] = inherit<number>(own, pod, "runAsUser");
    const [seccompProfile, seccompSource] = inherit<{ type?: string; localhostProfile?: string }>(own, pod, "seccompProfile");
    const capabilities = asRecord(own["capabilities"]);
    return {
        runAsNonRoot,
        runAsUser,
        seccompProfile,
        source: { runAsNonRoot: nonRootSource, runAsUser: userSource, seccompProfile: seccompSource },
        privileged: own["privileged"] as boolean | undefined,
        allowPrivilegeEscalation: own["allowPrivilegeEscalation"] as boolean | undefined,
        readOnlyRootFilesystem: own["readOnlyRootFilesystem"] as boolean | undefined,
        capabilities: { add: stringList(capabilities["add"]), drop: stringList(capabilities["drop"]) },
    };
}

/** Capability names as the runtime understands them: case-insensitive, optional `CAP_` prefix. */
export function normalizeCapability(name: string): string {
    const upper = name.trim().toUpperCase();
    return upper.startsWith("CAP_") ? upper.slice(4) : upper;
}
