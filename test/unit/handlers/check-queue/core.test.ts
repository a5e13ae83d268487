// check-queue core with a scripted fake SSM port and a fake clock: statuses, errors, budget, facts.
import type { GetCommandInvocationCommandOutput, SendCommandCommandInput } from "@aws-sdk/client-ssm";
import {
  type CheckQueueDeps,
  CheckQueueRetryableError,
  checkQueue,
  parseCheckQueueEvent,
} from "../../../../handlers/check-queue/core";
import { awsError } from "../../../fixtures/drain/sfn-harness";

const event = {
  instanceId: "i-0abc1234def567890",
  queueDirectories: "/opt/cribl/state/queues,/data/pq",
  serviceName: "cribl",
};

const probeLine = (queues: Array<[string, boolean, number | null]>, serviceActive: boolean | null = true) =>
  `${JSON.stringify({
    v: 1,
    queues: queues.map(([path, exists, bytes]) => ({ path, exists, bytes, files: bytes === null ? null : 1 })),
    serviceActive,
    errors: [],
  })}\n`;

type Step = Partial<GetCommandInvocationCommandOutput> | Error;

function fakeSsm(steps: Step[], sendError?: Error) {
  const sent: SendCommandCommandInput[] = [];
  let polls = 0;
  let nowMs = 0;
  const deps: CheckQueueDeps = {
    documentName: "cribl-queue-probe",
    budgetSeconds: 50,
    now: () => nowMs,
    sleep: async (ms) => {
      nowMs += ms;
    },
    ssm: {
      sendCommand: async (input) => {
        sent.push(input);
        if (sendError) throw sendError;
        return { Command: { CommandId: "cmd-1" }, $metadata: {} };
      },
      getCommandInvocation: async () => {
        const step = steps[Math.min(polls++, steps.length - 1)]!;
        if (step instanceof Error) throw step;
        return { $metadata: {}, ...step };
      },
    },
  };
  return { deps, sent, polls: () => polls, elapsedMs: () => nowMs };
}

const success = (stdout: string): Step => ({
  Status: "Success",
  StatusDetails: "Success",
  StandardOutputContent: stdout,
});

