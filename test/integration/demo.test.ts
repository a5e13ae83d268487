// `npm run demo`, end to end on the real emulator and Terraform. It runs in a phase of its own after the other suites
// (jest.config.js, JEST_PHASE=demo), so what it measures is the demo, not the machine's other work.
//
// The demo: the worker-fleet stack deployed by Terraform; a scale-in raises the lifecycle action, the emulator sends
// "EC2 Instance-terminate Lifecycle Action" to EventBridge, the lifecycle rule invokes the deployed start-drain, the
// drain runs against a simulated worker whose queue drains over a minute, and the action is completed (Drained).
// Under 3 minutes on an idle 2-core machine (deploy ~75 s, of which ~50 s are the AWS provider's own waits for the SQS
// queue's and its policy's attributes to propagate; drain ~95 s, of which 60 s are the simulated queue draining).
import { DEMO_DRAIN_SECONDS, DEMO_QUEUE_BYTES, type DemoResult, runDemo } from "../../scripts/demo";

jest.setTimeout(420_000);

describe("npm run demo", () => {
  let result: DemoResult;
  const lines: string[] = [];

  beforeAll(async () => {
    result = await runDemo({ log: (l) => lines.push(l) });
    console.log(`demo: ${JSON.stringify(result.seconds)}`);
  }, 420_000);

  test("the scale-in's lifecycle event reaches the deployed start-drain through EventBridge", () => {
    // Assess
    expect(result.deliveries).toHaveLength(1);
    const { Event: event, Rule: rule, Target: target } = result.deliveries[0]!;
    expect(rule).toBe("cribl-demo-drain-lifecycle-action");
    expect(target).toMatch(/:function:cribl-demo-drain-start$/);
    expect(event).toMatchObject({
      source: "aws.autoscaling",
      "detail-type": "EC2 Instance-terminate Lifecycle Action",
      time: expect.stringMatching(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
      detail: {
        EC2InstanceId: result.instanceId,
        AutoScalingGroupName: "cribl-demo-cribl-workers",
        LifecycleHookName: "Cribl-Scaledown-Hook",
        LifecycleTransition: "autoscaling:EC2_INSTANCE_TERMINATING",
        LifecycleActionToken: result.lifecycleActions[0]!.LifecycleActionToken,
      },
    });
    expect(result.executionArn).toMatch(new RegExp(`:${result.instanceId}-1$`));
    expect(result.events[0]).toMatchObject({ type: "started", startedBy: "event" });
  });

  test("the drain ends Drained: lifecycle action completed with CONTINUE, heartbeats recorded, instance gone", () => {
    // Assess
    expect(result.end).toMatchObject({ status: "SUCCEEDED", outcome: "Drained", drained: true, lastBytes: 0 });
    expect(result.lifecycleActions).toHaveLength(1);
    const checks = result.events.filter((e) => e.type === "check");
    expect(result.lifecycleActions[0]).toMatchObject({ State: "Completed", Result: "CONTINUE" });
    // One heartbeat per loop, one more during the graceful stop.
    expect(result.lifecycleActions[0]!.HeartbeatCount).toBeGreaterThanOrEqual(checks.length);
    expect(result.groupInstances.map((i) => i.instanceId)).not.toContain(result.instanceId);
    expect(result.groupInstances).toHaveLength(1);
    const steps = result.events.flatMap((e) => (e.type === "step" ? [e.state] : []));
    expect(steps.slice(-3)).toEqual(["SendGracefulStop", "GetGracefulStopResult", "CompleteLifecycleAction"]);
  });

  test("the readings show the queue going down to 0 bytes, and the proof taken with Cribl stopped", () => {
    // Assess: what the drain read (the CLI's follow events) and what the simulated worker answered.
    const readings = result.events.flatMap((e) =>
      e.type === "check" ? [[e.state, e.totalBytes, e.serviceActive]] : [],
    );
    const bytes = readings.map((r) => r[1] as number);
    expect(bytes[0]).toBe(DEMO_QUEUE_BYTES);
    expect(bytes.every((b, i) => i === 0 || b <= bytes[i - 1]!)).toBe(true);
    expect(bytes.filter((b) => b > 0 && b < DEMO_QUEUE_BYTES).length).toBeGreaterThanOrEqual(2);
    expect(readings.slice(-3)).toEqual([
      ["CheckQueues", 0, true],
      ["CheckQueues", 0, true],
      ["CheckQueuesAfterStop", 0, false],
    ]);
    const answered = result.worker!.Answers.filter((a) => a.Document === "queue-probe").map((a) => a.Bytes);
    expect(answered).toEqual(bytes);
    // The queue drained over the simulated minute, not at once.
    expect(result.seconds.drain).toBeGreaterThanOrEqual(DEMO_DRAIN_SECONDS);
  });

  test("prints the drain live with the drains CLI's lines", () => {
    // Assess
    const text = lines.join("\n");
    expect(text).toMatch(/EventBridge rule cribl-demo-drain-lifecycle-action delivered "EC2 Instance-terminate/);
    expect(text).toMatch(/check: 48\.0 MiB/);
    expect(text).toMatch(/> CompleteLifecycleAction/);
    expect(text).toMatch(/ended SUCCEEDED: Drained/);
    expect(text).toMatch(/Completed, result CONTINUE, \d+ heartbeats recorded/);
  });
});
