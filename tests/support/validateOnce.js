// aws-local-stepfunctions validates the definition of every state machine it is given with
// asl-validator, which compiles its JSON schemas anew on each call: about a tenth of a second, for
// each of the test's hundreds of simulated runs. The answer depends on the definition and the
// options alone, so the tests (.mocharc.json, tests/support/cli.ts) keep it for the next run of the
// same definition: each definition is still validated, once. It is here for speed (issue 13).
"use strict";
const path = require("path");

const file = require.resolve("asl-validator", { paths: [path.dirname(require.resolve("aws-local-stepfunctions"))] });
const validator = require(file);
const answers = new Map();
require.cache[file].exports = function validateOnce(definition, options) {
    const key = JSON.stringify([definition, options]);
    let answer = answers.get(key);
    if (answer === undefined) answers.set(key, (answer = validator(definition, options)));
    return answer;
};
