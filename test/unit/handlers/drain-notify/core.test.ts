// drain-notify's core with fake Step Functions and publish ports: what the message says for each way a drain ends,
// read from real-shaped DescribeExecution / GetExecutionHistory answers, and that it never drops what it knows.
import {
  type HistoryEventLike,
  type Notification,
  notifyDrain,
  type SfnReadPort,
} from "../../../../handlers/drain-notify/core";
import {
  describeAnswer,
  EXECUTION_ARN,
  failCause,
  historyNewestFirst,
  INSTANCE,
  MEASURED,
  NAME,
  SNAPSHOTS,
  stateDocument,
  statusChangeEvent,
  UNKNOWN,
} from "./fixtures";

const RUNBOOK = "https://git.example.com/acme/cribl/blob/main/docs/runbook.md";

interface Fake {
  sfn: SfnReadPort;
  calls: string[];
  published: Notification[];
  deps: (opts?: { notifyStartAndEnd?: boolean }) => Parameters<typeof notifyDrain>[1];
}

function fake(answers: {
  describe?: Record<string, unknown> | Error;
  history?: Array<{ events: unknown[]; nextToken?: string }> | Error;
}): Fake {
  const calls: string[] = [];
  const published: Notification[] = [];
  let page = 0;
  const sfn: SfnReadPort = {
    async describeExecution(i) {
      calls.push(`DescribeExecution ${i.executionArn}`);
      if (answers.describe instanceof Error) throw answers.describe;
      return answers.describe ?? {};
    },
    async getExecutionHistory(i) {
      calls.push(`GetExecutionHistory reverse=${i.reverseOrder} token=${i.nextToken ?? "-"}`);
      if (answers.history instanceof Error) throw answers.history;
      const p = answers.history?.[page++] ?? { events: [] };
      return { events: p.events as HistoryEventLike[], ...(p.nextToken ? { nextToken: p.nextToken } : {}) };
    },
  };
  return {
    sfn,
    calls,
    published,
    deps: (opts = {}) => ({
      sfn,
      runbookUrl: RUNBOOK,
      notifyStartAndEnd: opts.notifyStartAndEnd ?? false,
      publish: async (n) => {
        published.push(n);
      },
    }),
  };
}

const accessDenied = () =>
  Object.assign(new Error("User is not authorized to perform: states:DescribeExecution"), {
    name: "AccessDeniedException",
  });

describe("drain-notify: a failed drain", () => {
  it("names the instance, the outcome, the bytes per directory, the snapshots and the runbook section", async () => {
    // Prepare
    const cause = failCause("GaveUpQueuesPreserved", MEASURED, SNAPSHOTS);
    const f = fake({ describe: describeAnswer("FAILED", { error: "GaveUpQueuesPreserved", cause }) });
    // Act
    const { report, published } = await notifyDrain(statusChangeEvent("FAILED"), f.deps());
    // Assess
    expect(published).toBe(true);
    expect(f.calls).toEqual([`DescribeExecution ${EXECUTION_ARN}`]); // the Cause had it all: no history read
    const [n] = f.published;
    expect(n!.subject).toBe(`Drain needs attention: ${INSTANCE} GaveUpQueuesPreserved`);
    expect(n!.message).toContain(`Instance:     ${INSTANCE}`);
    expect(n!.message).toContain("Outcome:      GaveUpQueuesPreserved");
    expect(n!.message).toContain(
      "Last reading: 48.0 MiB (50331648 bytes) [/opt/cribl/state/queues 40.0 MiB (41943040 bytes), " +
        "/opt/cribl/data/pq 8.0 MiB (8388608 bytes)], Cribl active",
    );
    expect(n!.message).toContain(`Snapshots:    ${SNAPSHOTS.join(", ")}`);
    expect(n!.message).toContain(`Runbook:      ${RUNBOOK}#gaveupqueuespreserved`);
    expect(n!.message).toContain("What was lost: Nothing, as long as the snapshots are kept");
    expect(n!.message).toContain(`npm run drains -- follow ${EXECUTION_ARN}`);
    expect(n!.message).toContain("Held for:     1h02m since Terminating:Wait");
    expect(n!.message).not.toContain("Not everything could be read back");
    expect(report.problems).toEqual([]);
  });

  it("says 'none taken' when the give-up path took no snapshot, and links that outcome's section", async () => {
    // Prepare
    const cause = failCause("GaveUpQueuesNotPreserved", MEASURED);
    const f = fake({ describe: describeAnswer("FAILED", { error: "GaveUpQueuesNotPreserved", cause }) });
    // Act
    await notifyDrain(statusChangeEvent("FAILED"), f.deps());
    // Assess
    const { message } = f.published[0]!;
    expect(message).toContain("Snapshots:    none taken");
    expect(message).toContain("What was lost: The queued data of the last reading is lost.");
    expect(message).toContain(`${RUNBOOK}#gaveupqueuesnotpreserved`);
  });

  it("says why the last reading is unknown, and what an earlier execution measured", async () => {
    // Prepare
    const cause = failCause("LifecycleActionGoneUnconfirmed", UNKNOWN);
    const f = fake({ describe: describeAnswer("FAILED", { error: "LifecycleActionGoneUnconfirmed", cause }) });
    // Act
    await notifyDrain(statusChangeEvent("FAILED"), f.deps());
    // Assess
    expect(f.published[0]!.message).toContain(
      "Last reading: unknown (budget_exhausted; result unknown); an earlier execution measured 7.0 MiB (7340032 bytes)",
    );
    expect(f.published[0]!.message).toContain("Snapshots:    none taken");
  });

  it("shows the error a FailedUnexpectedError recorded", async () => {
    // Prepare
    const error = {
      Error: "Ssm.SsmException",
      Cause: "AccessDeniedException: not authorized to perform ssm:SendCommand",
    };
    const cause = failCause("FailedUnexpectedError", MEASURED, [], error);
    const f = fake({ describe: describeAnswer("FAILED", { error: "FailedUnexpectedError", cause }) });
    // Act
    const { report } = await notifyDrain(statusChangeEvent("FAILED"), f.deps());
    // Assess
    expect(report.error).toEqual({ error: error.Error, cause: error.Cause });
    expect(f.published[0]!.message).toContain(`Error:        ${error.Error}: ${error.Cause}`);
  });

  it("reads a refused input as no reading at all, without searching the history", async () => {
    // Prepare
    const f = fake({
      describe: describeAnswer("FAILED", {
        error: "FailedInvalidInput",
        cause: JSON.stringify({ instanceId: INSTANCE, sequence: "two" }),
      }),
    });
    // Act
    const { report } = await notifyDrain(statusChangeEvent("FAILED"), f.deps());
    // Assess
    expect(f.calls).toHaveLength(1);
    expect(report.problems).toEqual([]);
    expect(f.published[0]!.message).toContain("Last reading: none taken in this execution");
  });
});

