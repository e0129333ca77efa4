// Helpers shared by benchmark sections: child processes speaking one JSON line, and /proc figures.
import { spawn, type ChildProcess } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

const TS_NODE = ["-r", "ts-node/register/transpile-only"];
const CLOCK_TICKS_PER_SECOND = 100; // Linux USER_HZ

/** Run a bench/*.ts script as its own process and resolve with the first JSON line it prints. */
export function startScript(script: string, args: string[] = [], env: Record<string, string> = {}): { child: ChildProcess; firstLine: Promise<Record<string, unknown>> } {
    const child = spawn(process.execPath, [...TS_NODE, path.join(__dirname, script), ...args], {
        cwd: path.join(__dirname, ".."),
        env: { ...process.env, ...env },
        stdio: ["ignore", "pipe", "inherit"],
    });
    const firstLine = new Promise<Record<string, unknown>>((resolve, reject) => {
        let buffered = "";
        child.stdout!.on("data", (chunk: Buffer) => {
            buffered += chunk.toString();
            const newline = buffered.indexOf("\n");
            if (newline >= 0) resolve(JSON.parse(buffered.slice(0, newline)) as Record<string, unknown>);
        });
        child.on("exit", (code) => reject(new Error(`${script} exited with ${code} before printing its result`)));
    });
    return { child, firstLine };
}

/** User+system CPU seconds consumed so far by `pid`. */
export function cpuSeconds(pid: number): number {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS_PER_SECOND;
}

/** Peak resident set size of `pid` in MiB (VmHWM). */
export function peakRssMiB(pid: number): number {
    const status = fs.readFileSync(`/proc/${pid}/status`, "utf8");
    return Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024;
}

export const fmt = (n: number, digits = 0) => n.toLocaleString("en-US", { maximumFractionDigits: digits, minimumFractionDigits: digits });
