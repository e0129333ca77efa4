// CIDR math for IPv4 and IPv6 with bigint address arithmetic, so "does this allow-rule's except-list
// cover the private ranges" is answered exactly, including coverage by several adjacent except entries.

export interface Cidr {
    family: 4 | 6;
    /** First and last address of the block. */
    first: bigint;
    last: bigint;
    text: string;
}

function parseIpv4(text: string): bigint | undefined {
    const parts = text.split(".");
    if (parts.length !== 4) return undefined;
    let value = 0n;
    for (const part of parts) {
        if (!/^\d{1,3}$/.test(part) || Number(part) > 255) return undefined;
        value = (value << 8n) | BigInt(Number(part));
    }
    return value;
}

function parseIpv6(text: string): bigint | undefined {
    let head = text;
    let ipv4Tail: bigint | undefined;
    const lastColon = text.lastIndexOf(":");
    if (text.slice(lastColon + 1).includes(".")) {
        ipv4Tail = parseIpv4(text.slice(lastColon + 1));
        if (ipv4Tail === undefined) return undefined;
        head = `${text.slice(0, lastColon + 1)}0:0`;
    }
    const halves = head.split("::");
    if (halves.length > 2) return undefined;
    const groups = (half: string) => (half === "" ? [] : half.split(":"));
    const left = groups(halves[0]);
    const right = halves.length === 2 ? groups(halves[1]) : [];
    const missing = 8 - left.length - right.length;
    if ((halves.length === 1 && missing !== 0) || missing < 0) return undefined;
    const all = [...left, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...right];
    let value = 0n;
    for (const group of all) {
        if (!/^[0-9a-fA-F]{1,4}$/.test(group)) return undefined;
        value = (value << 16n) | BigInt(parseInt(group, 16));
    }
    if (ipv4Tail !== undefined) value = (value & ~0xffffffffn) | ipv4Tail;
    return value;
}

// Policies parse the same configured ranges for every NetworkPolicy; parsing is pure, so remember it.
const parsedCidrs = new Map<string, Cidr | undefined>();

export function parseCidr(text: string): Cidr | undefined {
    if (!parsedCidrs.has(text)) parsedCidrs.set(text, parseCidrUncached(text));
    return parsedCidrs.get(text);
}

function parseCidrUncached(text: string): Cidr | undefined {
    const [address, prefixText, extra] = text.trim().split("/");
    if (extra !== undefined || prefixText === undefined || !/^\d{1,3}$/.test(prefixText)) return undefined;
    const family: 4 | 6 = address.includes(":") ? 6 : 4;
    const bits = family === 4 ? 32n : 128n;
    const prefix = BigInt(Number(prefixText));
    if (prefix > bits) return undefined;
    const value = family === 4 ? parseIpv4(address) : parseIpv6(address);
    if (value === undefined) return undefined;
    const hostMask = (1n << (bits - prefix)) - 1n;
    const first = value & ~hostMask;
    return { family, first, last: first | hostMask, text };
}

/** True when `inner` lies entirely inside `outer` (same family). */
export function cidrContains(outer: Cidr, inner: Cidr): boolean {
    return outer.family === inner.family && outer.first <= inner.first && inner.last <= outer.last;
}

/** True when the union of `blocks` covers every address of `target`. */
export function unionCovers(blocks: readonly Cidr[], target: Cidr): boolean {
    const sorted = blocks.filter((block) => block.family === target.family).sort((a, b) => (a.first < b.first ? -1 : a.first > b.first ? 1 : 0));
    let next = target.first;
    for (const block of sorted) {
        if (block.first > next) break;
        if (block.last >= next) next = block.last + 1n;
        if (next > target.last) return true;
    }
    return next > target.last;
}