describe("drain-notify: a timed-out or aborted drain (no Cause), read from the history", () => {
  it.each([
    ["TIMED_OUT", "ExecutionTimedOut", "TimedOut", "#timedout"],
    ["ABORTED", "ExecutionAborted", "Aborted", "#aborted"],
  ])("%s: the last state document gives the reading and the snapshots", async (status, endType, outcome, anchor) => {
    // Prepare
    const document = stateDocument(MEASURED, { snapshots: { taken: SNAPSHOTS, created: 2, polls: 1 } });
    const f = fake({
      describe: describeAnswer(status),
      history: [
        {
          events: historyNewestFirst({ type: endType }, [
            { type: "WaitStateEntered", name: "WaitForSnapshots", document },
            { type: "TaskStateExited", name: "CountSnapshotPoll", document },
          ]),
        },
      ],
    });
    // Act
    const { report } = await notifyDrain(statusChangeEvent(status), f.deps());
    // Assess
    expect(f.calls[1]).toBe("GetExecutionHistory reverse=true token=-");
    expect(report).toMatchObject({ outcome, instanceId: INSTANCE, snapshots: SNAPSHOTS, problems: [] });
    expect(report.lastReading?.totalBytes).toBe(50331648);
    expect(f.published[0]!.message).toContain(`${RUNBOOK}${anchor}`);
    expect(f.published[0]!.message).toContain(`Snapshots:    ${SNAPSHOTS.join(", ")}`);
  });

  it("pages backwards until it finds a state document, and says so when it never does", async () => {
    // Prepare
    const noise = { events: [{ type: "TaskScheduled" }, { type: "TaskStarted" }], nextToken: "more" };
    const f = fake({ describe: describeAnswer("ABORTED"), history: [noise, noise, noise, noise, noise, noise] });
    // Act
    const { report } = await notifyDrain(statusChangeEvent("ABORTED"), f.deps());
    // Assess
    expect(f.calls.filter((c) => c.startsWith("GetExecutionHistory"))).toEqual([
      "GetExecutionHistory reverse=true token=-",
      ...Array(4).fill("GetExecutionHistory reverse=true token=more"),
    ]);
    expect(report.problems).toEqual([
      "no state document in the last 500 history events: last reading and snapshots unknown",
    ]);
    expect(f.published[0]!.message).toContain(
      "Last reading: unknown (the reading could not be read back); an earlier execution measured 7.0 MiB",
    );
  });
});

