// `npm run demo`: a drain you can watch without AWS. Starts the moto emulator, deploys the worker-fleet stack
// (scripts/demo-config.ts: two workers, short timings; the log-routing stack plays no part in a drain and is not
// deployed), makes both workers simulated ones (their SSM agent answers our probe and graceful-stop documents from a
// queue that drains over about a minute), and scales the group in to one. Then everything runs as deployed: the
// emulator holds the chosen instance in Terminating:Wait and sends "EC2 Instance-terminate Lifecycle Action" to
// EventBridge, whose lifecycle rule invokes start-drain; start-drain starts the drain; the state machine records
// heartbeats, runs check-queue (which sends the probe over SSM), stops Cribl for the proof reading and completes the
// lifecycle action. The drains CLI's followDrain prints it live. At the end: the lifecycle action as Auto Scaling saw
// it (state, result, heartbeats), and the group, then the emulator stops and the temporary directory goes.
//
//   --stuck   the queue never drains: the 60 s deadline passes, Cribl is stopped, the queue volume is snapshotted and
//             the drain ends in the GaveUpQueuesPreserved Fail (about 4 minutes: the drain waits 130 s for the stop)
//   --keep    stay up at the end until Ctrl-C, printing where the state lives and the commands to look around
import "./quiet-sdk";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import {
  AutoScalingClient,
  DescribeAutoScalingGroupsCommand,
  SetDesiredCapacityCommand,
} from "@aws-sdk/client-auto-scaling";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import {
  type DrainEnd,
  type FollowEvent,
  followDrain,
  formatFollowEvent,
  regionOfArn,
  type SfnPort,
} from "../cli/drains-core";
import {
  awsClientConfig,
  type Emulator,
  type EventDelivery,
  type LifecycleAction,
  type SimulatedWorker,
  startEmulator,
} from "../test/support/emulator";
import { onInterrupt, outputCommand, untilSignal } from "./deploy-local";
import { converge, emulatorTerraformEnv, synthForEmulator } from "./local-cycle";
import { PROJECT_ROOT, stackDirs, terraformOk } from "./terraform";

/** Bytes queued on the worker when the drain begins (shown by the CLI as MiB). */
export const DEMO_QUEUE_BYTES = 48 * 1024 * 1024;
/** Seconds of Cribl running the simulated queue needs to drain. */
export const DEMO_DRAIN_SECONDS = 60;
const STACK = "worker-fleet";

export interface DemoOptions {
  /** A queue that never drains: the deadline (60 s) passes and the drain gives up with a snapshot. */
  stuck?: boolean;
  /** Called with every line the demo prints. */
  log?: (line: string) => void;
  /** Called once the drain has ended, before cleaning up (`--keep` waits here). */
  beforeCleanup?: (demo: DemoRun) => Promise<void>;
  /** Receives the cleanup (stop the emulator, remove the directory) as soon as there is something to clean. */
  onCleanup?: (cleanup: () => Promise<void>) => void;
}

export interface DemoRun {
  emulator: Emulator;
  workdir: string;
  stackDir: string;
  outputs: Record<string, string>;
}

