import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ServiceControl, serviceCommands, serviceControlProblem, systemdUnitProblem } from "../infra/serviceControl";

/** How the fake systemctl answers: a unit's LoadState, its is-active answers in turn, and stop/start's exit code and message. */
interface FakeSystemd {
    loadState?: string;
    /** Each `is-active` call takes the next answer; the last one repeats. */
    states?: string[];
    changeExit?: number;
    changeMessage?: string;
    /** `systemctl show` itself fails: no systemd, no bus. */
    showFails?: string;
}

interface CommandRun {
    exitCode: number | null;
    stdout: string;
    stderr: string;
    /** Arguments each systemctl call got. */
    systemctlCalls: string[];
    sleeps: number;
}

// POSIX sh, as AWS-RunShellScript runs it (dash here, bash on Amazon Linux): each case runs in both.
const shells = ["sh", "bash"];

/** Runs one command text with a fake systemctl (and an instant sleep) first on PATH. */
function runCommand(shell: string, text: string, fake: FakeSystemd): CommandRun {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "service-control-"));
    try {
        const bin = path.join(dir, "bin");
        fs.mkdirSync(bin);
        const calls = path.join(dir, "calls");
        const counter = path.join(dir, "is-active-count");
        fs.writeFileSync(calls, "");
        fs.writeFileSync(counter, "0");
        const states = fake.states ?? ["active"];
        fs.writeFileSync(path.join(bin, "systemctl"), [
            "#!/bin/bash",
            `echo "$*" >> ${calls}`,
            'case "$1" in',
            `  show) ${fake.showFails ? `echo ${JSON.stringify(fake.showFails)} >&2; exit 1` : `echo "LoadState=${fake.loadState ?? "loaded"}"`} ;;`,
            `  is-active) n=$(cat ${counter}); echo $((n + 1)) > ${counter}; states=(${states.join(" ")}); i=$(( n < ${states.length} ? n : ${states.length - 1} )); echo "\${states[$i]}"; [ "\${states[$i]}" = active ] || exit 3 ;;`,
            `  stop|start) ${fake.changeMessage ? `printf '%b\\n' ${JSON.stringify(fake.changeMessage)} >&2` : ":"}; exit ${fake.changeExit ?? 0} ;;`,
            "esac",
        ].join("\n") + "\n", { mode: 0o755 });
        fs.writeFileSync(path.join(bin, "sleep"), `#!/bin/bash\necho sleep >> ${path.join(dir, "sleeps")}\n`, { mode: 0o755 });
        const result = spawnSync(shell, ["-c", text], { env: { PATH: `${bin}:/usr/bin:/bin`, HOME: dir }, encoding: "utf8" });
        const sleeps = fs.existsSync(path.join(dir, "sleeps")) ? fs.readFileSync(path.join(dir, "sleeps"), "utf8").split("\n").filter((l) => l).length : 0;
        return {
            exitCode: result.status,
            stdout: result.stdout,
            stderr: result.stderr,
            systemctlCalls: fs.readFileSync(calls, "utf8").split("\n").filter((l) => l !== ""),
            sleeps,
        };
    } finally {
        fs.rmSync(dir, { recursive: true, force: true });
    }
}

const nginx = serviceCommands({ kind: "systemd", unit: "nginx" });

/** The exit code and the one line printed (on stdout when it succeeds, stderr otherwise), in each shell. */
function outcome(text: string, fake: FakeSystemd): { exitCode: number | null; line: string; calls: string[] }[] {
    return shells.map((shell) => {
        const run = runCommand(shell, text, fake);
        const printed = run.exitCode === 0 || run.exitCode === 3 ? run.stdout : run.stderr;
        assert.strictEqual(run.exitCode === 0 || run.exitCode === 3 ? run.stderr : run.stdout, "", `${shell}: nothing on the other stream`);
        return { exitCode: run.exitCode, line: printed, calls: run.systemctlCalls };
    });
}

function assertOutcome(text: string, fake: FakeSystemd, exitCode: number, line: string, calls: string[]): void {
    for (const o of outcome(text, fake)) assert.deepStrictEqual(o, { exitCode, line: `${line}\n`, calls });
}

