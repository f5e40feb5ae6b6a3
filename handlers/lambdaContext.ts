/**
 * What a handler reads of the Lambda context, its second argument: the time the invocation has
 * left before Lambda ends it as timed out (Lambda Node.js context object).
 */
export interface LambdaContext {
    getRemainingTimeInMillis(): number;
}
