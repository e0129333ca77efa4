// A privileged container has every device and capability of the node.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { effectiveSecurityContext } from "../lib/security-context";
import { validateContainers } from "../lib/workload-policy";

export const containerNotPrivileged: PackResourcePolicy = {
    name: "container-not-privileged",
    description: "Containers must not run privileged.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: security context"),
    remediationSteps: "Remove securityContext.privileged (or set it to false); grant only the specific capability the container needs.",
    validateResource: validateContainers((context, container) => {
        if (effectiveSecurityContext(context.workload, container).privileged === true) {
            context.reportContainer(container, "securityContext.privileged", "is true, giving the container full access to the node", "set privileged: false");
        }
    }),
};
