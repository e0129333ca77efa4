// The exact command `npm run render` runs, as node arguments, for the tests and the benchmark: they must measure
// and check what operators run, so they read it from package.json instead of repeating it.
import * as fs from "fs";
import * as path from "path";

/** `node <args>` equivalent of the `render` script (ts-node resolved to its bin script), plus `extra` arguments. */
export function renderNodeArgs(repoRoot: string, extra: readonly string[]): string[] {
    const pkg = JSON.parse(fs.readFileSync(path.join(repoRoot, "package.json"), "utf8")) as { scripts: Record<string, string> };
    const [bin, ...args] = pkg.scripts.render.split(/\s+/);
    if (bin !== "ts-node") throw new Error(`the render script no longer starts with ts-node ('${pkg.scripts.render}'); fix: update tools/render/render-command.ts`);
    return [require.resolve("ts-node/dist/bin"), ...args, ...extra];
}
