// Builds statemachines/drain.asl.json, the reviewable drain definition. The Retry lists, the error classification and
// the loop bounds are written once here; `npx tsx statemachines/drain-definition.ts` rewrites the JSON file and a
// unit test fails when the committed file differs from what this builder produces.
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { GRACEFUL_STOP_TIMEOUT_SECONDS } from "../contracts/queue-probe";

type State = Record<string, unknown>;
type Rule = Record<string, unknown>;

/** Main loops (and graceful-stop polls) per execution before the drain continues as a new execution. */
export const LOOPS_PER_EXECUTION = 90;
/** Graceful-stop status polls per proof attempt (x GRACEFUL_STOP_POLL_SECONDS = 200 s, past the 180 s step timeout). */
export const GRACEFUL_STOP_POLLS = 20;
export const GRACEFUL_STOP_POLL_SECONDS = 10;
/** Snapshot-completion polls on the give-up path (also bounded in time by $.snapshotWaitUntil). */
export const SNAPSHOT_POLLS = 60;
/** TimeoutSeconds of every AWS SDK task: a bound the heartbeat-gap computation can use. */
export const SDK_TASK_TIMEOUT_SECONDS = 20;
/** TimeoutSeconds of the check-queue task: Lambda timeout (check budget + 15 s, at most 70 s) plus a cold start. */
export const CHECK_TASK_TIMEOUT_SECONDS = 90;

/** Error names that mean "Auto Scaling is busy": every spelling Step Functions may report, including the generic one. */
export const AUTO_SCALING_RETRYABLE = [
  "AutoScaling.ThrottlingException",
  "AutoScaling.Throttling",
  "AutoScaling.ResourceContentionException",
  "AutoScaling.ResourceContention",
  "AutoScaling.ResourceContentionFault",
  "AutoScaling.TooManyRequestsException",
  "AutoScaling.ServiceUnavailableException",
  "AutoScaling.InternalFailureException",
  // Undeclared errors (Throttling, ValidationError, ...) arrive as the generic exception with the code only in Cause; a
  // Retry cannot read Cause, so the generic exception is retried a bounded number of times and then classified.
  "AutoScaling.AutoScalingException",
  "States.Timeout",
];
export const EC2_RETRYABLE = [
  "Ec2.RequestLimitExceeded",
  "Ec2.RequestLimitExceededException",
  "Ec2.ThrottlingException",
  "Ec2.Throttling",
  "Ec2.InternalErrorException",
  "Ec2.ServiceUnavailableException",
  // EC2's model declares no errors: throttling arrives as Ec2.Ec2Exception with RequestLimitExceeded in Cause.
  "Ec2.Ec2Exception",
  "States.Timeout",
];
export const SSM_RETRYABLE = [
  "Ssm.ThrottlingException",
  "Ssm.TooManyUpdatesException",
  "Ssm.InternalServerErrorException",
  "Ssm.SsmException",
  "States.Timeout",
];
export const LAMBDA_RETRYABLE = [
  "Lambda.ServiceException",
  "Lambda.AWSLambdaException",
  "Lambda.SdkClientException",
  "Lambda.TooManyRequestsException",
  "Lambda.ClientExecutionTimeoutException",
  // Out of memory or the function's own timeout.
  "Lambda.Unknown",
  "States.Timeout",
  "CheckQueueRetryableError",
];
export const STATES_RETRYABLE = [
  "StepFunctions.ThrottlingException",
  "StepFunctions.ExecutionLimitExceededException",
  "StepFunctions.SfnException",
  "States.Timeout",
];

function retry(comment: string, errors: string[], maxAttempts = 5): Rule[] {
  return [
    {
      Comment: comment,
      ErrorEquals: errors,
      IntervalSeconds: 2,
      MaxAttempts: maxAttempts,
      BackoffRate: 2,
      MaxDelaySeconds: 30,
      JitterStrategy: "FULL",
    },
  ];
}

const catchAll = (next: string): Rule[] => [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: next }];

const present = (path: string): Rule => ({ Variable: path, IsPresent: true });
const deadlinePassed: Rule = { Variable: "$$.State.EnteredTime", TimestampGreaterThanEqualsPath: "$.deadline" };

/** "No active Lifecycle Action found with token|instance ID ...": matched on the generic name and the Cause text. */
const lifecycleActionGone: Rule = {
  And: [
    present("$.error.Error"),
    present("$.error.Cause"),
    {
      Or: [
        "AutoScaling.AutoScalingException",
        "AutoScaling.ValidationErrorException",
        "AutoScaling.ValidationError",
      ].map((name) => ({ Variable: "$.error.Error", StringEquals: name })),
    },
    {
      Or: [
        "*No active Lifecycle Action*",
        "*No active lifecycle action*",
        "*no active lifecycle action*",
        "*NO ACTIVE LIFECYCLE ACTION*",
      ].map((p) => ({ Variable: "$.error.Cause", StringMatches: p })),
    },
  ],
};

const lifecycleParameters = {
  "AutoScalingGroupName.$": "$.autoScalingGroupName",
  "LifecycleHookName.$": "$.lifecycleHookName",
  "InstanceId.$": "$.instanceId",
};

function heartbeat(comment: string, next: string, onError: string): State {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::aws-sdk:autoscaling:recordLifecycleActionHeartbeat",
    Parameters: lifecycleParameters,
    ResultPath: null,
    TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
    Retry: retry("Auto Scaling throttling, contention and undeclared errors: bounded backoff.", AUTO_SCALING_RETRYABLE),
    Catch: catchAll(onError),
    Next: next,
  };
}

