// Containers run as a non-root user: effective runAsNonRoot (container value, else the pod's) must be
// true — the kubelet then refuses to start an image whose user is root — and no UID may be 0.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

const FIX = "set securityContext.runAsNonRoot: true and a non-zero runAsUser (e.g. 65534) on the pod, and do not override them per container";

export const podRunAsNonRoot: PackResourcePolicy = {
    name: "pod-run-as-non-root",
    description: "Containers must run as a non-root user.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: `In the pod template, ${FIX}.`,
    validateResource: validateContainers((context, container) => {
        const effective = effectiveSecurityContext(context.workload, container);
        const where = effective.source.runAsNonRoot === "pod" ? `${context.workload.podSpecPath}.securityContext.runAsNonRoot (inherited)` : "securityContext.runAsNonRoot";
        if (effective.runAsNonRoot === false) {
            context.reportContainer(container, where, "is false, so the container may run as root", FIX);
        } else if (effective.runAsNonRoot !== true && !context.workload.patch) {
            context.reportContainer(container, "securityContext.runAsNonRoot", "is not set on the container or the pod, so an image whose user is root starts as root", FIX);
        }
        if (effective.runAsUser === 0) {
            const userField = effective.source.runAsUser === "pod" ? `${context.workload.podSpecPath}.securityContext.runAsUser (inherited)` : "securityContext.runAsUser";
            context.reportContainer(container, userField, "is 0 (root)", FIX);
        }
    }),
};