describe("drain-notify never throws away what it knows", () => {
  it("publishes the execution, its status and the reasons when neither call is allowed", async () => {
    // Prepare
    const f = fake({ describe: accessDenied(), history: accessDenied() });
    const event = statusChangeEvent("TIMED_OUT", { input: null });
    // Act
    const { report, published } = await notifyDrain(event, f.deps());
    // Assess
    expect(published).toBe(true);
    expect(report.instanceId).toBe(INSTANCE); // from the execution name
    const { subject, message } = f.published[0]!;
    expect(subject).toBe(`Drain needs attention: ${INSTANCE} TimedOut`);
    expect(message).toContain(`Execution:    ${EXECUTION_ARN}`);
    expect(message).toContain("(execution status TIMED_OUT)");
    expect(message).toContain("Not everything could be read back:");
    expect(message).toContain(
      "  - DescribeExecution failed (AccessDeniedException: User is not authorized to perform: states:DescribeExecution)",
    );
    expect(message).toContain("  - GetExecutionHistory failed (AccessDeniedException:");
  });

  it("keeps the event's own error and cause when DescribeExecution fails on a failed drain", async () => {
    // Prepare
    const cause = failCause("InstanceGoneUnconfirmed", MEASURED);
    const f = fake({ describe: accessDenied(), history: [] });
    // Act
    const { report } = await notifyDrain(
      statusChangeEvent("FAILED", { error: "InstanceGoneUnconfirmed", cause }),
      f.deps(),
    );
    // Assess
    expect(report).toMatchObject({ outcome: "InstanceGoneUnconfirmed", instanceId: INSTANCE });
    expect(report.lastReading?.totalBytes).toBe(50331648);
    expect(f.published[0]!.message).toContain("#instancegoneunconfirmed");
  });

  it("publishes an Unknown outcome for an event that names no execution", async () => {
    // Prepare
    const f = fake({});
    // Act
    const { report } = await notifyDrain({ "detail-type": "Step Functions Execution Status Change" }, f.deps());
    // Assess
    expect(f.calls).toEqual([]);
    expect(report.outcome).toBe("Unknown");
    expect(f.published[0]!.subject).toBe("Drain needs attention: unknown instance Unknown");
    expect(f.published[0]!.message).toContain("#unknown-outcome");
    expect(f.published[0]!.message).toContain("the event names no execution (detail.executionArn is missing)");
  });

  it("lets a failed publish throw, so Lambda retries and then dead-letters the event", async () => {
    // Prepare
    const f = fake({ describe: accessDenied(), history: accessDenied() });
    const deps = { ...f.deps(), publish: () => Promise.reject(new Error("SNS Publish failed: KMSAccessDenied")) };
    // Act
    const result = notifyDrain(statusChangeEvent("ABORTED"), deps);
    // Assess
    await expect(result).rejects.toThrow("KMSAccessDenied");
  });
});

describe("drain-notify: starts and good endings", () => {
  const drained = () =>
    fake({
      describe: describeAnswer("SUCCEEDED", { output: JSON.stringify(stateDocument(MEASURED)) }),
      history: [
        {
          events: historyNewestFirst({ type: "ExecutionSucceeded" }, [
            { type: "SucceedStateExited", name: "Drained", document: stateDocument({ ...MEASURED, totalBytes: 0 }) },
            { type: "SucceedStateEntered", name: "Drained", document: stateDocument({ ...MEASURED, totalBytes: 0 }) },
          ]),
        },
      ],
    });

  it("reads which Succeed state ended the drain, but publishes nothing by default", async () => {
    // Prepare
    const f = drained();
    // Act
    const { report, published } = await notifyDrain(statusChangeEvent("SUCCEEDED"), f.deps());
    // Assess
    expect(report.outcome).toBe("Drained");
    expect(published).toBe(false);
    expect(f.published).toEqual([]);
  });

  it("publishes a good ending when start and end notifications are on", async () => {
    // Prepare
    const f = drained();
    // Act
    await notifyDrain(statusChangeEvent("SUCCEEDED"), f.deps({ notifyStartAndEnd: true }));
    // Assess
    expect(f.published[0]!.subject).toBe(`Drain ended: ${INSTANCE} Drained`);
    expect(f.published[0]!.message).toContain("What was lost: Nothing.");
    expect(f.published[0]!.message).toContain("#drained");
  });

  it("publishes a start only when asked, without reading the history", async () => {
    // Prepare
    const off = fake({ describe: describeAnswer("RUNNING") });
    const on = fake({ describe: describeAnswer("RUNNING") });
    // Act
    await notifyDrain(statusChangeEvent("RUNNING"), off.deps());
    await notifyDrain(statusChangeEvent("RUNNING"), on.deps({ notifyStartAndEnd: true }));
    // Assess
    expect(off.published).toEqual([]);
    expect(on.calls).toEqual([`DescribeExecution ${EXECUTION_ARN}`]);
    expect(on.published[0]!.subject).toBe(`Drain started: ${INSTANCE}`);
    expect(on.published[0]!.message).toContain("Deadline:     2030-01-01T11:00:00Z");
    expect(on.published[0]!.message).toContain("#drain-started");
    expect(on.published[0]!.message).not.toContain("Last reading");
    expect(NAME).toBe(`${INSTANCE}-2`);
  });
});
