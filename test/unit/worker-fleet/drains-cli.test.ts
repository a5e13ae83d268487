// The drains CLI core against a fake Step Functions client holding realistic executions and histories.
import type {
  DescribeExecutionCommandInput,
  ExecutionListItem,
  GetExecutionHistoryCommandInput,
  HistoryEvent,
  ListExecutionsCommandInput,
} from "@aws-sdk/client-sfn";
import { parseArgs } from "../../../cli/drains";
import {
  checkBytesOf,
  describeEvent,
  followDrain,
  formatDrainTable,
  listDrains,
  resolveDrain,
  type SfnPort,
} from "../../../cli/drains-core";

const SM = "arn:aws:states:eu-west-1:123456789012:stateMachine:cribl-demo-drain";
const execArn = (name: string) => `arn:aws:states:eu-west-1:123456789012:execution:cribl-demo-drain:${name}`;

function execution(name: string, status: string, startedMinute: number): ExecutionListItem {
  return {
    executionArn: execArn(name),
    stateMachineArn: SM,
    name,
    status: status as ExecutionListItem["status"],
    startDate: new Date(Date.UTC(2026, 0, 5, 10, startedMinute)),
    stopDate: status === "RUNNING" ? undefined : new Date(Date.UTC(2026, 0, 5, 11, startedMinute)),
  };
}

const checkOutput = (totalBytes: number | null) =>
  JSON.stringify({ StatusCode: 200, Payload: { result: "ok", totalBytes, queues: [], serviceActive: true } });

function history(...events: Array<Omit<HistoryEvent, "id" | "timestamp">>): HistoryEvent[] {
  return events.map(
    (e, i) => ({ ...e, id: i + 1, timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, i)) }) as HistoryEvent,
  );
}

class FakeSfn implements SfnPort {
  readonly calls: string[] = [];
  constructor(
    public executions: ExecutionListItem[],
    public histories: Record<string, HistoryEvent[]>,
    public statuses: Record<string, string[]> = {},
  ) {}
  async listExecutions(input: ListExecutionsCommandInput) {
    this.calls.push(`list ${input.statusFilter ?? "ALL"}`);
    const matching = this.executions.filter((e) => !input.statusFilter || e.status === input.statusFilter);
    const start = Number(input.nextToken ?? 0);
    const size = input.maxResults ?? 100;
    const page = matching.slice(start, start + size);
    const next = start + size < matching.length ? String(start + size) : undefined;
    return { executions: page, nextToken: next, $metadata: {} };
  }
  async getExecutionHistory(input: GetExecutionHistoryCommandInput) {
    const events = [...(this.histories[input.executionArn!] ?? [])];
    return { events: input.reverseOrder ? events.reverse() : events, $metadata: {} };
  }
  async describeExecution(input: DescribeExecutionCommandInput) {
    const queue = this.statuses[input.executionArn!] ?? ["SUCCEEDED"];
    const status = (queue.length > 1 ? queue.shift() : queue[0]) as "RUNNING";
    return { executionArn: input.executionArn, status, stateMachineArn: SM, startDate: new Date(), $metadata: {} };
  }
}

const drainingHistory = history(
  { type: "ExecutionStarted", executionStartedEventDetails: { input: "{}" } },
  { type: "TaskStateEntered", stateEnteredEventDetails: { name: "CheckQueues" } },
  {
    type: "TaskSucceeded",
    taskSucceededEventDetails: { resource: "invoke", resourceType: "lambda", output: checkOutput(5120) },
  },
  { type: "WaitStateEntered", stateEnteredEventDetails: { name: "WaitBeforeNextCheck" } },
  { type: "TaskStateEntered", stateEnteredEventDetails: { name: "CheckQueues" } },
  {
    type: "TaskSucceeded",
    taskSucceededEventDetails: { resource: "invoke", resourceType: "lambda", output: checkOutput(1024) },
  },
  {
    type: "TaskSucceeded",
    taskSucceededEventDetails: {
      resource: "recordLifecycleActionHeartbeat",
      resourceType: "aws-sdk:autoscaling",
      output: "{}",
    },
  },
);

