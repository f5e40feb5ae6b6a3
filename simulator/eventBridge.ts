/**
 * What EventBridge gives a rule's target through an input transformer (EventBridge API reference,
 * InputTransformer): each `<name>` of the template is the value its InputPathsMap path selects in
 * the event. Inside quotes a string goes in as its text; outside, as a JSON value.
 */
export function transformInput(transformer: { inputPaths: Record<string, string>; inputTemplate: string }, event: unknown): string {
    const valueOf = (name: string): unknown => {
        const path = transformer.inputPaths[name];
        if (path === undefined) throw new Error(`the input template names <${name}>, which InputPathsMap does not define`);
        return path.replace(/^\$\.?/, "").split(".").filter((p) => p).reduce<unknown>((at, key) => (at as Record<string, unknown> | undefined)?.[key], event);
    };
    return transformer.inputTemplate
        .replace(/"<([A-Za-z0-9_.-]+)>"/g, (_, name: string) => JSON.stringify(valueOf(name)))
        .replace(/<([A-Za-z0-9_.-]+)>/g, (_, name: string) => JSON.stringify(valueOf(name)));
}

/** The event Step Functions sends when an execution's status changes (source aws.states). */
export function executionStatusChange(e: { arn: string; stateMachineArn: string; status: string; startDate: number; stopDate?: number; input: string }): Record<string, unknown> {
    return {
        source: "aws.states",
        "detail-type": "Step Functions Execution Status Change",
        detail: {
            executionArn: e.arn,
            stateMachineArn: e.stateMachineArn,
            name: e.arn.split(":").pop(),
            status: e.status,
            startDate: e.startDate,
            stopDate: e.stopDate ?? null,
            input: e.input,
        },
    };
}
