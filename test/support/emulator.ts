// The AWS emulator for integration tests: moto's server with the gaps this project needs filled
// (test/support/moto_launcher.py), on a free loopback port, in its own process group.
import { type ChildProcess, spawn } from "node:child_process";
import { createServer, type Socket } from "node:net";
import * as path from "node:path";
import { NodeHttpHandler } from "@smithy/node-http-handler";

export type LifecycleActionResult = "CONTINUE" | "ABANDON";

export interface LifecycleActionInput {
  AutoScalingGroupName: string;
  LifecycleHookName: string;
  InstanceId: string;
  /** Generated (a UUID) when omitted. */
  LifecycleActionToken?: string;
}

export interface LifecycleAction extends Required<LifecycleActionInput> {
  /** Pending until completed, expired, or replaced by a newer action for the same group, hook and instance. */
  State: "Pending" | "Completed" | "Expired" | "Replaced";
  HeartbeatCount: number;
  Result: LifecycleActionResult | null;
}

/** One scripted answer of the fake SSM agent. `Error` makes SendCommand itself fail with that AWS error code. */
export type SsmAgentResponse =
  | {
      Status: "Pending" | "InProgress" | "Delayed" | "Success" | "Cancelled" | "TimedOut" | "Failed" | "Cancelling";
      StatusDetails?: string;
      StandardOutputContent?: string;
      StandardErrorContent?: string;
      ResponseCode?: number;
    }
  | { Error: string; Message?: string };

export interface Emulator {
  endpoint: string;
  port: number;
  region: string;
  /** AWS_ENDPOINT_URL, AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, AWS_REGION and AWS_DEFAULT_REGION for child processes. */
  env: Record<string, string>;
  /** The launcher's process id (also its process group id). */
  pid: number;
  stop(): Promise<void>;
  /** Creates a pending lifecycle action; a matching moto ASG instance goes to `Terminating:Wait`. */
  addLifecycleAction(action: LifecycleActionInput): Promise<LifecycleAction>;
  /** Every action since the last reset, with heartbeat count and completion result. */
  listLifecycleActions(): Promise<LifecycleAction[]>;
  /** Expires the pending action(s) of an instance (as the heartbeat timeout would); false if none was pending. */
  expireLifecycleAction(instanceId: string): Promise<boolean>;
  /** Each SendCommand to the instance consumes the next answer; the last one repeats. */
  scriptSsmAgent(instanceId: string, responses: SsmAgentResponse[]): Promise<void>;
  /** Clears harness state (scripted answers, lifecycle actions); moto's own resources stay. */
  reset(): Promise<void>;
  /**
   * Makes the instance a simulated worker: its SSM agent answers our documents from its state (the probe with the
   * queue's bytes, the graceful-stop document by stopping or starting Cribl). The queue holds `queueBytes` at the
   * first probe and drains linearly over `drainSeconds` of Cribl running; `null` never drains.
   */
  simulateWorker(instanceId: string, worker: { queueBytes: number; drainSeconds: number | null }): Promise<void>;
  /** The simulated workers, each with every answer it gave (probe readings, stops and starts). */
  listWorkers(): Promise<SimulatedWorker[]>;
  /** Every EventBridge event the emulator delivered to a Lambda target (e.g. the lifecycle event to start-drain). */
  listEventDeliveries(): Promise<EventDelivery[]>;
}

export interface SimulatedWorker {
  InstanceId: string;
  QueueBytes: number;
  DrainSeconds: number | null;
  ServiceActive: boolean;
  Answers: Array<{ At: string; Document: string; Bytes?: number; ServiceActive: boolean }>;
}

export interface EventDelivery {
  Rule: string;
  /** The Lambda function's ARN. */
  Target: string;
  /** The event as the function received it. */
  Event: { "detail-type": string; source: string; time: string; detail: Record<string, unknown> } & Record<
    string,
    unknown
  >;
}

const LAUNCHER = path.join(__dirname, "moto_launcher.py");
const READY_TIMEOUT_MS = 30_000;
const STOP_GRACE_MS = 2_000;
const running = new Set<ChildProcess>();

// A leaked server must not outlive the test process: kill every group still running when node exits.
process.once("exit", () => {
  for (const child of running) killGroup(child, "SIGKILL");
});

