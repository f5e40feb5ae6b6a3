import * as pulumi from "@pulumi/pulumi";
import * as aws from "@pulumi/aws";
import { loadConfig } from "./infra/config";
import { Jobnets } from "./infra/jobnets";
import { Operations } from "./infra/operations";
import { startExecutionCommand, stateMachineConsoleUrl } from "./infra/outputs";
import { namePrefixOf, requireNamesAwsAccepts } from "./infra/physicalNames";
import { providerArgs } from "./infra/provider";
import { WebSystem } from "./infra/webSystem";

const project = pulumi.getProject();
const stack = pulumi.getStack();
const config = loadConfig();
requireNamesAwsAccepts(project, stack, config);
const namePrefix = namePrefixOf(project, stack);

// One provider for the whole program, so every resource carries the stack's tags.
const provider = new aws.Provider("aws", providerArgs(config, project, stack));

const web = new WebSystem("webapp", { config, project, stack }, { providers: { aws: provider } });

const jobnets = new Jobnets("jobnet", {
    namePrefix,
    stack,
    targets: web.targets,
    serviceControl: { kind: "scripts" },
    settings: config.jobnet,
    calendar: config.operations.calendar,
    maintenancePageHtml: config.maintenancePage.html,
    logRetentionDays: config.logRetentionDays,
    deletionProtection: config.deletionProtection,
}, { providers: { aws: provider } });

const operations = new Operations("ops", {
    namePrefix,
    stack,
    settings: config.operations,
    stateMachineArns: { stop: jobnets.stop.stateMachineArn, start: jobnets.start.stateMachineArn },
    clusterIdentifier: web.database.clusterIdentifier,
    logRetentionDays: config.logRetentionDays,
}, { providers: { aws: provider } });

export const stopStateMachineArn = jobnets.stop.stateMachineArn;
export const startStateMachineArn = jobnets.start.stateMachineArn;
export const consoleUrls = {
    stop: stopStateMachineArn.apply(stateMachineConsoleUrl),
    start: startStateMachineArn.apply(stateMachineConsoleUrl),
};
export const startCommands = {
    stop: stopStateMachineArn.apply(startExecutionCommand),
    start: startStateMachineArn.apply(startExecutionCommand),
};
export const schedules = operations.schedules;
/** The business calendar scheduled runs consult, as parsed: `npm run ops -- status` skips its closed days. */
export const calendar = config.operations.calendar;
export const eventTriggers = operations.triggerNames;
export const albUrl = web.albUrl;
export const albDnsName = web.loadBalancer.dnsName;
/** Each listener, its protocol and port, and whether it forwards to the web servers or redirects to HTTPS. */
export const listeners = web.loadBalancer.listeners;
export const targetGroupArn = web.loadBalancer.targetGroupArn;
export const webServers = web.webServers.map((s) => ({
    name: s.name,
    instanceId: s.instanceId,
    instanceArn: s.instanceArn,
    availabilityZone: s.availabilityZone,
}));
export const dbClusterIdentifier = web.database.clusterIdentifier;
export const dbClusterArn = web.database.clusterArn;
export const dbEndpoint = web.database.endpoint;
export const dbMasterUserSecretArn = web.database.masterUserSecretArn;
export const backupVaultName = jobnets.backupVaultName;
