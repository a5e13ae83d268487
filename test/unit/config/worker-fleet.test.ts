// The worker-fleet configuration: defaults, and errors that name the wrong field.
import type { AppConfig } from "../../../config";
import {
  DEFAULT_AMI_PARAMETERS,
  defaultDrainDeadlineSeconds,
  lifecycleGlobalTimeoutSeconds,
  validateAppConfig,
  type WorkerFleetConfig,
} from "../../../config";
import { configErrorOf, exampleConfig } from "../../support/synth";

function withFleet(change: Partial<Record<keyof WorkerFleetConfig, unknown>>): AppConfig {
  const config = exampleConfig();
  Object.assign(config.workerFleet, change);
  return config;
}

describe("worker-fleet configuration", () => {
  it("fills every default of the original stack's parameters", () => {
    // Prepare
    const config = exampleConfig();
    // Act
    const fleet = validateAppConfig(config).workerFleet;
    // Assess
    expect(fleet).toMatchObject({
      amiId: DEFAULT_AMI_PARAMETERS.x86_64,
      architecture: "x86_64",
      minSize: 1,
      maxSize: 4,
      desiredCapacity: 1,
      leaderPort: 4200,
      leaderTls: true,
      workerGroup: "default",
      heartbeatTimeoutSeconds: 3600,
      lifecycleHookDefaultResult: "CONTINUE",
      instanceType: "m7i.large",
      lifecycleHookName: "Cribl-Scaledown-Hook",
      queues: ["/opt/cribl/state/queues"],
      targetGroupArns: [],
      reconcileSchedule: "rate(2 minutes)",
      logRetentionDays: 30,
      rootVolumeSizeGiB: 20,
      drain: {
        maxBytes: 0,
        requiredConsecutiveChecks: 2,
        minWaitSeconds: 10,
        maxWaitSeconds: 300,
        drainDeadlineSeconds: 172800 - 3600,
        checkBudgetSeconds: 50,
        gracefulStop: true,
        snapshotOnGiveUp: true,
      },
    });
    expect(fleet.cribl.downloadUrl).toBe("https://cdn.cribl.io/dl/4.9.3/cribl-4.9.3-25f2ed8e-linux-x64.tgz");
    expect(fleet.queueVolume).toEqual({ sizeGiB: 100, type: "gp3", mountPath: "/opt/cribl/state/queues" });
  });

  it.each([
    [30, 3000, 2700],
    [600, 60000, 56400],
    [1728, 172800, 169200],
    [7200, 172800, 169200],
  ])("derives the global timeout and default deadline from heartbeat %i s", (heartbeat, global, deadline) => {
    expect(lifecycleGlobalTimeoutSeconds(heartbeat)).toBe(global);
    expect(defaultDrainDeadlineSeconds(heartbeat)).toBe(deadline);
    expect(deadline).toBeLessThan(global);
  });

  it.each([
    ["minSize", { minSize: 3, maxSize: 2 }, "workerFleet.maxSize", /at least minSize \(3\)/],
    ["desired above max", { desiredCapacity: 5 }, "workerFleet.desiredCapacity", /from minSize \(1\) to maxSize \(4\)/],
    ["desired below min", { minSize: 2, desiredCapacity: 1 }, "workerFleet.desiredCapacity", /from minSize/],
    ["heartbeat", { heartbeatTimeoutSeconds: 20 }, "workerFleet.heartbeatTimeoutSeconds", /from 30 to 7200/],
    ["heartbeat", { heartbeatTimeoutSeconds: 7201 }, "workerFleet.heartbeatTimeoutSeconds", /from 30 to 7200/],
    [
      "deadline at the global timeout",
      { drain: { drainDeadlineSeconds: 172800 } },
      "workerFleet.drain.drainDeadlineSeconds",
      /below the lifecycle hook's global timeout .* = 172800 s/,
    ],
    [
      // With every heartbeat timeout the restart bound accepts (above 1,728 s), 100 x heartbeat is past the 48 h cap.
      "deadline at the global timeout",
      { heartbeatTimeoutSeconds: 3600, drain: { drainDeadlineSeconds: 172800 } },
      "workerFleet.drain.drainDeadlineSeconds",
      /= 172800 s; got 172800/,
    ],
    [
      // Issue 9, case 4: 351 s passed the old "wait + budget" rule; the gap derived from the definition does not.
      "heartbeat gap derived from the definition (Retry backoff, timeouts, cold start)",
      { heartbeatTimeoutSeconds: 351, drain: { maxWaitSeconds: 60, minWaitSeconds: 10 } },
      "workerFleet.drain.maxWaitSeconds",
      /worst-case heartbeat gap of \d+ s .* must stay below heartbeatTimeoutSeconds \(351\)/,
    ],
    [
      "maxWaitSeconds below the bound the snapshot polls need",
      { drain: { maxWaitSeconds: 30 } },
      "workerFleet.drain.maxWaitSeconds",
      /must be at least 60 so the definition's snapshot polls cover the 3600 s/,
    ],
    [
      "wait longer than a heartbeat",
      { heartbeatTimeoutSeconds: 300, drain: { maxWaitSeconds: 280 } },
      "workerFleet.drain.maxWaitSeconds",
      /heartbeat gap .* must stay below heartbeatTimeoutSeconds \(300\)/,
    ],
    ["queue dir /", { queues: ["/"] }, "workerFleet.queues[0]", /must not be "\/"/],
    ["relative queue dir", { queues: ["opt/cribl/queues"] }, "workerFleet.queues[0]", /absolute directory/],
    ["queue dir with ..", { queues: ["/opt/cribl/../etc"] }, "workerFleet.queues[0]", /no '\.\.'/],
    ["queue dir with ;", { queues: ["/opt/q;reboot"] }, "workerFleet.queues[0]", /absolute directory/],
    [
      "queue dir off the volume",
      { queues: ["/opt/cribl/state/queues", "/var/q"] },
      "workerFleet.queues[1]",
      /at or below queueVolume.mountPath/,
    ],
    [
      "token given as a literal",
      { leaderAuthTokenParameter: "f81d4fae-7dec-11d0-a765-00a0c91e6bf6" },
      "workerFleet.leaderAuthTokenParameter",
      /NAME of an SSM SecureString parameter .* never the token itself/,
    ],
    [
      "the default token as the parameter",
      { leaderAuthTokenParameter: "/cribl/criblmaster" },
      "workerFleet.leaderAuthTokenParameter",
      /must not contain Cribl's default token "criblmaster"/,
    ],
    ["the default token in any field", { workerGroup: "criblmaster" }, "workerFleet.workerGroup", /criblmaster/],
    [
      "the default token hidden in a nested field",
      { drain: { serviceName: "CriblMaster" } },
      "workerFleet.drain.serviceName",
      /criblmaster/,
    ],
    ["leader host", { leaderHost: "leader; curl evil" }, "workerFleet.leaderHost", /DNS name/],
    ["leader port", { leaderPort: 70000 }, "workerFleet.leaderPort", /from 1 to 65535/],
    ["worker group", { workerGroup: "a b" }, "workerFleet.workerGroup", /letters, digits/],
    ["ami", { amiId: "ubuntu" }, "workerFleet.amiId", /AMI id .* or an SSM parameter name/],
    ["arch mismatch", { instanceType: "m7g.large" }, "workerFleet.instanceType", /must match architecture "x86_64"/],
    ["hook result", { lifecycleHookDefaultResult: "RETRY" }, "workerFleet.lifecycleHookDefaultResult", /CONTINUE/],
    ["sha256", { cribl: { version: "4.9.3", sha256: "abc" } }, "workerFleet.cribl.sha256", /64 lower-case hex/],
    [
      "download url",
      { cribl: { version: "4.9.3", sha256: "a".repeat(64), downloadUrlTemplate: "http://x/{version}.tgz" } },
      "workerFleet.cribl.downloadUrlTemplate",
      /https URL/,
    ],
    [
      "unpinned url",
      { cribl: { version: "4.9.3", sha256: "a".repeat(64), downloadUrlTemplate: "https://x/latest.tgz" } },
      "workerFleet.cribl.downloadUrlTemplate",
      /\{version\}/,
    ],
    ["subnet", { subnetIds: ["subnet-xyz"] }, "workerFleet.subnetIds[0]", /subnet id/],
    ["schedule", { reconcileSchedule: "every 2 minutes" }, "workerFleet.reconcileSchedule", /rate\(2 minutes\)/],
    // cron has no period to bound a restart by; rate() does.
    ["cron schedule", { reconcileSchedule: "cron(0/5 * * * ? *)" }, "workerFleet.reconcileSchedule", /rate/],
    [
      "restart gap",
      { reconcileSchedule: "rate(40 minutes)" },
      "workerFleet.reconcileSchedule",
      /failed drain is restarted .*2400 s period.* below heartbeatTimeoutSeconds \(3600\)/,
    ],
    [
      "heartbeat below the restart gap",
      { heartbeatTimeoutSeconds: 1800 },
      "workerFleet.reconcileSchedule",
      /gap of 1921 s without a heartbeat when a failed drain is restarted/,
    ],
    ["volume iops", { queueVolume: { type: "io2" } }, "workerFleet.queueVolume.iops", /integer/],
    ["retention", { logRetentionDays: 31 }, "workerFleet.logRetentionDays", /one of "1", "3"/],
    ["check budget", { drain: { checkBudgetSeconds: 120 } }, "workerFleet.drain.checkBudgetSeconds", /10 to 55/],
  ])("names the field when %s is wrong", (_case, change, field, allowed) => {
    // Prepare
    const config = withFleet(change);
    // Act
    const error = configErrorOf(config);
    // Assess
    expect(error.field).toBe(field);
    // Every problem is listed; this one first, on its own line.
    expect(error.message).toMatch(new RegExp(`(^|\\n  )${field.replace(/[.[\]]/g, "\\$&")}: `));
    expect(error.message).toMatch(allowed);
  });
});

