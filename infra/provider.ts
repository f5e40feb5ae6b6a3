import * as aws from "@pulumi/aws";

/** The tags every resource of a stack carries, besides the stack's own `tags`. */
export function stackTags(project: string, stack: string): Record<string, string> {
    return { Project: project, Stack: stack, ManagedBy: "pulumi" };
}

/**
 * The arguments of the program's one AWS provider. An explicit provider reads none of the
 * stack's `aws:` keys by itself, so every key the stack sets is handed over, typed as
 * @pulumi/aws reads it (`allowedAccountIds`, `assumeRoles`, `maxRetries`, …): a key accepted at
 * preview must not be ignored at deploy. `aws:defaultTags` is merged with the stack's tags.
 */
export function providerArgs(
    settings: { region: string; profile: string | undefined; providerKeys: string[]; tags: Record<string, string> },
    project: string,
    stack: string,
    read: (key: string) => unknown = (key) => (require("@pulumi/aws/config/vars") as Record<string, unknown>)[key],
): aws.ProviderArgs {
    const passed = Object.fromEntries(settings.providerKeys.filter((k) => k !== "defaultTags").map((k) => [k, read(k)]));
    const ownDefaultTags = settings.providerKeys.includes("defaultTags") ? (read("defaultTags") as { tags?: Record<string, string> } | undefined) : undefined;
    return {
        ...passed,
        region: settings.region as aws.Region,
        profile: settings.profile,
        defaultTags: { ...ownDefaultTags, tags: { ...ownDefaultTags?.tags, ...settings.tags, ...stackTags(project, stack) } },
    };
}
