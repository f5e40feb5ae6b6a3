import { ServiceCommands } from "../statemachines/plan";
import { checkHttpdExitCodes, httpdControlScripts } from "./httpdControlScripts";

/**
 * How the jobnets stop, start and check the service on each web server, through Run Command.
 * Whatever the kind, the commands keep the control scripts' contract: stop and start exit 0 or
 * fail; check exits 0 when the service runs, 3 when it is stopped, anything else when it cannot tell.
 */
export type ServiceControl =
    /** This program's control scripts, which the servers it creates have (infra/httpdControlScripts.ts). */
    | { kind: "scripts" }
    /** A systemd service the servers already run: httpd, nginx, tomcat@main. */
    | { kind: "systemd"; unit: string }
    /** Shell commands of the user's own, run as given, under the same exit-code contract. */
    | { kind: "commands"; stop: string; start: string; check: string };

// systemd's unit name characters (systemd.unit(5), "unit name"); UNIT_NAME_MAX is 256.
const unitNameCharacters = /^[A-Za-z0-9:_.@-]+$/;
const unitNameMax = 256;
// The unit types other than service (systemd.unit(5)): systemctl would act on that unit instead.
const otherUnitTypes = ["socket", "device", "mount", "automount", "swap", "target", "path", "timer", "slice", "scope"];

/** What is wrong with a systemd service name given for `systemctl`, or undefined when it is fine. */
export function systemdUnitProblem(unit: string): string | undefined {
    if (unit === "") return "is empty: name the systemd service the servers run, e.g. httpd or nginx.service";
    if (unit.length > unitNameMax) return `is ${unit.length} characters long; systemd allows ${unitNameMax}`;
    if (!unitNameCharacters.test(unit)) return `${JSON.stringify(unit)} is not a systemd unit name: it may hold letters, digits and : _ . @ - only`;
    if (unit.startsWith("-")) return `${JSON.stringify(unit)} starts with -, which systemctl would read as an option`;
    const type = otherUnitTypes.find((t) => unit.endsWith(`.${t}`));
    if (type) return `${JSON.stringify(unit)} is a .${type} unit, not a service: name the service (e.g. ${unit.slice(0, -type.length - 1)}.service)`;
    if (/@(\.service)?$/.test(unit)) return `${JSON.stringify(unit)} is a template: name one of its instances (e.g. ${unit.replace(/@(\.service)?$/, "@main")})`;
    return undefined;
}

/** What is wrong with a service control, or undefined when the jobnets can use it. */
export function serviceControlProblem(control: ServiceControl): string | undefined {
    switch (control.kind) {
        case "scripts":
            return undefined;
        case "systemd": {
            const problem = systemdUnitProblem(control.unit);
            return problem && `the systemd unit ${problem}`;
        }
        case "commands": {
            const empty = (["stop", "start", "check"] as const).filter((c) => control[c].trim() === "");
            return empty.length > 0 ? `the ${empty.join(", ")} command${empty.length > 1 ? "s are" : " is"} empty: each needs a shell command` : undefined;
        }
    }
}

/** The three command texts Run Command runs for a service control, and the words causes use. */
export function serviceCommands(control: ServiceControl): ServiceCommands {
    const problem = serviceControlProblem(control);
    if (problem) throw new Error(`Service control: ${problem}`);
    switch (control.kind) {
        case "scripts": {
            // The path is both what runs and what causes name: the dev stack's causes read as they always have.
            const scripts = httpdControlScripts();
            const script = (path: string) => ({ text: path, name: path });
            return { label: "httpd", stop: script(scripts.stopHttpd.path), start: script(scripts.startHttpd.path), check: script(scripts.checkHttpd.path) };
        }
        case "systemd":
            return systemdCommands(control.unit);
        case "commands":
            return {
                label: "the service",
                stop: { text: control.stop, name: "the stop command" },
                start: { text: control.start, name: "the start command" },
                check: { text: control.check, name: "the check command" },
            };
    }
}

