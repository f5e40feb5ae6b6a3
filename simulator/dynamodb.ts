import type { AttributeValue } from "@aws-sdk/client-dynamodb";
import { serviceError } from "./account";

/**
 * DynamoDB tables as the run lock uses them: items by their partition key, written and deleted
 * under a condition expression, which DynamoDB evaluates atomically against the item as it is
 * (DynamoDB Developer Guide, "Condition expressions"). The expressions are parsed as the
 * reference's grammar has them, for the forms a condition can take on scalar attributes:
 * comparisons (= <> < <= > >=), attribute_exists, attribute_not_exists, AND, OR, NOT, parentheses.
 */

export type Item = Record<string, AttributeValue>;

export interface ConditionalWrite {
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: Record<string, AttributeValue>;
    /** ALL_OLD: a refused write returns the item as it was (PutItem, DeleteItem, "ReturnValuesOnConditionCheckFailure"). */
    ReturnValuesOnConditionCheckFailure?: string;
}

export class SimulatedTable {
    readonly items = new Map<string, Item>();

    constructor(readonly name: string, readonly hashKey: string) {}

    get(key: Item): Item | undefined {
        const found = this.items.get(this.keyOf(key));
        return found && structuredClone(found);
    }

    /** PutItem: replaces the whole item, if the condition holds on the item there now. */
    put(item: Item, write: ConditionalWrite): void {
        const key = this.keyOf(item);
        this.check(this.items.get(key), write);
        this.items.set(key, structuredClone(item));
    }

    /** DeleteItem: deletes it, if the condition holds; deleting an item that is not there is no error. */
    delete(key: Item, write: ConditionalWrite): void {
        const k = this.keyOf(key);
        this.check(this.items.get(k), write);
        this.items.delete(k);
    }

    /** Whether the write's condition holds on the item there now, and that item. */
    holds(key: Item, write: ConditionalWrite): { holds: boolean; current: Item | undefined } {
        const current = this.items.get(this.keyOf(key));
        const holds = write.ConditionExpression === undefined || evaluateCondition(write.ConditionExpression, current ?? {}, write.ExpressionAttributeNames ?? {}, write.ExpressionAttributeValues ?? {});
        return { holds, current: current && structuredClone(current) };
    }

    /** The key of an item, as the table tells its items apart. */
    itemKey(item: Item): string {
        return this.keyOf(item);
    }

    private keyOf(item: Item): string {
        const value = item[this.hashKey]?.S;
        if (value === undefined) throw serviceError("ValidationException", "One of the required keys was not given a value");
        return value;
    }

    private check(current: Item | undefined, write: ConditionalWrite): void {
        if (write.ConditionExpression === undefined) return;
        if (evaluateCondition(write.ConditionExpression, current ?? {}, write.ExpressionAttributeNames ?? {}, write.ExpressionAttributeValues ?? {})) return;
        const error = serviceError("ConditionalCheckFailedException", "The conditional request failed");
        // The item comes back with the refusal only when asked for, and only when there is one.
        if (write.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && current) Object.assign(error, { Item: structuredClone(current) });
        throw error;
    }
}

type Token = { kind: "name" | "value" | "op" | "paren" | "comma" | "word"; text: string };

