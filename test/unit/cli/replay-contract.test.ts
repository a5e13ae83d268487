// The replay contract with the handlers: a failed-record object written by the real pipeline and failed-records writer
// holds the original Kinesis record, and replay puts back exactly those bytes under the record's own partition key, so
// the pipeline reading the replayed record sees the same events again.
import { gzipSync } from "node:zlib";
import { type KinesisPort, type PutRecordsEntry, replay } from "../../../cli/replay-core";
import { failedRecordObjects } from "../../../handlers/shared/kinesis/failed-records";
import { createPipeline } from "../../../handlers/shared/kinesis/records/pipeline";
import type { FailedOutcome, KinesisRecordData, Outcome } from "../../../handlers/shared/kinesis/records/types";

const envelope = (messages: string[]) =>
  gzipSync(
    Buffer.from(
      JSON.stringify({
        messageType: "DATA_MESSAGE",
        owner: "123456789012",
        logGroup: "/demo/app",
        logStream: "stream-1",
        subscriptionFilters: ["f"],
        logEvents: messages.map((message, i) => ({ id: String(i), timestamp: 1_700_000_000_000 + i, message })),
      }),
    ),
  );

function recordOf(data: Buffer, sequenceNumber: string, partitionKey: string): KinesisRecordData {
  return { data: data.toString("base64"), sequenceNumber, partitionKey, approximateArrivalTimestamp: 1_700_000_000 };
}

async function replayed(outcomes: Outcome[]): Promise<PutRecordsEntry[]> {
  const failed = outcomes.filter((o): o is FailedOutcome => o.kind === "failed");
  const objects = failedRecordObjects(failed, { prefix: "failed/forward-app" });
  const sent: PutRecordsEntry[] = [];
  const kinesis: KinesisPort = {
    async putRecords(input) {
      sent.push(...input.Records);
      return { Records: input.Records.map((_, i) => ({ SequenceNumber: String(i), ShardId: "shardId-0" })) };
    },
  };
  const source = {
    list: async () => objects.map((o) => o.key),
    read: async (key: string) => objects.find((o) => o.key === key)!.body,
  };
  const summary = await replay({ source, kinesis }, { stream: "router" });
  expect(summary.skipped).toEqual([]);
  return sent;
}

describe("replay of what the handlers write", () => {
  it("re-puts a CloudWatch Logs record (gzip envelope) byte for byte, once, though two of its events failed", async () => {
    // Prepare
    const data = envelope([
      '{"log_type":"app","log_id":"1","time":"2020-03-14T23:30:00Z"}',
      "not json",
      '{"log_id":"3","time":"2020-03-14T23:30:00Z"}',
    ]);
    const pipeline = createPipeline();
    const record = recordOf(data, "49590338271490256608559692538361571095921575989136588898", "pk-original");
    // Act
    const outcomes = pipeline.processRecords([record]);
    // Assess
    expect(outcomes.filter((o) => o.kind === "failed")).toHaveLength(2);

    const sent = await replayed(outcomes);
    expect(sent).toHaveLength(1);
    expect(Buffer.from(sent[0]!.Data).equals(data)).toBe(true);
    expect(sent[0]!.PartitionKey).toBe("pk-original");

    // The replayed record decodes to the same events (the fixed consumer would now deliver them).
    const again = pipeline.processRecords([recordOf(Buffer.from(sent[0]!.Data), "2", sent[0]!.PartitionKey)]);
    expect(again.map((o) => [o.kind, o.kind === "failed" ? o.reason : ""])).toEqual(
      outcomes.map((o) => [o.kind, o.kind === "failed" ? o.reason : ""]),
    );
  });

  it("re-puts a record whose bytes never decoded (invalid gzip) as they were", async () => {
    // Prepare
    const data = Buffer.concat([Buffer.from([0x1f, 0x8b]), Buffer.from("truncated")]);
    // Act
    const outcomes = createPipeline().processRecords([recordOf(data, "7", "pk")]);
    // Assess
    expect(outcomes).toEqual([expect.objectContaining({ kind: "failed", reason: "invalid_gzip" })]);
    const sent = await replayed(outcomes);
    expect(sent.map((r) => [Buffer.from(r.Data).equals(data), r.PartitionKey])).toEqual([[true, "pk"]]);
  });
});