/** The full unit name systemctl acts on: `nginx` is `nginx.service`. */
export function serviceUnitName(unit: string): string {
    return unit.endsWith(".service") ? unit : `${unit}.service`;
}

/** How long a check waits for a unit between states (activating, reloading, ...) to settle. */
export const settleSeconds = { every: 2, tries: 5 };

/**
 * The one line each systemd command prints, shared with the simulated servers. Arguments may be
 * shell expansions (`$code`): the commands print them inside double quotes.
 */
export const systemdLines = {
    changed: (unit: string, verb: "stop" | "start") => `${unit} ${verb === "stop" ? "stopped" : "started"}.`,
    changeFailed: (unit: string, verb: "stop" | "start", code: string, output: string) => `systemctl ${verb} ${unit} failed with exit code ${code}: ${output}`,
    notFound: (unit: string) => `systemd has no unit ${unit} on this server (LoadState not-found): check the unit name`,
    unreadable: (unit: string, output: string) => `systemctl cannot read ${unit}: ${output}`,
    state: (unit: string, state: string) => `${unit} is ${state}.`,
    unsettled: (unit: string, state: string) =>
        `${unit} is still ${state} after ${settleSeconds.every * settleSeconds.tries} s: neither running nor stopped; run the jobnet again once it has settled`,
};

/**
 * POSIX sh, as Run Command's AWS-RunShellScript runs it; printf, not echo, which in dash turns
 * a backslash in systemctl's message into something else. The unit is validated, so it needs
 * no escaping; it is quoted all the same.
 */
function systemdCommands(unit: string): ServiceCommands {
    const full = serviceUnitName(unit);
    const set = `unit='${full}'`;
    // Several lines of output become one, so that the cause quotes all of it.
    const oneLine = '$(printf "%s" "$out" | tr "\\n" " ")';
    const change = (verb: "stop" | "start") => [
        set,
        `out=$(systemctl ${verb} "$unit" 2>&1)`,
        "code=$?",
        `if [ "$code" -ne 0 ]; then printf '%s\\n' "${systemdLines.changeFailed(full, verb, "$code", oneLine)}" >&2; exit 1; fi`,
        `printf '%s\\n' "${systemdLines.changed(full, verb)}"`,
    ].join("\n");
    const { running, failed, stopped } = checkHttpdExitCodes;
    const check = [
        set,
        // `systemctl is-active` reads an unknown unit as inactive (exit 3): a misspelt name would pass
        // for a stopped service. `show --value` needs systemd 230; Amazon Linux 2 and RHEL 7 run 219.
        `if ! out=$(systemctl show -p LoadState "$unit" 2>&1); then printf '%s\\n' "${systemdLines.unreadable(full, oneLine)}" >&2; exit ${failed}; fi`,
        'if [ "${out#LoadState=}" = not-found ]; then',
        `  printf '%s\\n' "${systemdLines.notFound(full)}" >&2; exit ${failed}`,
        "fi",
        // systemctl start and stop wait for their job, so a unit between states is someone else's
        // doing (a reload, a restart) or a crash loop (activating, auto-restart): give it a few
        // seconds, then fail rather than call it running or stopped.
        "tries=0",
        "while :; do",
        '  state=$(systemctl is-active "$unit")',
        '  case "$state" in',
        `    active) printf '%s\\n' "${systemdLines.state(full, "$state")}"; exit ${running} ;;`,
        `    inactive|failed) printf '%s\\n' "${systemdLines.state(full, "$state")}"; exit ${stopped} ;;`,
        "  esac",
        "  tries=$((tries + 1))",
        `  if [ "$tries" -ge ${settleSeconds.tries} ]; then printf '%s\\n' "${systemdLines.unsettled(full, "$state")}" >&2; exit ${failed}; fi`,
        `  sleep ${settleSeconds.every}`,
        "done",
    ].join("\n");
    return {
        label: unit.replace(/\.service$/, ""),
        stop: { text: change("stop"), name: `systemctl stop ${full}` },
        start: { text: change("start"), name: `systemctl start ${full}` },
        check: { text: check, name: `systemctl is-active ${full}` },
    };
}
