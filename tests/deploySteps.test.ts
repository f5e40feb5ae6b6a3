import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { projectDir } from "../scripts/lib/runProgram";
import { markdownSection, markdownShellCommands } from "./support/documentedCommands";

const readme = fs.readFileSync(path.join(projectDir, "README.md"), "utf8");
const deploySection = markdownSection(readme, "## Deploy to your AWS account");
const commands = markdownShellCommands(deploySection);
const packageJson = JSON.parse(fs.readFileSync(path.join(projectDir, "package.json"), "utf8")) as { scripts: Record<string, string>; allowScripts: Record<string, boolean> };

/** Where the first command that starts with this prefix stands in the README's deploy steps. */
function firstIndex(prefix: string): number {
    const index = commands.findIndex((command) => command === prefix || command.startsWith(`${prefix} `));
    assert.ok(index >= 0, `the deploy steps never run "${prefix}"`);
    return index;
}

/** Where the last command that starts with this prefix stands in the README's deploy steps. */
function lastIndex(prefix: string): number {
    const fromEnd = [...commands].reverse().findIndex((command) => command === prefix || command.startsWith(`${prefix} `));
    const index = fromEnd < 0 ? -1 : commands.length - 1 - fromEnd;
    assert.ok(index >= 0, `the deploy steps never run "${prefix}"`);
    return index;
}

describe("the README's deploy steps, in the order a first-time user runs them", () => {
    it("get Node.js, install, log in, create the stack, get AWS credentials, set the region, preview, deploy, then run a jobnet", () => {
        const steps = ["npm install --global --prefix ~/.node22", "npm ci", "pulumi login", "pulumi stack init dev", "export AWS_PROFILE=jobnet-dev", "pulumi config set aws:region", "pulumi preview", "pulumi up", "npm run ops -- run stop"];
        const positions = steps.map(firstIndex);
        assert.deepStrictEqual(positions, [...positions].sort((a, b) => a - b), `out of order: ${steps.join(" → ")} stand at ${positions.join(", ")}`);
    });

    it("tear down a protected stack by turning deletionProtection off and deploying that before pulumi destroy", () => {
        const steps = [lastIndex("pulumi config set deletionProtection false"), lastIndex("pulumi up"), firstIndex("pulumi destroy")];
        assert.deepStrictEqual(steps, [steps[0], steps[0] + 1, steps[0] + 2]);
    });

    it("create the stack before any other stack command, so that nothing selects a stack that does not exist", () => {
        const firstStackCommand = commands.find((command) => command.startsWith("pulumi stack "));
        assert.strictEqual(firstStackCommand, "pulumi stack init dev");
    });

    it("give a self-managed backend its passphrase after logging in to it and before the stack is created", () => {
        const passphrase = firstIndex("export PULUMI_CONFIG_PASSPHRASE='a passphrase'");
        assert.ok(firstIndex("pulumi login --local") < passphrase && passphrase < firstIndex("pulumi stack init dev"));
    });

    it("set the Slack webhook URL only as a secret", () => {
        const webhook = commands.filter((command) => command.includes("slack.webhookUrl"));
        assert.deepStrictEqual(webhook, ["pulumi config set --secret --path 'slack.webhookUrl' 'https://hooks.slack.com/services/...'"]);
    });

    it("run only npm scripts that package.json has", () => {
        const scripts = commands.filter((command) => command.startsWith("npm run ")).map((command) => command.split(" ")[2]);
        assert.deepStrictEqual(scripts.filter((script) => !(script in packageJson.scripts)), []);
        assert.ok(scripts.length > 0);
    });

    it("explain each install script that package.json does not let npm ci run", () => {
        const denied = Object.keys(packageJson.allowScripts).filter((name) => packageJson.allowScripts[name] === false);
        assert.deepStrictEqual(denied.sort(), ["@pulumi/docker", "@pulumi/docker-build", "protobufjs"]);
        assert.deepStrictEqual(denied.filter((name) => !deploySection.includes(`\`${name}\``)), []);
    });
});
