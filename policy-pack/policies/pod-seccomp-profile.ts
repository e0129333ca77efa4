// Seccomp: RuntimeDefault or a Localhost profile, set on the pod (inherited) or on every container.
import { isWindowsPod } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

const FIX = "set securityContext.seccompProfile.type: RuntimeDefault on the pod (or Localhost with localhostProfile)";

export const podSeccompProfile: PackResourcePolicy = {
    name: "pod-seccomp-profile",
    description: "Pods must use the RuntimeDefault or a Localhost seccomp profile.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: `${FIX}.`,
    validateResource: validateContainers((context, container) => {
        if (isWindowsPod(context.workload)) return; // seccomp is Linux-only
        const effective = effectiveSecurityContext(context.workload, container);
        const field = effective.source.seccompProfile === "pod" ? `${context.workload.podSpecPath}.securityContext.seccompProfile (inherited)` : "securityContext.seccompProfile";
        const type = effective.seccompProfile?.type;
        if (type === undefined) {
            if (!context.workload.patch) context.reportContainer(container, "securityContext.seccompProfile", "is not set on the container or the pod, so the container runs Unconfined", FIX);
        } else if (type === "Localhost") {
            if (!effective.seccompProfile?.localhostProfile) context.reportContainer(container, `${field}.localhostProfile`, "is empty for a Localhost profile", "name the profile file in localhostProfile");
        } else if (type !== "RuntimeDefault") {
            context.reportContainer(container, `${field}.type`, `is "${type}"`, FIX);
        }
    }),
};
