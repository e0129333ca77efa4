// `latest` (explicit or implied by a reference without tag and digest) says nothing about what runs.
import { parseImageReference } from "../lib/image-ref";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateContainers } from "../lib/workload-policy";

const FIX = "use a versioned tag together with the digest, e.g. <repository>:1.4.2@sha256:<digest>";

export const imageNoLatestTag: PackResourcePolicy = {
    name: "image-no-latest-tag",
    description: "Container images must not use the `latest` tag, explicitly or implicitly.",
    severity: "medium",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: image provenance"),
    remediationSteps: `Replace \`latest\` and tag-less references: ${FIX}.`,
    validateResource: validateContainers((context, container) => {
        const image = container.spec["image"];
        if (typeof image !== "string") return;
        const parsed = parseImageReference(image);
        if (!parsed.ok) return; // reported by image-pinned-by-digest
        if (parsed.image.tag === "latest") {
            context.reportContainer(container, "image", `"${image}" uses the tag "latest", which names no particular version`, FIX);
        } else if (!parsed.image.tag && !parsed.image.digest) {
            context.reportContainer(container, "image", `"${image}" has neither tag nor digest, so the runtime pulls "latest"`, FIX);
        }
    }),
};
