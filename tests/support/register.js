// Runs the project's TypeScript in the tests as ts-node's transpileOnly mode does (.mocharc.json and
// tests/support/cli.ts load it with --require): each .ts file is transpiled on its own by TypeScript's
// transpileModule with tsconfig.json's compiler options; `tsc --noEmit` checks the types.
//
// It is here for speed (issue 13). ts-node transpiles a file again each time it is loaded, and
// runProgram loads the program afresh for every run: this keeps each file's output, in memory and in
// out/.cache/ts (keyed by TypeScript's version, the options, the file's path and its text: a changed
// file is transpiled again) where the other test processes find it. And ts-node's source-map-support
// maps every stack trace made, Pulumi making many: here only the stack traces of errors from outside
// Pulumi are mapped back to the .ts files.
"use strict";
const crypto = require("crypto");
const fs = require("fs");
const { SourceMap } = require("module");
const path = require("path");

const projectDir = path.resolve(__dirname, "..", "..");
const cacheDir = path.join(projectDir, "out", ".cache", "ts");
const configFile = path.join(projectDir, "tsconfig.json");
// The options set here for each file, over tsconfig.json's.
const overrides = { declaration: false, noEmit: false, sourceMap: true };
const dropped = ["out", "outFile", "outDir", "composite", "declarationDir", "declarationMap", "emitDeclarationOnly", "tsBuildInfoFile", "incremental", "inlineSourceMap", "inlineSources"];

// TypeScript is loaded only for a file that is not in the cache: a script run from the cache starts sooner.
let typescript;
function compilerOptions() {
    if (typescript) return typescript.options;
    const ts = require("typescript");
    const { config, error } = ts.readConfigFile(configFile, ts.sys.readFile);
    if (error) throw new Error(ts.flattenDiagnosticMessageText(error.messageText, "\n"));
    const { options } = ts.parseJsonConfigFileContent(config, ts.sys, projectDir, undefined, configFile);
    // One file at a time, its source map apart (as ts-node sets them for its own emit).
    for (const key of dropped) delete options[key];
    typescript = { ts, options: { ...options, ...overrides } };
    return typescript.options;
}

/** What the output of a file depends on besides its path and text: TypeScript's version, tsconfig.json and this file's settings. */
const version = crypto.createHash("sha256")
    .update(JSON.stringify([require("typescript/package.json").version, fs.readFileSync(configFile, "utf8"), overrides, dropped]))
    .digest("hex");
/** Each output by its key, and each loaded file's source map (the text; parsed once it is needed). */
const outputs = new Map();
const sourceMaps = new Map();

/** The file's JavaScript and source map, transpiled, or from the cache. */
function transpile(code, fileName) {
    const key = crypto.createHash("sha256").update(`${version}\n${fileName}\n${code}`).digest("hex");
    let output = outputs.get(key);
    if (output !== undefined) return output;
    const cached = path.join(cacheDir, `${key}.json`);
    try {
        output = JSON.parse(fs.readFileSync(cached, "utf8"));
    } catch {
        const options = compilerOptions();
        const { outputText, sourceMapText } = typescript.ts.transpileModule(code, { fileName, compilerOptions: options, reportDiagnostics: false });
        output = { js: outputText.replace(/\n\/\/# sourceMappingURL=\S+\s*$/, "\n"), map: sourceMapText };
        try {
            // Written whole, then renamed: another process never reads half a file.
            fs.mkdirSync(cacheDir, { recursive: true });
            const partial = `${cached}.${process.pid}.tmp`;
            fs.writeFileSync(partial, JSON.stringify(output));
            fs.renameSync(partial, cached);
        } catch {
            // A cache that cannot be written costs time, nothing else.
        }
    }
    outputs.set(key, output);
    return output;
}

require.extensions[".ts"] = function (module, fileName) {
    const { js, map } = transpile(fs.readFileSync(fileName, "utf8"), fileName);
    sourceMaps.set(fileName, map);
    module._compile(js, fileName);
};

/** Where in the .ts file a position of its JavaScript is, as "file:line:column" (1-based). */
function originalPosition(fileName, line, column) {
    let map = sourceMaps.get(fileName);
    if (typeof map === "string") sourceMaps.set(fileName, (map = new SourceMap(JSON.parse(map))));
    const entry = map.findEntry(line - 1, column - 1);
    if (!entry || entry.originalLine === undefined) return undefined;
    return `${fileName}:${entry.originalLine + 1}:${entry.originalColumn + 1}`;
}

const pulumiDir = `${path.sep}node_modules${path.sep}@pulumi${path.sep}`;

/** A stack trace as V8 writes it, each frame in a .ts file at its place in that file where `mapped`. */
function format(error, callSites, mapped) {
    let header;
    try {
        header = String(error);
    } catch {
        header = "<error>";
    }
    return header + callSites.map((site) => {
        let frame = String(site);
        const fileName = site.getFileName();
        if (mapped && fileName && sourceMaps.has(fileName)) {
            const at = `${fileName}:${site.getLineNumber()}:${site.getColumnNumber()}`;
            const original = originalPosition(fileName, site.getLineNumber(), site.getColumnNumber());
            if (original) frame = frame.replace(at, original);
        }
        return `\n    at ${frame}`;
    }).join("");
}

Error.prepareStackTrace = (error, callSites) => {
    // Pulumi reads where each resource is declared from a stack trace of its own, as the JavaScript has it.
    const inPulumi = (callSites[0]?.getFileName() ?? "").includes(pulumiDir);
    return format(error, callSites, !inPulumi);
};
