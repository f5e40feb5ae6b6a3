import { JobnetDefinition, WaitForFileJob } from "./jobs";
import { bucketNameProblem } from "./startConditions";

/**
 * A job that waits, bounded, for an object in S3 (statemachines/jobs.ts, WaitForFileJob): what it
 * watches, how often it looks, and what the preview finds wrong with it. StartJob looks
 * (handlers/jobs.ts); its task times out every `pollMinutes` and is tried again, each try a look,
 * until the object is there or the bound has passed.
 */

/** Where a wait-for-file job looks: one key, or any key under a prefix. */
export interface FileWatch {
    bucket: string;
    key?: string;
    prefix?: string;
}

export const defaultPollMinutes = 1;

/** What a wait-for-file job watches: its bucket, and its key or else its prefix. */
export function fileWatchOf(job: Pick<WaitForFileJob<string>, "bucket" | "key" | "prefix">): FileWatch {
    return { bucket: job.bucket, ...(job.key !== undefined ? { key: job.key } : { prefix: job.prefix ?? "" }) };
}

/** The object it waits for, in words: `s3://bucket/key`, or `s3://bucket/prefix*`. */
export function fileInWords(w: FileWatch): string {
    return `s3://${w.bucket}/${w.key ?? `${w.prefix ?? ""}*`}`;
}

/** How often its task looks, and how many looks its bound takes: the first, then one every poll until the bound. */
export function looksOf(job: Pick<WaitForFileJob<string>, "timeoutMinutes" | "pollMinutes">): { pollSeconds: number; looks: number } {
    const poll = job.pollMinutes ?? defaultPollMinutes;
    return { pollSeconds: poll * 60, looks: Math.ceil(job.timeoutMinutes / poll) + 1 };
}

/** What is wrong with a wait-for-file job, each in one line after `at`. */
export function waitForFileProblems(at: string, job: WaitForFileJob<string>, d: Pick<JobnetDefinition, "timeoutMinutes">): string[] {
    const problems: string[] = [];
    const bucket = bucketNameProblem(job.bucket);
    if (bucket) problems.push(`${at}: bucket ${JSON.stringify(job.bucket)} is no S3 bucket name: ${bucket}`);
    if ((job.key === undefined) === (job.prefix === undefined)) problems.push(`${at}: give either key (one object) or prefix (any object under it)`);
    if (job.key !== undefined && (job.key.length === 0 || job.key.length > 1024)) problems.push(`${at}: key must be 1 to 1,024 characters (S3's object key)`);
    if (!(Number.isInteger(job.timeoutMinutes) && job.timeoutMinutes >= 1 && job.timeoutMinutes < d.timeoutMinutes)) {
        problems.push(`${at}: timeoutMinutes must be a whole number from 1 to below the jobnet's timeoutMinutes (${d.timeoutMinutes})`);
    }
    const poll = job.pollMinutes ?? defaultPollMinutes;
    if (!(Number.isInteger(poll) && poll >= 1 && poll <= Math.max(1, job.timeoutMinutes))) problems.push(`${at}: pollMinutes must be a whole number from 1 to its timeoutMinutes (${job.timeoutMinutes})`);
    return problems;
}
