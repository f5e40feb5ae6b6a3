import { consoleOrigin, partitionOf } from "../handlers/partition";

/** The console page of a state machine, where its runs are listed, in the console of its partition. */
export function stateMachineConsoleUrl(stateMachineArn: string): string {
    const region = stateMachineArn.split(":")[3];
    return `${consoleOrigin(partitionOf(stateMachineArn), region)}/states/home?region=${region}#/statemachines/view/${encodeURIComponent(stateMachineArn)}`;
}

/** The AWS CLI command that runs a jobnet by hand: no input needed, the targets are in the definition. */
export function startExecutionCommand(stateMachineArn: string): string {
    const region = stateMachineArn.split(":")[3];
    return `aws stepfunctions start-execution --region ${region} --state-machine-arn ${stateMachineArn} --input '{}'`;
}
