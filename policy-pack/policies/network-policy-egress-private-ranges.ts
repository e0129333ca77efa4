// An egress rule that opens the internet (0.0.0.0/0, ::/0, or any block containing a private range)
// must carve out the private, link-local, loopback and carrier-grade NAT ranges, or it also opens the
// cluster network, the cloud metadata endpoint (169.254.169.254) and everything on the VPC.
import type { PolicyConfigSchema } from "@pulumi/policy";
import { Cidr, cidrContains, parseCidr, unionCovers } from "../lib/cidr";
import { NETWORK_POLICY_PATCH_TYPES } from "../lib/k8s-types";
import { asRecord } from "../lib/k8s-workloads";
import { readPolicyConfig } from "../lib/policy-config";
import type { PackResourcePolicy } from "../lib/policy-types";
import { securityGuide } from "../lib/policy-types";
import { checkEach } from "../lib/unknowns";
import { formatFinding } from "../lib/finding";

export const DEFAULT_EXCLUDED_RANGES = ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "169.254.0.0/16", "127.0.0.0/8", "100.64.0.0/10", "fc00::/7", "fe80::/10", "::1/128"];

const configSchema: PolicyConfigSchema = {
    properties: {
        excludedRanges: {
            type: "array",
            items: { type: "string" },
            description: "CIDRs every broad egress ipBlock must list in `except`.",
            default: DEFAULT_EXCLUDED_RANGES,
        },
    },
};

export const networkPolicyEgressPrivateRanges: PackResourcePolicy = {
    name: "network-policy-egress-private-ranges",
    description: "Egress to 0.0.0.0/0 or ::/0 must exclude private, link-local, loopback and CGNAT ranges.",
    severity: "high",
    enforcementLevel: "mandatory",
    framework: securityGuide("Network: egress"),
    remediationSteps: `Add the ranges to ipBlock.except: ${DEFAULT_EXCLUDED_RANGES.join(", ")}.`,
    configSchema,
    validateResource: (args, reportViolation) => {
        if (!NETWORK_POLICY_PATCH_TYPES.includes(args.type)) return;
        const { excludedRanges } = readPolicyConfig<{ excludedRanges: string[] }>(configSchema, args);
        const required = excludedRanges.map(parseCidr).filter((cidr): cidr is Cidr => cidr !== undefined);
        const egress = asRecord(args.props["spec"])["egress"];
        if (!Array.isArray(egress)) return;
        const where = `NetworkPolicy '${args.name}'`;
        checkEach(egress.map((rule, index) => ({ rule: asRecord(rule), index })), ({ rule, index }) => {
            const peers = rule["to"];
            if (!Array.isArray(peers) || peers.length === 0) {
                reportViolation(formatFinding(where, `spec.egress[${index}].to`, "is empty, which allows every destination including private and metadata addresses", "list the destinations (ipBlock with except, or pod/namespace selectors)"));
                return;
            }
            peers.forEach((peer, peerIndex) => {
                const ipBlock = asRecord(asRecord(peer)["ipBlock"]);
                if (typeof ipBlock["cidr"] !== "string") return;
                const field = `spec.egress[${index}].to[${peerIndex}].ipBlock`;
                const block = parseCidr(ipBlock["cidr"]);
                if (!block) {
                    reportViolation(formatFinding(where, `${field}.cidr`, `"${ipBlock["cidr"]}" is not a valid CIDR`, "write it as address/prefix"));
                    return;
                }
                const excepts = (Array.isArray(ipBlock["except"]) ? ipBlock["except"] : []).map((text) => parseCidr(String(text))).filter((cidr): cidr is Cidr => cidr !== undefined);
                const uncovered = required.filter((range) => cidrContains(block, range) && !unionCovers(excepts, range));
                if (uncovered.length > 0) {
                    reportViolation(formatFinding(where, `${field}.except`, `${block.text} also allows ${uncovered.map((r) => r.text).join(", ")}`, `add ${uncovered.map((r) => r.text).join(", ")} to except`));
                }
            });
        });
    },
};