function checkQueues(comment: string, next: string): State {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::lambda:invoke",
    Parameters: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a definition placeholder filled at synth, not a JS template
      FunctionName: "${CheckQueueFunctionArn}",
      Payload: {
        "instanceId.$": "$.instanceId",
        "queueDirectories.$": "$.settings.queueDirectories",
        "serviceName.$": "$.settings.serviceName",
      },
    },
    // The whole payload: every field is validated by the Choice states below before it is read.
    ResultSelector: { "payload.$": "$.Payload" },
    ResultPath: "$.reading",
    TimeoutSeconds: CHECK_TASK_TIMEOUT_SECONDS,
    Retry: retry("Transient Lambda errors, timeouts and the check's own throttling error.", LAMBDA_RETRYABLE, 4),
    Catch: catchAll("RouteCheckFailure"),
    Next: next,
  };
}

/** Presence of every field the evaluation reads: a missing one makes the reading unknown, never States.Runtime. */
function readingPresent(next: string, comment: string): State {
  return {
    Type: "Choice",
    Comment: comment,
    Choices: [
      {
        And: [
          present("$.reading.payload"),
          present("$.reading.payload.result"),
          present("$.reading.payload.totalBytes"),
          present("$.reading.payload.allDirectoriesExist"),
          present("$.reading.payload.missingDirectories"),
          present("$.reading.payload.queues"),
          present("$.reading.payload.serviceActive"),
        ],
        Next: next,
      },
      {
        And: [
          present("$.reading.payload"),
          present("$.reading.payload.result"),
          { Variable: "$.reading.payload.result", IsString: true },
          { Variable: "$.reading.payload.result", StringEquals: "invalid_instance_id" },
        ],
        Next: "DescribeInstanceState",
      },
    ],
    Default: "RouteUnknownReading",
  };
}

/** Empty = probe ok, every configured directory present and measured, none reported missing, total <= maxBytes. */
const emptyReading: Rule[] = [
  { Variable: "$.reading.payload.result", IsString: true },
  { Variable: "$.reading.payload.result", StringEquals: "ok" },
  { Variable: "$.reading.payload.totalBytes", IsNumeric: true },
  { Variable: "$.reading.payload.totalBytes", NumericGreaterThanEquals: 0 },
  { Variable: "$.reading.payload.totalBytes", NumericLessThanEqualsPath: "$.settings.maxBytes" },
  { Variable: "$.reading.payload.allDirectoriesExist", IsBoolean: true },
  { Variable: "$.reading.payload.allDirectoriesExist", BooleanEquals: true },
  { Not: present("$.reading.payload.missingDirectories[0]") },
  present("$.reading.payload.queues[0].path"),
];
const measuredReading: Rule[] = [
  { Variable: "$.reading.payload.result", IsString: true },
  { Variable: "$.reading.payload.result", StringEquals: "ok" },
  { Variable: "$.reading.payload.totalBytes", IsNumeric: true },
  { Variable: "$.reading.payload.totalBytes", NumericGreaterThanEquals: 0 },
];

/** The progress record every loop carries (and a continuation or restart inherits). */
function progress(p: {
  emptyChecks: string | number;
  waitSeconds: string;
  grownWaitSeconds: string;
  steppedWaitSeconds: string;
  lastBytes: string;
  proofAttempts?: string;
}): Record<string, unknown> {
  const v = (key: string, value: string | number) =>
    typeof value === "number" ? { [key]: value } : { [`${key}.$`]: value };
  return {
    ...v("emptyChecks", p.emptyChecks),
    ...v("waitSeconds", p.waitSeconds),
    ...v("grownWaitSeconds", p.grownWaitSeconds),
    ...v("steppedWaitSeconds", p.steppedWaitSeconds),
    ...v("lastBytes", p.lastBytes),
    "loops.$": "States.MathAdd($.progress.loops, 1)",
    ...v("proofAttempts", p.proofAttempts ?? "$.progress.proofAttempts"),
  };
}

function pass(comment: string, parameters: Record<string, unknown>, resultPath: string, next: string): State {
  return { Type: "Pass", Comment: comment, Parameters: parameters, ResultPath: resultPath, Next: next };
}

/** Every Fail carries the instance, the last reading, the snapshots and the error in its Cause (as JSON). */
const FAILURES: Record<string, string> = {
  FailedInvalidInput: "The execution input is missing a field or has a wrong type; nothing was done.",
  LifecycleActionGoneUnconfirmed:
    "The lifecycle action ended (expired, completed by someone else, or the instance left) before the queues were confirmed empty: queued data may be lost.",
  InstanceGoneUnconfirmed:
    "EC2 reports the instance gone before the queues were confirmed empty: queued data may be lost.",
  GaveUpQueuesPreserved:
    "Deadline reached with data not confirmed empty; the queue volumes were snapshotted and the lifecycle action completed.",
  GaveUpQueuesNotPreserved:
    "Deadline reached with data not confirmed empty and snapshotOnGiveUp false: the lifecycle action was completed and queued data is lost.",
  GaveUpSnapshotUnconfirmed:
    "Deadline reached; snapshots were started but not confirmed completed before the hook's global timeout, or the action ended while they were pending.",
  FailedSnapshotError:
    "Deadline reached; a snapshot failed or none was created. The lifecycle action is left to its own timeout so an operator can act.",
  FailedUnexpectedError:
    "AccessDenied, an exhausted retry or an error nobody planned for: never treated as done. The reconciler restarts the drain with the same deadline.",
};

function failureStates(): Record<string, State> {
  const states: Record<string, State> = {};
  for (const [name, comment] of Object.entries(FAILURES)) {
    const cause = name === "FailedInvalidInput" ? "States.JsonToString($)" : "States.JsonToString($.report)";
    if (name !== "FailedInvalidInput") {
      states[`Report${name}`] = pass(
        `Collect what an operator needs for ${name}: instance, last reading, snapshots, error.`,
        {
          outcome: name,
          "instanceId.$": "$.instanceId",
          "execution.$": "$$.Execution.Name",
          "deadline.$": "$.deadline",
          "lastReading.$": "$.reading",
          "snapshots.$": "$.snapshots",
          "previousSnapshots.$": "$.previous",
          "error.$": "$.error",
          "progress.$": "$.progress",
        },
        "$.report",
        `Describe${name}`,
      );
    }
    states[`Describe${name}`] = pass(`Render the Cause of ${name} as JSON.`, { "cause.$": cause }, "$.failure", name);
    states[name] = { Type: "Fail", Comment: comment, Error: name, CausePath: "$.failure.cause" };
  }
  return states;
}

