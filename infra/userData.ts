import { ControlScript } from "./httpdControlScripts";

export interface UserDataArgs {
    /** SSM parameter holding the CloudWatch agent configuration. */
    cloudWatchAgentConfigParameter: string;
    controlScripts: ControlScript[];
}

// Quoted, so the shell writes the scripts byte for byte, with no expansion.
const heredocDelimiter = "WEBAPP_JOBNET_SCRIPT_END";

/**
 * First-boot setup of a web server on Amazon Linux 2023, run once as root by cloud-init.
 * httpd is started here so a new server serves at once, but is not enabled: after a reboot it
 * stays down until the start jobnet starts it, once the database is available.
 */
export function webServerUserData(args: UserDataArgs): string {
    for (const s of args.controlScripts) {
        if (s.content.split("\n").includes(heredocDelimiter)) {
            throw new Error(`${s.path} contains the line ${heredocDelimiter}, which would end its heredoc early`);
        }
    }
    return [
        "#!/bin/bash",
        "set -euo pipefail",
        "dnf install -y httpd php php-fpm php-mysqlnd rsyslog amazon-cloudwatch-agent",
        "# AL2023 logs to the journal only; rsyslog brings back /var/log/messages, which the agent ships.",
        "systemctl enable --now rsyslog",
        "systemctl enable --now php-fpm",
        "echo '<?php phpinfo(); ?>' > /var/www/html/phpinfo.php",
        ...args.controlScripts.flatMap((s) => [
            `cat > ${s.path} <<'${heredocDelimiter}'`,
            s.content.replace(/\n$/, ""),
            heredocDelimiter,
            `chmod 744 ${s.path}`,
        ]),
        `/opt/aws/amazon-cloudwatch-agent/bin/amazon-cloudwatch-agent-ctl -a fetch-config -m ec2 -s -c ssm:${args.cloudWatchAgentConfigParameter}`,
        "systemctl start httpd",
        "",
    ].join("\n");
}
