// allowPrivilegeEscalation defaults to true: setuid binaries could gain privileges unless it is false.
import { isWindowsPod } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

const FIX = "set securityContext.allowPrivilegeEscalation: false on every container";

export const containerNoPrivilegeEscalation: PackResourcePolicy = {
    name: "container-no-privilege-escalation",
    description: "Containers must set allowPrivilegeEscalation to false.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: `${FIX} (regular, init and ephemeral containers).`,
    validateResource: validateContainers((context, container) => {
        if (isWindowsPod(context.workload)) return; // not enforced for Windows pods (Pod Security Standards)
        const value = effectiveSecurityContext(context.workload, container).allowPrivilegeEscalation;
        if (value === true) context.reportContainer(container, "securityContext.allowPrivilegeEscalation", "is true", FIX);
        else if (value !== false && !context.workload.patch) context.reportContainer(container, "securityContext.allowPrivilegeEscalation", "is not set and defaults to true", FIX);
    }),
};