describe("drains CLI core", () => {
  it("lists running drains first, then recent ones, with the instance and the last check's bytes", async () => {
    // Prepare
    const sfn = new FakeSfn(
      [
        execution("i-0aaaaaaaaaaaaaaa1-1a2b3c4d", "SUCCEEDED", 1),
        execution("i-0bbbbbbbbbbbbbbb2-5e6f7a8b", "RUNNING", 2),
        execution("i-0ccccccccccccccc3-r1b2c3d", "FAILED", 3),
      ],
      { [execArn("i-0bbbbbbbbbbbbbbb2-5e6f7a8b")]: drainingHistory },
    );
    // Act
    const rows = await listDrains(sfn, SM, { recent: 10 });
    // Assess
    expect(rows.map((r) => [r.name, r.instanceId, r.status, r.lastCheckBytes])).toEqual([
      ["i-0bbbbbbbbbbbbbbb2-5e6f7a8b", "i-0bbbbbbbbbbbbbbb2", "RUNNING", 1024],
      ["i-0ccccccccccccccc3-r1b2c3d", "i-0ccccccccccccccc3", "FAILED", null],
      ["i-0aaaaaaaaaaaaaaa1-1a2b3c4d", "i-0aaaaaaaaaaaaaaa1", "SUCCEEDED", null],
    ]);
    expect(sfn.calls).toEqual(["list RUNNING", "list ALL"]);
    const table = formatDrainTable(rows);
    expect(table.split("\n")[0]).toMatch(/^NAME\s+INSTANCE\s+STATUS\s+STARTED\s+LAST CHECK BYTES$/);
    expect(table).toContain("2026-01-05T10:02:00Z");
  });

  it("pages through running executions", async () => {
    const running = Array.from({ length: 150 }, (_, i) =>
      execution(`i-0${String(i).padStart(16, "0")}-abcdefgh`, "RUNNING", i % 60),
    );
    const sfn = new FakeSfn(running, {});
    expect(await listDrains(sfn, SM, { recent: 5 })).toHaveLength(150);
  });

  it("finds a drain by execution name or by the newest drain of an instance", async () => {
    const sfn = new FakeSfn(
      [execution("i-0aaaaaaaaaaaaaaa1-1a2b3c4d", "FAILED", 1), execution("i-0aaaaaaaaaaaaaaa1-r9z8y7x", "RUNNING", 9)],
      {},
    );
    expect((await resolveDrain(sfn, SM, "i-0aaaaaaaaaaaaaaa1-1a2b3c4d")).status).toBe("FAILED");
    expect((await resolveDrain(sfn, SM, "i-0aaaaaaaaaaaaaaa1")).name).toBe("i-0aaaaaaaaaaaaaaa1-r9z8y7x");
    await expect(resolveDrain(sfn, SM, "i-0nothere0000000")).rejects.toThrow(/no drain named/);
  });

  it("follows a drain, printing each new event once, until it ends", async () => {
    // Prepare: the history grows between polls; the execution ends on the third.
    const arn = execArn("i-0bbbbbbbbbbbbbbb2-5e6f7a8b");
    const sfn = new FakeSfn([], { [arn]: drainingHistory.slice(0, 3) }, { [arn]: ["RUNNING", "RUNNING", "FAILED"] });
    const printed: string[] = [];
    let polls = 0;
    const sleep = async () => {
      polls++;
      if (polls === 1) sfn.histories[arn] = drainingHistory;
      if (polls === 2) {
        sfn.histories[arn] = [
          ...drainingHistory,
          {
            id: 8,
            timestamp: new Date(Date.UTC(2026, 0, 5, 10, 0, 8)),
            type: "ExecutionFailed",
            executionFailedEventDetails: { error: "DrainGaveUp", cause: "deadline reached; snapshots taken" },
          },
        ];
      }
    };
    // Act
    const status = await followDrain(sfn, arn, (l) => printed.push(l), { sleep });
    // Assess
    expect(status).toBe("FAILED");
    expect(printed).toEqual([
      "2026-01-05T10:00:00Z  drain started",
      "2026-01-05T10:00:01Z  > CheckQueues",
      "2026-01-05T10:00:02Z    queue check: 5120 bytes",
      "2026-01-05T10:00:03Z  > WaitBeforeNextCheck (waiting)",
      "2026-01-05T10:00:04Z  > CheckQueues",
      "2026-01-05T10:00:05Z    queue check: 1024 bytes",
      "2026-01-05T10:00:06Z    recordLifecycleActionHeartbeat ok",
      "2026-01-05T10:00:08Z  drain FAILED: DrainGaveUp deadline reached; snapshots taken",
    ]);
  });

  it("reads check bytes from the invoke envelope or the bare payload, and null when unknown", () => {
    expect(checkBytesOf(checkOutput(7))).toBe(7);
    expect(checkBytesOf(JSON.stringify({ totalBytes: 0 }))).toBe(0);
    expect(checkBytesOf(checkOutput(null))).toBeNull();
    expect(checkBytesOf("{}")).toBeUndefined();
    expect(checkBytesOf("not json")).toBeUndefined();
    expect(describeEvent({ id: 1, timestamp: new Date(0), type: "LambdaFunctionScheduled" })).toBeUndefined();
  });

  it("parses the command line, requiring a state machine", () => {
    process.env.DRAIN_STATE_MACHINE_ARN = SM;
    try {
      expect(parseArgs(["list"])).toMatchObject({ command: "list", stateMachineArn: SM, recent: 20 });
      expect(parseArgs(["follow", "i-0abc", "--poll-seconds", "2"])).toMatchObject({
        target: "i-0abc",
        pollSeconds: 2,
      });
      expect(() => parseArgs(["follow"])).toThrow(/needs an execution name/);
      expect(() => parseArgs(["delete"])).toThrow(/usage/);
      delete process.env.DRAIN_STATE_MACHINE_ARN;
      expect(() => parseArgs(["list"])).toThrow(/DRAIN_STATE_MACHINE_ARN/);
    } finally {
      delete process.env.DRAIN_STATE_MACHINE_ARN;
    }
  });
});
