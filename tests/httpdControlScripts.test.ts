import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ControlScriptName, httpdControlScripts } from "../infra/httpdControlScripts";

const timestamp = "\\d{4}-\\d{2}-\\d{2}T\\d{2}:\\d{2}:\\d{2}\\.\\d{3}Z";
const earlierLine = "Nov 28 09:00:00 web-1 systemd[1]: an earlier line";

interface ScriptRun {
    exitCode: number | null;
    /** Lines the script appended to the log, after the one that was there. */
    appended: string[];
    /** Arguments each systemctl call got. */
    systemctlCalls: string[];
}

/** Runs one control script exactly as user data writes it, with a fake systemctl first on PATH. */
function runScript(name: ControlScriptName, systemctlExitCode: number): ScriptRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "httpd-control-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        fs.writeFileSync(
            path.join(bin, "systemctl"),
            '#!/bin/bash\necho "$*" >> "$FAKE_SYSTEMCTL_CALLS"\necho "fake systemctl $*"\nexit "$FAKE_SYSTEMCTL_EXIT"\n',
            { mode: 0o755 },
        );
        const script = path.join(dir, `${name}.sh`);
        fs.writeFileSync(script, httpdControlScripts()[name].content, { mode: 0o744 });
        const log = path.join(dir, "messages");
        fs.writeFileSync(log, `${earlierLine}\n`);
        const calls = path.join(dir, "calls");
        fs.writeFileSync(calls, "");
        const result = spawnSync(script, [], {
            env: {
                PATH: `${bin}:/usr/bin:/bin`,
                HTTPD_CONTROL_LOG: log,
                FAKE_SYSTEMCTL_CALLS: calls,
                FAKE_SYSTEMCTL_EXIT: String(systemctlExitCode),
            },
            encoding: "utf8",
        });
        const lines = fs.readFileSync(log, "utf8").split("\n").filter((l) => l !== "");
        assert.strictEqual(lines[0], earlierLine, "the script must append, not overwrite");
        return {
            exitCode: result.status,
            appended: lines.slice(1),
            systemctlCalls: fs.readFileSync(calls, "utf8").split("\n").filter((l) => l !== ""),
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

function assertRun(run: ScriptRun, exitCode: number, systemctlCall: string, logLine: string): void {
    assert.strictEqual(run.exitCode, exitCode);
    assert.deepStrictEqual(run.systemctlCalls, [systemctlCall]);
    assert.strictEqual(run.appended.length, 1, `expected one log line, got ${JSON.stringify(run.appended)}`);
    assert.match(run.appended[0], new RegExp(`^${timestamp} ${logLine.replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}$`));
}

describe("httpd control scripts, run with bash against a fake systemctl", () => {
    it("startHttpd.sh exits 0 and logs INFO when httpd starts", () => {
        assertRun(runScript("startHttpd", 0), 0, "start httpd", "INFO startHttpd.sh: httpd.service started.");
    });

    it("startHttpd.sh exits 1 and logs ERROR with systemctl's code when httpd will not start", () => {
        assertRun(runScript("startHttpd", 5), 1, "start httpd", "ERROR startHttpd.sh: systemctl start httpd failed with exit code 5.");
    });

    it("stopHttpd.sh exits 0 and logs INFO when httpd stops", () => {
        assertRun(runScript("stopHttpd", 0), 0, "stop httpd", "INFO stopHttpd.sh: httpd.service stopped.");
    });

    it("stopHttpd.sh exits 1 and logs ERROR when httpd will not stop", () => {
        assertRun(runScript("stopHttpd", 1), 1, "stop httpd", "ERROR stopHttpd.sh: systemctl stop httpd failed with exit code 1.");
    });

    it("checkHttpd.sh exits 0 when httpd is running", () => {
        assertRun(runScript("checkHttpd", 0), 0, "status httpd --no-pager --lines=0", "INFO checkHttpd.sh: httpd.service is running.");
    });

    it("checkHttpd.sh exits 3 when httpd is stopped, so the jobnet can tell stopped from broken", () => {
        assertRun(runScript("checkHttpd", 3), 3, "status httpd --no-pager --lines=0", "INFO checkHttpd.sh: httpd.service is stopped.");
    });

    it("checkHttpd.sh exits 1 when the check itself fails (no such unit)", () => {
        assertRun(runScript("checkHttpd", 4), 1, "status httpd --no-pager --lines=0", "ERROR checkHttpd.sh: systemctl status httpd failed with exit code 4.");
    });

    it("installs every script under /usr/local/sbin with a bash shebang", () => {
        const scripts = httpdControlScripts();
        assert.deepStrictEqual(Object.values(scripts).map((s) => s.path), [
            "/usr/local/sbin/startHttpd.sh",
            "/usr/local/sbin/stopHttpd.sh",
            "/usr/local/sbin/checkHttpd.sh",
        ]);
        for (const s of Object.values(scripts)) assert.ok(s.content.startsWith("#!/bin/bash\n"), s.path);
    });
});
