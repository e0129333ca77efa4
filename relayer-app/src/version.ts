// The relayer's version, from its package.json (one source of truth for hello, User-Agent and cluster.info).
import * as fs from "node:fs";
import * as path from "node:path";

export function readVersion(): string {
    try {
        const manifest = JSON.parse(fs.readFileSync(path.join(__dirname, "..", "package.json"), "utf8")) as { version?: unknown };
        return typeof manifest.version === "string" ? manifest.version : "0.0.0";
    } catch {
        return "0.0.0";
    }
}
