/**
 * The event a held job puts on the default bus (handlers/jobHold.ts), which the stack's notifier
 * turns into the operators' notice (handlers/notifier.ts, jobHeldAlert). Its own file: the
 * notifier is serialised with what it imports, and needs nothing else of the hold.
 */

/** The event a hold puts on the default bus: its source and detail-type, which the notifier's rule matches. */
export const jobHeldEvent = { source: "webapp-jobnet", detailType: "Jobnet Job Held" } as const;

/** What the event tells: the run, the job, and until when it waits. */
export interface JobHeldDetail {
    jobnet: string;
    job: string;
    executionArn: string;
    stateMachineArn: string;
    heldAt: string;
    releaseBy: string;
    maxMinutes: number;
}
