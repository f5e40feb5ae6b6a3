// Two shortcuts the tests take through code that is not the project's, for speed (issue 13); what
// they check is the same. .mocharc.json and tests/support/cli.ts load this file with --require.
"use strict";
const path = require("path");

// aws-local-stepfunctions validates the definition of every state machine it is given with
// asl-validator, which compiles its JSON schemas anew on each call: a fifth of a second, for each of
// the hundreds of simulated runs. The answer depends on the definition and the options alone, so it
// is kept for the next run of the same definition: each definition is still validated, once.
const validatorFile = require.resolve("asl-validator", { paths: [path.dirname(require.resolve("aws-local-stepfunctions"))] });
const validator = require(validatorFile);
const answers = new Map();
require.cache[validatorFile].exports = function validateOnce(definition, options) {
    const key = JSON.stringify([definition, options]);
    let answer = answers.get(key);
    if (answer === undefined) answers.set(key, (answer = validator(definition, options)));
    return answer;
};

// Pulumi takes a stack trace for every promise it makes (each input of each resource), to show where
// a promise was made if it is still pending when the program ends; a third of the time of a program
// run under mocks. It is taken, at full length, where PULUMI_DEBUG_PROMISE_LEAKS asks for those traces.
if (!process.env.PULUMI_DEBUG_PROMISE_LEAKS) {
    const debuggable = require("@pulumi/pulumi/runtime/debuggable");
    const { debuggablePromise } = debuggable;
    debuggable.debuggablePromise = function (promise, context) {
        const limit = Error.stackTraceLimit;
        Error.stackTraceLimit = 0;
        try {
            return debuggablePromise(promise, context);
        } finally {
            Error.stackTraceLimit = limit;
        }
    };
}
