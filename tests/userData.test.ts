import * as assert from "assert";
import { spawnSync } from "child_process";
import { cloudWatchAgentConfig } from "../infra/cloudWatchAgent";
import { httpdControlScripts } from "../infra/httpdControlScripts";
import { webServerUserData } from "../infra/userData";

const scripts = Object.values(httpdControlScripts());
const userData = webServerUserData({ cloudWatchAgentConfigParameter: "AmazonCloudWatch-test-web", controlScripts: scripts });

describe("web server user data (Amazon Linux 2023)", () => {
    it("is valid bash that stops at the first failing command", () => {
        const check = spawnSync("bash", ["-n"], { input: userData, encoding: "utf8" });
        assert.strictEqual(check.status, 0, check.stderr);
        assert.ok(userData.startsWith("#!/bin/bash\nset -euo pipefail\n"));
    });

    it("installs httpd, PHP and the CloudWatch agent with dnf, and no collectd", () => {
        assert.match(userData, /^dnf install -y httpd php php-fpm php-mysqlnd rsyslog amazon-cloudwatch-agent$/m);
        assert.doesNotMatch(userData, /collectd|yum |amazon-linux-extras/);
    });

    it("writes phpinfo.php, the health-check target", () => {
        assert.match(userData, /^echo '<\?php phpinfo\(\); \?>' > \/var\/www\/html\/phpinfo\.php$/m);
    });

    it("writes each control script byte for byte through a quoted heredoc, executable by root", () => {
        for (const s of scripts) {
            const start = `cat > ${s.path} <<'WEBAPP_JOBNET_SCRIPT_END'\n`;
            const at = userData.indexOf(start);
            assert.ok(at >= 0, `no heredoc for ${s.path}`);
            const bodyStart = at + start.length;
            const end = userData.indexOf("\nWEBAPP_JOBNET_SCRIPT_END\n", bodyStart);
            assert.strictEqual(userData.slice(bodyStart, end + 1), s.content);
            assert.ok(userData.includes(`\nchmod 744 ${s.path}\n`));
        }
    });

    it("starts httpd on first boot without enabling it, so later boots wait for the start jobnet", () => {
        assert.match(userData, /\nsystemctl start httpd\n$/);
        assert.doesNotMatch(userData, /enable[^\n]*httpd/);
    });

    it("loads the agent configuration from its SSM parameter", () => {
        assert.ok(userData.includes("amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:AmazonCloudWatch-test-web\n"));
    });

    it("refuses a script that would end its heredoc early", () => {
        assert.throws(
            () => webServerUserData({ cloudWatchAgentConfigParameter: "p", controlScripts: [{ path: "/x.sh", content: "a\nWEBAPP_JOBNET_SCRIPT_END\nb\n" }] }),
            /\/x\.sh contains the line WEBAPP_JOBNET_SCRIPT_END/,
        );
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
