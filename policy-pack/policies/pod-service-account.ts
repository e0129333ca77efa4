// Pods run under a dedicated ServiceAccount; the namespace's `default` account is shared by everything
// that forgot to choose one, so any RBAC granted to it leaks to all of them.
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateWorkload } from "../lib/workload-policy";

const FIX = "create a ServiceAccount for this workload and set serviceAccountName to it";

export const podServiceAccount: PackResourcePolicy = {
    name: "pod-service-account",
    description: "Pods must not use the `default` ServiceAccount.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: identity"),
    remediationSteps: `${FIX}.`,
    validateResource: validateWorkload((context) => {
        const { podSpec, podSpecPath, patch } = context.workload;
        // `serviceAccount` is the deprecated alias the API server still honours.
        const name = podSpec["serviceAccountName"] ?? podSpec["serviceAccount"];
        if (name === "default") context.report(`${podSpecPath}.serviceAccountName`, 'is "default"', FIX);
        else if ((name === undefined || name === null || name === "") && !patch) context.report(`${podSpecPath}.serviceAccountName`, "is not set, so the pod uses the namespace's default ServiceAccount", FIX);
    }),
};