const SETTINGS_FIELDS: Array<[string, "IsString" | "IsNumeric" | "IsBoolean"]> = [
  ["queueDirectories", "IsString"],
  ["maxBytes", "IsNumeric"],
  ["requiredConsecutiveChecks", "IsNumeric"],
  ["minWaitSeconds", "IsNumeric"],
  ["maxWaitSeconds", "IsNumeric"],
  ["gracefulStop", "IsBoolean"],
  ["serviceName", "IsString"],
  ["snapshotOnGiveUp", "IsBoolean"],
  ["snapshotExcludeBootVolume", "IsBoolean"],
];
const PROGRESS_FIELDS = [
  "emptyChecks",
  "waitSeconds",
  "grownWaitSeconds",
  "steppedWaitSeconds",
  "lastBytes",
  "loops",
  "proofAttempts",
];

function inputValid(): Rule[] {
  const typed = (path: string, type: string): Rule[] => [present(path), { Variable: path, [type]: true }];
  return [
    ...typed("$.instanceId", "IsString"),
    ...typed("$.autoScalingGroupName", "IsString"),
    ...typed("$.lifecycleHookName", "IsString"),
    ...typed("$.sequence", "IsNumeric"),
    ...typed("$.lifecycleActionStartedAt", "IsTimestamp"),
    ...typed("$.deadline", "IsTimestamp"),
    ...typed("$.snapshotWaitUntil", "IsTimestamp"),
    present("$.previous"),
    present("$.settings"),
    ...SETTINGS_FIELDS.flatMap(([f, t]) => typed(`$.settings.${f}`, t)),
    present("$.progress"),
    ...PROGRESS_FIELDS.flatMap((f) => typed(`$.progress.${f}`, "IsNumeric")),
    // Waits are read by Wait states: they must be positive, and never above the cap.
    { Variable: "$.settings.minWaitSeconds", NumericGreaterThanEquals: 1 },
    { Variable: "$.settings.maxWaitSeconds", NumericGreaterThanEqualsPath: "$.settings.minWaitSeconds" },
    { Variable: "$.progress.waitSeconds", NumericGreaterThanEquals: 1 },
    { Variable: "$.progress.waitSeconds", NumericLessThanEqualsPath: "$.settings.maxWaitSeconds" },
  ];
}

function growWait(comment: string, waitPath: string, grow: "double" | "step" | "hold", lastBytes: string) {
  const w = grow === "hold" ? "$.settings.maxWaitSeconds" : waitPath;
  return pass(
    comment,
    progress({
      emptyChecks: 0,
      waitSeconds: w,
      grownWaitSeconds: grow === "hold" ? "$.settings.maxWaitSeconds" : `States.MathAdd(${w}, ${w})`,
      steppedWaitSeconds:
        grow === "hold" ? "$.settings.maxWaitSeconds" : `States.MathAdd(${w}, $.settings.minWaitSeconds)`,
      lastBytes,
    }),
    "$.progress",
    "WaitBeforeNextCheck",
  );
}

