// Images come only from registries the organisation trusts (configurable; advisory by default because
// the right list is organisation-specific).
import type { PolicyConfigSchema } from "@pulumi/policy";
import { globToRegExp } from "../lib/glob";
import { parseImageReference } from "../lib/image-ref";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateContainers } from "../lib/workload-policy";

const configSchema: PolicyConfigSchema = {
    properties: {
        allowedRegistries: {
            type: "array",
            items: { type: "string", minLength: 1 },
            description:
                "Allowed registries or repository prefixes, `*` as wildcard: `ghcr.io`, `ghcr.io/acme/*`, " +
                "`*.dkr.ecr.*.amazonaws.com`. Docker Hub images count as `docker.io/<repository>`. Empty: policy not applicable.",
            default: [],
        },
    },
};

/**
 * A pattern is a registry host pattern, optionally followed by a repository pattern. The host part is
 * matched against the registry alone, so `*` there can never reach into the repository path (otherwise
 * `evil.example/x.dkr.ecr.y.amazonaws.com` would pass `*.dkr.ecr.*.amazonaws.com`).
 */
function allowedBy(patterns: readonly string[], registry: string, repository: string): boolean {
    return patterns.some((pattern) => {
        const slash = pattern.indexOf("/");
        const hostPattern = slash < 0 ? pattern : pattern.slice(0, slash);
        const pathPattern = slash < 0 ? undefined : pattern.slice(slash + 1).replace(/\/+$/, "");
        if (!globToRegExp(hostPattern).test(registry)) return false;
        if (pathPattern === undefined || pathPattern === "") return true;
        return globToRegExp(pathPattern).test(repository) || repository.startsWith(`${pathPattern}/`);
    });
}

export const imageRegistryAllowed: PackResourcePolicy = {
    name: "image-registry-allowed",
    description: "Container images must come from an allowed registry.",
    severity: "medium",
    enforcementLevel: "advisory",
    framework: securityGuide("Workloads: image provenance"),
    remediationSteps: "Mirror the image into an allowed registry and reference it there, or add the registry to `allowedRegistries`.",
    configSchema,
    validateResource: validateContainers((context, container) => {
        const { allowedRegistries } = readPolicyConfig<{ allowedRegistries: string[] }>(configSchema, context.args);
        if (allowedRegistries.length === 0) context.args.notApplicable("no allowedRegistries configured");
        const image = container.spec["image"];
        if (typeof image !== "string") return;
        const parsed = parseImageReference(image);
        if (!parsed.ok) return; // reported by image-pinned-by-digest
        if (!allowedBy(allowedRegistries, parsed.image.registry, parsed.image.repository)) {
            context.reportContainer(container, "image", `registry "${parsed.image.registry}" (repository "${parsed.image.repository}") is not in the allowed list [${allowedRegistries.join(", ")}]`,
                "mirror the image into an allowed registry, or add the registry to this policy's allowedRegistries");
        }
    }),
};
