import { healthCheck } from "../infra/loadBalancer";

/**
 * How long the simulated services take, in seconds: one table, so that runs, tests and the
 * benchmark all agree. AWS publishes no service-level durations for most of these; each figure is
 * a typical value with the reasoning or the documented setting behind it. Change one here and the
 * simulator, `npm start`, `npm run bench` and the lower bound (criticalPath.ts) all follow.
 */
export const latency = {
    /**
     * StopInstances → stopped. EC2 sends an ACPI shutdown; an AL2023 web server with httpd already
     * stopped shuts down in well under a minute (EC2 forces a stop only after ~10 minutes). 35 s.
     */
    instanceStopping: 35,
    /** StartInstances → running: EC2 reports `pending` while it places the instance, typically 10–20 s. */
    instancePending: 15,
    /** After running, the SSM agent starts with the OS and registers; Run Command reaches it after ~20 s. */
    ssmAgentOnline: 20,
    /**
     * After running, the instance and system status checks read `initializing` until they have
     * passed; EC2 runs them every minute, and a fresh boot shows `ok` after about two minutes.
     */
    statusChecks: 120,
    /** Run Command: Pending → InProgress. The agent long-polls for commands: delivery takes about a second. */
    commandDelivery: 1,
    /** Run Command: the control scripts only call systemctl; they end in about a second. */
    commandRun: 1,
    /** StopDBCluster → stopped: Aurora shuts down each instance and the cluster; a few minutes, 4 here. */
    clusterStopping: 240,
    /** StartDBCluster → available: Aurora starts the instances and recovers; typically 5–10 minutes, 7 here. */
    clusterStarting: 420,
    /** AWS Backup: an on-demand job is CREATED, then RUNNING after a short queue. */
    backupQueued: 10,
    /**
     * AWS Backup of a stopped EC2 instance: an AMI whose EBS snapshot is incremental after the
     * first; for an 8 GiB gp3 root volume a job completes in about five minutes.
     */
    backupInstance: 300,
    /** AWS Backup of an Aurora cluster: a cluster snapshot (storage-level, incremental); the cluster is backing-up meanwhile. */
    backupCluster: 240,
    /**
     * EventBridge: from an event on the default bus to its delivery to a rule's target. AWS promises
     * no figure: it delivers "in near-real-time" (EventBridge FAQ); AWS cut the end-to-end latency in
     * February 2023 (PostNL Engineering, "Improved EventBridge Latency Opens Up New Use Cases at
     * PostNL", 2023), and users now report sub-second deliveries. One second here, the simulation's
     * grain: a job's end reaches the function that completes its token a second later.
     */
    eventDelivery: 1,
    /** ALB health checks, as the target group sets them (infra/loadBalancer.ts): every 30 s, healthy after 2 passes, unhealthy after 2 failures. */
    healthCheckInterval: healthCheck.interval,
    healthyThreshold: healthCheck.healthyThreshold,
    unhealthyThreshold: healthCheck.unhealthyThreshold,
} as const;
