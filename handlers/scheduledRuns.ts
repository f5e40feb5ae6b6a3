/**
 * How late EventBridge Scheduler may still deliver a scheduled time: the schedules' retry policy
 * (maximumEventAgeInSeconds, infra/operations.ts). Every delivery of one time starts within it.
 */
export const scheduleMaximumEventAgeSeconds = 3600;

/** The scheduled time of a run's input, when a schedule started it (`{"trigger": "schedule", "scheduledTime": ...}`). */
export function scheduledTimeOf(input: unknown): string | undefined {
    if (typeof input !== "object" || input === null) return undefined;
    const { trigger, scheduledTime } = input as { trigger?: unknown; scheduledTime?: unknown };
    return trigger === "schedule" && typeof scheduledTime === "string" ? scheduledTime : undefined;
}
