import * as fs from "fs";
import * as path from "path";
import { ParseArgsConfig, parseArgs } from "util";
import { FaultSpecError } from "../../simulator/faults";
import { isStackInputError } from "./stackConfig";

/** A mistake in how a command was called: one line saying what was wrong and what is accepted; exit code 2. */
export class UsageError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "UsageError";
    }
}

type OptionsConfig = NonNullable<ParseArgsConfig["options"]>;

/** "a, b and c", "a or b": a list as a sentence says it. */
export function inWords(items: readonly string[], conjunction: "and" | "or"): string {
    return items.length <= 1 ? items.join("") : `${items.slice(0, -1).join(", ")} ${conjunction} ${items[items.length - 1]}`;
}

/**
 * Node's `util.parseArgs` (`--stack prod` and `--stack=prod` alike), with its errors turned into
 * one-line UsageErrors; but first the options npm kept for itself (see `optionsKeptByNpm`).
 */
export function parseCommandLine<T extends ParseArgsConfig & { args: string[]; options: OptionsConfig }>(
    command: string,
    config: T,
    env: NodeJS.ProcessEnv,
): ReturnType<typeof parseArgs<T>> {
    const kept = optionsKeptByNpm(command, config, env);
    if (kept) throw kept;
    try {
        return parseArgs(config);
    } catch (error) {
        const code = (error as { code?: string }).code;
        const message = (error as Error).message;
        const named = /'(?:-\w, )?([^' ]+)/.exec(message)?.[1];
        if (code === "ERR_PARSE_ARGS_UNKNOWN_OPTION") {
            const names = Object.keys(config.options).map((o) => `--${o}`);
            throw new UsageError(`unknown option ${JSON.stringify(named)}; ${names.length === 1 ? `the only option is ${names[0]}` : `the options are ${inWords(names, "and")}`}`);
        }
        if (code === "ERR_PARSE_ARGS_INVALID_OPTION_VALUE") throw new UsageError(/does not take an argument/.test(message) ? `${named} takes no value` : `${named} needs a value`);
        if (code === "ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL") throw new UsageError(`unexpected argument ${JSON.stringify(named)}; options start with --`);
        throw error;
    }
}

// npm's own settings: set to "" by an .npmrc (yes=false), to a value only from the command line.
const npmSettings = new Set(["json", "yes"]);

/**
 * npm 11 keeps the options written before `--` for itself: `npm start --servers 5` sets
 * `npm_config_servers=true` in the environment and passes only `5` on. Such a variable for one of
 * our options means the user wrote it there: say so, with the command they meant.
 */
export function optionsKeptByNpm(command: string, config: { args: string[]; options: OptionsConfig; allowPositionals?: boolean }, env: NodeJS.ProcessEnv): UsageError | undefined {
    // Settings npm passed down from another script's run (`npm test`, `npx --yes`) are not this command's.
    const script = command.replace(/^npm (run )?/, "");
    if (env.npm_lifecycle_event !== undefined && env.npm_lifecycle_event !== script) return undefined;
    const kept = Object.entries(config.options).flatMap(([name, option]) => {
        // `--no-wait` reaches npm as its setting `wait`, set to false ("").
        const value = env[`npm_config_${name.replace(/^no-/, "").replace(/-/g, "_")}`];
        return value === undefined || (value === "" && npmSettings.has(name)) ? [] : [{ name, value: option.type === "string" ? value : undefined }];
    });
    if (kept.length === 0) return undefined;
    // npm took `--servers 5` as a flag ("true") and passed `5` on: put it back where that is unambiguous.
    const flags = kept.filter((k) => k.value === "true");
    const leftOver = flags.length === 1 && !config.allowPositionals && config.args.length === 1 ? config.args[0] : "…";
    // With no value left among them, the arguments npm passed on are the command's own.
    const positionals = config.allowPositionals && flags.length === 0 ? config.args : [];
    const meant = kept.map((k) => `--${k.name}${k.value === undefined ? "" : ` ${k.value === "true" ? leftOver : k.value}`}`);
    return new UsageError(`npm took ${kept.map((k) => `--${k.name}`).join(", ")} for itself, so ${command} did not get ${kept.length === 1 ? "it" : "them"}: put the options after --, as in ${[command, "--", ...positionals, ...meant].join(" ")}`);
}

/**
 * The columns output is fitted in: COLUMNS when set (COLUMNS=60 npm start), else the terminal's
 * width; none on a pipe, whose lines are left whole for grep and logs.
 */
export function outputColumns(stream: { isTTY?: boolean; columns?: number }, env: NodeJS.ProcessEnv): number | undefined {
    const asked = Number(env.COLUMNS);
    if (Number.isInteger(asked) && asked > 0) return asked;
    return stream.isTTY ? stream.columns : undefined;
}

/** A file the command writes at its end is checked before any work: its folder exists and it can be written. */
export function requireWritableFile(option: string, file: string): void {
    const dir = path.dirname(path.resolve(file));
    const writable = (p: string) => {
        try {
            fs.accessSync(p, fs.constants.W_OK);
            return true;
        } catch {
            return false;
        }
    };
    const problem = !fs.existsSync(dir) || !fs.statSync(dir).isDirectory() ? `there is no folder ${path.dirname(file)}`
        : fs.existsSync(file) && fs.statSync(file).isDirectory() ? "it is a folder"
        : !writable(fs.existsSync(file) ? file : dir) ? "it cannot be written (permission denied)"
        : undefined;
    if (problem) throw new UsageError(`${option} ${JSON.stringify(file)}: ${problem}`);
}

/**
 * A bad stack config. It is raised while the program loads: as a ConfigError, or as the Pulumi
 * RunError the program turns it into (infra/config.ts), whose message is all the user needs.
 */
export function isConfigError(error: unknown): error is Error {
    return error instanceof Error && (error.name === "ConfigError" || isStackInputError(error));
}

/**
 * Runs a script's main and exits with its code (0 success, 1 a run failed). A usage problem (a bad
 * option, fault spec or stack config) prints its message only and exits 2; a failure `explain`
 * can put in one line prints that line and exits 1; anything else is a bug: its stack trace, and 1.
 */
export function runCommand(main: () => Promise<number>, explain: (error: unknown) => string | undefined = () => undefined): void {
    main().then(
        (code) => process.exit(code),
        (error) => {
            // A live progress line would be left above the message.
            if (process.stdout.isTTY) process.stdout.write("\r\x1b[K");
            const usage = error instanceof UsageError || error instanceof FaultSpecError || isConfigError(error);
            const explained = usage ? error.message : explain(error);
            process.stderr.write(`${explained ?? (error instanceof Error ? error.stack : error)}\n`);
            process.exit(usage ? 2 : 1);
        },
    );
}