function tokenize(expression: string): Token[] {
    const tokens: Token[] = [];
    const pattern = /\s*(?:(<>|<=|>=|=|<|>)|([()])|(,)|(:[A-Za-z0-9_]+)|(#[A-Za-z0-9_]+|[A-Za-z_][A-Za-z0-9_.]*))/y;
    let at = 0;
    while (at < expression.length) {
        if (/^\s*$/.test(expression.slice(at))) break;
        pattern.lastIndex = at;
        const m = pattern.exec(expression);
        if (!m) throw invalid(expression, `unexpected text at "${expression.slice(at, at + 10)}"`);
        at = pattern.lastIndex;
        if (m[1]) tokens.push({ kind: "op", text: m[1] });
        else if (m[2]) tokens.push({ kind: "paren", text: m[2] });
        else if (m[3]) tokens.push({ kind: "comma", text: m[3] });
        else if (m[4]) tokens.push({ kind: "value", text: m[4] });
        else {
            const word = m[5];
            tokens.push({ kind: ["AND", "OR", "NOT", "attribute_exists", "attribute_not_exists"].includes(word) ? "word" : "name", text: word });
        }
    }
    return tokens;
}

function invalid(expression: string, why: string): Error {
    return serviceError("ValidationException", `Invalid ConditionExpression: ${why}; expression: ${expression}`);
}

/** Whether a condition expression holds on an item (an empty item: none there). */
export function evaluateCondition(expression: string, item: Item, names: Record<string, string>, values: Record<string, AttributeValue>): boolean {
    const tokens = tokenize(expression);
    let i = 0;
    const peek = () => tokens[i];
    const take = (text?: string) => {
        const t = tokens[i++];
        if (!t || (text !== undefined && t.text !== text)) throw invalid(expression, `expected ${text ?? "more"}`);
        return t;
    };
    const attribute = (t: Token) => {
        const name = t.text.startsWith("#") ? names[t.text] : t.text;
        if (name === undefined) throw invalid(expression, `an expression attribute name used in the expression is not defined: ${t.text}`);
        return item[name];
    };
    const operand = (): AttributeValue | undefined => {
        const t = take();
        if (t.kind === "value") {
            const v = values[t.text];
            if (v === undefined) throw invalid(expression, `an expression attribute value used in the expression is not defined: ${t.text}`);
            return v;
        }
        if (t.kind === "name") return attribute(t);
        throw invalid(expression, `unexpected ${t.text}`);
    };
    const primary = (): boolean => {
        const t = peek();
        if (t?.text === "NOT") {
            take();
            return !primary();
        }
        if (t?.text === "(") {
            take("(");
            const result = or();
            take(")");
            return result;
        }
        if (t?.text === "attribute_exists" || t?.text === "attribute_not_exists") {
            take();
            take("(");
            const present = attribute(take()) !== undefined;
            take(")");
            return t.text === "attribute_exists" ? present : !present;
        }
        const left = operand();
        const op = take();
        if (op.kind !== "op") throw invalid(expression, `expected a comparator, found ${op.text}`);
        return compare(left, op.text, operand());
    };
    const and = (): boolean => {
        let result = primary();
        while (peek()?.text === "AND") {
            take();
            result = primary() && result;
        }
        return result;
    };
    const or = (): boolean => {
        let result = and();
        while (peek()?.text === "OR") {
            take();
            result = and() || result;
        }
        return result;
    };
    const result = or();
    if (i !== tokens.length) throw invalid(expression, `unexpected ${tokens[i].text}`);
    return result;
}

/** A comparison of two scalars of the same type; one with a missing attribute is false, as is one of two types but <>. */
function compare(a: AttributeValue | undefined, op: string, b: AttributeValue | undefined): boolean {
    if (a === undefined || b === undefined) return false;
    const scalar = (v: AttributeValue): string | number | undefined => (v.N !== undefined ? Number(v.N) : v.S);
    const [x, y] = [scalar(a), scalar(b)];
    if (x === undefined || y === undefined || typeof x !== typeof y) return op === "<>";
    switch (op) {
        case "=": return x === y;
        case "<>": return x !== y;
        case "<": return x < y;
        case "<=": return x <= y;
        case ">": return x > y;
        default: return x >= y;
    }
}

/** One action of a TransactWriteItems request: a Put, or a ConditionCheck of an item it does not write. */
export type TransactAction =
    | { kind: "Put"; table: SimulatedTable; item: Item; write: ConditionalWrite }
    | { kind: "ConditionCheck"; table: SimulatedTable; key: Item; write: ConditionalWrite };

/**
 * TransactWriteItems: every action's condition is evaluated against the items as they are, then
 * every Put is applied, or none is. A refusal is TransactionCanceledException with one reason per
 * action, in the request's order: ConditionalCheckFailed (with the item as it was when
 * ReturnValuesOnConditionCheckFailure is ALL_OLD), and a null code for an action that met no error
 * (DynamoDB API reference, TransactWriteItems, CancellationReason). Two actions on one item are a
 * ValidationException. The simulated account answers one call at a time, so no TransactionConflict.
 */
export function transactWrite(actions: TransactAction[]): void {
    const keys = actions.map((a) => `${a.table.name}/${a.table.itemKey(a.kind === "Put" ? a.item : a.key)}`);
    if (new Set(keys).size !== keys.length) throw serviceError("ValidationException", "Transaction request cannot include multiple operations on one item");
    const results = actions.map((a) => a.table.holds(a.kind === "Put" ? a.item : a.key, a.write));
    if (results.every((r) => r.holds)) {
        for (const a of actions) if (a.kind === "Put") a.table.put(a.item, {});
        return;
    }
    const reasons = results.map((r, i) => r.holds
        ? {}
        : { Code: "ConditionalCheckFailed", Message: "The conditional request failed", ...(actions[i].write.ReturnValuesOnConditionCheckFailure === "ALL_OLD" && r.current ? { Item: r.current } : {}) });
    const codes = reasons.map((r) => ("Code" in r ? r.Code : "None")).join(", ");
    throw Object.assign(serviceError("TransactionCanceledException", `Transaction cancelled, please refer cancellation reasons for specific reasons [${codes}]`), { CancellationReasons: reasons });
}
