// Exemptions. A resource opts out of named policies with the annotation (Kubernetes) or tag (AWS)
// `consonant.io/policy-exempt`; the value must state a reason and an expiry date, otherwise the
// exemption is not honoured and `policy-exemptions-valid` reports it. Format (chosen so it also fits the
// AWS tag character set — letters, digits, spaces and `_ . : / = + - @`):
//
//   policies=<policy>[+<policy>...] expires=<YYYY-MM-DD> reason=<free text>
//
// Operators can also exempt by Pulumi resource name pattern in a policy's config (`exemptResources`).
import type { PolicyConfigSchema, ReportViolation, ResourceValidationArgs, StackValidationArgs } from "@pulumi/policy";
import { globToRegExp } from "./glob";
import { readPolicyConfig } from "./policy-config";
import type { PackPolicy } from "./policy-types";
import { isStackPolicy } from "./policy-types";
import { checkEach } from "./unknowns";

export const EXEMPTION_KEY = "consonant.io/policy-exempt";

export interface ParsedExemption {
    policies: string[];
    reason?: string;
    /** Last day the exemption is honoured (inclusive, UTC). */
    expires?: string;
    /** Problems that make the exemption invalid, each with its fix. */
    problems: string[];
}

const FORMAT_HINT = `write it as "policies=<policy>+<policy> expires=<YYYY-MM-DD> reason=<why>"`;
const KEY_PATTERN = /(?:^|\s)(policies|expires|reason)=/g;
const DATE_PATTERN = /^\d{4}-\d{2}-\d{2}$/;

// Every policy asks for the same resource's exemption; remember the answer per properties object.
const textCache = new WeakMap<object, { text: string | undefined }>();

/** The exemption text a resource carries, if any: Kubernetes annotation or AWS-style tag map. */
export function exemptionText(props: Record<string, unknown>): string | undefined {
    const cached = textCache.get(props);
    if (cached) return cached.text;
    const text = readExemptionText(props);
    textCache.set(props, { text });
    return text;
}

function readExemptionText(props: Record<string, unknown>): string | undefined {
    const metadata = props["metadata"] as { annotations?: Record<string, unknown> } | undefined;
    const fromAnnotation = metadata?.annotations?.[EXEMPTION_KEY];
    if (typeof fromAnnotation === "string") return fromAnnotation;
    const tags = props["tags"];
    if (tags !== null && typeof tags === "object" && !Array.isArray(tags)) {
        const fromTag = (tags as Record<string, unknown>)[EXEMPTION_KEY];
        if (typeof fromTag === "string") return fromTag;
    }
    return undefined;
}

export function parseExemption(text: string, now: Date = new Date()): ParsedExemption {
    const fields = new Map<string, string>();
    const matches = [...text.matchAll(KEY_PATTERN)];
    matches.forEach((match, index) => {
        const start = (match.index ?? 0) + match[0].length;
        const end = index + 1 < matches.length ? (matches[index + 1].index ?? text.length) : text.length;
        fields.set(match[1], text.slice(start, end).trim());
    });
    const problems: string[] = [];
    const policies = (fields.get("policies") ?? "").split("+").map((p) => p.trim()).filter(Boolean);
    if (policies.length === 0) problems.push(`it names no policy; ${FORMAT_HINT}`);
    const reason = fields.get("reason") || undefined;
    if (!reason) problems.push(`it has no reason; add "reason=<why the exemption is needed>" at the end`);
    const expires = fields.get("expires") || undefined;
    if (!expires) {
        problems.push(`it has no expiry date; add "expires=<YYYY-MM-DD>" (at most a few months ahead)`);
    } else if (!DATE_PATTERN.test(expires) || Number.isNaN(Date.parse(`${expires}T00:00:00Z`))) {
        problems.push(`its expiry "${expires}" is not a date; write it as YYYY-MM-DD`);
    } else if (isExpired(expires, now)) {
        problems.push(`it expired on ${expires}; fix the finding or renew the exemption with a new expiry and reason`);
    }
    return { policies, reason, expires, problems };
}

