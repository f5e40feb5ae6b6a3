import * as fs from "fs";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { YAMLParseError, parse } from "yaml";
import { stackNames } from "./stacks";

/** A stack file (or Pulumi.yaml) that cannot be read offline: one line that names the file, and the line for bad YAML. */
export class StackFileError extends Error {
    constructor(message: string) {
        super(message);
        this.name = "StackFileError";
    }
}

/** A bad stack file or a bad value in it: the user's input, said in its message alone, without a stack trace. */
export function isStackInputError(error: unknown): error is Error {
    return error instanceof StackFileError || pulumi.RunError.isInstance(error);
}

/**
 * The config of a stack as the Pulumi CLI hands it to the program (`namespace:key` → value,
 * objects and lists as JSON), read from `Pulumi.<stack>.yaml` in the project directory.
 */
export function stackConfig(stack: string, projectDir: string): Record<string, string> {
    const file = path.join(projectDir, `Pulumi.${stack}.yaml`);
    if (!fs.existsSync(file)) {
        throw new StackFileError(`no stack file ${path.basename(file)} in ${projectDir}; the stacks here are ${stackNames(projectDir).join(", ")}`);
    }
    return configOfStackFile(file, path.join(projectDir, "Pulumi.yaml"));
}

/**
 * A stack file's config as the CLI hands it to the program, with Pulumi.yaml's `config:` applied
 * as the CLI applies it: a project key the stack does not set takes its declared default.
 * An encrypted value (`secure: v1:…`), which only the CLI can decrypt, stays as it stands in the
 * file, `{"secure": "v1:…"}`: the config parser reads it as present but unreadable.
 */
export function configOfStackFile(stackFile: string, projectFile: string): Record<string, string> {
    const project = mapping(readYaml(projectFile), projectFile);
    const stack = mapping(readYaml(stackFile), stackFile);
    const config: Record<string, string> = {};
    for (const [key, value] of Object.entries(mapping(stack.config ?? {}, stackFile, "config"))) {
        if (!/^[^:]+:[^:]/.test(key)) throw new StackFileError(`${displayName(stackFile)}: config key "${key}" must have the form namespace:name, such as ${project.name}:${key}`);
        config[key] = configText(value);
    }
    for (const [name, declared] of Object.entries(mapping(project.config ?? {}, projectFile, "config"))) {
        const key = name.includes(":") ? name : `${project.name}:${name}`;
        // A plain value is a project key's default, or another namespace's value (Pulumi's shorthand).
        const declaration = typeof declared === "object" && declared !== null && !Array.isArray(declared) ? (declared as Record<string, unknown>) : { default: declared };
        const value = declaration.value ?? declaration.default;
        if (key in config) continue;
        if (value !== undefined) config[key] = configText(value);
        else if (key.startsWith(`${project.name}:`)) throw new StackFileError(`${displayName(stackFile)}: missing configuration value ${name}, which Pulumi.yaml declares without a default`);
    }
    return config;
}

function configText(value: unknown): string {
    return typeof value === "string" ? value : typeof value === "object" && value !== null ? JSON.stringify(value) : String(value);
}

function readYaml(file: string): unknown {
    try {
        return parse(fs.readFileSync(file, "utf8"));
    } catch (e) {
        if (!(e instanceof YAMLParseError)) throw e;
        const { line, col } = e.linePos?.[0] ?? { line: 1, col: 1 };
        const reason = e.message.replace(/ at line \d+, column \d+:[\s\S]*$/, "");
        throw new StackFileError(`${displayName(file)}:${line}:${col}: not valid YAML: ${reason}`);
    }
}

function mapping(value: unknown, file: string, key?: string): Record<string, unknown> {
    if (typeof value === "object" && value !== null && !Array.isArray(value)) return value as Record<string, unknown>;
    throw new StackFileError(`${displayName(file)}: ${key === undefined ? "the file" : `"${key}"`} must be a mapping of keys to values`);
}

function displayName(file: string): string {
    const relative = path.relative(process.cwd(), file);
    return relative.startsWith("..") ? file : relative;
}
