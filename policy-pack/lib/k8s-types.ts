// Kubernetes type tokens for one kind across every API version @pulumi/kubernetes still registers. The
// deprecated versions (rbac v1beta1/v1alpha1, extensions/v1beta1 NetworkPolicy, policy/v1beta1 PDB,
// autoscaling v2beta*) have the same fields, and a stack that uses them must not slip past the pack.
// (Workload kinds are matched by group and kind in k8s-workloads.ts.)
export function k8sTypes(groupVersions: readonly string[], kind: string, options: { patch?: boolean } = {}): string[] {
    return groupVersions.flatMap((groupVersion) => {
        const token = `kubernetes:${groupVersion}:${kind}`;
        return options.patch ? [token, `${token}Patch`] : [token];
    });
}

export const RBAC_VERSIONS = ["rbac.authorization.k8s.io/v1", "rbac.authorization.k8s.io/v1beta1", "rbac.authorization.k8s.io/v1alpha1"] as const;
export const NETWORK_POLICY_TYPES = k8sTypes(["networking.k8s.io/v1", "extensions/v1beta1"], "NetworkPolicy");
export const NETWORK_POLICY_PATCH_TYPES = k8sTypes(["networking.k8s.io/v1", "extensions/v1beta1"], "NetworkPolicy", { patch: true });
/** policy/v1beta1 differs in one point: an empty selector selects no pod (policy/v1: every pod). */
export const PDB_V1BETA1 = "kubernetes:policy/v1beta1:PodDisruptionBudget";
export const PDB_TYPES = ["kubernetes:policy/v1:PodDisruptionBudget", PDB_V1BETA1];
export const HPA_TYPES = k8sTypes(["autoscaling/v2", "autoscaling/v1", "autoscaling/v2beta2", "autoscaling/v2beta1"], "HorizontalPodAutoscaler");
