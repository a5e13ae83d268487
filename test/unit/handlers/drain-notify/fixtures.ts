// Real-shaped inputs of drain-notify: EventBridge "Step Functions Execution Status Change" events, DescribeExecution
// answers and GetExecutionHistory pages of the drain definition (state names, Cause and state documents as
// statemachines/drain-definition.ts writes them).
import type { CheckQueueResult, DrainInput } from "../../../../contracts/drain";

export const REGION = "eu-west-1";
export const ACCOUNT = "123456789012";
export const STATE_MACHINE_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:cribl-demo-drain`;
export const INSTANCE = "i-0abc1234def567890";
export const NAME = `${INSTANCE}-2`;
export const EXECUTION_ARN = `arn:aws:states:${REGION}:${ACCOUNT}:execution:cribl-demo-drain:${NAME}`;
export const START = new Date("2030-01-01T10:00:05.123Z");
export const STOP = new Date("2030-01-01T11:02:10.456Z");

export const INPUT: DrainInput = {
  instanceId: INSTANCE,
  autoScalingGroupName: "cribl-demo-cribl-workers",
  lifecycleHookName: "Cribl-Scaledown-Hook",
  startedBy: "restart",
  sequence: 2,
  lifecycleActionStartedAt: "2030-01-01T10:00:00Z",
  deadline: "2030-01-01T11:00:00Z",
  snapshotWaitUntil: "2030-01-03T09:55:00Z",
  settings: {
    queueDirectories: "/opt/cribl/state/queues,/opt/cribl/data/pq",
    maxBytes: 0,
    requiredConsecutiveChecks: 2,
    minWaitSeconds: 10,
    maxWaitSeconds: 300,
    drainDeadlineSeconds: 3600,
    heartbeatTimeoutSeconds: 3600,
    gracefulStop: true,
    serviceName: "cribl",
    snapshotOnGiveUp: true,
    snapshotExcludeBootVolume: true,
  },
  progress: {
    emptyChecks: 0,
    waitSeconds: 40,
    grownWaitSeconds: 80,
    steppedWaitSeconds: 50,
    lastBytes: 7340032,
    loops: 0,
    proofAttempts: 0,
  },
  previous: { execution: `${INSTANCE}-1`, error: "FailedUnexpectedError" },
};

/** A measured reading: two directories, 48 MiB in all. */
export const MEASURED: CheckQueueResult = {
  result: "ok",
  reason: null,
  ssmStatus: "Success",
  commandId: "5d0a3f1e-1111-4222-8333-944455556666",
  queues: [
    { path: "/opt/cribl/state/queues", exists: true, bytes: 41943040, files: 12 },
    { path: "/opt/cribl/data/pq", exists: true, bytes: 8388608, files: 3 },
  ],
  totalBytes: 50331648,
  allDirectoriesExist: true,
  missingDirectories: [],
  serviceActive: true,
};

/** An unknown reading: the probe's result did not arrive within the check budget. */
export const UNKNOWN: CheckQueueResult = {
  result: "unknown",
  reason: "budget_exhausted",
  ssmStatus: "InProgress",
  commandId: "5d0a3f1e-1111-4222-8333-944455556667",
  queues: [],
  totalBytes: null,
  allDirectoriesExist: false,
  missingDirectories: [],
  serviceActive: null,
};

export const SNAPSHOTS = ["snap-0a1b2c3d4e5f60718", "snap-0f1e2d3c4b5a69788"];

/** The Cause a Fail state writes (Report<Name> then Describe<Name>): JSON of the report. */
export function failCause(
  outcome: string,
  reading: CheckQueueResult | "none",
  snapshots: string[] = [],
  error = { Error: "none", Cause: "none" },
): string {
  return JSON.stringify({
    outcome,
    instanceId: INSTANCE,
    execution: NAME,
    deadline: INPUT.deadline,
    lastReading: { payload: reading },
    snapshots: { taken: snapshots, created: snapshots.length, polls: snapshots.length ? 4 : 0 },
    previousSnapshots: INPUT.previous,
    error,
    progress: INPUT.progress,
  });
}

/** The EventBridge event (detail as Step Functions sends it; input and output are strings, dates epoch ms). */
export function statusChangeEvent(status: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    version: "0",
    id: "315c1398-40ff-a850-213b-158f73e60175",
    "detail-type": "Step Functions Execution Status Change",
    source: "aws.states",
    account: ACCOUNT,
    time: STOP.toISOString().replace(/\.\d{3}Z$/, "Z"),
    region: REGION,
    resources: [EXECUTION_ARN],
    detail: {
      executionArn: EXECUTION_ARN,
      stateMachineArn: STATE_MACHINE_ARN,
      name: NAME,
      status,
      startDate: START.getTime(),
      stopDate: status === "RUNNING" ? null : STOP.getTime(),
      input: JSON.stringify(INPUT),
      output: null,
      inputDetails: { included: true },
      outputDetails: null,
      ...extra,
    },
  };
}

/** DescribeExecution's answer. */
export function describeAnswer(status: string, extra: Record<string, unknown> = {}) {
  return {
    executionArn: EXECUTION_ARN,
    stateMachineArn: STATE_MACHINE_ARN,
    name: NAME,
    status,
    startDate: START,
    ...(status === "RUNNING" ? {} : { stopDate: STOP }),
    input: JSON.stringify(INPUT),
    inputDetails: { included: true },
    ...extra,
  };
}

/** The state document every state after PrepareDrain passes on. */
export function stateDocument(reading: CheckQueueResult | "none", extra: Record<string, unknown> = {}) {
  return {
    instanceId: INSTANCE,
    autoScalingGroupName: INPUT.autoScalingGroupName,
    lifecycleHookName: INPUT.lifecycleHookName,
    sequence: INPUT.sequence,
    lifecycleActionStartedAt: INPUT.lifecycleActionStartedAt,
    deadline: INPUT.deadline,
    snapshotWaitUntil: INPUT.snapshotWaitUntil,
    settings: INPUT.settings,
    progress: INPUT.progress,
    previous: INPUT.previous,
    reading: { payload: reading },
    snapshots: { taken: [], created: 0, polls: 0 },
    error: { Error: "none", Cause: "none" },
    ...extra,
  };
}

let nextId = 1;
const at = (seconds: number) => new Date(STOP.getTime() - seconds * 1000);

/** GetExecutionHistory events, newest first (reverseOrder: true), as the SDK returns them. */
export function historyNewestFirst(
  end: Record<string, unknown>,
  lastStates: Array<{ type: string; name: string; document: unknown }>,
) {
  nextId = 200;
  const events: Record<string, unknown>[] = [{ ...end, id: nextId--, timestamp: at(0) }];
  lastStates.forEach((s, i) => {
    const json = JSON.stringify(s.document);
    const exited = s.type.endsWith("Exited");
    events.push({
      type: s.type,
      id: nextId--,
      previousEventId: nextId,
      timestamp: at(i + 1),
      ...(exited
        ? { stateExitedEventDetails: { name: s.name, output: json, outputDetails: { truncated: false } } }
        : { stateEnteredEventDetails: { name: s.name, input: json, inputDetails: { truncated: false } } }),
    });
  });
  return events;
}