export function buildDrainDefinition(): Record<string, unknown> {
  const states: Record<string, State> = {
    ValidateInput: {
      Type: "Choice",
      Comment:
        "Every field the drain reads must be present with the right type; a bad input reaches FailedInvalidInput, never States.Runtime.",
      Choices: [{ And: inputValid(), Next: "PrepareDrain" }],
      Default: "DescribeFailedInvalidInput",
    },
    PrepareDrain: {
      Type: "Pass",
      Comment:
        "Keep only the validated input (fresh, restarted or continued drain) and start this execution with no reading, no snapshot and no error, so every Cause stays well-formed.",
      Parameters: {
        "instanceId.$": "$.instanceId",
        "autoScalingGroupName.$": "$.autoScalingGroupName",
        "lifecycleHookName.$": "$.lifecycleHookName",
        "sequence.$": "$.sequence",
        "lifecycleActionStartedAt.$": "$.lifecycleActionStartedAt",
        "deadline.$": "$.deadline",
        "snapshotWaitUntil.$": "$.snapshotWaitUntil",
        "settings.$": "$.settings",
        "progress.$": "$.progress",
        "previous.$": "$.previous",
        reading: { payload: "none" },
        snapshots: { taken: [], created: 0, polls: 0 },
        error: { Error: "none", Cause: "none" },
      },
      // ResultPath left at its default ($): aws-local-stepfunctions writes an explicit "$" to a key named "$".
      Next: "RecordHeartbeat",
    },
    RecordHeartbeat: heartbeat(
      "First in every loop: restart the hook's heartbeat timer, by instance id, hook and group (works without the token).",
      "CheckQueues",
      "ClassifyHeartbeatError",
    ),
    ClassifyHeartbeatError: {
      Type: "Choice",
      Comment:
        "No active Lifecycle Action: the action expired or was completed elsewhere before the queues were proven empty, a loud failure. Anything else fails loudly too.",
      Choices: [{ ...lifecycleActionGone, Next: "ReportLifecycleActionGoneUnconfirmed" }],
      Default: "ReportFailedUnexpectedError",
    },
    CheckQueues: checkQueues(
      "Run the queue-probe SSM document through check-queue, which returns facts only (never a decision).",
      "ValidateReading",
    ),
    RouteCheckFailure: {
      Type: "Choice",
      Comment:
        "The check failed after its retries. Past the deadline, preserve the queues anyway; before it, fail loudly (the reconciler restarts the drain with the same deadline).",
      Choices: [{ ...deadlinePassed, Next: "CheckSnapshotOnGiveUp" }],
      Default: "ReportFailedUnexpectedError",
    },
    ValidateReading: readingPresent(
      "EvaluateReading",
      "Only a payload with every field present is evaluated; invalid_instance_id asks EC2; anything else is an unknown reading.",
    ),
    EvaluateReading: {
      Type: "Choice",
      Comment:
        "Continue as a new execution after LOOPS_PER_EXECUTION loops (history limit). Empty readings are confirmed; past the deadline a non-empty one gives up; otherwise the wait adapts: +minWaitSeconds while shrinking, doubling while not, capped at maxWaitSeconds.",
      Choices: [
        { Variable: "$.progress.loops", NumericGreaterThanEquals: LOOPS_PER_EXECUTION, Next: "ContinueAsNewExecution" },
        {
          And: [
            { Variable: "$.reading.payload.result", IsString: true },
            { Variable: "$.reading.payload.result", StringEquals: "invalid_instance_id" },
          ],
          Next: "DescribeInstanceState",
        },
        { And: emptyReading, Next: "CompareQueuePaths" },
        { ...deadlinePassed, Next: "CheckSnapshotOnGiveUp" },
        {
          And: [
            ...measuredReading,
            { Variable: "$.reading.payload.totalBytes", NumericLessThanPath: "$.progress.lastBytes" },
            { Variable: "$.progress.steppedWaitSeconds", NumericGreaterThanEqualsPath: "$.settings.maxWaitSeconds" },
          ],
          Next: "HoldLongestWait",
        },
        {
          And: [
            ...measuredReading,
            { Variable: "$.reading.payload.totalBytes", NumericLessThanPath: "$.progress.lastBytes" },
          ],
          Next: "GrowWaitSlowly",
        },
        {
          And: [
            ...measuredReading,
            { Variable: "$.progress.grownWaitSeconds", NumericGreaterThanEqualsPath: "$.settings.maxWaitSeconds" },
          ],
          Next: "HoldLongestWait",
        },
        { And: measuredReading, Next: "GrowWaitQuickly" },
      ],
      Default: "RouteUnknownReading",
    },
    CompareQueuePaths: pass(
      "An empty reading must cover exactly the configured directories, in order.",
      {
        "reported.$": "States.JsonToString($.reading.payload.queues[*].path)",
        "configured.$": "States.JsonToString(States.StringSplit($.settings.queueDirectories, ','))",
      },
      "$.paths",
      "ConfirmQueuePaths",
    ),
    ConfirmQueuePaths: {
      Type: "Choice",
      Comment: "The probe answered for other directories than configured: not a proof of anything, treat as unknown.",
      Choices: [{ Variable: "$.paths.reported", StringEqualsPath: "$.paths.configured", Next: "CountEmptyCheck" }],
      Default: "RouteUnknownReading",
    },
    CountEmptyCheck: pass(
      "One more consecutive empty reading; confirm it after the shortest wait. The grown wait is kept, so a queue flickering between empty and not does not pin the loop at the minimum.",
      progress({
        emptyChecks: "States.MathAdd($.progress.emptyChecks, 1)",
        waitSeconds: "$.settings.minWaitSeconds",
        grownWaitSeconds: "$.progress.grownWaitSeconds",
        steppedWaitSeconds: "$.progress.steppedWaitSeconds",
        lastBytes: "$.reading.payload.totalBytes",
      }),
      "$.progress",
      "ConfirmDrained",
    ),
    ConfirmDrained: {
      Type: "Choice",
      Comment:
        "After requiredConsecutiveChecks empty readings (or one, past the deadline: no snapshot is needed for an empty queue) stop Cribl and prove it; otherwise confirm after the shortest wait.",
      Choices: [
        {
          Variable: "$.progress.emptyChecks",
          NumericGreaterThanEqualsPath: "$.settings.requiredConsecutiveChecks",
          Next: "CheckGracefulStopWanted",
        },
        { ...deadlinePassed, Next: "CheckGracefulStopWanted" },
      ],
      Default: "WaitBeforeNextCheck",
    },
    GrowWaitSlowly: growWait(
      "The queue is shrinking: lengthen the wait by only minWaitSeconds so the end is seen soon.",
      "$.progress.steppedWaitSeconds",
      "step",
      "$.reading.payload.totalBytes",
    ),
    GrowWaitQuickly: growWait(
      "The queue is not shrinking (destination pushing back): double the wait to save transitions and history events.",
      "$.progress.grownWaitSeconds",
      "double",
      "$.reading.payload.totalBytes",
    ),
    HoldLongestWait: growWait(
      "The next wait would reach the cap: use maxWaitSeconds.",
      "$.settings.maxWaitSeconds",
      "hold",
      "$.reading.payload.totalBytes",
    ),
    RouteUnknownReading: {
      Type: "Choice",
      Comment:
        "No usable reading (unknown, a directory missing, a payload that fails validation, a live but unreachable instance, or a failed proof): never empty. Past the deadline give up; otherwise grow the wait.",
      Choices: [
        { ...deadlinePassed, Next: "CheckSnapshotOnGiveUp" },
        {
          Variable: "$.progress.grownWaitSeconds",
          NumericGreaterThanEqualsPath: "$.settings.maxWaitSeconds",
          Next: "HoldLongestWaitAfterUnknown",
        },
      ],
      Default: "GrowWaitAfterUnknown",
    },
    GrowWaitAfterUnknown: growWait(
      "No usable reading: double the wait and keep the last measured bytes.",
      "$.progress.grownWaitSeconds",
      "double",
      "$.progress.lastBytes",
    ),
    HoldLongestWaitAfterUnknown: growWait(
      "No usable reading and the wait is at the cap: use maxWaitSeconds and keep the last measured bytes.",
      "$.settings.maxWaitSeconds",
      "hold",
      "$.progress.lastBytes",
    ),
    WaitBeforeNextCheck: {
      Type: "Wait",
      Comment:
        "The adaptive wait chosen above, never above maxWaitSeconds; validation keeps the longest heartbeat gap (derived from this definition) below the heartbeat timeout.",
      SecondsPath: "$.progress.waitSeconds",
      Next: "RecordHeartbeat",
    },
    ContinueAsNewExecution: {
      Type: "Task",
      Comment:
        "History limit: start the next execution of this drain (name <instanceId>-<sequence+1>) with the same deadline and the progress so far, then end this one.",
      Resource: "arn:aws:states:::states:startExecution",
      Parameters: {
        "StateMachineArn.$": "$$.StateMachine.Id",
        "Name.$": "States.Format('{}-{}', $.instanceId, States.MathAdd($.sequence, 1))",
        Input: {
          "instanceId.$": "$.instanceId",
          "autoScalingGroupName.$": "$.autoScalingGroupName",
          "lifecycleHookName.$": "$.lifecycleHookName",
          startedBy: "continuation",
          "sequence.$": "States.MathAdd($.sequence, 1)",
          "lifecycleActionStartedAt.$": "$.lifecycleActionStartedAt",
          "deadline.$": "$.deadline",
          "snapshotWaitUntil.$": "$.snapshotWaitUntil",
          "settings.$": "$.settings",
          progress: {
            "emptyChecks.$": "$.progress.emptyChecks",
            "waitSeconds.$": "$.progress.waitSeconds",
            "grownWaitSeconds.$": "$.progress.grownWaitSeconds",
            "steppedWaitSeconds.$": "$.progress.steppedWaitSeconds",
            "lastBytes.$": "$.progress.lastBytes",
            loops: 0,
            "proofAttempts.$": "$.progress.proofAttempts",
          },
          previous: { "execution.$": "$$.Execution.Name", "lastReading.$": "$.reading", "snapshots.$": "$.previous" },
          "AWS_STEP_FUNCTIONS_STARTED_BY_EXECUTION_ID.$": "$$.Execution.Id",
        },
      },
      ResultPath: null,
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: retry("Step Functions throttling is transient.", STATES_RETRYABLE),
      Catch: [
        {
          ErrorEquals: ["StepFunctions.ExecutionAlreadyExistsException", "StepFunctions.ExecutionAlreadyExists"],
          ResultPath: "$.error",
          Next: "ContinuedAsNewExecution",
        },
        ...catchAll("ReportFailedUnexpectedError"),
      ],
      Next: "ContinuedAsNewExecution",
    },
    ContinuedAsNewExecution: {
      Type: "Succeed",
      Comment: "The drain goes on in the next execution of the chain (same deadline); this one holds nothing.",
    },
    DescribeInstanceState: {
      Type: "Task",
      Comment:
        "SSM InvalidInstanceId: an unregistered or offline agent, or a vanished instance. Only pending/running/stopping/stopped count as alive.",
      Resource: "arn:aws:states:::aws-sdk:ec2:describeInstances",
      Parameters: {
        Filters: [
          { Name: "instance-id", "Values.$": "States.Array($.instanceId)" },
          { Name: "instance-state-name", Values: ["pending", "running", "stopping", "stopped"] },
        ],
      },
      ResultSelector: { "aliveReservations.$": "States.ArrayLength($.Reservations)" },
      ResultPath: "$.instanceState",
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: retry("EC2 throttling in every spelling, including Ec2.Ec2Exception.", EC2_RETRYABLE),
      Catch: catchAll("ReportFailedUnexpectedError"),
      Next: "CheckInstanceGone",
    },
    CheckInstanceGone: {
      Type: "Choice",
      Comment:
        "Gone before the queues were proven empty: a loud failure. Alive but unreachable over SSM: an unknown reading.",
      Choices: [
        {
          Variable: "$.instanceState.aliveReservations",
          NumericEquals: 0,
          Next: "ReportInstanceGoneUnconfirmed",
        },
      ],
      Default: "RouteUnknownReading",
    },
    CheckGracefulStopWanted: {
      Type: "Choice",
      Comment:
        "Queues read empty. Stop Cribl (on by default) so that no writer is left, then prove it; with gracefulStop off the last empty reading is the proof (a documented window).",
      Choices: [{ Variable: "$.settings.gracefulStop", BooleanEquals: true, Next: "SendGracefulStop" }],
      Default: "CompleteLifecycleAction",
    },
    SendGracefulStop: sendCribl(
      "stop",
      "Stop Cribl with our document (bounded systemctl stop); it flushes in-memory data into the queues.",
      "WaitForGracefulStop",
    ),
    CountGracefulStopPoll: pass(
      "Bound the stop poll; each poll also counts as a loop for the history budget.",
      {
        "commandId.$": "$.gracefulStop.commandId",
        "polls.$": "States.MathAdd($.gracefulStop.polls, 1)",
      },
      "$.gracefulStop",
      "CountStopPollAsLoop",
    ),
    CountStopPollAsLoop: pass(
      "The history budget counts every poll.",
      progress({
        emptyChecks: "$.progress.emptyChecks",
        waitSeconds: "$.progress.waitSeconds",
        grownWaitSeconds: "$.progress.grownWaitSeconds",
        steppedWaitSeconds: "$.progress.steppedWaitSeconds",
        lastBytes: "$.progress.lastBytes",
      }),
      "$.progress",
      "WaitForGracefulStop",
    ),
    WaitForGracefulStop: {
      Type: "Wait",
      Comment: "Give systemctl stop time before asking for the result.",
      Seconds: GRACEFUL_STOP_POLL_SECONDS,
      Next: "RecordHeartbeatDuringStop",
    },
    RecordHeartbeatDuringStop: heartbeat(
      "Every loop records a heartbeat, the stop poll too.",
      "GetGracefulStopResult",
      "ClassifyHeartbeatError",
    ),
    GetGracefulStopResult: {
      Type: "Task",
      Comment: "Read the stop command's status. InvocationDoesNotExist right after sending is normal and retried.",
      Resource: "arn:aws:states:::aws-sdk:ssm:getCommandInvocation",
      Parameters: { "CommandId.$": "$.gracefulStop.commandId", "InstanceId.$": "$.instanceId" },
      ResultSelector: { "status.$": "$.Status" },
      ResultPath: "$.gracefulStopResult",
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: [
        {
          Comment: "The invocation appears a moment after SendCommand.",
          ErrorEquals: ["Ssm.InvocationDoesNotExistException", "Ssm.InvocationDoesNotExist"],
          IntervalSeconds: 2,
          MaxAttempts: 5,
          BackoffRate: 1.5,
        },
        ...retry("SSM throttling is transient.", SSM_RETRYABLE),
      ],
      Catch: catchAll("RouteSsmError"),
      Next: "CheckGracefulStopDone",
    },
    CheckGracefulStopDone: {
      Type: "Choice",
      Comment:
        "Poll while the stop is still running (bounded); then probe again whatever the status: only the probe decides.",
      Choices: [
        {
          And: [
            {
              Or: ["Pending", "InProgress", "Delayed"].map((s) => ({
                Variable: "$.gracefulStopResult.status",
                StringEquals: s,
              })),
            },
            { Variable: "$.gracefulStop.polls", NumericLessThan: GRACEFUL_STOP_POLLS },
          ],
          Next: "CountGracefulStopPoll",
        },
      ],
      Default: "CheckQueuesAfterStop",
    },
    CheckQueuesAfterStop: checkQueues(
      "The proof reading: taken after Cribl stopped accepting and flushing data.",
      "ValidateProofReading",
    ),
    ValidateProofReading: readingPresent(
      "EvaluateProofReading",
      "The proof reading must carry every field; otherwise it proves nothing.",
    ),
    EvaluateProofReading: {
      Type: "Choice",
      Comment:
        "Complete only when the service is inactive and every configured queue is empty. Otherwise: past the deadline give up (Cribl stays stopped), before it start Cribl again and go on.",
      Choices: [
        {
          And: [
            ...emptyReading,
            { Variable: "$.reading.payload.serviceActive", IsBoolean: true },
            { Variable: "$.reading.payload.serviceActive", BooleanEquals: false },
          ],
          Next: "CompareProofQueuePaths",
        },
        { ...deadlinePassed, Next: "CheckSnapshotOnGiveUp" },
      ],
      Default: "StartCriblAgain",
    },
    CompareProofQueuePaths: pass(
      "The proof must cover exactly the configured directories.",
      {
        "reported.$": "States.JsonToString($.reading.payload.queues[*].path)",
        "configured.$": "States.JsonToString(States.StringSplit($.settings.queueDirectories, ','))",
      },
      "$.paths",
      "ConfirmProofQueuePaths",
    ),
    ConfirmProofQueuePaths: {
      Type: "Choice",
      Comment: "Proven: every configured queue empty with no writer left.",
      Choices: [
        { Variable: "$.paths.reported", StringEqualsPath: "$.paths.configured", Next: "CompleteLifecycleAction" },
      ],
      Default: "StartCriblAgain",
    },
    StartCriblAgain: sendCribl(
      "start",
      "The proof failed (data was queued or flushed since the last reading, or the service did not stop): start Cribl again so it keeps draining.",
      "CountFailedProof",
    ),
    CountFailedProof: pass(
      "Back to the loop: the empty streak starts again, and the wait grows as if the queue were not shrinking (a flickering queue backs off).",
      progress({
        emptyChecks: 0,
        waitSeconds: "$.progress.waitSeconds",
        grownWaitSeconds: "$.progress.grownWaitSeconds",
        steppedWaitSeconds: "$.progress.steppedWaitSeconds",
        lastBytes: "$.progress.lastBytes",
        proofAttempts: "States.MathAdd($.progress.proofAttempts, 1)",
      }),
      "$.progress",
      "RouteUnknownReading",
    ),
    RouteSsmError: {
      Type: "Choice",
      Comment:
        "SSM cannot reach the instance: ask EC2 whether it is gone. AccessDenied or anything else on the stop or start is never swallowed: a loud failure, or past the deadline the snapshot.",
      Choices: [
        {
          And: [
            present("$.error.Error"),
            {
              Or: ["Ssm.InvalidInstanceIdException", "Ssm.InvalidInstanceId"].map((n) => ({
                Variable: "$.error.Error",
                StringEquals: n,
              })),
            },
          ],
          Next: "DescribeInstanceState",
        },
        // Past the deadline a failing stop or start must not keep the drain failing and restarting until the global
        // timeout: preserve the queue instead (the give-up path snapshots even when its own stop fails).
        { ...deadlinePassed, Next: "CheckSnapshotOnGiveUp" },
      ],
      Default: "ReportFailedUnexpectedError",
    },
    CompleteLifecycleAction: {
      Type: "Task",
      Comment: "Proven empty: let the Auto Scaling group terminate the instance (CONTINUE), by instance id.",
      Resource: "arn:aws:states:::aws-sdk:autoscaling:completeLifecycleAction",
      Parameters: { ...lifecycleParameters, LifecycleActionResult: "CONTINUE" },
      ResultPath: null,
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: retry(
        "Auto Scaling throttling, contention and undeclared errors: bounded backoff.",
        AUTO_SCALING_RETRYABLE,
      ),
      Catch: catchAll("ClassifyCompleteError"),
      Next: "Drained",
    },
    ClassifyCompleteError: {
      Type: "Choice",
      Comment:
        "After the proof, an action already gone (completed by a redriven or earlier attempt, or expired just now) loses nothing. Anything else fails loudly.",
      Choices: [{ ...lifecycleActionGone, Next: "LifecycleActionGone" }],
      Default: "ReportFailedUnexpectedError",
    },
    CheckSnapshotOnGiveUp: {
      Type: "Choice",
      Comment:
        "The deadline passed with queues not proven empty. Preserve them in EBS snapshots unless settings.snapshotOnGiveUp is false.",
      Choices: [
        {
          And: [
            { Variable: "$.settings.snapshotOnGiveUp", BooleanEquals: true },
            { Variable: "$.settings.gracefulStop", BooleanEquals: true },
          ],
          Next: "RecordHeartbeatBeforeSnapshot",
        },
        { Variable: "$.settings.snapshotOnGiveUp", BooleanEquals: true, Next: "CreateQueueSnapshots" },
      ],
      Default: "CompleteLifecycleActionAfterGiveUp",
    },
    RecordHeartbeatBeforeSnapshot: heartbeat(
      "A heartbeat before the stop and the snapshot, which take minutes.",
      "StopCriblBeforeSnapshot",
      "ClassifyHeartbeatError",
    ),
    StopCriblBeforeSnapshot: {
      ...sendCribl(
        "stop",
        "Stop Cribl before the snapshot, so nothing is written (or flushed) after it: the snapshot then holds every queued byte. A failed stop still snapshots.",
        "WaitForStopBeforeSnapshot",
      ),
      ResultPath: "$.stopBeforeSnapshot",
      Catch: [{ ErrorEquals: ["States.ALL"], ResultPath: "$.error", Next: "CreateQueueSnapshots" }],
    },
    WaitForStopBeforeSnapshot: {
      Type: "Wait",
      Comment:
        "The stop document bounds systemctl stop to GRACEFUL_STOP_TIMEOUT_SECONDS; wait that long (plus 10 s) before the snapshot.",
      Seconds: GRACEFUL_STOP_TIMEOUT_SECONDS + 10,
      Next: "CreateQueueSnapshots",
    },
    CreateQueueSnapshots: {
      Type: "Task",
      Comment:
        "Crash-consistent snapshots of the volumes attached to the instance (boot volume excluded when a dedicated queue volume exists), tagged with exactly these four keys so operators can restore the queue; the volume's own tags are not copied (IAM allows only these keys).",
      Resource: "arn:aws:states:::aws-sdk:ec2:createSnapshots",
      Parameters: {
        InstanceSpecification: {
          "InstanceId.$": "$.instanceId",
          "ExcludeBootVolume.$": "$.settings.snapshotExcludeBootVolume",
        },
        "Description.$": "States.Format('Cribl persistent queues of {} (drain deadline reached)', $.instanceId)",
        TagSpecifications: [
          {
            ResourceType: "snapshot",
            Tags: [
              { Key: "cribl-drain:auto-scaling-group", "Value.$": "$.autoScalingGroupName" },
              { Key: "cribl-drain:instance-id", "Value.$": "$.instanceId" },
              { Key: "cribl-drain:execution-name", "Value.$": "$$.Execution.Name" },
              { Key: "cribl-drain:execution-id", "Value.$": "$$.Execution.Id" },
            ],
          },
        ],
      },
      ResultSelector: {
        "created.$": "States.ArrayLength($.Snapshots)",
        "snapshots.$": "$.Snapshots",
      },
      ResultPath: "$.createdSnapshots",
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: retry("EC2 throttling in every spelling, including Ec2.Ec2Exception.", EC2_RETRYABLE),
      Catch: catchAll("ReportFailedSnapshotError"),
      Next: "CheckSnapshotsCreated",
    },
    CheckSnapshotsCreated: {
      Type: "Choice",
      Comment:
        "None created (for example only a boot volume, and it is excluded): nothing is preserved. Checked before any [*] path reads the list.",
      Choices: [{ Variable: "$.createdSnapshots.created", NumericEquals: 0, Next: "ReportFailedSnapshotError" }],
      Default: "RecordSnapshotIds",
    },
    RecordSnapshotIds: pass(
      "Keep the snapshot ids for every later Cause (the full records hold timestamps an operator does not need).",
      {
        "taken.$": "$.createdSnapshots.snapshots[*].SnapshotId",
        "created.$": "$.createdSnapshots.created",
        polls: 1,
      },
      "$.snapshots",
      "RecordHeartbeatDuringSnapshot",
    ),
    RecordHeartbeatDuringSnapshot: heartbeat(
      "Keep the instance in Terminating:Wait until the snapshots are safe.",
      "CountCompletedSnapshots",
      "ClassifyHeartbeatErrorDuringSnapshot",
    ),
    ClassifyHeartbeatErrorDuringSnapshot: {
      Type: "Choice",
      Comment: "The action ended while the snapshots were pending: the data may not be preserved.",
      Choices: [{ ...lifecycleActionGone, Next: "ReportGaveUpSnapshotUnconfirmed" }],
      Default: "ReportFailedUnexpectedError",
    },
    CountCompletedSnapshots: describeSnapshots("completed", "$.snapshotsCompleted", "CheckSnapshotsCompleted"),
    CheckSnapshotsCompleted: {
      Type: "Choice",
      Comment: `Safe when every created snapshot is completed. None created: nothing preserved. Bounded by $.snapshotWaitUntil (before the hook's global timeout) and ${SNAPSHOT_POLLS} polls.`,
      Choices: [
        {
          Variable: "$.snapshotsCompleted.count",
          NumericGreaterThanEqualsPath: "$.snapshots.created",
          Next: "CompleteLifecycleActionAfterGiveUp",
        },
        {
          Variable: "$.snapshots.polls",
          NumericGreaterThanEquals: SNAPSHOT_POLLS,
          Next: "ReportGaveUpSnapshotUnconfirmed",
        },
        {
          Variable: "$$.State.EnteredTime",
          TimestampGreaterThanEqualsPath: "$.snapshotWaitUntil",
          Next: "ReportGaveUpSnapshotUnconfirmed",
        },
      ],
      Default: "CountFailedSnapshots",
    },
    CountFailedSnapshots: describeSnapshots("error", "$.snapshotsFailed", "CheckSnapshotsFailed"),
    CheckSnapshotsFailed: {
      Type: "Choice",
      Comment: "A snapshot in state error will never complete: fail instead of waiting.",
      Choices: [{ Variable: "$.snapshotsFailed.count", NumericGreaterThan: 0, Next: "ReportFailedSnapshotError" }],
      Default: "CountSnapshotPoll",
    },
    CountSnapshotPoll: pass(
      "Bound the snapshot wait.",
      {
        "taken.$": "$.snapshots.taken",
        "created.$": "$.snapshots.created",
        "polls.$": "States.MathAdd($.snapshots.polls, 1)",
      },
      "$.snapshots",
      "WaitForSnapshots",
    ),
    WaitForSnapshots: {
      Type: "Wait",
      Comment: "Poll at the longest wait, which validation keeps inside the heartbeat timeout.",
      SecondsPath: "$.settings.maxWaitSeconds",
      Next: "RecordHeartbeatDuringSnapshot",
    },
    CompleteLifecycleActionAfterGiveUp: {
      Type: "Task",
      Comment:
        "Give-up path only: let the instance go (CONTINUE) after the snapshots completed, or at once when snapshotOnGiveUp is false.",
      Resource: "arn:aws:states:::aws-sdk:autoscaling:completeLifecycleAction",
      Parameters: { ...lifecycleParameters, LifecycleActionResult: "CONTINUE" },
      ResultPath: null,
      TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
      Retry: retry(
        "Auto Scaling throttling, contention and undeclared errors: bounded backoff.",
        AUTO_SCALING_RETRYABLE,
      ),
      Catch: catchAll("ClassifyCompleteErrorAfterGiveUp"),
      Next: "ReportGiveUp",
    },
    ClassifyCompleteErrorAfterGiveUp: {
      Type: "Choice",
      Comment: "Already gone is fine here too; the give-up outcome is still reported as a failure.",
      Choices: [{ ...lifecycleActionGone, Next: "ReportGiveUp" }],
      Default: "ReportFailedUnexpectedError",
    },
    ReportGiveUp: {
      Type: "Choice",
      Comment: "End in a Fail state named for what happened to the data, so the alarm says it.",
      Choices: [{ Variable: "$.settings.snapshotOnGiveUp", BooleanEquals: true, Next: "ReportGaveUpQueuesPreserved" }],
      Default: "ReportGaveUpQueuesNotPreserved",
    },
    Drained: {
      Type: "Succeed",
      Comment:
        "A reading taken after Cribl stopped showed every configured queue empty; the lifecycle action was completed with CONTINUE.",
    },
    LifecycleActionGone: {
      Type: "Succeed",
      Comment: "The queues were proven empty, and the lifecycle action was already completed or expired: nothing lost.",
    },
    ...failureStates(),
  };
  return {
    Comment:
      "Drain one Cribl Stream worker before its Auto Scaling group terminates it: heartbeat the termination lifecycle hook, probe the persistent queues over SSM, stop Cribl and prove the queues empty before completing the lifecycle action. The deadline belongs to the lifecycle action; at the deadline, snapshot the queue volumes, complete, and fail loudly. Generated by statemachines/drain-definition.ts. JSONPath only.",
    StartAt: "ValidateInput",
    States: states,
  };
}

