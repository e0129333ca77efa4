// OCI / Docker image references, parsed by the distribution reference grammar:
//   reference  := name [ ":" tag ] [ "@" digest ]
//   name       := [ domain "/" ] path-component ( "/" path-component )*
//   domain     := host [ ":" port ]   — the first component is a domain only if it contains "." or ":",
//                                       is "localhost", has an uppercase letter (a repository path
//                                       cannot) or is a bracketed IPv6 address
//   tag        := [A-Za-z0-9_][A-Za-z0-9_.-]{0,127}
//   digest     := algorithm ":" encoded
// so `registry:5000/app:1.2` has a port and a tag, and `app:5000` is an image with tag "5000".

export interface ImageReference {
    /** Registry host (with port) as written, or "docker.io" when the reference has none (or names index.docker.io). */
    registry: string;
    /** Repository path, with Docker Hub's implicit "library/" for single-component names. */
    repository: string;
    tag?: string;
    digest?: { algorithm: string; encoded: string };
}

export type ParsedImage = { ok: true; image: ImageReference } | { ok: false; problem: string };

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/;
const DOMAIN_HOST = /^(?:[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)*|\[[0-9A-Fa-f:.]+\])(?::[0-9]+)?$/;
const DIGEST = /^([a-z0-9]+(?:[.+_-][a-z0-9]+)*):([A-Za-z0-9=_-]{32,})$/;

export const SHA256_DIGEST = /^[a-f0-9]{64}$/;

function looksLikeDomain(component: string): boolean {
    return component.includes(".") || component.includes(":") || component === "localhost" || component !== component.toLowerCase() || component.startsWith("[");
}

export function parseImageReference(reference: string): ParsedImage {
    if (reference.trim() !== reference || reference === "") {
        return { ok: false, problem: "is empty or has surrounding whitespace" };
    }
    let rest = reference;
    let digest: ImageReference["digest"];
    const at = rest.indexOf("@");
    if (at >= 0) {
        const match = DIGEST.exec(rest.slice(at + 1));
        if (!match) return { ok: false, problem: `has a malformed digest "${rest.slice(at + 1)}" (expected <algorithm>:<hex>)` };
        digest = { algorithm: match[1], encoded: match[2] };
        rest = rest.slice(0, at);
    }
    let registry = "docker.io";
    const nameAndTag = rest;
    const slash = rest.indexOf("/");
    if (slash > 0 && looksLikeDomain(rest.slice(0, slash))) {
        registry = rest.slice(0, slash);
        if (!DOMAIN_HOST.test(registry)) return { ok: false, problem: `has an invalid registry host "${registry}"` };
        rest = rest.slice(slash + 1);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
        if (!TAG.test(tag)) return { ok: false, problem: `has an invalid tag "${tag}"` };
    }
    // The grammar caps the name as written (domain and path, without tag and digest) at 255 characters.
    if (nameAndTag.length - (tag === undefined ? 0 : tag.length + 1) > 255) return { ok: false, problem: "has a name longer than 255 characters" };
    const components = rest.split("/");
    if (components.some((component) => !PATH_COMPONENT.test(component))) {
        return { ok: false, problem: `has an invalid repository path "${rest}" (lowercase letters, digits and . _ - separators only)` };
    }
    // Docker Hub's legacy host name is the same registry (the distribution library normalises it too).
    if (registry === "index.docker.io") registry = "docker.io";
    const repository = registry === "docker.io" && components.length === 1 ? `library/${rest}` : rest;
    return { ok: true, image: { registry, repository, tag, digest } };
}

/** True when the reference is pinned by a full sha256 digest. */
export function isPinnedBySha256(image: ImageReference): boolean {
    return image.digest?.algorithm === "sha256" && SHA256_DIGEST.test(image.digest.encoded);
}
