// Every hostname a Cloudflare Tunnel publishes must sit behind an Access application; otherwise the
// origin is reachable by anyone who knows the name. Applications are indexed once (exact hosts and
// wildcard suffixes), then each tunnel ingress is a lookup.
import type { PolicyResource } from "@pulumi/policy";
import { ACCESS_APPLICATION_TYPES, applicationHostnames, TUNNEL_CONFIG_TYPES } from "../lib/access-rules";
import { asRecord } from "../lib/k8s-workloads";
import type { PackStackPolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";


interface CoverageIndex {
    /** Host → path prefixes covered ("" = the whole host). */
    exact: Map<string, string[]>;
    /** Wildcard suffix (".example.com") → path prefixes covered. */
    wildcard: Map<string, string[]>;
}

function addCoverage(map: Map<string, string[]>, key: string, path: string): void {
    const paths = map.get(key);
    if (paths) paths.push(path);
    else map.set(key, [path]);
}

function indexApplications(resources: readonly PolicyResource[]): CoverageIndex {
    const index: CoverageIndex = { exact: new Map(), wildcard: new Map() };
    checkEach(resources, (resource) => {
        if (!ACCESS_APPLICATION_TYPES.includes(resource.type)) return;
        for (const entry of applicationHostnames(resource.props)) {
            const slash = entry.indexOf("/");
            const host = slash >= 0 ? entry.slice(0, slash) : entry;
            const path = slash >= 0 ? entry.slice(slash).replace(/\/?\*?$/, "") : "";
            if (host.startsWith("*.")) addCoverage(index.wildcard, host.slice(1), path);
            else addCoverage(index.exact, host, path);
        }
    });
    return index;
}

function pathCovered(paths: readonly string[] | undefined, ingressPath: string): boolean {
    return (paths ?? []).some((prefix) => prefix === "" || ingressPath === prefix || ingressPath.startsWith(`${prefix}/`));
}

/** Is `host` (with ingress path) behind an application? A wildcard app covers exactly one extra label. */
export function hostCovered(index: CoverageIndex, host: string, ingressPath: string): boolean {
    if (pathCovered(index.exact.get(host), ingressPath)) return true;
    const dot = host.indexOf(".");
    if (host.startsWith("*.")) return pathCovered(index.wildcard.get(host.slice(1)), ingressPath);
    return dot > 0 && pathCovered(index.wildcard.get(host.slice(dot)), ingressPath);
}

export const cloudflareTunnelHostnamesCovered: PackStackPolicy = {
    name: "cloudflare-tunnel-hostnames-covered",
    description: "Every Cloudflare Tunnel ingress hostname must be covered by an Access application.",
    severity: "critical",
    enforcementLevel: "mandatory",
    framework: securityGuide("Edge: Cloudflare Access"),
    remediationSteps: "Create a ZeroTrustAccessApplication (type self_hosted) whose domain covers the tunnel hostname, with allow/non_identity policies.",
    validateStack: (args, reportViolation) => {
        const index = indexApplications(args.resources);
        checkEach(args.resources, (resource) => {
            if (!TUNNEL_CONFIG_TYPES.includes(resource.type)) return;
            const ingresses = asRecord(resource.props["config"])["ingresses"];
            if (!Array.isArray(ingresses)) return;
            ingresses.forEach((raw, position) => {
                const ingress = asRecord(raw);
                const service = String(ingress["service"] ?? "");
                const hostname = typeof ingress["hostname"] === "string" ? ingress["hostname"].toLowerCase() : "";
                const where = `Tunnel config '${resource.name}' ingress ${position}`;
                const field = `config.ingresses[${position}].hostname`;
                if (service.startsWith("http_status:")) return; // a fixed status response exposes nothing
                if (hostname === "") {
                    reportViolation(formatFinding(where, field, `is empty, so every hostname routed to the tunnel reaches ${service}`, "set a hostname covered by an Access application, and end the list with service http_status:404"), resource.urn);
                } else if (!hostCovered(index, hostname, String(ingress["path"] ?? "").replace(/^\^/, ""))) {
                    reportViolation(formatFinding(where, field, `"${hostname}" is not covered by any Access application`, `create an Access application whose domain is ${hostname}`), resource.urn);
                }
            });
        });
    },
};
