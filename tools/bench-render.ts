// `npm run bench:render`: how long the offline render of every committed stack takes, measured the way an
// operator runs it (one `npm run render`-equivalent process per stack, sequentially, so each has both cores).
// Prints the figures and the ratio to the budget (both stacks together under 10 s on the 2-core machine); it
// asserts nothing: timing belongs in a benchmark, never in a test.
import { execFileSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { renderNodeArgs } from "./render/render-command";
import { committedStacks } from "./render/stack-selection";

const BUDGET_SECONDS = 10;
const ROUNDS = 3;
const repoRoot = path.resolve(__dirname, "..");
const stacks = committedStacks(repoRoot);
const out = fs.mkdtempSync(path.join(os.tmpdir(), "bench-render-"));

function renderSeconds(stack: string): number {
    const started = process.hrtime.bigint();
    // A non-zero exit (a mandatory violation) still measures a complete render; only a crash would throw here.
    try {
        execFileSync(process.execPath, renderNodeArgs(repoRoot, ["--stack", stack, "--out", path.join(out, stack)]), {
            cwd: repoRoot,
            stdio: "ignore",
            timeout: 120_000,
        });
    } catch (err) {
        const status = (err as { status?: number }).status;
        if (status !== 1) throw err;
    }
    return Number(process.hrtime.bigint() - started) / 1e9;
}

console.log(`offline render benchmark: ${stacks.length} stacks (${stacks.join(", ")}), ${ROUNDS} rounds, ${os.cpus().length} CPUs`);
const totals: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
    const times = stacks.map((stack) => [stack, renderSeconds(stack)] as const);
    const total = times.reduce((sum, [, s]) => sum + s, 0);
    totals.push(total);
    console.log(`  round ${round}: ${times.map(([stack, s]) => `${stack} ${s.toFixed(2)} s`).join(", ")}; all stacks ${total.toFixed(2)} s`);
}
const best = Math.min(...totals);
const median = [...totals].sort((a, b) => a - b)[Math.floor(totals.length / 2)];
console.log(`all stacks: best ${best.toFixed(2)} s, median ${median.toFixed(2)} s; budget ${BUDGET_SECONDS} s; median/budget ratio ${(median / BUDGET_SECONDS).toFixed(2)}`);
fs.rmSync(out, { recursive: true, force: true });
