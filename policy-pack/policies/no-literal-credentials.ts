// No literal credential in ConfigMaps, container env, args/command or annotations: those end up in
// Pulumi state, `kubectl describe` output and every backup. Messages name where and what kind of
// credential it looks like, never the value.
import type { PolicyConfigSchema, ReportViolation, ResourceValidationArgs } from "@pulumi/policy";
import { DEFAULT_MIN_ENTROPY_BITS, DEFAULT_MIN_LENGTH, EntropyOptions, findCredential, splitAssignment } from "../lib/credentials";
import { asRecord, containersOf, describeContainer, workloadOf } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkAll, checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";

const configSchema: PolicyConfigSchema = {
    properties: {
        minEntropyBits: { type: "number", minimum: 0, description: "Shannon entropy (bits per character) from which a value under a secret-sounding key counts as a credential.", default: DEFAULT_MIN_ENTROPY_BITS },
        minLength: { type: "integer", minimum: 1, description: "Shortest value the entropy check considers.", default: DEFAULT_MIN_LENGTH },
    },
};

const FIX = "move the value into a Secret (External Secrets or a mounted secret file) and reference it; rotate the credential, it is already exposed in state";

interface Scan {
    where: string;
    options: EntropyOptions;
    report: ReportViolation;
}

function scanValue(scan: Scan, field: string, key: string | undefined, value: unknown): void {
    if (typeof value !== "string") return;
    const finding = findCredential(key, value, scan.options);
    if (finding) scan.report(formatFinding(scan.where, field, `holds a literal ${finding.kind} (value not shown)`, FIX));
}

function scanMap(scan: Scan, field: string, map: unknown): void {
    checkEach(Object.entries(asRecord(map)), ([key, value]) => scanValue(scan, `${field}["${key}"]`, key, value));
}

function scanWorkload(args: ResourceValidationArgs, scan: Scan): void {
    const workload = workloadOf(args.type, args.props);
    if (!workload) return;
    checkAll(
        () => scanMap(scan, workload.podAnnotationsPath, workload.podAnnotations),
        () =>
            checkEach(containersOf(workload), (container) => {
                const inContainer: Scan = { ...scan, where: `${scan.where} ${describeContainer(container)}` };
                const env = container.spec["env"];
                if (Array.isArray(env)) {
                    env.forEach((raw, index) => {
                        const variable = asRecord(raw);
                        scanValue(inContainer, `${container.path}.env[${index}] (${String(variable["name"])}).value`, String(variable["name"]), variable["value"]);
                    });
                }
                for (const listName of ["args", "command"]) {
                    const list = container.spec[listName];
                    if (!Array.isArray(list)) continue;
                    list.forEach((item, index) => {
                        if (typeof item !== "string") return;
                        const { key, value } = splitAssignment(item);
                        // "--token", "<value>": the flag before a value names it.
                        const previous = index > 0 && typeof list[index - 1] === "string" && String(list[index - 1]).startsWith("-") ? String(list[index - 1]).replace(/^-+/, "") : undefined;
                        scanValue(inContainer, `${container.path}.${listName}[${index}]`, key ?? previous, value);
                    });
                }
            }),
    );
}

export const noLiteralCredentials: PackResourcePolicy = {
    name: "no-literal-credentials",
    description: "ConfigMaps, container env/args and annotations must not contain literal credentials.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Secrets hygiene"),
    remediationSteps: `${FIX[0].toUpperCase()}${FIX.slice(1)}.`,
    configSchema,
    validateResource: (args, reportViolation) => {
        if (!args.type.startsWith("kubernetes:")) return;
        const options = readPolicyConfig<EntropyOptions>(configSchema, args);
        const kind = args.type.slice(args.type.lastIndexOf(":") + 1);
        const scan: Scan = { where: `${kind} '${args.name}'`, options, report: reportViolation };
        checkAll(
            () => scanMap(scan, "metadata.annotations", asRecord(args.props["metadata"])["annotations"]),
            () => {
                if (kind === "ConfigMap" || kind === "ConfigMapPatch") scanMap(scan, "data", args.props["data"]);
            },
            () => {
                // An ExternalSecret's template is rendered into the Secret: a literal there bypasses the store.
                if (args.type.startsWith("kubernetes:external-secrets.io/") && (kind === "ExternalSecret" || kind === "ClusterExternalSecret")) {
                    const spec = asRecord(args.props["spec"]);
                    const target = asRecord((kind === "ClusterExternalSecret" ? asRecord(spec["externalSecretSpec"]) : spec)["target"]);
                    const prefix = kind === "ClusterExternalSecret" ? "spec.externalSecretSpec.target.template.data" : "spec.target.template.data";
                    scanMap(scan, prefix, asRecord(target["template"])["data"]);
                }
            },
            () => scanWorkload(args, scan),
        );
    },
};
