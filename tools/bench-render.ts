// `npm run bench:render`: how long the offline render of every committed stack takes, measured the way an
// operator runs it (one `npm run render`-equivalent process per stack, sequentially, so each has both cores).
// Prints wall and CPU time per stack (CPU time is what stays comparable when other work shares the machine)
// and the ratio to the budget: both stacks together under 10 s on the 2-core machine. It asserts nothing:
// timing belongs in a benchmark, never in a test.
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

interface Timing {
    wall: number;
    cpu: number;
}

/** One render; its summary prints `time: <wall> s wall, <cpu> s CPU` for the whole process. */
function renderOnce(stack: string): Timing {
    let stdout: string;
    try {
        stdout = execFileSync(process.execPath, renderNodeArgs(repoRoot, ["--stack", stack, "--out", path.join(out, stack)]), {
            cwd: repoRoot,
            encoding: "utf8",
            timeout: 120_000,
        });
    } catch (err) {
        // Exit 1 (a mandatory violation) is still a complete render; anything else is a failure to report.
        const failed = err as { status?: number; stdout?: string; stderr?: string };
        if (failed.status !== 1) throw new Error(`render of ${stack} failed (exit ${failed.status}): ${failed.stderr ?? ""}`);
        stdout = failed.stdout ?? "";
    }
    const match = /time: ([\d.]+) s wall, ([\d.]+) s CPU/.exec(stdout);
    if (!match) throw new Error(`render of ${stack} printed no timing line; fix: keep the 'time:' line in the render summary`);
    return { wall: Number(match[1]), cpu: Number(match[2]) };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`offline render benchmark: ${stacks.join(", ")}; ${ROUNDS} rounds; ${os.cpus().length} CPUs; load average ${os.loadavg()[0].toFixed(2)}`);
const walls: number[] = [];
const cpus: number[] = [];
for (let round = 1; round <= ROUNDS; round++) {
    const times = stacks.map((stack) => [stack, renderOnce(stack)] as const);
    const wall = times.reduce((sum, [, t]) => sum + t.wall, 0);
    const cpu = times.reduce((sum, [, t]) => sum + t.cpu, 0);
    walls.push(wall);
    cpus.push(cpu);
    const each = times.map(([stack, t]) => `${stack} ${t.wall.toFixed(2)} s (CPU ${t.cpu.toFixed(2)} s)`).join(", ");
    console.log(`  round ${round}: ${each}; all stacks ${wall.toFixed(2)} s (CPU ${cpu.toFixed(2)} s)`);
}
console.log(
    `all stacks, median of ${ROUNDS}: ${median(walls).toFixed(2)} s wall, ${median(cpus).toFixed(2)} s CPU; budget ${BUDGET_SECONDS} s; ` +
        `wall/budget ${(median(walls) / BUDGET_SECONDS).toFixed(2)}, CPU/budget ${(median(cpus) / BUDGET_SECONDS).toFixed(2)}`,
);
fs.rmSync(out, { recursive: true, force: true });
