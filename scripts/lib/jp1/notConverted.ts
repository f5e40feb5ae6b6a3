import type { Unit, UnitParameter } from "./unitDefinitions";

/** A unit or parameter the importer could not carry over: where it is, what it is as written, and why. */
export interface NotConverted {
    file: string;
    line: number;
    /** The unit's path, `/BATCH/NIGHTLY/EXTRACT`. */
    path: string;
    /** The parameter as written (`pr=3`), or the unit (`unit FTPGET (ty=cj)`). */
    what: string;
    reason: string;
}

/** The report of a parameter of a unit. */
export function parameterNotConverted(unit: Unit, p: UnitParameter, reason: string): NotConverted {
    return { file: unit.file, line: p.line, path: unit.path, what: `${p.name}=${p.value}`, reason };
}

/** The report of a whole unit. */
export function unitNotConverted(unit: Unit, type: string, reason: string): NotConverted {
    return { file: unit.file, line: unit.line, path: unit.path, what: `unit ${unit.name} (ty=${type})`, reason };
}

/** One line of the importer's report: `nightly.def:14: /BATCH/NIGHTLY/EXTRACT: pr=3: no counterpart ...`. */
export function reportLine(n: NotConverted): string {
    return `${n.file}:${n.line}: ${n.path}: ${n.what}: ${n.reason}`;
}
