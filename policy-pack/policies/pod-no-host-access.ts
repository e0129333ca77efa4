// Host namespaces, host ports and hostPath volumes all break the container boundary.
import { asRecord, containersOf, describeContainer } from "../lib/k8s-workloads";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkAll, checkEach } from "../lib/unknowns";
import { validateWorkload } from "../lib/workload-policy";

export const podNoHostAccess: PackResourcePolicy = {
    name: "pod-no-host-access",
    description: "Pods must not use the host network, PID or IPC namespace, host ports or hostPath volumes.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: host isolation"),
    remediationSteps: "Remove hostNetwork/hostPID/hostIPC, containers[].ports[].hostPort and hostPath volumes; expose ports through a Service and store data in emptyDir or PVCs.",
    validateResource: validateWorkload((context) => {
        const { podSpec, podSpecPath } = context.workload;
        checkAll(
            ...(["hostNetwork", "hostPID", "hostIPC"] as const).map((field) => () => {
                if (podSpec[field] === true) context.report(`${podSpecPath}.${field}`, "is true, sharing the node's namespace", `remove ${field} (or set it to false)`);
            }),
            () =>
                checkEach(containersOf(context.workload), (container) => {
                    const ports = container.spec["ports"];
                    if (!Array.isArray(ports)) return;
                    ports.forEach((port, index) => {
                        const hostPort = asRecord(port)["hostPort"];
                        if (typeof hostPort === "number" && hostPort !== 0) {
                            context.report(`${container.path}.ports[${index}].hostPort`, `${describeContainer(container)} binds host port ${hostPort}`, "remove hostPort and expose the port through a Service");
                        }
                    });
                }),
            () => {
                const volumes = podSpec["volumes"];
                if (!Array.isArray(volumes)) return;
                volumes.forEach((volume, index) => {
                    const record = asRecord(volume);
                    if (record["hostPath"] !== undefined) {
                        context.report(`${podSpecPath}.volumes[${index}].hostPath`, `volume '${String(record["name"])}' mounts a path of the node`, "use an emptyDir, a ConfigMap/Secret or a PersistentVolumeClaim instead");
                    }
                });
            },
        );
    }),
};
