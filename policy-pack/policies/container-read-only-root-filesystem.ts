// A read-only root filesystem stops an attacker from dropping tools into the image; writable paths are
// explicit emptyDir mounts.
import { isWindowsPod } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

const FIX = "set securityContext.readOnlyRootFilesystem: true and mount an emptyDir (with sizeLimit) where the process must write";

export const containerReadOnlyRootFilesystem: PackResourcePolicy = {
    name: "container-read-only-root-filesystem",
    description: "Containers must use a read-only root filesystem.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: `${FIX}.`,
    validateResource: validateContainers((context, container) => {
        if (isWindowsPod(context.workload)) return; // not supported for Windows containers
        const value = effectiveSecurityContext(context.workload, container).readOnlyRootFilesystem;
        if (value === false) context.reportContainer(container, "securityContext.readOnlyRootFilesystem", "is false", FIX);
        else if (value !== true && !context.workload.patch) context.reportContainer(container, "securityContext.readOnlyRootFilesystem", "is not set and defaults to a writable root filesystem", FIX);
    }),
};
