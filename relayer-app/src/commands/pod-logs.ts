// pods.logs output: the newest lines of a container log that fit in the byte cap, redacted line by line.
// The API server's `limitBytes` keeps the FIRST bytes of the selected lines, so when the selection is too big the
// relayer asks a second time for only as many of the newest lines as fit, instead of returning old lines.
import { redactText, type RedactOptions } from "../log/redact";

export interface LogLines {
    lines: string[];
    /** True when older lines (or the end of one overlong line) were left out to respect the cap. */
    truncated: boolean;
}

/** Pure: split, redact and keep the newest lines within `maxBytes`; `cut` = the text ends inside a line. */
export function capLogLines(text: string, maxBytes: number, redact: RedactOptions, cut = false): LogLines {
    const all = text.split("\n");
    const last = all.pop() ?? "";
    // A partial last line is dropped unless it is all there is (one line longer than the cap).
    if (last !== "" && (!cut || all.length === 0)) all.push(last);
    const lines: string[] = [];
    let bytes = 0;
    for (let i = all.length - 1; i >= 0; i--) {
        const line = redactText(all[i] ?? "", redact);
        const size = Buffer.byteLength(line) + 1;
        if (bytes + size > maxBytes && lines.length > 0) return { lines: lines.reverse(), truncated: true };
        bytes += size;
        lines.push(line);
    }
    return { lines: lines.reverse(), truncated: cut };
}

/** `read(tailLines, limitBytes)` fetches the log; at most two reads. */
export async function readNewestLogLines(read: (tailLines: number, limitBytes: number) => Promise<string>, tailLines: number, maxBytes: number, redact: RedactOptions): Promise<LogLines> {
    const first = await read(tailLines, maxBytes);
    if (Buffer.byteLength(first) < maxBytes) return capLogLines(first, maxBytes, redact);
    const complete = first.split("\n").length - 1;
    // Fewer lines than the first answer held whole leaves room for the newest lines being longer than the oldest.
    const fit = Math.max(1, Math.floor(complete * 0.9));
    const second = await read(fit, maxBytes);
    const result = capLogLines(second, maxBytes, redact, Buffer.byteLength(second) >= maxBytes);
    return { lines: result.lines, truncated: true };
}
