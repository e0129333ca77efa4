// Every container image is pinned by an immutable sha256 digest: a tag can be moved to other content.
import { isPinnedBySha256, parseImageReference } from "../lib/image-ref";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { validateContainers } from "../lib/workload-policy";

const FIX = "reference the image as <registry>/<repository>@sha256:<64 hex digits> (resolve the digest with `crane digest` or `docker buildx imagetools inspect`)";

export const imagePinnedByDigest: PackResourcePolicy = {
    name: "image-pinned-by-digest",
    description: "Container images must be pinned by a sha256 digest.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Workloads: image provenance"),
    remediationSteps: `For every container, init container and ephemeral container, ${FIX}.`,
    validateResource: validateContainers((context, container) => {
        const image = container.spec["image"];
        if (image === undefined || image === null) {
            if (!context.workload.patch) context.reportContainer(container, "image", "no image is set", FIX);
            return;
        }
        if (typeof image !== "string") {
            context.reportContainer(container, "image", "is not a string", FIX);
            return;
        }
        const parsed = parseImageReference(image);
        if (!parsed.ok) {
            context.reportContainer(container, "image", `the reference ${parsed.problem}`, FIX);
        } else if (!parsed.image.digest) {
            context.reportContainer(container, "image", `"${image}" is pinned by tag only; a tag can be re-pointed to different content`, FIX);
        } else if (!isPinnedBySha256(parsed.image)) {
            context.reportContainer(container, "image", `the digest is not sha256 with 64 lowercase hex digits (algorithm "${parsed.image.digest.algorithm}", ${parsed.image.digest.encoded.length} characters)`, FIX);
        }
    }),
};
