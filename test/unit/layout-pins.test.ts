// Layout pins (issue 11): what a restructuring must not change. Terraform resource and data source addresses and
// output names of both stacks, physical names, metric names (alarms, dashboards, handlers), S3 key layouts (archive
// objects, failed records, replay marker keys) and the drain execution-name format, all from the example config.
//
// A move may change import paths in this file, never the snapshot: if a snapshot here changes, the move renamed
// something deployed (Terraform would replace it, or dashboards, alarms and readers would lose it). Do not run
// `jest -u` on this file to make a refactor pass.
import * as fs from "node:fs";
import * as path from "node:path";
import { parseFailedRecords } from "../../cli/replay-core";
import { drainExecutionName, drainSequenceOf } from "../../contracts/drain";
import { toS3PipelineOptions } from "../../handlers/kinesis-to-s3/core";
import { groupForS3 } from "../../handlers/kinesis-to-s3/s3-objects";
import { failedRecordObjects } from "../../handlers/shared/kinesis/failed-records";
import { processRecords } from "../../handlers/shared/kinesis/records/pipeline";
import {
  type DeliveredOutcome,
  FAILURE_REASONS,
  type FailedOutcome,
  type KinesisRecordData,
} from "../../handlers/shared/kinesis/records/types";
import { synthApp, type TfJson } from "../support/synth";

const ROOT = path.resolve(__dirname, "..", "..");
const { stacks } = synthApp();
const stackIds = Object.keys(stacks).sort();

/** Attributes that carry a physical name (the ones present on a resource are pinned, as synthesized). */
const NAME_ATTRIBUTES = [
  "name",
  "name_prefix",
  "function_name",
  "bucket",
  "bucket_prefix",
  "alarm_name",
  "dashboard_name",
  "domain_name",
  "log_group_name",
  "autoscaling_group_name",
];
/** Lambda environment variables that name S3 layouts and metric namespaces. */
const LAYOUT_ENV = /PREFIX|BUCKET|NAMESPACE|SERVICE_NAME/;

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

function addresses(blocks: TfJson["resource"]): string[] {
  return sorted(
    Object.entries(blocks ?? {}).flatMap(([type, byName]) => Object.keys(byName).map((n) => `${type}.${n}`)),
  );
}

function eachResource(stack: TfJson): Array<[string, Record<string, unknown>]> {
  return Object.entries(stack.resource ?? {}).flatMap(([type, byName]) =>
    Object.entries(byName).map(([n, r]): [string, Record<string, unknown>] => [`${type}.${n}`, r]),
  );
}

function physicalNames(stack: TfJson): string[] {
  const out: string[] = [];
  for (const [address, r] of eachResource(stack)) {
    for (const attr of NAME_ATTRIBUTES) {
      if (typeof r[attr] === "string") out.push(`${address} ${attr}=${r[attr]}`);
    }
  }
  return sorted(out);
}

function alarmMetrics(stack: TfJson): string[] {
  const out: string[] = [];
  for (const [address, r] of eachResource(stack)) {
    if (!address.startsWith("aws_cloudwatch_metric_alarm.")) continue;
    if (r.metric_name !== undefined) out.push(`${r.alarm_name}: ${r.namespace} ${r.metric_name}`);
    for (const q of (r.metric_query as Array<Record<string, unknown>> | undefined) ?? []) {
      const m = q.metric as Record<string, unknown> | undefined;
      if (m) out.push(`${r.alarm_name}: [${q.id}] ${m.namespace} ${m.metric_name}`);
      else if (q.expression) out.push(`${r.alarm_name}: [${q.id}] = ${q.expression}`);
    }
  }
  return sorted(out);
}

