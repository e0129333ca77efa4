// Writes the render's file set. The output directory is replaced as a whole, so a file the program no longer
// produces never lingers; to make that safe, only an empty directory or an earlier render's output is replaced.
import * as fs from "fs";
import * as path from "path";
import { RenderUsageError } from "./cli-args";
import { RENDER_FILES } from "./render-files";

/** Every render writes this file; its presence marks a directory as an earlier render's output. */
export const RENDER_MARKER_FILE = RENDER_FILES.resources;

function isReplaceable(dir: string): boolean {
    if (!fs.existsSync(dir)) return true;
    if (!fs.statSync(dir).isDirectory()) return false;
    const entries = fs.readdirSync(dir);
    if (entries.length === 0) return true;
    const marker = path.join(dir, RENDER_MARKER_FILE);
    return fs.existsSync(marker) && fs.readFileSync(marker, "utf8").includes("OFFLINE RENDER");
}

/** Replaces `dir` with exactly `files` (relative path → content). */
export function writeRenderOutput(dir: string, files: ReadonlyMap<string, string>): void {
    if (!isReplaceable(dir)) {
        throw new RenderUsageError(
            `output directory '${dir}' exists and is not an earlier render's output`,
            "pass an empty or new directory with --out (the default is out/<stack>)",
        );
    }
    fs.rmSync(dir, { recursive: true, force: true });
    for (const [relative, content] of [...files.entries()].sort(([a], [b]) => (a < b ? -1 : 1))) {
        const target = path.join(dir, relative);
        fs.mkdirSync(path.dirname(target), { recursive: true });
        fs.writeFileSync(target, content);
    }
}
