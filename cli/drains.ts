// `npm run drains -- list [--recent N]` and `npm run drains -- follow <execution-name-or-instance-id>`: watch drains of
// the worker fleet's state machine. The state machine comes from --state-machine-arn or DRAIN_STATE_MACHINE_ARN (the
// worker-fleet stack's `state_machine_arn` output); credentials and region from the usual AWS environment.
import "../scripts/quiet-sdk";
import {
  DescribeExecutionCommand,
  GetExecutionHistoryCommand,
  ListExecutionsCommand,
  SFNClient,
} from "@aws-sdk/client-sfn";
import { followDrain, formatDrainTable, listDrains, resolveDrain, type SfnPort } from "./drains-core";

const USAGE = `usage:
  drains list [--recent N] [--state-machine-arn ARN]
  drains follow <execution-name-or-instance-id> [--state-machine-arn ARN] [--poll-seconds S]`;

export function parseArgs(argv: string[]) {
  const flags: Record<string, string> = {};
  const positional: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg.startsWith("--")) {
      const value = argv[i + 1];
      if (value === undefined) throw new Error(`${arg} needs a value\n${USAGE}`);
      flags[arg.slice(2)] = value;
      i++;
    } else positional.push(arg);
  }
  const [command, target] = positional;
  if (command !== "list" && command !== "follow") throw new Error(USAGE);
  if (command === "follow" && !target) throw new Error(`follow needs an execution name or instance id\n${USAGE}`);
  const stateMachineArn = flags["state-machine-arn"] ?? process.env.DRAIN_STATE_MACHINE_ARN;
  if (!stateMachineArn) throw new Error(`set --state-machine-arn or DRAIN_STATE_MACHINE_ARN\n${USAGE}`);
  const number = (name: string, fallback: number) => {
    const n = Number(flags[name] ?? fallback);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} must be a positive integer`);
    return n;
  };
  return {
    command,
    target,
    stateMachineArn,
    recent: number("recent", 20),
    pollSeconds: number("poll-seconds", 5),
  };
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  const client = new SFNClient({});
  const sfn: SfnPort = {
    listExecutions: (i) => client.send(new ListExecutionsCommand(i)),
    getExecutionHistory: (i) => client.send(new GetExecutionHistoryCommand(i)),
    describeExecution: (i) => client.send(new DescribeExecutionCommand(i)),
  };
  if (args.command === "list") {
    console.log(formatDrainTable(await listDrains(sfn, args.stateMachineArn, { recent: args.recent })));
    return;
  }
  const execution = await resolveDrain(sfn, args.stateMachineArn, args.target!);
  console.log(`following ${execution.name} (${execution.executionArn})`);
  const status = await followDrain(sfn, execution.executionArn!, (line) => console.log(line), {
    pollMs: args.pollSeconds * 1000,
  });
  console.log(`drain ${execution.name} ended: ${status}`);
  if (status !== "SUCCEEDED") process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  });
}