/** `namespace metric` of every dashboard widget metric (CloudWatch's "." shorthand expanded). */
function dashboardMetrics(stack: TfJson): string[] {
  const out: string[] = [];
  for (const [address, r] of eachResource(stack)) {
    if (!address.startsWith("aws_cloudwatch_dashboard.")) continue;
    const body = JSON.parse(String(r.dashboard_body)) as { widgets: Array<{ properties?: { metrics?: unknown[][] } }> };
    for (const w of body.widgets) {
      let previous: unknown[] = [];
      for (const row of w.properties?.metrics ?? []) {
        const expression = row.find(
          (v): v is { expression: string } => typeof (v as { expression?: unknown })?.expression === "string",
        );
        if (expression) {
          out.push(`${r.dashboard_name}: ${expression.expression}`);
          continue;
        }
        const line = row.filter((v) => typeof v === "string").map((v, i) => (v === "." ? previous[i] : v));
        previous = line;
        if (typeof line[0] === "string" && line[0].startsWith("{")) continue; // expression row
        out.push(`${r.dashboard_name}: ${line[0]} ${line[1]}`);
      }
    }
  }
  return sorted(out);
}

function lambdaLayoutEnv(stack: TfJson): string[] {
  const out: string[] = [];
  for (const [address, r] of eachResource(stack)) {
    if (!address.startsWith("aws_lambda_function.")) continue;
    const vars = (r.environment as { variables?: Record<string, unknown> } | undefined)?.variables ?? {};
    for (const [k, v] of Object.entries(vars)) if (LAYOUT_ENV.test(k)) out.push(`${r.function_name} ${k}=${v}`);
  }
  return sorted(out);
}

/** Source files under handlers/, with their text. */
function handlerSources(): Array<{ file: string; text: string }> {
  const out: Array<{ file: string; text: string }> = [];
  const walk = (dir: string) => {
    for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
      const p = path.join(dir, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith(".ts")) out.push({ file: path.relative(ROOT, p), text: fs.readFileSync(p, "utf8") });
    }
  };
  walk(path.join(ROOT, "handlers"));
  return out;
}

/**
 * Metric names the handlers emit, read from their source (they are literals at the call sites): every `addMetric(`
 * with a string literal name, or `<prefix>${reason}` expanded over every failure reason. Any other form fails here.
 */
