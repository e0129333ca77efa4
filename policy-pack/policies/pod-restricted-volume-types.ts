// Only the volume types the `restricted` Pod Security Standard allows (hostPath is reported by
// pod-no-host-access, so it is not repeated here).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { validateWorkload } from "../lib/workload-policy";

export const RESTRICTED_VOLUME_TYPES = ["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "persistentVolumeClaim", "projected", "secret"];

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedVolumeTypes: {
            type: "array",
            items: { type: "string" },
            description: "Volume source fields a pod may use (default: the restricted Pod Security Standard list).",
            default: RESTRICTED_VOLUME_TYPES,
        },
    },
};

export const podRestrictedVolumeTypes: PackResourcePolicy = {
    name: "pod-restricted-volume-types",
    description: "Pods may only use the volume types allowed by the restricted Pod Security Standard.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: host isolation"),
    remediationSteps: `Replace other volume types with one of: ${RESTRICTED_VOLUME_TYPES.join(", ")} (e.g. a CSI driver or a PersistentVolumeClaim).`,
    configSchema,
    validateResource: validateWorkload((context) => {
        const { allowedVolumeTypes } = readPolicyConfig<{ allowedVolumeTypes: string[] }>(configSchema, context.args);
        const volumes = context.workload.podSpec["volumes"];
        if (!Array.isArray(volumes)) return;
        checkEach(volumes.map((volume, index) => ({ volume: asRecord(volume), index })), ({ volume, index }) => {
            for (const type of Object.keys(volume)) {
                if (type === "name" || type === "hostPath" || volume[type] === undefined || allowedVolumeTypes.includes(type)) continue;
                context.report(`${context.workload.podSpecPath}.volumes[${index}].${type}`, `volume '${String(volume["name"])}' uses type "${type}", which the restricted profile does not allow`,
                    `use one of ${allowedVolumeTypes.join(", ")}`);
            }
        });
    }),
};
