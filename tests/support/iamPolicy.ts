import type { RegisteredResource } from "../../scripts/lib/mockedCloud";

/**
 * Just enough of IAM's policy evaluation to tell whether an identity policy allows one request:
 * Action and Resource with wildcards, and the condition operators our policies use. There is no
 * Deny in our policies, so an Allow that matches decides. A condition on a key the request does not
 * carry fails, except ForAllValues, which holds for an absent key (IAM's documented behaviour).
 */
export interface PolicyStatement {
    Effect: "Allow" | "Deny";
    Action: string | string[];
    Resource: string | string[];
    Condition?: Record<string, Record<string, string | string[]>>;
}

export interface Request {
    action: string;
    resource: string;
    /** The request's condition keys: aws:ResourceTag/..., aws:RequestTag/..., aws:TagKeys, service keys. */
    context?: Record<string, string | string[]>;
}

/** `*` any run of characters, `?` one: as IAM matches actions and ARNs. */
function matches(pattern: string, value: string, caseInsensitive = false): boolean {
    const source = pattern.split("").map((c) => (c === "*" ? ".*" : c === "?" ? "." : c.replace(/[.+^${}()|[\]\\/]/g, "\\$&"))).join("");
    return new RegExp(`^${source}$`, caseInsensitive ? "i" : "").test(value);
}

const operators: Record<string, (wanted: string, given: string) => boolean> = {
    StringEquals: (w, g) => w === g,
    StringLike: (w, g) => matches(w, g),
    Bool: (w, g) => w === g,
    ArnEquals: (w, g) => w === g,
    ArnLike: (w, g) => matches(w, g),
};

function conditionHolds(operator: string, key: string, wanted: string | string[], context: Record<string, string | string[]>): boolean {
    const [qualifier, name] = operator.includes(":") ? operator.split(":") : [undefined, operator];
    const test = operators[name];
    if (!test) throw new Error(`condition operator ${operator} is not modelled`);
    const wantedValues = [wanted].flat();
    const given = context[key];
    if (qualifier === "ForAllValues") return given === undefined || [given].flat().every((g) => wantedValues.some((w) => test(w, g)));
    if (given === undefined) return false;
    if (qualifier === "ForAnyValue") return [given].flat().some((g) => wantedValues.some((w) => test(w, g)));
    if (Array.isArray(given)) throw new Error(`${key} has several values: use ForAllValues or ForAnyValue`);
    return wantedValues.some((w) => test(w, given));
}

/** The statement that allows the request, or undefined when none does. */
export function allowingStatement(statements: PolicyStatement[], request: Request): PolicyStatement | undefined {
    return statements.find((s) =>
        s.Effect === "Allow"
        && [s.Action].flat().some((a) => matches(a, request.action, true))
        && [s.Resource].flat().some((r) => matches(r, request.resource))
        && Object.entries(s.Condition ?? {}).every(([operator, keys]) =>
            Object.entries(keys).every(([key, wanted]) => conditionHolds(operator, key, wanted, request.context ?? {}))));
}

/** The statements of a Lambda function's role, from a run's resources: the function by name, its role, that role's inline policy. */
export function functionPolicy(resources: readonly RegisteredResource[], functionName: string): PolicyStatement[] {
    const fn = resources.find((r) => r.type === "aws:lambda/function:Function" && r.inputs.name === functionName);
    if (!fn) throw new Error(`no function ${functionName}`);
    const role = resources.find((r) => r.type === "aws:iam/role:Role" && r.state.arn === fn.inputs.role)!;
    return JSON.parse(resources.find((r) => r.type === "aws:iam/rolePolicy:RolePolicy" && r.inputs.role === role.id)!.inputs.policy).Statement;
}

/** The actions of the statements every task of a run holds for a redrive's check (handlers/catalog.ts, redriveGuardStatements). */
const redriveGuardActions = [["dynamodb:GetItem", "dynamodb:PutItem"], ["states:DescribeExecution", "states:DescribeStateMachineForExecution"], ["states:DescribeStateMachine"]].map((a) => a.join(","));

/** Whether a statement is one of those a task holds for a redrive's check, which only a redriven run uses. */
export function isRedriveGuard(statement: { Action: string | string[] }): boolean {
    return redriveGuardActions.includes([statement.Action].flat().join(","));
}
