// The one redaction module of the relayer: every log line, audit line, error text sent to the backend and
// Kubernetes event message passes through here. Redacts by key (credential-like field names) and by value
// pattern (bearer tokens, well-known API-key formats, JWTs, emails, optionally IP addresses), so a secret is
// caught even when it sits in a free-text message.

export interface RedactOptions {
    /** Also replace IPv4/IPv6 addresses (operators enable this where IPs count as personal data). */
    ips?: boolean;
}

export const REDACTED = "[REDACTED]";

/** Field names whose values are always secret, whatever they look like. */
const SECRET_KEY = /(pass(word|phrase)?|secret|token|api[-_]?key|apikey|authori[sz]ation|cookie|credential|signature|private[-_]?key|client[-_]?secret|x-goog-api-key|cf-access-client)/i;

const VALUE_PATTERNS: readonly [RegExp, string][] = [
    // Authorization header values.
    [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/gi, `$1 ${REDACTED}`],
    // JSON Web Tokens.
    [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, REDACTED],
    // Vendor API-key formats: OpenAI/Anthropic (sk-…), Google (AIza…), AWS access key ids, GitHub, Slack.
    [/\bsk-[A-Za-z0-9_-]{16,}/g, REDACTED],
    [/\bAIza[0-9A-Za-z_-]{30,}/g, REDACTED],
    [/\b(AKIA|ASIA)[0-9A-Z]{16}\b/g, REDACTED],
    [/\bgh[pousr]_[A-Za-z0-9]{30,}/g, REDACTED],
    [/\bxox[abprs]-[A-Za-z0-9-]{10,}/g, REDACTED],
    // key=value / key: value pairs in free text whose key names a credential.
    [/\b((?:api[-_]?key|token|secret|password|passwd|client[-_]?secret)\s*[=:]\s*)("?)[^\s"&,;]{4,}\2/gi, `$1$2${REDACTED}$2`],
    // Email addresses.
    [/\b[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}\b/g, "[EMAIL]"],
];

const IP_PATTERNS: readonly RegExp[] = [
    /\b(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)\b/g,
    /\b(?:[0-9a-f]{1,4}:){7}[0-9a-f]{1,4}\b|\b(?:[0-9a-f]{1,4}:){1,7}:(?:[0-9a-f]{1,4}(?::[0-9a-f]{1,4}){0,6})?\b/gi,
];

/** Redact secrets and PII inside free text. */
export function redactText(text: string, options: RedactOptions = {}): string {
    let out = text;
    for (const [pattern, replacement] of VALUE_PATTERNS) out = out.replace(pattern, replacement);
    if (options.ips) for (const pattern of IP_PATTERNS) out = out.replace(pattern, "[IP]");
    return out;
}

/** True when a field of this name must never carry its value into a log. */
export function isSecretKey(key: string): boolean {
    return SECRET_KEY.test(key);
}

/** Deep copy of `value` with secret keys replaced and every string redacted by pattern. Errors become plain objects. */
export function redactDeep(value: unknown, options: RedactOptions = {}, depth = 0): unknown {
    if (typeof value === "string") return redactText(value, options);
    if (value === null || typeof value !== "object") return value;
    if (depth > 8) return "[…]";
    if (Buffer.isBuffer(value)) return `[${value.length} bytes]`;
    if (value instanceof Error) {
        const code = (value as NodeJS.ErrnoException).code;
        return {
            type: value.name,
            message: redactText(value.message, options),
            ...(code ? { code } : {}),
            ...(value.stack ? { stack: redactText(value.stack, options) } : {}),
        };
    }
    if (Array.isArray(value)) return value.map((item) => redactDeep(item, options, depth + 1));
    const out: Record<string, unknown> = {};
    for (const [key, item] of Object.entries(value)) {
        out[key] = isSecretKey(key) && item !== undefined && item !== null && item !== "" ? REDACTED : redactDeep(item, options, depth + 1);
    }
    return out;
}
