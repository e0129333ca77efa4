// Cloud-side documents of an evaluated stack, taken from the recorded inputs of the resources that carry them:
// AWS IAM and KMS policies, Vault policies, the Cloudflare tunnel's ingress rules and the Access application and
// policies. Reviewers read these to see exactly what access a stack grants without a cloud account.
import { canonicalJson } from "./canonical-json";
import { NoticeFacts, withJsonNotice } from "./offline-notice";
import { byUrn, RenderResource } from "./render-model";

/** Where a document lives in a resource's inputs, and the file it is written to. */
interface DocumentSource {
    type: string;
    /** Folder under the render's output directory. */
    folder: string;
    /** File-name suffix after the resource name. */
    suffix: string;
    /** The document, or undefined when the resource does not carry one. */
    select(inputs: Record<string, unknown>): unknown;
}

const input = (key: string) => (inputs: Record<string, unknown>) => inputs[key];
const wholeInputs = (inputs: Record<string, unknown>) => inputs;

const documentSources: readonly DocumentSource[] = [
    { type: "aws:iam/policy:Policy", folder: "aws-iam", suffix: "policy", select: input("policy") },
    { type: "aws:iam/role:Role", folder: "aws-iam", suffix: "trust-policy", select: input("assumeRolePolicy") },
    {
        type: "aws:iam/role:Role",
        folder: "aws-iam",
        suffix: "inline-policies",
        // Each inline policy carries its document as JSON text, like a standalone policy.
        select: (inputs) =>
            Array.isArray(inputs.inlinePolicies)
                ? inputs.inlinePolicies.map(({ policy, ...rest }: Record<string, unknown>) => ({ ...rest, ...documentBody(policy) }))
                : undefined,
    },
    { type: "aws:iam/rolePolicy:RolePolicy", folder: "aws-iam", suffix: "role-policy", select: input("policy") },
    { type: "aws:kms/key:Key", folder: "aws-kms", suffix: "key-policy", select: input("policy") },
    { type: "vault:index/policy:Policy", folder: "vault", suffix: "policy", select: input("policy") },
    {
        type: "cloudflare:index/zeroTrustTunnelCloudflaredConfig:ZeroTrustTunnelCloudflaredConfig",
        folder: "cloudflare",
        suffix: "tunnel-ingress",
        select: input("config"),
    },
    {
        type: "cloudflare:index/zeroTrustAccessApplication:ZeroTrustAccessApplication",
        folder: "cloudflare",
        suffix: "access-application",
        select: wholeInputs,
    },
    {
        type: "cloudflare:index/zeroTrustAccessPolicy:ZeroTrustAccessPolicy",
        folder: "cloudflare",
        suffix: "access-policy",
        select: wholeInputs,
    },
];

/**
 * Policies are usually JSON text inside an input. Parse them so the file shows structure; text that is not JSON
 * (Vault HCL) stays text, and is still reviewable as written.
 */
export function documentBody(value: unknown): { document: unknown } | { documentText: string } {
    if (typeof value !== "string") return { document: value };
    try {
        return { document: JSON.parse(value) as unknown };
    } catch {
        return { documentText: value };
    }
}

/** Resource names may contain characters that are awkward in file names. */
export function fileSafeName(name: string): string {
    return name.replace(/[^A-Za-z0-9._-]+/g, "_");
}

/** Relative path → file content for every cloud-side document of the stack. */
export function cloudDocuments(facts: NoticeFacts, resources: readonly RenderResource[]): Map<string, string> {
    const files = new Map<string, string>();
    for (const resource of [...resources].sort(byUrn)) {
        for (const source of documentSources) {
            if (source.type !== resource.type) continue;
            const value = source.select(resource.inputs);
            if (value === undefined || value === null || (Array.isArray(value) && value.length === 0)) continue;
            const file = `cloud/${source.folder}/${fileSafeName(resource.name)}.${source.suffix}.json`;
            const body = withJsonNotice(facts, {
                resource: { type: resource.type, name: resource.name, urn: resource.urn },
                ...documentBody(value),
            });
            files.set(file, canonicalJson(body));
        }
    }
    return files;
}
