// Literal credential detection. Known vendor formats are recognised anywhere; other values are judged
// by Shannon entropy only when they sit under a secret-sounding key, because random-looking text is
// normal elsewhere (hashes, IDs). Results name the kind of credential, never the value.

const KNOWN_FORMATS: readonly { kind: string; pattern: RegExp }[] = [
    { kind: "Anthropic API key", pattern: /\bsk-ant-[A-Za-z0-9]{2,10}-[A-Za-z0-9_-]{20,}/ },
    { kind: "OpenAI API key", pattern: /\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_-]{20,}/ },
    { kind: "AWS access key ID", pattern: /\b(?:AKIA|ASIA|ABIA|ACCA)[A-Z0-9]{16}\b/ },
    { kind: "AWS secret access key", pattern: /aws_?secret_?access_?key["'\s:=]+[A-Za-z0-9/+]{40}\b/i },
    { kind: "GitHub token", pattern: /\b(?:gh[pousr]_[A-Za-z0-9]{36,}|github_pat_[A-Za-z0-9_]{60,})/ },
    { kind: "Slack token", pattern: /\bxox[abposr]-[A-Za-z0-9-]{10,}/ },
    { kind: "Slack webhook URL", pattern: /hooks\.slack\.com\/services\/T[A-Za-z0-9]+\/B[A-Za-z0-9]+\/[A-Za-z0-9]+/ },
    { kind: "private key", pattern: /-----BEGIN (?:[A-Z0-9]+ )*PRIVATE KEY( BLOCK)?-----/ },
    { kind: "JSON Web Token", pattern: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
    { kind: "URL with embedded password", pattern: /\b[a-z][a-z0-9+.-]*:\/\/[^\s/:@]+:[^\s/@]+@[^\s/]+/i },
];

/** Keys that announce a secret value (env var names, ConfigMap keys, annotation keys, CLI flags). */
const SECRET_KEY = /(?:pass(?:word|wd|phrase)?|secret|token|api[-_]?key|apikey|private[-_]?key|credential|client[-_]?secret|auth[-_]?key|access[-_]?key|signing[-_]?key|hmac)/i;
/** Keys that name where a secret lives rather than holding it. */
const REFERENCE_KEY = /(?:_|-|\.)(?:dir|file|path|paths|name|names|ref|url|uri|endpoint|mount|key_?id|ttl|seconds|enabled|version|header)$/i;
/** Keys whose values are fingerprints of secrets (rollout checksums), random-looking by design but harmless. */
const FINGERPRINT_KEY = /checksum|hash|digest|fingerprint/i;

export const DEFAULT_MIN_ENTROPY_BITS = 3.5;
export const DEFAULT_MIN_LENGTH = 16;

export interface CredentialFinding {
    /** What the value looks like, e.g. "AWS access key ID" or "high-entropy value". */
    kind: string;
}

export function shannonEntropy(value: string): number {
    const counts = new Map<string, number>();
    for (const char of value) counts.set(char, (counts.get(char) ?? 0) + 1);
    let bits = 0;
    for (const count of counts.values()) {
        const p = count / value.length;
        bits -= p * Math.log2(p);
    }
    return bits;
}

export function isSecretSoundingKey(key: string): boolean {
    return SECRET_KEY.test(key) && !REFERENCE_KEY.test(key) && !FINGERPRINT_KEY.test(key);
}

/** Values that are plainly not credentials: paths, plain URLs, booleans, numbers, templating. */
function isBenignShape(value: string): boolean {
    return /^\/[\w./-]*$/.test(value) || /^[a-z][a-z0-9+.-]*:\/\/[^@\s]*$/i.test(value) || /^(?:true|false|\d+)$/i.test(value) || /^\$\(?[\w{}]+\)?$/.test(value) || /\s/.test(value);
}

export interface EntropyOptions {
    minEntropyBits: number;
    minLength: number;
}

/** The credential a value holds, judged with its key for context; undefined when it looks harmless. */
export function findCredential(key: string | undefined, value: string, options: EntropyOptions = { minEntropyBits: DEFAULT_MIN_ENTROPY_BITS, minLength: DEFAULT_MIN_LENGTH }): CredentialFinding | undefined {
    for (const format of KNOWN_FORMATS) {
        if (format.pattern.test(value)) return { kind: format.kind };
    }
    if (key !== undefined && isSecretSoundingKey(key) && value.length >= options.minLength && !isBenignShape(value) && shannonEntropy(value) >= options.minEntropyBits) {
        return { kind: "high-entropy value under a secret-sounding key" };
    }
    return undefined;
}

/** Splits `--flag=value` / `FLAG=value` arguments so flags get the key-aware entropy check. */
export function splitAssignment(text: string): { key?: string; value: string } {
    const match = /^-{0,2}([A-Za-z][\w.-]*)=(.*)$/s.exec(text);
    return match ? { key: match[1], value: match[2] } : { value: text };
}
