import type { JobnetDefinition } from "../statemachines/jobs";
import nightlyBatch from "./nightly-batch";
import weeklyMaintenance from "./weekly-maintenance";
import ordersArrival from "./orders-arrival";
import ordersReport from "./orders-report";
import { importedJobnets } from "./jp1";

/**
 * The team's own jobnets. Add yours here: a stack deploys each whose server groups it defines
 * (`jobnetGroups`), or exactly those its `jobnets` key lists (infra/teamJobnets.ts, jobnetsToDeploy).
 * Those imported from JP1/AJS3 (`npm run import-jp1`) are listed by jobnets/jp1/index.ts.
 */
export const teamJobnets: JobnetDefinition[] = [nightlyBatch, weeklyMaintenance, ordersArrival, ordersReport, ...importedJobnets];
