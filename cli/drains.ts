// `npm run drains -- list` and `npm run drains -- follow <drain>`: watch drains of the worker fleet's state machine.
// The state machine comes from --state-machine-arn or DRAIN_STATE_MACHINE_ARN (the worker-fleet stack's
// `state_machine_arn` output), or from an execution ARN given to follow. The region is the ARN's; credentials come
// from the usual AWS environment (AWS_ENDPOINT_URL points the CLI at an emulator).
import "../scripts/quiet-sdk";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import {
  drainSummariesJson,
  exitCodeOf,
  followDrain,
  followEventJson,
  formatDrainTable,
  formatFollowEvent,
  isExecutionArn,
  listDrains,
  regionOfArn,
  resolveDrain,
  type SfnPort,
  stateMachineArnOf,
} from "./drains-core";

const USAGE = `usage: npm run drains -- <command> [options]

commands:
  list                 running drains and the most recent ones, with their outcome
  follow <drain>       print a drain's checks, waits and failures as they happen, then a summary

Run "drains <command> --help" for the options of a command.
State machine: --state-machine-arn ARN or DRAIN_STATE_MACHINE_ARN. The region is taken from the ARN.`;

const LIST_HELP = `usage: npm run drains -- list [--recent N] [--state-machine-arn ARN] [--json]

Every RUNNING drain plus the N most recent executions (default 20), running first, newest first. Columns:
  INSTANCE    the instance being drained
  EXECUTION   the execution name, <instanceId>-<sequence> (give it to follow)
  STATUS      RUNNING, SUCCEEDED, FAILED, TIMED_OUT or ABORTED
  OUTCOME     the terminal state (Drained, LifecycleActionGone, GaveUpQueuesPreserved, ...); for a running drain,
              the state it is in, in parentheses
  STARTED     start time (UTC)
  DURATION    start to stop, or to now while running
  DEADLINE    time to the drain's deadline (running), or how much was left / how long it had passed at the end
  LAST BYTES  total queue bytes of the last check ("unknown (<reason>)" when it could not measure)

options:
  --recent N               how many recent executions besides the running ones (default 20)
  --state-machine-arn ARN  the drain state machine (default: DRAIN_STATE_MACHINE_ARN)
  --json                   one JSON array of drains (dates ISO 8601, durations in seconds)`;

const FOLLOW_HELP = `usage: npm run drains -- follow <execution-name | instance-id | execution-arn> [options]

Prints the drain as it goes: each queue check with its bytes per directory, the trend (bytes/min since the previous
check) and the estimated time to empty, the time to the deadline, the reason of every unknown reading, each wait with
its length, failed tasks, then a summary: outcome, last bytes, snapshot ids and the error of a Fail. A drain that
continues as a new execution is followed into it. An instance id follows that instance's newest drain.

exit status: 0 when the drain ended Drained or LifecycleActionGone (nothing lost), 1 for any other end (a Fail state,
a time-out, an abort), 2 for a usage or AWS error.

options:
  --state-machine-arn ARN  the drain state machine (default: DRAIN_STATE_MACHINE_ARN; not needed with an execution ARN)
  --poll-seconds S         how often to read the history (default 5)
  --json                   one JSON document per line per event ("type": started, check, check-failed, wait, step,
                           task-failed, end)`;

export class UsageError extends Error {}

export interface DrainsArgs {
  command: "list" | "follow";
  help: boolean;
  target: string | undefined;
  stateMachineArn: string | undefined;
  region: string | undefined;
  recent: number;
  pollSeconds: number;
  json: boolean;
}

const BOOLEAN_FLAGS = new Set(["json", "help"]);
const VALUE_FLAGS = new Set(["recent", "state-machine-arn", "poll-seconds"]);

