import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { cloudWatchAgentConfig } from "../infra/cloudWatchAgent";
import { httpdControlScripts } from "../infra/httpdControlScripts";
import { firstBootDoneMarker, healthPage, webServerUserData } from "../infra/userData";

const scripts = Object.values(httpdControlScripts());
const userData = webServerUserData({ cloudWatchAgentConfigParameter: "AmazonCloudWatch-test-web", controlScripts: scripts });

describe("web server user data (Amazon Linux 2023)", () => {
    it("is valid bash", () => {
        const check = spawnSync("bash", ["-n"], { input: userData, encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stderr);
        assert.ok(userData.startsWith("#!/bin/bash\n"));
    });

    it("installs httpd and PHP with dnf before anything optional, and no collectd", () => {
        assert.match(userData, /^retry dnf install -y httpd php php-fpm php-mysqlnd rsyslog \|\| fail /m);
        assert.ok(userData.indexOf("systemctl start httpd") < userData.indexOf("amazon-cloudwatch-agent"));
        assert.doesNotMatch(userData, /collectd|yum |amazon-linux-extras/);
    });

    it("serves a health page that says only that the server is up, and no phpinfo()", () => {
        assert.ok(userData.includes(`cat > ${healthPage.path} <<'WEBAPP_JOBNET_SCRIPT_END'`));
        assert.doesNotMatch(userData, /phpinfo/);
        assert.strictEqual(healthPage.url, "/health.php");
    });

    it("writes each control script byte for byte through a quoted heredoc, executable by root", () => {
        for (const s of scripts) {
            const start = `cat > ${s.path} <<'WEBAPP_JOBNET_SCRIPT_END' || fail 'could not write ${s.path}'\n`;
            const at = userData.indexOf(start);
            assert.ok(at >= 0, `no heredoc for ${s.path}`);
            const bodyStart = at + start.length;
            const end = userData.indexOf("\nWEBAPP_JOBNET_SCRIPT_END\n", bodyStart);
            assert.strictEqual(userData.slice(bodyStart, end + 1), s.content);
            assert.ok(userData.includes(`\nchmod 744 ${s.path}\n`));
        }
    });

    it("starts httpd on first boot without enabling it, so later boots wait for the start jobnet", () => {
        assert.match(userData, /\nsystemctl start httpd \|\| fail 'httpd did not start'\n/);
        assert.doesNotMatch(userData, /enable[^\n]*httpd/);
    });

    it("loads the agent configuration from its SSM parameter", () => {
        assert.ok(userData.includes("amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:AmazonCloudWatch-test-web; then\n"));
    });

    it("refuses a script that would end its heredoc early", () => {
        assert.throws(
            () => webServerUserData({ cloudWatchAgentConfigParameter: "p", controlScripts: [{ path: "/x.sh", content: "a\nWEBAPP_JOBNET_SCRIPT_END\nb\n" }] }),
            /\/x\.sh contains the line WEBAPP_JOBNET_SCRIPT_END/,
        );
    });
});

/**
 * Runs the user data in bash inside a folder that stands for the server's root: its absolute
 * paths are moved under the folder, and dnf, systemctl, sleep and the agent's control command are
 * fakes that log their calls and fail as told.
 */
function firstBoot(failures: { dnfFailsFirst: number; agentFails: boolean; httpdFails?: boolean }) {
    const root = fs.mkdtempSync(path.join(os.tmpdir(), "first-boot-"));
    const bin = path.join(root, "fake-bin");
    fs.mkdirSync(bin);
    for (const dir of ["usr/local/sbin", "var/www/html"]) fs.mkdirSync(path.join(root, dir), { recursive: true });
    const calls = path.join(root, "calls.log");
    const fake = (name: string, body: string) => fs.writeFileSync(path.join(bin, name), `#!/bin/bash\necho "${name} $*" >> ${calls}\n${body}\n`, { mode: 0o755 });
    fake("dnf", `n=$(cat ${root}/dnf-count 2>/dev/null || echo 0); echo $((n + 1)) > ${root}/dnf-count; [ "$n" -ge ${failures.dnfFailsFirst} ]`);
    fake("systemctl", failures.httpdFails ? '[ "$*" != "start httpd" ]' : "exit 0");
    fake("sleep", "exit 0");
    fake("amazon-cloudwatch-agent-ctl", failures.agentFails ? "echo 'unable to fetch config' >&2; exit 1" : "exit 0");
    const script = userData
        .replace(/\/usr\/local\/sbin\//g, `${root}/usr/local/sbin/`)
        .replace(/\/var\/www\/html\//g, `${root}/var/www/html/`)
        .replace(/\/opt\/aws\/amazon-cloudwatch-agent\/bin\/amazon-cloudwatch-agent-ctl/g, "amazon-cloudwatch-agent-ctl");
    const run = spawnSync("bash", ["-c", script], { encoding: "utf8", env: { ...process.env, PATH: `${bin}:${process.env.PATH}` } });
    const read = (file: string) => (fs.existsSync(file) ? fs.readFileSync(file, "utf8") : undefined);
    return { run, root, calls: (read(calls) ?? "").trim().split("\n"), read };
}

describe("a first boot, run in bash against fake dnf, systemctl and agent", () => {
    it("gets through a failing first dnf and a failing agent: the scripts, the health page and httpd are in place, and the log says so", () => {
        const { run, root, calls, read } = firstBoot({ dnfFailsFirst: 1, agentFails: true });
        assert.strictEqual(run.status, 0, run.stderr + run.stdout);
        for (const s of scripts) assert.strictEqual(read(path.join(root, s.path)), s.content);
        assert.strictEqual(read(path.join(root, healthPage.path)), healthPage.content);
        assert.deepStrictEqual(calls, [
            "dnf install -y httpd php php-fpm php-mysqlnd rsyslog",
            "sleep 10",
            "dnf install -y httpd php php-fpm php-mysqlnd rsyslog",
            "systemctl enable --now rsyslog",
            "systemctl enable --now php-fpm",
            "systemctl start httpd",
            "dnf install -y amazon-cloudwatch-agent",
            "amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:AmazonCloudWatch-test-web",
        ]);
        const log = run.stdout.trim().split("\n").map((l) => l.replace(/^\S+ /, ""));
        assert.deepStrictEqual(log, [
            "webapp-jobnet first boot: attempt 1 of 'dnf install -y httpd php php-fpm php-mysqlnd rsyslog' failed; trying again in 10 s",
            "webapp-jobnet first boot: httpd serves; the control scripts are in place",
            "webapp-jobnet first boot: WARNING: the CloudWatch agent could not be set up; this server ships no logs or metrics until it is",
            firstBootDoneMarker,
        ]);
    });

    it("fails loudly, without the done marker, when the packages never install", () => {
        const { run, calls } = firstBoot({ dnfFailsFirst: 99, agentFails: false });
        assert.strictEqual(run.status, 1);
        assert.strictEqual(calls.filter((c) => c.startsWith("dnf")).length, 5);
        assert.ok(!calls.some((c) => c.startsWith("systemctl")));
        assert.match(run.stdout, /webapp-jobnet first boot: FAILED: the web server packages could not be installed\n$/);
        assert.ok(!run.stdout.includes(firstBootDoneMarker));
    });

    it("fails loudly when httpd does not start, before the agent", () => {
        const { run, calls } = firstBoot({ dnfFailsFirst: 0, agentFails: false, httpdFails: true });
        assert.strictEqual(run.status, 1);
        assert.match(run.stdout, /FAILED: httpd did not start\n$/);
        assert.ok(!calls.some((c) => c.includes("amazon-cloudwatch-agent")));
    });
});

describe("CloudWatch agent configuration", () => {
    const config = cloudWatchAgentConfig((file) => `/webapp-jobnet/dev${file}`) as any;

    it("ships the system log and both httpd logs to the stack's log groups, a stream per instance", () => {
        assert.deepStrictEqual(config.logs.logs_collected.files.collect_list, [
            { file_path: "/var/log/messages", log_group_name: "/webapp-jobnet/dev/var/log/messages", log_stream_name: "{instance_id}" },
            { file_path: "/var/log/httpd/access_log", log_group_name: "/webapp-jobnet/dev/var/log/httpd/access_log", log_stream_name: "{instance_id}" },
            { file_path: "/var/log/httpd/error_log", log_group_name: "/webapp-jobnet/dev/var/log/httpd/error_log", log_stream_name: "{instance_id}" },
        ]);
    });

    it("collects the system metrics every 60 s as root, and no collectd metrics (AL2023 has no collectd)", () => {
        assert.deepStrictEqual(config.agent, { metrics_collection_interval: 60, run_as_user: "root" });
        assert.deepStrictEqual(Object.keys(config.metrics.metrics_collected), ["cpu", "disk", "diskio", "mem", "netstat", "swap", "statsd"]);
        assert.ok(!JSON.stringify(config).includes("collectd"));
    });
});
