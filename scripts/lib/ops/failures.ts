import { OpsError } from "./stack";

/**
 * What to do about a failure of the pulumi CLI (as the Automation API raises it: a CommandError
 * whose message holds the CLI's stdout and stderr) or of AWS, in one line; undefined for a failure
 * we cannot explain, which is then shown whole.
 */
export function explainFailure(error: unknown): string | undefined {
    if (error instanceof OpsError) return error.message;
    if (!(error instanceof Error)) return undefined;
    const text = `${error.name}: ${error.message}`;
    const stack = /no stack named '([^']+)' found/.exec(text)?.[1];
    if (error.name === "StackNotFoundError" || stack) {
        const name = stack ?? "NAME";
        return `There is no stack named ${name} in the Pulumi backend you are logged in to (\`pulumi whoami -v\` shows which): create it with \`pulumi stack init ${name}\`, or pick one of \`pulumi stack ls\` with --stack NAME.`;
    }
    if (/PULUMI_ACCESS_TOKEN must be set for login|problem logging in|Unauthorized: No credentials provided or are invalid/.test(text)) {
        return "You are not logged in to a Pulumi backend: run `pulumi login` (or `pulumi login --local`, or `pulumi login s3://BUCKET`), or set PULUMI_ACCESS_TOKEN, then try again.";
    }
    if (/passphrase must be set with PULUMI_CONFIG_PASSPHRASE|incorrect passphrase/.test(text)) {
        return "The stack's secrets are locked with a passphrase: set PULUMI_CONFIG_PASSPHRASE (or PULUMI_CONFIG_PASSPHRASE_FILE) to it, then try again.";
    }
    if (error.name === "ConcurrentUpdateError") {
        return "Another update of this stack is running: wait for it to end; if none is (one was interrupted), `pulumi cancel` releases the stack.";
    }
    if (/command failed with ENOENT: pulumi|spawn pulumi ENOENT/i.test(text)) {
        return "The pulumi CLI is not installed (it is not on PATH). Install it from https://www.pulumi.com/docs/install/, then run `pulumi login`.";
    }
    // AWS through the pulumi AWS provider (its diagnostics are in the CLI's output), or through the SDK.
    if (/No valid credential sources found|unable to validate AWS credentials|CredentialsProviderError|Could not load credentials from any providers/.test(text)) {
        return "No AWS credentials were found: run `aws configure` or `aws sso login`, or set AWS_PROFILE, then try again.";
    }
    const refused = /ExpiredTokenException|ExpiredToken|UnrecognizedClientException|InvalidClientTokenId|Invalid credentials configured/.exec(text)?.[0];
    if (refused) return `The AWS credentials were refused (${refused}): refresh them, for example with \`aws sso login\`, then try again.`;
    if (error.name === "CommandError") {
        // The message is the CLI's result: "code: N\n stdout: ...\n stderr: ...\n err?: ...".
        const code = /^code: (-?\d+)/.exec(error.message)?.[1] ?? "unknown";
        const errors = (/\n stderr: ([\s\S]*?)\n err\?: /.exec(error.message)?.[1] ?? "").split("\n").filter((l) => l.startsWith("error: "));
        return `The pulumi CLI failed (exit code ${code})${errors.length > 0 ? `: ${errors.map((l) => l.slice("error: ".length)).join("; ")}` : "; its output is above"}.`;
    }
    return undefined;
}
