// Case 8 of issue 10: failed records carry the original Kinesis record bytes (gzip, KPL framing, envelope included)
// beside the reason and, where one exists, the decoded event.
import { gzipSync } from "node:zlib";
import { failedRecordObjects } from "../../../../../../handlers/shared/kinesis/failed-records";
import {
  createPipeline,
  type DeliveredOutcome,
  type FailedOutcome,
  failedRecordLine,
  toFailed,
} from "../../../../../../handlers/shared/kinesis/records";
import {
  appLog,
  cloudWatchDataEnvelope,
  cloudWatchDataRecord,
  gzipJsonRecord,
  kplRecord,
  rawRecord,
} from "../../../../../fixtures/records/events";

type Line = Record<string, unknown>;
const lineOf = (o: FailedOutcome): Line => JSON.parse(failedRecordLine(o)) as Line;

describe("failed records keep the original Kinesis record", () => {
  it("a CloudWatch log event that is not JSON keeps the gzip envelope record, its message and its text", () => {
    // Prepare
    const record = cloudWatchDataRecord([JSON.stringify(appLog()), "START RequestId: 1"], {}, { partitionKey: "cw" });

    // Act
    const failed = createPipeline()
      .processRecords([record])
      .filter((o): o is FailedOutcome => o.kind === "failed");
    const line = lineOf(failed[0]!);

    // Assess
    expect(failed).toHaveLength(1);
    expect(line["kinesis_data_base64"]).toBe(record.data);
    expect(line["kinesis_partition_key"]).toBe("cw");
    expect(Buffer.from(line["kinesis_data_base64"] as string, "base64").subarray(0, 2)).toEqual(
      Buffer.from([0x1f, 0x8b]),
    );
    expect(Buffer.from(line["payload_base64"] as string, "base64").toString()).toBe("START RequestId: 1");
    expect(line["event_text"]).toBe("START RequestId: 1");
  });

  it("a KPL sub-record that fails keeps the whole aggregate (magic, protobuf, MD5) beside its own bytes", () => {
    // Prepare
    const record = kplRecord(
      [
        { partitionKey: "a", data: JSON.stringify(appLog()) },
        { partitionKey: "b", data: gzipSync('{"no_type":1}') },
      ],
      { partitionKey: "aggregate" },
    );

    // Act
    const failed = createPipeline()
      .processRecords([record])
      .filter((o): o is FailedOutcome => o.kind === "failed");
    const line = lineOf(failed[0]!);

    // Assess
    expect(failed.map((f) => f.reason)).toEqual(["missing_type"]);
    expect(line["kinesis_data_base64"]).toBe(record.data);
    expect(line["kinesis_partition_key"]).toBe("aggregate");
    expect(line["partition_key"]).toBe("b");
    expect(line["kpl_index"]).toBe(1);
    expect(Buffer.from(line["payload_base64"] as string, "base64")).toEqual(gzipSync('{"no_type":1}'));
    expect(line["event_text"]).toBe('{"no_type":1}');
  });

  it("a destination refusal keeps the gzip record as received, and the delivered text as the event", () => {
    // Prepare
    const record = gzipJsonRecord(appLog({ log_id: "r" }));
    const delivered = createPipeline().processRecords([record])[0] as DeliveredOutcome;

    // Act
    const line = lineOf(toFailed(delivered, "destination_rejected", "mapper_parsing_exception"));

    // Assess
    expect(line["kinesis_data_base64"]).toBe(record.data);
    expect(line["event_text"]).toBe(JSON.stringify(appLog({ log_id: "r" })));
  });

  it("byte-level failures keep the record and have no decoded event", () => {
    // Prepare
    const record = rawRecord(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad]));

    // Act
    const [failed] = createPipeline().processRecords([record]) as FailedOutcome[];
    const line = lineOf(failed!);

    // Assess
    expect(line["reason"]).toBe("invalid_gzip");
    expect(line["kinesis_data_base64"]).toBe(record.data);
    expect(line).not.toHaveProperty("event_text");
  });

  it("every line of a failed-records object names its Kinesis record's bytes", () => {
    // Prepare
    const envelope = cloudWatchDataEnvelope(["x", "y"]);
    const record = rawRecord(gzipSync(JSON.stringify(envelope)));
    const failed = createPipeline()
      .processRecords([record])
      .filter((o): o is FailedOutcome => o.kind === "failed");

    // Act
    const [object] = failedRecordObjects(failed, { prefix: "failed" });

    // Assess
    const lines = object!.body
      .trimEnd()
      .split("\n")
      .map((l) => JSON.parse(l) as Line);
    expect(lines).toHaveLength(2);
    for (const l of lines) expect(l["kinesis_data_base64"]).toBe(record.data);
  });
});
