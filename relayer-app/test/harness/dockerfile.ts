// Runs the parts of relayer-app/Dockerfile that matter for the image contract WITHOUT a Docker engine, from the
// Dockerfile's own text so the test and the image cannot drift: the deps stage's COPY and RUN lines are executed
// in a temp directory standing in for the image's root filesystem, and the runtime stage's COPY lines assemble
// the image layout there. Only the plain instructions this Dockerfile uses are supported; anything else throws.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";

export interface DockerInstruction {
    keyword: string;
    /** The instruction's text after the keyword, continuation lines joined. */
    args: string;
}

export interface DockerStage {
    image: string;
    name?: string;
    instructions: DockerInstruction[];
}

/** Pure: Dockerfile text → stages (comments dropped, `\` continuations joined). */
export function parseDockerfile(text: string): DockerStage[] {
    const logicalLines = text
        .split("\n")
        .filter((line) => !/^\s*#/.test(line))
        .join("\n")
        .replace(/\\\n/g, " ")
        .split("\n")
        .map((line) => line.trim())
        .filter((line) => line.length > 0);
    const stages: DockerStage[] = [];
    for (const line of logicalLines) {
        const [, keyword, args] = /^(\S+)\s+(.*)$/.exec(line) ?? [];
        if (keyword === undefined) throw new Error(`Dockerfile line without arguments: ${line}`);
        if (keyword.toUpperCase() === "FROM") {
            const [image, as, name] = args.split(/\s+/);
            stages.push({ image, name: as?.toUpperCase() === "AS" ? name : undefined, instructions: [] });
        } else {
            const stage = stages.at(-1);
            if (!stage) throw new Error(`Dockerfile instruction before FROM: ${line}`);
            stage.instructions.push({ keyword: keyword.toUpperCase(), args: args.replace(/\s+/g, " ") });
        }
    }
    return stages;
}

export function stageNamed(stages: DockerStage[], name: string): DockerStage {
    const stage = stages.find((s) => s.name === name);
    if (!stage) throw new Error(`Dockerfile has no stage named ${name}`);
    return stage;
}

/** Pure: a COPY/RUN argument list split into its `--flag=value` options and the rest. */
export function splitFlags(args: string): { flags: Record<string, string>; rest: string[] } {
    const words = args.split(" ");
    const flags: Record<string, string> = {};
    while (words[0]?.startsWith("--")) {
        const [flag, ...value] = words.shift()!.slice(2).split("=");
        flags[flag] = value.join("=");
    }
    return { flags, rest: words };
}

/** The single command of a RUN line as argv; shell syntax is refused because the emulation runs no shell. */
export function runArgv(instruction: DockerInstruction): string[] {
    const { rest } = splitFlags(instruction.args);
    if (rest.some((word) => /[;&|$<>`'"()]/.test(word))) {
        throw new Error(`RUN ${instruction.args}: shell syntax cannot be emulated; fix: keep this RUN a single command without shell operators or quotes`);
    }
    return rest;
}

export interface StageRunOptions {
    /** Directory standing in for the image's "/". */
    imageRoot: string;
    /** The build context (the repository root). */
    context: string;
    /** Appended to every RUN command (e.g. --prefer-offline), never replacing what the Dockerfile says. */
    extraRunArgs?: string[];
    /**
     * COPY --from=<stage> of a stage that was not emulated: container paths under `workdir` are read from `dir`
     * (e.g. the build stage's /app is the repository, compiled by the test harness with the same tsconfig).
     * Stages not listed here were emulated under `imageRoot`.
     */
    stageDirs?: Record<string, { workdir: string; dir: string }>;
    env?: NodeJS.ProcessEnv;
    timeoutMs: number;
}

/** Executes a stage's WORKDIR, COPY and RUN instructions under `imageRoot`; returns its final WORKDIR and ENV. */
export function emulateStage(stage: DockerStage, options: StageRunOptions): { workdir: string; env: Record<string, string> } {
    let workdir = "/";
    const env: Record<string, string> = {};
    const fromStage = (name: string, source: string) => {
        const mapped = options.stageDirs?.[name];
        return mapped ? path.join(mapped.dir, path.posix.relative(mapped.workdir, source)) : path.join(options.imageRoot, source);
    };
    const inImage = (p: string) => path.join(options.imageRoot, path.posix.resolve(workdir, p));
    for (const instruction of stage.instructions) {
        if (instruction.keyword === "WORKDIR") {
            workdir = path.posix.resolve(workdir, instruction.args);
            fs.mkdirSync(inImage("."), { recursive: true });
        } else if (instruction.keyword === "COPY") {
            const { flags, rest } = splitFlags(instruction.args);
            const dest = rest.pop()!;
            for (const source of rest) {
                const from = flags.from === undefined ? path.join(options.context, source) : fromStage(flags.from, source);
                // COPY into a directory (trailing slash or several sources) keeps the name; otherwise dest is the target.
                const target = dest.endsWith("/") || rest.length > 1 ? path.join(inImage(dest), path.basename(source)) : inImage(dest);
                if (path.resolve(from) === path.resolve(target)) continue; // deps → runtime share this root
                fs.mkdirSync(path.dirname(target), { recursive: true });
                fs.cpSync(from, target, { recursive: true, verbatimSymlinks: true });
            }
        } else if (instruction.keyword === "RUN") {
            const [command, ...args] = runArgv(instruction);
            execFileSync(command, [...args, ...(options.extraRunArgs ?? [])], { cwd: inImage("."), env: options.env, stdio: "pipe", timeout: options.timeoutMs });
        } else if (instruction.keyword === "ENV") {
            const [, name, value] = /^([A-Za-z_][A-Za-z0-9_]*)[= ](.*)$/.exec(instruction.args) ?? [];
            if (name === undefined) throw new Error(`ENV ${instruction.args}: use the ENV NAME=value form`);
            env[name] = value;
        }
    }
    return { workdir, env };
}