export interface DemoResult {
  instanceId: string;
  executionArn: string;
  /** Every event followDrain emitted, in order. */
  events: FollowEvent[];
  end: DrainEnd | null;
  /** The lifecycle action(s) of the drained instance, as the emulator's Auto Scaling recorded them. */
  lifecycleActions: LifecycleAction[];
  /** The lifecycle event(s) EventBridge delivered to start-drain. */
  deliveries: EventDelivery[];
  worker: SimulatedWorker | undefined;
  /** The group's instances after the drain. */
  groupInstances: Array<{ instanceId: string; lifecycleState: string }>;
  seconds: { deploy: number; eventToExecution: number; drain: number; total: number };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function waitFor<T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined>): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const found = await probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what}: nothing after ${Math.round(timeoutMs / 1000)} s`);
    await sleep(500);
  }
}

export async function runDemo(opts: DemoOptions = {}): Promise<DemoResult> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const started = Date.now();
  const workdir = fs.mkdtempSync(path.join(os.tmpdir(), "cdktf-demo-"));
  let emulator: Emulator | undefined;
  const clients: Array<{ destroy(): void }> = [];
  let cleaned = false;
  const cleanup = async () => {
    if (cleaned) return;
    cleaned = true;
    for (const c of clients) c.destroy();
    await emulator?.stop();
    fs.rmSync(workdir, { recursive: true, force: true });
  };
  opts.onCleanup?.(cleanup);
  try {
    // Step Functions must execute what Terraform creates: switched on before CreateStateMachine.
    emulator = await startEmulator({ executeStateMachines: true });
    log(`moto emulator on ${emulator.endpoint}; working directory ${workdir}`);

    // 1. Deploy the worker-fleet stack with the demo configuration.
    const deadlineSeconds = opts.stuck ? 60 : 300;
    const outdir = synthForEmulator(
      {
        endpoint: emulator.endpoint,
        configFile: path.join(PROJECT_ROOT, "scripts", "demo-config.ts"),
        env: { DEMO_DRAIN_DEADLINE_SECONDS: String(deadlineSeconds) },
      },
      workdir,
    );
    const stackDir = stackDirs(outdir).find((d) => path.basename(d) === STACK);
    if (!stackDir) throw new Error(`synth produced no ${STACK} stack in ${outdir}`);
    const tfEnv = emulatorTerraformEnv();
    const step = (l: string) => log(`  ${l}`);
    step(`${STACK}: terraform init`);
    await terraformOk(["init", "-input=false"], stackDir, tfEnv);
    step(`${STACK}: terraform apply (scripts/demo-config.ts: 2 workers, drain deadline ${deadlineSeconds} s)`);
    await converge(["apply", "-auto-approve", "-input=false"], stackDir, tfEnv, step);
    const raw = JSON.parse(await terraformOk(["output", "-json"], stackDir, tfEnv)) as Record<
      string,
      { value: string }
    >;
    const outputs = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, v.value]));
    const deploySeconds = (Date.now() - started) / 1000;
    log(
      `deployed in ${deploySeconds.toFixed(0)} s: group ${outputs.autoscaling_group_name}, hook ${outputs.lifecycle_hook_name}`,
    );

    const region = regionOfArn(outputs.state_machine_arn!) ?? emulator.region;
    const config = { ...awsClientConfig(emulator), region };
    const autoscaling = new AutoScalingClient(config);
    const sfnClient = new SFNClient(config);
    clients.push(autoscaling, sfnClient);
    const sfn: SfnPort = {
      listExecutions: (i) => sfnClient.send(new ListExecutionsCommand(i)),
      getExecutionHistory: (i) => sfnClient.send(new GetExecutionHistoryCommand(i)),
      describeExecution: (i) => sfnClient.send(new DescribeExecutionCommand(i)),
    };
    const groupName = outputs.autoscaling_group_name!;
    const describeGroup = async () =>
      (
        await autoscaling.send(new DescribeAutoScalingGroupsCommand({ AutoScalingGroupNames: [groupName] }))
      ).AutoScalingGroups?.[0]?.Instances?.map((i) => ({
        instanceId: i.InstanceId!,
        lifecycleState: i.LifecycleState!,
      })) ?? [];

    // 2. Both workers are simulated: whichever the group picks answers the probe from its draining queue.
    const before = await describeGroup();
    for (const i of before) {
      await emulator.simulateWorker(i.instanceId, {
        queueBytes: DEMO_QUEUE_BYTES,
        drainSeconds: opts.stuck ? null : DEMO_DRAIN_SECONDS,
      });
    }
    const queue = opts.stuck ? "that never drains" : `that drains in ${DEMO_DRAIN_SECONDS} s of Cribl running`;
    log(
      `workers ${before.map((i) => `${i.instanceId} (${i.lifecycleState})`).join(", ")}: each with a 48 MiB queue ${queue}`,
    );

    // 3. Scale in: the emulator raises the lifecycle action and sends the event to EventBridge -> start-drain.
    log(`scale in: SetDesiredCapacity ${groupName} 2 -> 1`);
    const scaledAt = Date.now();
    await autoscaling.send(
      new SetDesiredCapacityCommand({ AutoScalingGroupName: groupName, DesiredCapacity: 1, HonorCooldown: false }),
    );
    const leaving = (await describeGroup()).find((i) => i.lifecycleState === "Terminating:Wait");
    if (!leaving) throw new Error("no instance entered Terminating:Wait on scale-in");
    const instanceId = leaving.instanceId;
    log(`${instanceId} is in Terminating:Wait (lifecycle action raised)`);
    const delivery = await waitFor("the lifecycle event at start-drain", 30_000, async () =>
      (await emulator!.listEventDeliveries()).find(
        (d) =>
          d.Event.detail?.EC2InstanceId === instanceId &&
          d.Target.endsWith(`:function:${outputs.start_drain_function_name}`),
      ),
    );
    log(
      `EventBridge rule ${delivery.Rule} delivered "${delivery.Event["detail-type"]}" (${delivery.Event.source}, time ${delivery.Event.time}) to ${delivery.Target.split(":").pop()}`,
    );
    const execution = await waitFor("the drain execution", 90_000, async () => {
      const page = await sfn.listExecutions({ stateMachineArn: outputs.state_machine_arn!, maxResults: 100 });
      return page.executions?.find((e) => e.name?.startsWith(`${instanceId}-`));
    });
    const eventToExecution = (Date.now() - scaledAt) / 1000;
    log(`start-drain started ${execution.name} (${eventToExecution.toFixed(0)} s after the scale-in)\n`);

    // 4. Watch it with the drains CLI's own follow.
    const events: FollowEvent[] = [];
    const drainStarted = Date.now();
    const end = await followDrain(
      sfn,
      execution.executionArn!,
      (e) => {
        events.push(e);
        log(formatFollowEvent(e));
      },
      { pollMs: 2000 },
    );
    const drainSeconds = (Date.now() - drainStarted) / 1000;

    // 5. What Auto Scaling saw.
    const lifecycleActions = (await emulator.listLifecycleActions()).filter((a) => a.InstanceId === instanceId);
    const worker = (await emulator.listWorkers()).find((w) => w.InstanceId === instanceId);
    const groupInstances = await describeGroup();
    const deliveries = (await emulator.listEventDeliveries()).filter(
      (d) => d.Event.detail?.EC2InstanceId === instanceId,
    );
    log("");
    for (const a of lifecycleActions) {
      log(
        `lifecycle action of ${a.InstanceId} (${a.LifecycleHookName}): ${a.State}, result ${a.Result ?? "none"}, ${a.HeartbeatCount} heartbeats recorded`,
      );
    }
    const probes = worker?.Answers.filter((a) => a.Document === "queue-probe") ?? [];
    log(`probe readings on the worker: ${probes.map((p) => p.Bytes).join(" -> ")} bytes`);
    log(
      `group now: ${groupInstances.map((i) => `${i.instanceId} (${i.lifecycleState})`).join(", ") || "no instances"}`,
    );
    const total = (Date.now() - started) / 1000;
    log(
      `deploy ${deploySeconds.toFixed(0)} s, scale-in to drain start ${eventToExecution.toFixed(0)} s, drain ${drainSeconds.toFixed(0)} s, total ${total.toFixed(0)} s`,
    );

    await opts.beforeCleanup?.({ emulator, workdir, stackDir, outputs });
    return {
      instanceId,
      executionArn: execution.executionArn!,
      events,
      end,
      lifecycleActions,
      deliveries,
      worker,
      groupInstances,
      seconds: { deploy: deploySeconds, eventToExecution, drain: drainSeconds, total },
    };
  } finally {
    await cleanup();
  }
}

async function main(): Promise<number> {
  const args = process.argv.slice(2);
  const unknown = args.filter((a) => a !== "--stuck" && a !== "--keep");
  if (unknown.length > 0) {
    console.error(`unknown argument ${unknown[0]}\nusage: npm run demo -- [--stuck] [--keep]`);
    return 2;
  }
  const keep = args.includes("--keep");
  let interrupt: { disarm(): void } | undefined;
  const result = await runDemo({
    stuck: args.includes("--stuck"),
    // Ctrl-C while deploying or draining: stop the emulator, remove the directory, exit 130.
    onCleanup: (cleanup) => {
      interrupt = onInterrupt(cleanup, "stopping the emulator and removing the working directory");
    },
    beforeCleanup: keep
      ? async ({ emulator, workdir, stackDir, outputs }) => {
          interrupt?.disarm();
          const signal = untilSignal();
          console.log(`\nKept: the emulator at ${emulator.endpoint}; state and synthesized stack in ${workdir}`);
          console.log(`  state: ${path.join(workdir, `terraform.${STACK}.tfstate`)}`);
          console.log(`  ${outputCommand(stackDir)}`);
          console.log(
            `  AWS_ENDPOINT_URL=${emulator.endpoint} AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test DRAIN_STATE_MACHINE_ARN=${outputs.state_machine_arn} npm run drains -- list`,
          );
          console.log(`Ctrl-C stops the emulator (the resources live only in its memory) and removes ${workdir}.`);
          console.log(`${await signal}: stopping the emulator and removing ${workdir}`);
        }
      : undefined,
  });
  return result.end?.outcome === (args.includes("--stuck") ? "GaveUpQueuesPreserved" : "Drained") ? 0 : 1;
}

if (require.main === module) {
  main().then(
    (code) => {
      process.exitCode = code;
    },
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exitCode = 1;
    },
  );
}
