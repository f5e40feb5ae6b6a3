/**
 * The three scripts SSM Run Command calls on each web server. Their exit codes are the contract
 * the jobnets read (Run Command reports a non-zero exit as a Failed invocation with the code in
 * ResponseCode): start/stop exit 0 on success and 1 on failure; check exits 0 when httpd runs,
 * 3 when it is stopped and 1 when the check itself failed. Each appends one line with an ISO
 * timestamp to the system log, which the CloudWatch agent ships.
 */

export const controlScriptDirectory = "/usr/local/sbin";
/** The scripts append here; an override exists only so tests can run them without root. */
export const controlLogFile = "/var/log/messages";

export type ControlScriptName = "startHttpd" | "stopHttpd" | "checkHttpd";

export interface ControlScript {
    /** Absolute path on the web server, the command Run Command sends. */
    path: string;
    content: string;
}

/** The exit codes of checkHttpd.sh, shared with the jobnets that read them. */
export const checkHttpdExitCodes = { running: 0, failed: 1, stopped: 3 } as const;

export function httpdControlScripts(): Record<ControlScriptName, ControlScript> {
    return {
        startHttpd: script("startHttpd", changeStateBody("start", "started")),
        stopHttpd: script("stopHttpd", changeStateBody("stop", "stopped")),
        checkHttpd: script("checkHttpd", checkBody()),
    };
}

function script(name: ControlScriptName, body: string): ControlScript {
    const fileName = `${name}.sh`;
    const content = [
        "#!/bin/bash",
        `# ${fileName}: written by webapp-jobnet, called by SSM Run Command. Exit codes are read by the jobnets.`,
        `LOG_FILE="\${HTTPD_CONTROL_LOG:-${controlLogFile}}"`,
        "log() {",
        // UTC with -u: the original printed local time followed by a literal Z.
        `  local line="$(date -u +%Y-%m-%dT%H:%M:%S.%3NZ) $1 ${fileName}: $2"`,
        '  echo "$line"',
        '  echo "$line" >> "$LOG_FILE"',
        "}",
        body,
        "",
    ].join("\n");
    return { path: `${controlScriptDirectory}/${fileName}`, content };
}

/** startHttpd.sh and stopHttpd.sh differ only in the systemctl verb and the word for the result. */
function changeStateBody(verb: "start" | "stop", result: string): string {
    return [
        `systemctl ${verb} httpd`,
        "code=$?",
        'if [ "$code" -eq 0 ]; then',
        `  log INFO "httpd.service ${result}."`,
        "  exit 0",
        "fi",
        `log ERROR "systemctl ${verb} httpd failed with exit code $code."`,
        "exit 1",
    ].join("\n");
}

function checkBody(): string {
    const { running, failed, stopped } = checkHttpdExitCodes;
    return [
        // systemctl status exits 0 for an active unit and 3 for one that is not running.
        "systemctl status httpd --no-pager --lines=0",
        "code=$?",
        'case "$code" in',
        `  0) log INFO "httpd.service is running."; exit ${running} ;;`,
        `  3) log INFO "httpd.service is stopped."; exit ${stopped} ;;`,
        `  *) log ERROR "systemctl status httpd failed with exit code $code."; exit ${failed} ;;`,
        "esac",
    ].join("\n");
}