describe("check-queue core", () => {
  test("Success with every directory measured: ok with totalBytes and per-queue facts", async () => {
    // Prepare
    const f = fakeSsm([
      success(
        probeLine([
          ["/opt/cribl/state/queues", true, 10],
          ["/data/pq", true, 5],
        ]),
      ),
    ]);
    // Act
    const r = await checkQueue(event, f.deps);
    // Assess
    expect(r).toMatchObject({
      result: "ok",
      totalBytes: 15,
      allDirectoriesExist: true,
      missingDirectories: [],
      serviceActive: true,
      commandId: "cmd-1",
    });
  });

  test("the directories reach SSM only as a document parameter; delivery timeout small, CloudWatch output off", async () => {
    // Prepare
    const f = fakeSsm([
      success(
        probeLine([
          ["/opt/cribl/state/queues", true, 0],
          ["/data/pq", true, 0],
        ]),
      ),
    ]);
    // Act
    await checkQueue(event, f.deps);
    // Assess
    expect(f.sent).toEqual([
      {
        DocumentName: "cribl-queue-probe",
        InstanceIds: ["i-0abc1234def567890"],
        Parameters: { queueDirectories: ["/opt/cribl/state/queues,/data/pq"], serviceName: ["cribl"] },
        TimeoutSeconds: 30,
        CloudWatchOutputConfig: { CloudWatchOutputEnabled: false },
        Comment: "cribl drain: check queues",
      },
    ]);
  });

  test("a missing directory is a distinct fact and totalBytes stays null", async () => {
    // Prepare
    const f = fakeSsm([
      success(
        probeLine([
          ["/opt/cribl/state/queues", true, 0],
          ["/data/pq", false, null],
        ]),
      ),
    ]);
    // Act
    const r = await checkQueue(event, f.deps);
    // Assess
    expect(r).toMatchObject({
      result: "ok",
      reason: "directory_missing",
      totalBytes: null,
      allDirectoriesExist: false,
      missingDirectories: ["/data/pq"],
    });
  });

  test("an unreadable directory (bytes null) leaves totalBytes null", async () => {
    // Prepare
    const f = fakeSsm([
      success(
        probeLine([
          ["/opt/cribl/state/queues", true, null],
          ["/data/pq", true, 0],
        ]),
      ),
    ]);
    // Act / Assess
    expect(await checkQueue(event, f.deps)).toMatchObject({
      result: "ok",
      totalBytes: null,
      reason: "directory_unreadable",
    });
  });

  test("InvocationDoesNotExist right after sending, then Pending/InProgress/Delayed, are polled through", async () => {
    // Prepare
    const f = fakeSsm([
      awsError("InvocationDoesNotExist", "no invocation"),
      { Status: "Pending" },
      { Status: "InProgress" },
      { Status: "Delayed" },
      awsError("ThrottlingException", "Rate exceeded"),
      success(
        probeLine([
          ["/opt/cribl/state/queues", true, 0],
          ["/data/pq", true, 0],
        ]),
      ),
    ]);
    // Act
    const r = await checkQueue(event, f.deps);
    // Assess
    expect(r).toMatchObject({ result: "ok", totalBytes: 0 });
    expect(f.polls()).toBe(6);
  });

  test.each([
    [{ Status: "Failed", StatusDetails: "Failed" }, "Failed"],
    [{ Status: "TimedOut", StatusDetails: "DeliveryTimedOut" }, "TimedOut/DeliveryTimedOut"],
    [{ Status: "Cancelled" }, "Cancelled"],
    [{ Status: "Cancelling" }, "Cancelling"],
    [{ Status: "Failed", StatusDetails: "Undeliverable" }, "Failed/Undeliverable"],
    [{ Status: "Failed", StatusDetails: "Terminated" }, "Failed/Terminated"],
    [{ Status: "Undeliverable" }, "Undeliverable"],
  ] as Array<[Step, string]>)("SSM %j is unknown with the status", async (step, status) => {
    // Act
    const r = await checkQueue(event, fakeSsm([step]).deps);
    // Assess
    expect(r).toMatchObject({ result: "unknown", reason: "ssm_status", ssmStatus: status, totalBytes: null });
  });

  test("agent offline (Pending until the budget ends) is unknown within the budget", async () => {
    // Prepare
    const f = fakeSsm([{ Status: "Pending" }]);
    // Act
    const r = await checkQueue(event, f.deps);
    // Assess
    expect(r).toMatchObject({ result: "unknown", reason: "budget_exhausted", ssmStatus: "Pending" });
    expect(f.elapsedMs()).toBeLessThanOrEqual(50_000);
  });

  test.each([
    ["not json"],
    [""],
    ['{"v":2,"queues":[]}'],
    [
      `${probeLine([
        ["/other", true, 0],
        ["/data/pq", true, 0],
      ])}`,
    ],
    [`${probeLine([["/opt/cribl/state/queues", true, 0]])}`],
    [
      `extra line\n${probeLine([
        ["/opt/cribl/state/queues", true, 0],
        ["/data/pq", true, 0],
      ])}`,
    ],
  ])("unparseable or mismatched probe output %j is unknown", async (stdout) => {
    // Act / Assess
    expect(await checkQueue(event, fakeSsm([success(stdout)]).deps)).toMatchObject({
      result: "unknown",
      reason: "unparseable_output",
    });
  });

  test("InvalidInstanceId on SendCommand is reported as such (the state machine asks EC2)", async () => {
    // Prepare
    const f = fakeSsm([], awsError("InvalidInstanceId", "Instances [[i-0abc]] not in a valid state"));
    // Act / Assess
    expect(await checkQueue(event, f.deps)).toMatchObject({ result: "invalid_instance_id", totalBytes: null });
  });

  test.each([["ThrottlingException"], ["TooManyRequestsException"], ["InternalServerError"]])(
    "%s on SendCommand throws the named retryable error",
    async (name) => {
      // Prepare
      const f = fakeSsm([], awsError(name, "slow down"));
      // Act / Assess
      await expect(checkQueue(event, f.deps)).rejects.toBeInstanceOf(CheckQueueRetryableError);
      await expect(checkQueue(event, f.deps)).rejects.toMatchObject({ name: "CheckQueueRetryableError" });
    },
  );

  test.each([["AccessDeniedException"], ["InvalidDocument"], ["InvalidParameters"]])(
    "%s propagates (fails loudly)",
    async (name) => {
      // Act / Assess
      await expect(checkQueue(event, fakeSsm([], awsError(name, "no")).deps)).rejects.toMatchObject({ name });
      await expect(checkQueue(event, fakeSsm([awsError(name, "no")]).deps)).rejects.toMatchObject({ name });
    },
  );

  test("rejects malformed input, including shell metacharacters in directories, before calling SSM", () => {
    // Act / Assess
    expect(() => parseCheckQueueEvent({ ...event, instanceId: "x" })).toThrow(/instanceId/);
    expect(() => parseCheckQueueEvent({ ...event, queueDirectories: "/q;rm -rf /" })).toThrow(/queueDirectories/);
    expect(() => parseCheckQueueEvent({ ...event, queueDirectories: "/q/$(id)" })).toThrow(/queueDirectories/);
    expect(() => parseCheckQueueEvent({ ...event, serviceName: "cribl; reboot" })).toThrow(/serviceName/);
    const long = `/opt/cribl/state/${"q".repeat(4096)}`;
    expect(() => parseCheckQueueEvent({ ...event, queueDirectories: long })).toThrow(/at most 4096 characters/);
    expect(parseCheckQueueEvent(event)).toEqual(event);
  });
});
