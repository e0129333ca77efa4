// The hardened security settings of the relayer (and of every other pod this program runs, e.g. cloudflared):
// Pod Security Admission `restricted` and then some (read-only root, no privileges, fixed non-root IDs).

/** UID and GID the relayer runs as (`nobody`), owning nothing in the image. */
export const RELAYER_UID = 65534;

/** Pod-level security context: non-root 65534, fsGroup so mounted secret files are group-readable, seccomp. */
export function restrictedPodSecurityContext() {
    return {
        runAsNonRoot: true,
        runAsUser: RELAYER_UID,
        runAsGroup: RELAYER_UID,
        fsGroup: RELAYER_UID,
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level security context for every container (init containers included). */
export function restrictedContainerSecurityContext() {
    return {
        allowPrivilegeEscalation: false,
        privileged: false,
        readOnlyRootFilesystem: true,
        runAsNonRoot: true,
        runAsUser: RELAYER_UID,
        runAsGroup: RELAYER_UID,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Pod Security Admission labels: enforce, audit and warn at `restricted`, each pinned to `version`. */
export function podSecurityAdmissionLabels(version: string): Record<string, string> {
    const labels: Record<string, string> = {};
    for (const mode of ["enforce", "audit", "warn"]) {
        labels[`pod-security.kubernetes.io/${mode}`] = "restricted";
        labels[`pod-security.kubernetes.io/${mode}-version`] = version;
    }
    return labels;
}
