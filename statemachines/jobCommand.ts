import { CommandJob, jobDefaults } from "./jobs";

/**
 * What Run Command runs for a command job: the document (AWS-RunShellScript on Linux,
 * AWS-RunPowerShellScript on Windows) and its `commands` lines, the job's environment set first.
 * On Linux a job with a user runs through `sudo -u` (sudo resets the environment, so the variables
 * are passed by `env`); without one it runs as the agent does, as root.
 */
export function renderCommand(job: CommandJob<string>): { document: "AWS-RunShellScript" | "AWS-RunPowerShellScript"; commands: string[] } {
    const env = Object.entries(job.environment ?? {});
    const script = job.command.replace(/\r\n/g, "\n").replace(/\n+$/, "");
    if ((job.shell ?? jobDefaults.shell) === "powershell") {
        return { document: "AWS-RunPowerShellScript", commands: [...env.map(([k, v]) => `$env:${k} = ${powerShellQuote(v)}`), ...script.split("\n")] };
    }
    if (job.user !== undefined) {
        const vars = env.map(([k, v]) => `${k}=${shellQuote(v)}`).join(" ");
        // Run Command writes the lines into one script, so a quoted script spans lines as it does in a file;
        // a line of its own for each also keeps every string of the state's Parameters on one line.
        return { document: "AWS-RunShellScript", commands: `exec sudo -n -u ${job.user} -H -- ${vars ? `env ${vars} ` : ""}/bin/bash -c ${shellQuote(script)}`.split("\n") };
    }
    return { document: "AWS-RunShellScript", commands: [...env.map(([k, v]) => `export ${k}=${shellQuote(v)}`), ...script.split("\n")] };
}

/** A POSIX shell word holding exactly `text`. */
export function shellQuote(text: string): string {
    return `'${text.replace(/'/g, `'\\''`)}'`;
}

/** PowerShell ends a single-quoted string on the typographic single quotes too (about_Quoting_Rules): each is doubled as well. */
function powerShellQuote(text: string): string {
    return `'${text.replace(/['\u2018\u2019\u201a\u201b]/g, (q) => q + q)}'`;
}