function sendCribl(action: "stop" | "start", comment: string, next: string): State {
  return {
    Type: "Task",
    Comment: comment,
    Resource: "arn:aws:states:::aws-sdk:ssm:sendCommand",
    Parameters: {
      // biome-ignore lint/suspicious/noTemplateCurlyInString: a definition placeholder filled at synth, not a JS template
      DocumentName: "${GracefulStopDocumentName}",
      "InstanceIds.$": "States.Array($.instanceId)",
      Parameters: { "serviceName.$": "States.Array($.settings.serviceName)", action: [action] },
      TimeoutSeconds: 30,
      CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
    },
    ResultSelector: { "commandId.$": "$.Command.CommandId", polls: 1 },
    ResultPath: action === "stop" ? "$.gracefulStop" : "$.criblStart",
    TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
    Retry: retry("SSM throttling is transient.", SSM_RETRYABLE),
    Catch: catchAll("RouteSsmError"),
    Next: next,
  };
}

function describeSnapshots(status: "completed" | "error", resultPath: string, next: string): State {
  return {
    Type: "Task",
    Comment:
      status === "completed"
        ? "Snapshots of this execution (by tag) that are completed."
        : "A snapshot in state error will never complete.",
    Resource: "arn:aws:states:::aws-sdk:ec2:describeSnapshots",
    Parameters: {
      OwnerIds: ["self"],
      Filters: [
        { Name: "tag:cribl-drain:execution-id", "Values.$": "States.Array($$.Execution.Id)" },
        { Name: "status", Values: [status] },
      ],
    },
    ResultSelector: { "count.$": "States.ArrayLength($.Snapshots)" },
    ResultPath: resultPath,
    TimeoutSeconds: SDK_TASK_TIMEOUT_SECONDS,
    Retry: retry("EC2 throttling in every spelling, including Ec2.Ec2Exception.", EC2_RETRYABLE),
    Catch: catchAll("ReportFailedUnexpectedError"),
    Next: next,
  };
}

/** The JSON text written to statemachines/drain.asl.json. */
export function renderDrainDefinitionFile(): string {
  return `${JSON.stringify(buildDrainDefinition(), null, 2)}\n`;
}

if (require.main === module) {
  writeFileSync(join(__dirname, "drain.asl.json"), renderDrainDefinitionFile());
}
