// Imported from JP1/AJS3 by npm run import-jp1.
// The jobnets imported into this folder; jobnets/index.ts lists them with the team's own. Rewritten by each import.
import type { JobnetDefinition } from "../../statemachines/jobs";

export const importedJobnets: JobnetDefinition[] = [];
