import * as pulumi from "@pulumi/pulumi";
import { taskFunctions } from "./handlers/catalog";
(async () => {
  const c = await pulumi.runtime.serializeFunction(taskFunctions.describeInstance.handler, { exportName: "handler", serialize: () => true, allowSecrets: true });
  console.log(c.text.length); console.log(c.text.slice(0, 1500));
  const paths = await pulumi.runtime.computeCodePaths({ extraExcludePackages: ["@aws-sdk/client-ec2","@aws-sdk/client-rds","@aws-sdk/client-ssm","@aws-sdk/client-elastic-load-balancing-v2","@aws-sdk/client-backup","@aws-sdk/client-sfn", "aws-sdk"] });
  console.log([...paths.keys()].slice(0, 20), paths.size);
})().catch(e => console.error("ERR", e));
