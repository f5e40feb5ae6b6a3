/**
 * How long the simulated services take, in seconds. One table, so that runs, tests and the
 * benchmark all agree; each figure is a typical value, with where it comes from.
 */
export const latency = {
    /** StopInstances → stopped. EC2 stops an EBS-backed instance in well under a minute when the OS shuts down cleanly. */
    instanceStopping: 35,
    /** StartInstances → running: EC2 reports pending for about 15 s. */
    instancePending: 15,
    /** After running, the SSM agent registers and Run Command can reach the instance. */
    ssmAgentOnline: 20,
    /** After running, instance and system status checks go initializing → ok in about two minutes. */
    statusChecks: 120,
    /** Run Command: Pending → InProgress (delivery through the agent's long poll). */
    commandDelivery: 1,
    /** Run Command: the httpd control scripts run in about a second. */
    commandRun: 1,
    /** StopDBCluster → stopped: Aurora takes several minutes. */
    clusterStopping: 240,
    /** StartDBCluster → available: Aurora takes about five to ten minutes. */
    clusterStarting: 420,
    /** AWS Backup: CREATED → RUNNING. */
    backupQueued: 10,
    /** AWS Backup of a stopped EC2 instance (an AMI of an 8 GiB gp3 root volume). */
    backupInstance: 300,
    /** AWS Backup of an Aurora cluster (a cluster snapshot); the cluster is backing-up meanwhile. */
    backupCluster: 240,
    /** ALB health checks: every 30 s, healthy after 2 passes, unhealthy after 2 failures (the target group's settings). */
    healthCheckInterval: 30,
    healthyThreshold: 2,
    unhealthyThreshold: 2,
} as const;