function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid === undefined) return;
  try {
    process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => (port ? resolve(port) : reject(new Error("could not read a free port"))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function call<T>(endpoint: string, method: string, route: string, body?: unknown): Promise<T> {
  const res = await fetch(`${endpoint}${route}`, {
    method,
    headers: body === undefined ? undefined : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok && res.status !== 404) throw new Error(`${method} ${route} answered ${res.status}: ${text}`);
  return (text ? JSON.parse(text) : {}) as T;
}

export async function startEmulator(opts: { executeStateMachines?: boolean } = {}): Promise<Emulator> {
  // The free port is only reserved until we close it: retry if another process takes it before moto binds it.
  for (let attempt = 1; ; attempt++) {
    try {
      return await launch(await freePort(), opts);
    } catch (err) {
      if (attempt >= 3 || !/already in use|is in use/.test(String(err))) throw err;
    }
  }
}

async function launch(port: number, opts: { executeStateMachines?: boolean }): Promise<Emulator> {
  const endpoint = `http://127.0.0.1:${port}`;
  const region = "us-east-1";
  const child = spawn("python3", [LAUNCHER, String(port)], {
    detached: true, // own process group: stop() kills exactly this group
    stdio: ["ignore", "pipe", "pipe"],
    // AWS managed policies (AmazonSSMManagedInstanceCore for the worker role) exist in moto only when loaded.
    env: { ...process.env, MOTO_PORT: String(port), PYTHONUNBUFFERED: "1", MOTO_IAM_LOAD_MANAGED_POLICIES: "true" },
  });
  running.add(child);
  let stderr = "";
  child.stderr?.on("data", (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-8_000);
  });
  child.stdout?.resume();
  // Neither the child nor its pipes keep node alive; the 'exit' handler (and the launcher's parent watch) clean up.
  for (const stream of [child.stdout, child.stderr]) (stream as unknown as Socket | null)?.unref();
  let exitCode: number | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      exitCode = code ?? (signal ? -1 : 0);
      running.delete(child);
      resolve();
    });
  });
  child.unref();

  const stop = async (): Promise<void> => {
    if (exitCode !== null) return;
    killGroup(child, "SIGTERM");
    const grace = setTimeout(() => killGroup(child, "SIGKILL"), STOP_GRACE_MS);
    await exited;
    clearTimeout(grace);
  };

  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    if (exitCode !== null) {
      throw new Error(`moto_launcher exited (code ${exitCode}) before it was ready. stderr:\n${stderr}`);
    }
    try {
      const res = await fetch(`${endpoint}/moto-api/`, { signal: AbortSignal.timeout(2_000) });
      await res.arrayBuffer();
      if (res.ok) break;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) {
      await stop();
      throw new Error(`moto_launcher did not answer on ${endpoint} within ${READY_TIMEOUT_MS} ms. stderr:\n${stderr}`);
    }
    await sleep(100);
  }

  if (opts.executeStateMachines) {
    // Must precede CreateStateMachine: moto keeps executing machines in a separate backend.
    await call(endpoint, "POST", "/moto-api/config", { stepfunctions: { execute_state_machine: true } });
  }

  return {
    endpoint,
    port,
    region,
    pid: child.pid ?? -1,
    env: {
      AWS_ENDPOINT_URL: endpoint,
      AWS_ACCESS_KEY_ID: "test",
      AWS_SECRET_ACCESS_KEY: "test",
      AWS_REGION: region,
      AWS_DEFAULT_REGION: region,
    },
    stop,
    addLifecycleAction: (action) => call<LifecycleAction>(endpoint, "POST", "/_harness/lifecycle-actions", action),
    listLifecycleActions: async () =>
      (await call<{ LifecycleActions: LifecycleAction[] }>(endpoint, "GET", "/_harness/lifecycle-actions"))
        .LifecycleActions,
    expireLifecycleAction: async (instanceId) => {
      const res = await call<{ Expired?: LifecycleAction[] }>(
        endpoint,
        "DELETE",
        `/_harness/lifecycle-actions/${encodeURIComponent(instanceId)}`,
      );
      return (res.Expired ?? []).length > 0;
    },
    scriptSsmAgent: async (instanceId, responses) => {
      await call(endpoint, "POST", "/_harness/ssm-agent", { InstanceId: instanceId, Responses: responses });
    },
    reset: async () => {
      await call(endpoint, "POST", "/_harness/reset");
    },
    simulateWorker: async (instanceId, worker) => {
      await call(endpoint, "POST", "/_harness/workers", {
        InstanceId: instanceId,
        QueueBytes: worker.queueBytes,
        DrainSeconds: worker.drainSeconds,
      });
    },
    listWorkers: async () => (await call<{ Workers: SimulatedWorker[] }>(endpoint, "GET", "/_harness/workers")).Workers,
    listEventDeliveries: async () =>
      (await call<{ Deliveries: EventDelivery[] }>(endpoint, "GET", "/_harness/event-deliveries")).Deliveries,
  };
}

/** Configuration for AWS SDK v3 clients talking to the emulator (HTTP/1.1 handler, little retrying). */
export function awsClientConfig(emulator: Pick<Emulator, "endpoint" | "region">) {
  return {
    endpoint: emulator.endpoint,
    region: emulator.region,
    credentials: { accessKeyId: "test", secretAccessKey: "test" },
    requestHandler: new NodeHttpHandler(),
    maxAttempts: 2,
  };
}
