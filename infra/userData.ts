import { ControlScript } from "./httpdControlScripts";

export interface UserDataArgs {
    /** SSM parameter holding the CloudWatch agent configuration. */
    cloudWatchAgentConfigParameter: string;
    controlScripts: ControlScript[];
}

// Quoted, so the shell writes the scripts byte for byte, with no expansion.
const heredocDelimiter = "WEBAPP_JOBNET_SCRIPT_END";

/** The page the load balancer checks: it says only that the server is up, and is served by PHP, so it proves PHP answers. */
export const healthPage = {
    path: "/var/www/html/health.php",
    url: "/health.php",
    content: "<?php\nheader('Content-Type: text/plain');\nheader('Cache-Control: no-store');\necho \"ok\\n\";\n",
};

/** The last line of a first boot that went through: cloud-init's log (/var/log/cloud-init-output.log) shows it. */
export const firstBootDoneMarker = "webapp-jobnet first boot: done";

/**
 * First-boot setup of a web server on Amazon Linux 2023, run once as root by cloud-init. What the
 * jobnets need comes first and must succeed: packages (tried again, as a mirror can be out of
 * reach for a moment after boot), the control scripts, the health page, httpd. The CloudWatch
 * agent comes last and may fail: the server then serves without it, and the log says so.
 * httpd is started but not enabled: after a reboot it stays down until the start jobnet starts it,
 * once the database is available.
 */
export function webServerUserData(args: UserDataArgs): string {
    const files = [...args.controlScripts.map((s) => ({ ...s, mode: "744" })), { path: healthPage.path, content: healthPage.content, mode: "644" }];
    for (const f of files) {
        if (f.content.split("\n").includes(heredocDelimiter)) {
            throw new Error(`${f.path} contains the line ${heredocDelimiter}, which would end its heredoc early`);
        }
    }
    return [
        "#!/bin/bash",
        "# Not `set -e`: each step says itself whether the boot may go on.",
        "set -uo pipefail",
        'log() { echo "$(date -u +%Y-%m-%dT%H:%M:%SZ) webapp-jobnet first boot: $*"; }',
        'fail() { log "FAILED: $*"; exit 1; }',
        "# Tries a command up to 5 times, 10, 20, 30, 40 s apart.",
        'retry() { local n; for n in 1 2 3 4 5; do "$@" && return 0; [ "$n" -lt 5 ] && { log "attempt $n of \'$*\' failed; trying again in $((n * 10)) s"; sleep $((n * 10)); }; done; return 1; }',
        "retry dnf install -y httpd php php-fpm php-mysqlnd rsyslog || fail 'the web server packages could not be installed'",
        "# AL2023 logs to the journal only; rsyslog brings back /var/log/messages, which the agent ships.",
        "systemctl enable --now rsyslog || fail 'rsyslog did not start'",
        "systemctl enable --now php-fpm || fail 'php-fpm did not start'",
        ...files.flatMap((f) => [
            `cat > ${f.path} <<'${heredocDelimiter}' || fail 'could not write ${f.path}'`,
            f.content.replace(/\n$/, ""),
            heredocDelimiter,
            `chmod ${f.mode} ${f.path}`,
        ]),
        "systemctl start httpd || fail 'httpd did not start'",
        "log 'httpd serves; the control scripts are in place'",
        "# Optional: without the agent the server serves, but ships no logs or metrics.",
        "if retry dnf install -y amazon-cloudwatch-agent \\",
        `    && /opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:${args.cloudWatchAgentConfigParameter}; then`,
        "    log 'the CloudWatch agent runs'",
        "else",
        "    log 'WARNING: the CloudWatch agent could not be set up; this server ships no logs or metrics until it is'",
        "fi",
        "log done  # the marker: firstBootDoneMarker",
        "",
    ].join("\n");
}
