// Command line of the offline render. Kept pure (argv in, options out) so every bad argument is tested.

export interface RenderOptions {
    stack: string;
    /** Output directory; default `out/<stack>` under the repository root. */
    outDir?: string;
    /** A `--policy-pack-config` style JSON file. */
    policyConfig?: string;
    /** `key=value` config overrides, as `pulumi preview --config` takes them. */
    configOverrides: Record<string, string>;
    /** `key=value` overrides that stay secret, as `pulumi config set --secret` would store them. */
    secretConfigOverrides: Record<string, string>;
    help: boolean;
}

/** A command-line mistake: what is wrong and the fix. */
export class RenderUsageError extends Error {
    constructor(problem: string, fix: string) {
        super(`${problem}; fix: ${fix}`);
        this.name = "RenderUsageError";
    }
}

/** Exit codes of the render (the usage text below documents them). */
export const EXIT = { ok: 0, policyViolation: 1, invalidInput: 2, renderFailure: 3 } as const;

export const USAGE = [
    "usage: npm run render -- [--stack <name>] [--policy-config <file.json>] [--config <key>=<value>]... [--secret-config <key>=<value>]... [--out <dir>]",
    "",
    "  --stack <name>          stack whose committed config (Pulumi.<name>.yaml) is rendered (default: dev)",
    "  --policy-config <file>  policy pack config, same format as `pulumi preview --policy-pack-config`",
    "  --config, -c <k>=<v>    override one config value for this render only (repeatable), like `pulumi preview -c`",
    "  --secret-config <k>=<v> the same for a secret value (kept secret, as `pulumi config set --secret` stores it)",
    "  --out <dir>             output directory (default: out/<stack>); its previous content is replaced",
    "",
    "exit codes: 0 rendered and no mandatory policy violated; 1 a mandatory policy is violated;",
    "            2 invalid command line or stack config; 3 the program or a manifest failed to render",
].join("\n");

export function parseRenderArgs(argv: readonly string[]): RenderOptions {
    const options: RenderOptions = { stack: "dev", configOverrides: {}, secretConfigOverrides: {}, help: false };
    for (let i = 0; i < argv.length; i++) {
        const arg = argv[i];
        const [flag, inline] = arg.startsWith("--") && arg.includes("=") ? [arg.slice(0, arg.indexOf("=")), arg.slice(arg.indexOf("=") + 1)] : [arg, undefined];
        const value = (): string => {
            const v = inline ?? argv[++i];
            if (v === undefined || (inline === undefined && v.startsWith("-"))) {
                throw new RenderUsageError(`${flag} needs a value`, `write \`${flag} <value>\` (see --help)`);
            }
            return v;
        };
        switch (flag) {
            case "--stack":
            case "-s":
                options.stack = value();
                break;
            case "--out":
                options.outDir = value();
                break;
            case "--policy-config":
                options.policyConfig = value();
                break;
            case "--config":
            case "-c":
            case "--secret-config": {
                const pair = value();
                const eq = pair.indexOf("=");
                if (eq <= 0) {
                    throw new RenderUsageError(`a ${flag} value is not key=value`, `write \`${flag} ${flag === "--secret-config" ? "llmAnthropicApiKey=<value>" : "replicas=3"}\``);
                }
                const target = flag === "--secret-config" ? options.secretConfigOverrides : options.configOverrides;
                target[pair.slice(0, eq)] = pair.slice(eq + 1);
                break;
            }
            case "--help":
            case "-h":
                options.help = true;
                break;
            default:
                throw new RenderUsageError(`unknown argument '${arg}'`, "run `npm run render -- --help` for the options");
        }
    }
    return options;
}
