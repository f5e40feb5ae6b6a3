import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadConfig, retiredKeyWarning } from "./infra/config";
import { Jobnets } from "./infra/jobnets";
import { Alerts, expectedSecondsByJobnet, teamWatchJobs, teamWatchRules } from "./infra/alerts";
import { OperationsDashboard } from "./infra/dashboard";
import { Operations } from "./infra/operations";
import { jobnetLinks } from "./infra/outputs";
import { namePrefixOf, requireNamesAwsAccepts } from "./infra/physicalNames";
import { providerArgs } from "./infra/provider";
import { WebSystem } from "./infra/webSystem";
import { ExistingSystem } from "./infra/existingSystem";
import { ServiceControl } from "./infra/serviceControl";

/**
 * The program. It is a function because it reads an existing system before it declares the jobnets
 * (Pulumi calls it and exports what it returns), so an existing system not found stops preview
 * with the problems and nothing else.
 */
export = async () => {
    const project = pulumi.getProject();
    const stack = pulumi.getStack();
    const config = loadConfig();
    requireNamesAwsAccepts(project, stack, config);
    const namePrefix = namePrefixOf(project, stack);

    // One provider for the whole program, so every resource carries the stack's tags.
    const provider = new aws.Provider("aws", providerArgs(config, project, stack));

    // The web system this program creates, or one built elsewhere that the stack only reads.
    const system = config.system.mode === "create"
        ? new WebSystem("webapp", { config, project, stack }, { providers: { aws: provider } })
        : new ExistingSystem("existing", { settings: config.system, region: config.region }, { providers: { aws: provider } });
    const web = system instanceof WebSystem ? system : undefined;
    for (const key of config.retiredKeys) pulumi.log.warn(retiredKeyWarning(key));
    if (config.unusedKeys.length > 0) {
        pulumi.log.warn(`No effect while system.mode is existing: ${config.unusedKeys.join(", ")} shape only the system this program creates.`);
    }
    // An existing system that is not as the config names it stops the program here, before any jobnet resource.
    if (system instanceof ExistingSystem) await system.ready;

    // Our own control scripts on the servers we create; the existing system's service otherwise.
    const serviceControl: ServiceControl = config.system.mode === "create" ? { kind: "scripts" } : config.system.service;
    const jobnets = new Jobnets("jobnet", {
        namePrefix,
        stack,
        targets: system.targets,
        serviceControl,
        settings: config.jobnet,
        calendar: config.operations.calendar,
        maintenancePageHtml: config.maintenancePage.html,
        logRetentionDays: config.logRetentionDays,
        deletionProtection: config.deletionProtection,
        teamJobnets: config.teamJobnets,
    }, { providers: { aws: provider } });
    // A stack that defines no server group runs no team jobnet: it is told nothing of them.
    if (Object.keys(config.teamJobnets.groups).length > 0) for (const left of config.teamJobnets.left) pulumi.log.info(`Jobnet ${left.name} is not deployed: ${left.reason}.`);

    const stateMachineArns = { stop: jobnets.stop.stateMachineArn, start: jobnets.start.stateMachineArn };
    // Every jobnet the stack deploys, stop and start first: each is told of, watched, alarmed and drawn alike.
    const allStateMachineArns: Record<string, pulumi.Output<string>> = { ...stateMachineArns, ...jobnets.team.stateMachineArns };
    const expectedSeconds = expectedSecondsByJobnet(config.operations.monitoring, config.teamJobnets.deployed);
    // Who hears of the runs: the alert topic (email), Slack, delay monitoring and alarms.
    const alerts = new Alerts("alerts", {
        namePrefix,
        stack,
        settings: config.operations,
        stateMachineArns: allStateMachineArns,
        expectedSeconds,
        teamRules: teamWatchRules(config.teamJobnets.deployed, config.teamJobnets.schedulesPaused),
        teamJobs: teamWatchJobs(config.teamJobnets.deployed, jobnets.runLockTableName),
        logRetentionDays: config.logRetentionDays,
        // The rule was Operations' ("ops") while Slack was its only listener; it keeps its name.
        runEndedRuleAliases: [{ name: "ops-run-ended", parent: pulumi.createUrn("ops", "webapp-jobnet:operations:Operations") }],
    }, { providers: { aws: provider } });

    const operations = new Operations("ops", {
        namePrefix,
        stack,
        settings: config.operations,
        stateMachineArns,
        database: system.targets.database,
        alertTopicArn: alerts.topicArn,
    }, { providers: { aws: provider } });

    // One page for the operators: the runs, their delays and alarms, and the web system's vital signs.
    const dashboard = new OperationsDashboard("dashboard", {
        namePrefix,
        facts: pulumi.all([pulumi.all(allStateMachineArns), system.summary.listeners, system.attachedTargetGroups, pulumi.all(alerts.alarmArns), system.targets.database?.identifier])
            .apply(([machines, listeners, targetGroups, alarmArns, databaseIdentifier]) => ({
                region: config.region,
                stack,
                stateMachineArns: machines,
                expectedSeconds,
                listenerArns: listeners.map((l) => l.arn),
                targetGroups,
                database: system.targets.database && databaseIdentifier ? { kind: system.targets.database.kind, identifier: databaseIdentifier } : undefined,
                alarmArns,
            })),
    }, { providers: { aws: provider } });

    const stopStateMachineArn = jobnets.stop.stateMachineArn;
    const startStateMachineArn = jobnets.start.stateMachineArn;
    const links = pulumi.all(allStateMachineArns).apply(jobnetLinks);

    // The stack outputs.
    return {
        stopStateMachineArn,
        startStateMachineArn,
        /** Each jobnet's console page and AWS CLI start command, by name: stop, start and the team's. */
        consoleUrls: links.consoleUrls,
        startCommands: links.startCommands,
        /** The team's own jobnets (jobnets/), by name: `npm run ops -- run NAME` starts one. */
        jobnetStateMachineArns: jobnets.team.stateMachineArns,
        /** The server groups the team's jobnets run commands on, as the stack's config names them. */
        jobnetGroups: config.teamJobnets.groups,
        schedules: operations.schedules,
        /** The business calendar scheduled runs consult, as parsed: `npm run ops -- status` skips its closed days. */
        calendar: config.operations.calendar,
        eventTriggers: operations.triggerNames,
        /** What the run watcher judges by: `npm run ops -- status` shows the delays in progress. */
        monitoring: { expectedSeconds, startDelaySeconds: config.operations.monitoring.startDelaySeconds },
        /** Subscribe to it for every notice: run ends, delays, alarms, the 7-day restart. */
        alertTopicArn: alerts.topicArn,
        alarms: alerts.alarmNames,
        dashboardName: dashboard.dashboardName,
        ...system.summary,
        /** How the jobnets stop, check and start the web service on each server. */
        serviceControl,
        backupVaultName: jobnets.backupVaultName,
        // Only the system this program creates has these.
        albUrl: web?.albUrl,
        albDnsName: web?.loadBalancer.dnsName,
        dbEndpoint: web?.database.endpoint,
        dbMasterUserSecretArn: web?.database.masterUserSecretArn,
    };
};