describe("service control: a systemd unit's commands, run in sh and bash against a fake systemctl", () => {
    it("stop exits 0 and says the unit stopped", () => {
        assertOutcome(nginx.stop.text, {}, 0, "nginx.service stopped.", ["stop nginx.service"]);
    });

    it("stop exits 1 with systemctl's code and its whole message on one line when the unit will not stop", () => {
        // A backslash stays as it is, whatever the shell's echo would make of it.
        const message = "Job for nginx.service failed.\nSee \"systemctl status nginx.service\" for details (C:\\\\n).";
        assertOutcome(nginx.stop.text, { changeExit: 1, changeMessage: message }, 1,
            "systemctl stop nginx.service failed with exit code 1: Job for nginx.service failed. See \"systemctl status nginx.service\" for details (C:\\n).", ["stop nginx.service"]);
    });

    it("start exits 0, or 1 naming the unit and systemctl's reason", () => {
        assertOutcome(nginx.start.text, {}, 0, "nginx.service started.", ["start nginx.service"]);
        assertOutcome(nginx.start.text, { changeExit: 5, changeMessage: "Failed to start nginx.service: Unit nginx.service not found." }, 1,
            "systemctl start nginx.service failed with exit code 5: Failed to start nginx.service: Unit nginx.service not found.", ["start nginx.service"]);
    });

    it("check exits 0 when the unit is active", () => {
        assertOutcome(nginx.check.text, { states: ["active"] }, 0, "nginx.service is active.", ["show -p LoadState nginx.service", "is-active nginx.service"]);
    });

    for (const state of ["inactive", "failed"]) {
        it(`check exits 3 when the unit is ${state}: stopped, so the start jobnet starts it`, () => {
            assertOutcome(nginx.check.text, { states: [state] }, 3, `nginx.service is ${state}.`, ["show -p LoadState nginx.service", "is-active nginx.service"]);
        });
    }

    it("check exits 1 naming the unit when it does not exist, rather than read it as stopped", () => {
        assertOutcome(nginx.check.text, { loadState: "not-found", states: ["inactive"] }, 1,
            "systemd has no unit nginx.service on this server (LoadState not-found): check the unit name", ["show -p LoadState nginx.service"]);
    });

    it("check exits 1 when systemctl cannot read the unit at all", () => {
        assertOutcome(nginx.check.text, { showFails: "System has not been booted with systemd as init system (PID 1). Can't operate." }, 1,
            "systemctl cannot read nginx.service: System has not been booted with systemd as init system (PID 1). Can't operate.", ["show -p LoadState nginx.service"]);
    });

    it("check waits for a unit between states to settle, and answers once it has", () => {
        for (const shell of shells) {
            const run = runCommand(shell, nginx.check.text, { states: ["reloading", "deactivating", "inactive"] });
            assert.deepStrictEqual([run.exitCode, run.stdout, run.sleeps], [3, "nginx.service is inactive.\n", 2], shell);
        }
    });

    it("check exits 1 when the unit stays between states (a restart loop) for 10 s, naming the state", () => {
        for (const shell of shells) {
            const run = runCommand(shell, nginx.check.text, { states: ["activating"] });
            assert.deepStrictEqual([run.exitCode, run.stderr, run.sleeps], [1,
                "nginx.service is still activating after 10 s: neither running nor stopped; run the jobnet again once it has settled\n", 4], shell);
            assert.strictEqual(run.systemctlCalls.filter((c) => c.startsWith("is-active")).length, 5);
        }
    });

    it("names the commands in causes as systemctl does, and the service by its unit", () => {
        assert.deepStrictEqual([nginx.label, nginx.stop.name, nginx.start.name, nginx.check.name],
            ["nginx", "systemctl stop nginx.service", "systemctl start nginx.service", "systemctl is-active nginx.service"]);
        const tomcat = serviceCommands({ kind: "systemd", unit: "tomcat@main.service" });
        assert.deepStrictEqual([tomcat.label, tomcat.stop.name], ["tomcat@main", "systemctl stop tomcat@main.service"]);
    });
});

describe("service control: which commands run", () => {
    it("this program's scripts run by their paths, and causes read as they always have", () => {
        const scripts = serviceCommands({ kind: "scripts" });
        assert.deepStrictEqual(scripts, {
            label: "httpd",
            stop: { text: "/usr/local/sbin/stopHttpd.sh", name: "/usr/local/sbin/stopHttpd.sh" },
            start: { text: "/usr/local/sbin/startHttpd.sh", name: "/usr/local/sbin/startHttpd.sh" },
            check: { text: "/usr/local/sbin/checkHttpd.sh", name: "/usr/local/sbin/checkHttpd.sh" },
        });
    });

    it("a user's commands run exactly as given", () => {
        const control: ServiceControl = { kind: "commands", stop: "/opt/shop/bin/shutdown.sh -force", start: "/opt/shop/bin/startup.sh", check: "pgrep -f shop-server >/dev/null || exit 3" };
        assert.deepStrictEqual(serviceCommands(control), {
            label: "the service",
            stop: { text: control.stop, name: "the stop command" },
            start: { text: control.start, name: "the start command" },
            check: { text: control.check, name: "the check command" },
        });
    });
});

describe("service control: names and commands refused before anything is deployed", () => {
    it("takes systemd service names as systemctl does", () => {
        assert.deepStrictEqual(["httpd", "nginx.service", "tomcat@main", "php8.2-fpm", "my_app:blue"].map(systemdUnitProblem), [undefined, undefined, undefined, undefined, undefined]);
    });

    it("refuses a name that is empty, not a unit name, read as an option, another unit type or a bare template", () => {
        assert.deepStrictEqual(["", "nginx; reboot", "my app", "-h", "nginx.socket", "getty@", "getty@.service", "x".repeat(257)].map(systemdUnitProblem), [
            "is empty: name the systemd service the servers run, e.g. httpd or nginx.service",
            "\"nginx; reboot\" is not a systemd unit name: it may hold letters, digits and : _ . @ - only",
            "\"my app\" is not a systemd unit name: it may hold letters, digits and : _ . @ - only",
            "\"-h\" starts with -, which systemctl would read as an option",
            "\"nginx.socket\" is a .socket unit, not a service: name the service (e.g. nginx.service)",
            "\"getty@\" is a template: name one of its instances (e.g. getty@main)",
            "\"getty@.service\" is a template: name one of its instances (e.g. getty@main)",
            "is 257 characters long; systemd allows 256",
        ]);
    });

    it("refuses empty commands, naming each, and never builds commands for a control it refuses", () => {
        const control: ServiceControl = { kind: "commands", stop: " ", start: "/opt/start", check: "" };
        assert.strictEqual(serviceControlProblem(control), "the stop, check commands are empty: each needs a shell command");
        assert.strictEqual(serviceControlProblem({ kind: "systemd", unit: "a b" }), "the systemd unit \"a b\" is not a systemd unit name: it may hold letters, digits and : _ . @ - only");
        assert.throws(() => serviceCommands(control), /^Error: Service control: the stop, check commands are empty/);
        assert.strictEqual(serviceControlProblem({ kind: "scripts" }), undefined);
    });
});