function handlerMetricNames(): string[] {
  const names: string[] = [];
  for (const { file, text } of handlerSources()) {
    for (const m of text.matchAll(/\baddMetric\(\s*([^,)]*)/g)) {
      const arg = m[1]!.trim();
      if (/^name\s*:/.test(arg)) continue; // the port's signature
      const literal = arg.match(/^(["'])([^"']+)\1$/);
      const template = arg.match(/^`([A-Za-z0-9_]*)\$\{reason\}`$/);
      if (literal) names.push(literal[2]!);
      else if (template) names.push(...FAILURE_REASONS.map((r) => `${template[1]}${r}`));
      else throw new Error(`${file}: addMetric name not understood: ${arg}`);
    }
  }
  return sorted(names);
}

/** The default namespace of handler metrics (`POWERTOOLS_METRICS_NAMESPACE ?? "..."`), read from the source. */
function defaultMetricNamespaces(): string[] {
  return sorted(
    handlerSources().flatMap(({ text }) =>
      [...text.matchAll(/POWERTOOLS_METRICS_NAMESPACE\s*\?\?\s*["']([^"']+)["']/g)].map((m) => m[1]!),
    ),
  );
}

// Fixed Kinesis input for the S3 layouts: 2024-03-05T06:07:08.123Z arrival, fixed sequence numbers.
const ARRIVAL_SECONDS = 1709618828.123;
const seq = (i: number) => `4959033827149025660855969253836157109592157598913658${String(i).padStart(4, "0")}`;
function record(i: number, body: unknown): KinesisRecordData {
  const text = typeof body === "string" ? body : JSON.stringify(body);
  return {
    data: Buffer.from(text, "utf8").toString("base64"),
    sequenceNumber: seq(i),
    partitionKey: `pk-${i}`,
    approximateArrivalTimestamp: ARRIVAL_SECONDS,
  };
}
const inputs: KinesisRecordData[] = [
  record(0, { log_type: "app", log_id: "id-0", time: "2024-03-04T23:30:00+09:00", msg: "a" }),
  record(1, { log_type: "app", log_id: "id-1", time: "2024-03-05T00:10:00Z", msg: "b" }),
  record(2, { log_type: "audit", time: "2024-12-31T23:59:59.999Z", msg: "no id" }),
  record(3, { log_type: "we/ird..type", log_id: "x/y", time: "2024-03-05T06:00:00Z" }),
  record(4, { log_type: "app", log_id: "id-4" }),
  record(5, { log_type: "app", log_id: "id-5", time: "not a time" }),
  record(6, { log_id: "no-type", time: "2024-03-05T06:00:00Z" }),
  record(7, "{not json"),
  record(8, ""),
];
const consumerOptions = { typeKey: "log_type", idKey: "log_id", timeKey: "time", timeZone: "UTC" };

function s3ArchiveKeys(options: { invalidTime: "fail" | "deliver"; requireType: boolean; timeZone: string }) {
  const outcomes = processRecords(inputs, {
    ...toS3PipelineOptions({ ...consumerOptions, invalidTime: options.invalidTime }),
    requireType: options.requireType,
  });
  const delivered = outcomes.filter((o): o is DeliveredOutcome => o.kind === "delivered");
  const shardOf = (o: DeliveredOutcome) => `shardId-00000000000${o.recordIndex % 2}`;
  const keys: string[] = [];
  for (const prefix of ["logs", "/archive/prod/", ""]) {
    const objects = groupForS3(delivered, { prefix, timeZone: options.timeZone, now: () => 0 }, { shardOf });
    keys.push(...objects.map((o) => `${JSON.stringify(prefix)} -> ${o.key}`));
  }
  return keys;
}

describe("layout pins (must not change in a refactor)", () => {
  test("both stacks are pinned", () => {
    // Assess
    expect(stackIds).toMatchSnapshot();
  });

  describe.each(stackIds)("%s", (id) => {
    const stack = stacks[id]!;
    test("resource addresses", () => expect(addresses(stack.resource)).toMatchSnapshot());
    test("data source addresses", () => expect(addresses(stack.data)).toMatchSnapshot());
    test("output names", () => expect(sorted(Object.keys(stack.output ?? {}))).toMatchSnapshot());
    test("physical names", () => expect(physicalNames(stack)).toMatchSnapshot());
    test("alarm metrics", () => expect(alarmMetrics(stack)).toMatchSnapshot());
    test("dashboard metrics", () => expect(dashboardMetrics(stack)).toMatchSnapshot());
    test("lambda layout environment (prefixes, buckets, metric namespaces)", () =>
      expect(lambdaLayoutEnv(stack)).toMatchSnapshot());
  });

  test("metric names the handlers emit", () => {
    // Act / Assess
    expect({ defaultNamespaces: defaultMetricNamespaces(), names: handlerMetricNames() }).toMatchSnapshot();
  });

  test("S3 archive object keys (kinesis-to-s3)", () => {
    // Assess
    expect({
      default: s3ArchiveKeys({ invalidTime: "fail", requireType: true, timeZone: "UTC" }),
      deliverInvalidTime: s3ArchiveKeys({ invalidTime: "deliver", requireType: false, timeZone: "Asia/Tokyo" }),
    }).toMatchSnapshot();
  });

  test("failed-records object keys and replay marker keys", () => {
    // Prepare
    const failed = processRecords(inputs, { ...consumerOptions, invalidTime: "fail" }).filter(
      (o): o is FailedOutcome => o.kind === "failed",
    );
    const objects = [
      ...failedRecordObjects(failed, { prefix: "failed/forward-app" }),
      ...failedRecordObjects(failed, { prefix: "/" }),
    ];
    // Act
    const markerKeys = objects.flatMap((o) => parseFailedRecords(o.key, o.body).records.map((r) => r.key));
    // Assess
    expect({ objectKeys: objects.map((o) => o.key), markerKeys: sorted(markerKeys) }).toMatchSnapshot();
  });

  test("drain execution names", () => {
    // Prepare
    const names = [
      drainExecutionName("i-0123456789abcdef0", 1),
      drainExecutionName("i-0123456789abcdef0", 42),
      drainExecutionName("i-weird/chars.here", 3),
      drainExecutionName(`i-${"f".repeat(90)}`, 7),
    ];
    // Act
    const sequences = names.slice(0, 2).map((n) => drainSequenceOf("i-0123456789abcdef0", n));
    // Assess
    expect({ names, sequences }).toMatchSnapshot();
  });
});