describe("queue root: the probe walks nothing but the queues (issue 12)", () => {
  it.each([
    ["the default: Cribl's state directory", { queueVolume: undefined }, "/opt/cribl/state"],
    [
      "the queue volume's mount point when there is one",
      { queues: ["/data/cribl/queues"], queueVolume: { sizeGiB: 50, mountPath: "/data/cribl" } },
      "/data/cribl",
    ],
    ["the configured root, without its trailing slash", { queueRoot: "/opt/cribl/state/" }, "/opt/cribl/state"],
  ])("takes %s", (_label, change, root) => {
    // Prepare
    const config = withFleet(change);
    // Act
    const fleet = validateAppConfig(config).workerFleet;
    // Assess
    expect(fleet.queueRoot).toBe(root);
  });

  it.each([
    [{ queueRoot: "/" }, "workerFleet.queueRoot", /must not be "\/"/],
    [{ queueRoot: "/etc/cribl" }, "workerFleet.queueRoot", /must not be at or below \/etc/],
    [{ queueRoot: "/home/ec2-user" }, "workerFleet.queueRoot", /at or below \/home/],
    [{ queueRoot: "/proc" }, "workerFleet.queueRoot", /at or below \/proc/],
    [
      { queueVolume: undefined, queues: ["/opt/cribl/state/queues", "/root/.ssh"] },
      "workerFleet.queues.1",
      /at or below queueRoot/,
    ],
    [
      { queueVolume: undefined, queues: ["/opt/cribl/statex"] },
      "workerFleet.queues.0",
      /at or below queueRoot \(\/opt\/cribl\/state\)/,
    ],
    [
      { queueRoot: "/opt/cribl/state/queues/pq", queues: ["/opt/cribl/state/queues"] },
      "workerFleet.queues.0",
      /queueRoot/,
    ],
    [
      { queueVolume: undefined, queues: [`/opt/cribl/state/${"q".repeat(93)}`] },
      "workerFleet.queues.0",
      /must have at most 92 characters below queueRoot \(\/opt\/cribl\/state\/\.\.\.\): .* got 93$/,
    ],
    [{ queueRoot: `/data/${"r".repeat(200)}` }, "workerFleet.queueRoot", /must be at most 199 characters; got 206/],
  ])("refuses %j naming %s", (change, field, message) => {
    // Prepare
    const config = withFleet(change);
    // Act
    const error = configErrorOf(config);
    // Assess
    const issue = error.issues.find((i) => i.field === field.replace(/\.(\d+)$/, "[$1]"));
    expect(issue?.message).toMatch(message);
  });
});