/** An expiry date is honoured through the end of that day, UTC. */
export function isExpired(expires: string, now: Date): boolean {
    return Date.parse(`${expires}T23:59:59.999Z`) < now.getTime();
}

/** One config entry exempting resources by Pulumi name pattern. */
export interface NameExemption {
    name: string;
    reason: string;
    expires?: string;
}

export const exemptResourcesSchema = {
    type: "array",
    description:
        "Resources this policy does not apply to, by Pulumi resource name pattern (`*` matches any text). " +
        "Each entry needs a reason; entries past their optional expiry date are ignored.",
    items: {
        type: "object",
        properties: {
            name: { type: "string", minLength: 1 },
            reason: { type: "string", minLength: 1 },
            expires: { type: "string", pattern: "^\\d{4}-\\d{2}-\\d{2}$" },
        },
        required: ["name", "reason"],
        additionalProperties: false,
    },
    default: [],
} as const;

/** Why `policyName` does not apply to this resource, or undefined when it does. */
export function exemptionReason(
    policyName: string,
    resourceName: string,
    props: Record<string, unknown>,
    nameExemptions: readonly NameExemption[],
    now: Date,
): string | undefined {
    for (const entry of nameExemptions) {
        if (entry.expires && isExpired(entry.expires, now)) continue;
        if (globToRegExp(entry.name).test(resourceName)) {
            return `exempted by policy config pattern "${entry.name}": ${entry.reason}`;
        }
    }
    const text = exemptionText(props);
    if (text === undefined) return undefined;
    const parsed = parseExemption(text, now);
    if (parsed.problems.length > 0 || !parsed.policies.includes(policyName)) return undefined;
    return `exempted by ${EXEMPTION_KEY} until ${parsed.expires}: ${parsed.reason}`;
}

function withExemptResourcesKnob(schema: PolicyConfigSchema | undefined): PolicyConfigSchema {
    return {
        ...schema,
        properties: { ...schema?.properties, exemptResources: exemptResourcesSchema as never },
    };
}

/**
 * Wraps a policy so that valid exemptions (annotation/tag or config name pattern) make it not
 * applicable to the exempted resource. Resource policies skip the resource; stack policies drop the
 * violations they report against it.
 */
export function withExemptions(policy: PackPolicy): PackPolicy {
    const configSchema = withExemptResourcesKnob(policy.configSchema);
    const nameExemptions = (args: { getConfig<C extends object>(): C }) =>
        readPolicyConfig<{ exemptResources: NameExemption[] }>(configSchema, args).exemptResources;

    if (isStackPolicy(policy)) {
        const inner = policy.validateStack;
        return {
            ...policy,
            configSchema,
            validateStack: (args: StackValidationArgs, reportViolation: ReportViolation) => {
                const byUrn = new Map(args.resources.map((resource) => [resource.urn, resource]));
                const exemptions = nameExemptions(args);
                const now = new Date();
                return inner(args, (message, urn) => {
                    const resource = urn === undefined ? undefined : byUrn.get(urn);
                    if (resource && exemptionReason(policy.name, resource.name, resource.props, exemptions, now)) return;
                    reportViolation(message, urn);
                });
            },
        };
    }
    const validations = policy.validateResource === undefined ? [] : [policy.validateResource].flat();
    return {
        ...policy,
        configSchema,
        validateResource: (args: ResourceValidationArgs, reportViolation: ReportViolation) => {
            const reason = exemptionReason(policy.name, args.name, args.props, nameExemptions(args), new Date());
            if (reason !== undefined) args.notApplicable(reason);
            // Like the server, an undecidable validation does not stop the policy's other validations.
            checkEach(validations, (validate) => {
                const result = validate(args, reportViolation);
                if (result instanceof Promise) throw new Error(`policy ${policy.name} must validate synchronously`);
            });
        },
    };
}
