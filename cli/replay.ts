// `npm run replay -- <location> [--stream NAME|ARN] [--dry-run] [--marker FILE]`: re-sends failed records (their
// original Kinesis record bytes) into a stream once the cause of their failure is fixed. The location is an S3 prefix
// (`s3://<failed-records bucket>/<prefix>`) or a local .jsonl file or directory. The stream defaults to
// REPLAY_STREAM, else the log-routing stack's `router_stream_name` output (read with `terraform output` from
// cdktf.out/stacks/log-routing). Credentials and region from the usual AWS environment. Logic: cli/replay-core.ts.
import "../scripts/quiet-sdk";
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as path from "node:path";
import { KinesisClient, PutRecordsCommand } from "@aws-sdk/client-kinesis";
import { GetObjectCommand, ListObjectsV2Command, S3Client } from "@aws-sdk/client-s3";
import { NodeHttpHandler } from "@smithy/node-http-handler";
import { formatSummary, type KinesisPort, type MarkerPort, replay, type SourcePort } from "./replay-core";

const USAGE = `usage:
  replay <s3://bucket/prefix | file.jsonl | directory> [--stream NAME|ARN] [--dry-run] [--marker FILE]

  --stream   target stream (default: $REPLAY_STREAM, else the log-routing stack's router_stream_name output)
  --dry-run  read and check everything, list what would be sent, send nothing
  --marker   file of records already replayed: skipped on later runs, appended as records are sent`;

export interface ReplayArgs {
  location: string;
  stream: string | undefined;
  dryRun: boolean;
  marker: string | undefined;
}

export function parseArgs(argv: string[]): ReplayArgs {
  const positional: string[] = [];
  let stream: string | undefined;
  let marker: string | undefined;
  let dryRun = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i]!;
    if (arg === "--dry-run") dryRun = true;
    else if (arg === "--stream" || arg === "--marker") {
      const value = argv[++i];
      if (value === undefined || value.startsWith("--")) throw new Error(`${arg} needs a value\n${USAGE}`);
      if (arg === "--stream") stream = value;
      else marker = value;
    } else if (arg.startsWith("--")) throw new Error(`unknown option ${arg}\n${USAGE}`);
    else positional.push(arg);
  }
  if (positional.length !== 1) throw new Error(`give exactly one failed-records location\n${USAGE}`);
  return { location: positional[0]!, stream, dryRun, marker };
}

export function parseS3Uri(uri: string): { bucket: string; prefix: string } | undefined {
  const m = /^s3:\/\/([^/]+)\/?(.*)$/.exec(uri);
  return m ? { bucket: m[1]!, prefix: m[2]! } : undefined;
}

export function s3Source(s3: S3Client, bucket: string, prefix: string): SourcePort {
  return {
    async list() {
      const keys: string[] = [];
      let token: string | undefined;
      do {
        const page = await s3.send(
          new ListObjectsV2Command({ Bucket: bucket, Prefix: prefix || undefined, ContinuationToken: token }),
        );
        for (const o of page.Contents ?? []) if (o.Key?.endsWith(".jsonl")) keys.push(o.Key);
        token = page.IsTruncated ? page.NextContinuationToken : undefined;
      } while (token);
      return keys.sort();
    },
    async read(key) {
      const out = await s3.send(new GetObjectCommand({ Bucket: bucket, Key: key }));
      return (await out.Body?.transformToString("utf8")) ?? "";
    },
  };
}

export function localSource(location: string): SourcePort {
  return {
    async list() {
      if (!fs.statSync(location).isDirectory()) return [location];
      const files: string[] = [];
      const walk = (dir: string) => {
        for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
          const p = path.join(dir, e.name);
          if (e.isDirectory()) walk(p);
          else if (e.name.endsWith(".jsonl")) files.push(p);
        }
      };
      walk(location);
      return files.sort();
    },
    async read(file) {
      return fs.readFileSync(file, "utf8");
    },
  };
}

/** A JSON-lines file of replayed record keys (`{"key": ..., "at": ...}`), appended as records are sent. */
export function fileMarker(file: string): MarkerPort {
  return {
    async load() {
      if (!fs.existsSync(file)) return new Set();
      const keys = new Set<string>();
      for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        if (line.trim() === "") continue;
        const key = (JSON.parse(line) as { key?: unknown }).key;
        if (typeof key === "string") keys.add(key);
      }
      return keys;
    },
    async add(keys) {
      const at = new Date().toISOString();
      fs.appendFileSync(file, keys.map((key) => `${JSON.stringify({ key, at })}\n`).join(""));
    },
  };
}

export function kinesisPort(client: KinesisClient): KinesisPort {
  return { putRecords: (input) => client.send(new PutRecordsCommand(input)) };
}

function routerStreamFromTerraform(): string {
  const dir = path.join(__dirname, "..", "cdktf.out", "stacks", "log-routing");
  try {
    return execFileSync("terraform", [`-chdir=${dir}`, "output", "-raw", "router_stream_name"], {
      encoding: "utf8",
      stdio: ["ignore", "pipe", "pipe"],
    }).trim();
  } catch {
    throw new Error(
      `no --stream and no REPLAY_STREAM, and no router_stream_name output in ${dir} (deploy the stack first)\n${USAGE}`,
    );
  }
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv.length === 0 || argv.includes("--help") || argv.includes("-h")) {
    console.log(USAGE);
    return;
  }
  const args = parseArgs(argv);
  const stream = args.stream ?? process.env.REPLAY_STREAM ?? routerStreamFromTerraform();
  const s3uri = parseS3Uri(args.location);
  const source = s3uri
    ? s3Source(new S3Client({}), s3uri.bucket, s3uri.prefix)
    : fs.existsSync(args.location)
      ? localSource(args.location)
      : undefined;
  if (source === undefined) throw new Error(`${args.location}: no such file or directory (or use s3://bucket/prefix)`);
  const summary = await replay(
    {
      source,
      // HTTP/1.1: the Kinesis client defaults to HTTP/2, which PutRecords does not need and emulators do not speak.
      kinesis: kinesisPort(new KinesisClient({ requestHandler: new NodeHttpHandler() })),
      marker: args.marker ? fileMarker(args.marker) : undefined,
    },
    { stream, dryRun: args.dryRun, log: (line) => console.log(line) },
  );
  console.log(formatSummary(summary, stream));
  if (summary.failed.length > 0) process.exitCode = 1;
}

if (require.main === module) {
  main().catch((err: unknown) => {
    console.error(err instanceof Error ? err.message : String(err));
    process.exitCode = 2;
  });
}
