// An emptyDir without sizeLimit can fill the node's disk (or memory, for medium: Memory) and get
// neighbouring pods evicted.
import { asRecord } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { validateWorkload } from "../lib/workload-policy";

export const podEmptyDirSizeLimit: PackResourcePolicy = {
    name: "pod-emptydir-size-limit",
    description: "Every emptyDir volume must have a sizeLimit.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: resource limits"),
    remediationSteps: "Set emptyDir.sizeLimit (e.g. 100Mi) on every emptyDir volume.",
    validateResource: validateWorkload((context) => {
        const volumes = context.workload.podSpec["volumes"];
        if (!Array.isArray(volumes)) return;
        checkEach(volumes.map((volume, index) => ({ volume: asRecord(volume), index })), ({ volume, index }) => {
            const emptyDir = volume["emptyDir"];
            if (emptyDir === undefined || emptyDir === null) return;
            const sizeLimit = asRecord(emptyDir)["sizeLimit"];
            if (sizeLimit === undefined || sizeLimit === null || sizeLimit === "" || sizeLimit === "0" || sizeLimit === 0) {
                const medium = asRecord(emptyDir)["medium"] === "Memory" ? " (memory-backed: it counts against node memory)" : "";
                context.report(`${context.workload.podSpecPath}.volumes[${index}].emptyDir.sizeLimit`, `volume '${String(volume["name"])}' has no size limit${medium}`, "set sizeLimit to the most the volume may hold, e.g. 100Mi");
            }
        });
    }),
};