export function parseArgs(argv: string[], env: NodeJS.ProcessEnv = process.env): DrainsArgs {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "-h") flags.help = "true";
    else if (arg.startsWith("--")) {
      const [name, inline] = arg.slice(2).split(/=(.*)/s, 2) as [string, string | undefined];
      if (BOOLEAN_FLAGS.has(name)) flags[name] = "true";
      else if (VALUE_FLAGS.has(name)) {
        const value = inline ?? argv[++i];
        if (value === undefined) throw new UsageError(`--${name} needs a value`);
        flags[name] = value;
      } else throw new UsageError(`unknown option --${name}`);
    } else positional.push(arg);
  }
  const [command, target] = positional;
  const help = flags.help === "true";
  if (command !== "list" && command !== "follow") {
    if (help || command === undefined) return { ...defaults(), help: true };
    throw new UsageError(`unknown command ${command}`);
  }
  const number = (name: string, fallback: number) => {
    const n = Number(flags[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`--${name} must be a positive integer`);
    return n;
  };
  const args: DrainsArgs = {
    command,
    help,
    target,
    stateMachineArn: flags["state-machine-arn"] ?? env.DRAIN_STATE_MACHINE_ARN,
    region: undefined,
    recent: number("recent", 20),
    pollSeconds: number("poll-seconds", 5),
    json: flags.json === "true",
  };
  if (help) return args;
  if (command === "follow" && !target) throw new UsageError("follow needs an execution name, instance id or ARN");
  const executionArn = command === "follow" && target && isExecutionArn(target) ? target : undefined;
  args.stateMachineArn ??= executionArn ? stateMachineArnOf(executionArn) : undefined;
  if (!args.stateMachineArn) throw new UsageError("set --state-machine-arn or DRAIN_STATE_MACHINE_ARN");
  args.region = regionOfArn(executionArn ?? args.stateMachineArn) ?? env.AWS_REGION ?? env.AWS_DEFAULT_REGION;
  if (!args.region)
    throw new UsageError(`cannot read a region from ${args.stateMachineArn}; is it a state machine ARN?`);
  return args;
}

function defaults(): DrainsArgs {
  return {
    command: "list",
    help: false,
    target: undefined,
    stateMachineArn: undefined,
    region: undefined,
    recent: 20,
    pollSeconds: 5,
    json: false,
  };
}

export function helpFor(argv: string[]): string {
  if (argv.includes("list")) return LIST_HELP;
  if (argv.includes("follow")) return FOLLOW_HELP;
  return USAGE;
}

function sfnPort(region: string): SfnPort {
  const client = new SFNClient({ region });
  return {
    listExecutions: (i) => client.send(new ListExecutionsCommand(i)),
    getExecutionHistory: (i) => client.send(new GetExecutionHistoryCommand(i)),
    describeExecution: (i) => client.send(new DescribeExecutionCommand(i)),
  };
}

async function main(argv: string[]): Promise<number> {
  let args: DrainsArgs;
  try {
    args = parseArgs(argv);
  } catch (e) {
    if (!(e instanceof UsageError)) throw e;
    console.error(`${e.message}\n\n${helpFor(argv)}`);
    return 2;
  }
  if (args.help) {
    console.log(helpFor(argv));
    return 0;
  }
  const sfn = sfnPort(args.region!);
  if (args.command === "list") {
    const rows = await listDrains(sfn, args.stateMachineArn!, { recent: args.recent });
    console.log(args.json ? JSON.stringify(drainSummariesJson(rows)) : formatDrainTable(rows));
    return 0;
  }
  const drain = await resolveDrain(sfn, args.stateMachineArn, args.target!);
  if (!args.json) console.log(`following ${drain.name} (${drain.executionArn})`);
  const end = await followDrain(
    sfn,
    drain.executionArn,
    (e) => console.log(args.json ? followEventJson(e) : formatFollowEvent(e)),
    { pollMs: args.pollSeconds * 1000 },
  );
  return exitCodeOf(end);
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err instanceof Error ? err.message : String(err));
      process.exitCode = 2;
    },
  );
}
