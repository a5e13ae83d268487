import { createHash } from "node:crypto";
import { deaggregate, hasKplMagic } from "../../../../../../handlers/shared/kinesis/records/kpl";
import {
  encodeAggregatedRecordProtobuf,
  encodeKplAggregate,
  KPL_MAGIC_BYTES,
} from "../../../../../fixtures/records/kpl";

// Test vector from awslabs/kinesis-aggregation (node/test), produced by the reference aggregator: partition key "p1",
// three user records.
const REFERENCE_AGGREGATE =
  "84mawgoCcDEaGAgAGhQwMTIzNDU2Nzg5MDEyMzQ1NjdfQRoYCAAaFDAxMjM0NTY3ODkwMTIzNDU2N19CGhgIABoUMDEyMzQ1Njc4OTAxMjM0NTY3X0NHjL02iyRk3D+kO2UC2X6u";

describe("KPL de-aggregation", () => {
  it("reads the reference implementation's aggregated record", () => {
    // Prepare
    const bytes = Buffer.from(REFERENCE_AGGREGATE, "base64");

    // Act
    const records = deaggregate(bytes);

    // Assess
    expect(records?.map((r) => [r.partitionKey, r.explicitHashKey, r.data.toString("utf8")])).toEqual([
      ["p1", undefined, "012345678901234567_A"],
      ["p1", undefined, "012345678901234567_B"],
      ["p1", undefined, "012345678901234567_C"],
    ]);
  });

  it("has a fixture encoder that is byte-identical to the reference implementation", () => {
    // Prepare
    const users = ["A", "B", "C"].map((s) => ({ partitionKey: "p1", data: `012345678901234567_${s}` }));

    // Act
    const encoded = encodeKplAggregate(users);

    // Assess
    expect(encoded.toString("base64")).toBe(REFERENCE_AGGREGATE);
  });

  it("resolves partition and explicit hash keys through the tables and skips tags", () => {
    // Prepare
    const bytes = encodeKplAggregate([
      { partitionKey: "a", explicitHashKey: "170141183460469231731687303715884105728", data: "one" },
      { partitionKey: "b", data: Buffer.alloc(300, 0x41), tags: [{ key: "k", value: "v" }, { key: "only-key" }] },
      { partitionKey: "a", explicitHashKey: "170141183460469231731687303715884105728", data: "" },
    ]);

    // Act
    const records = deaggregate(bytes);

    // Assess
    expect(records?.map((r) => [r.partitionKey, r.explicitHashKey, r.data.length])).toEqual([
      ["a", "170141183460469231731687303715884105728", 3],
      ["b", undefined, 300],
      ["a", "170141183460469231731687303715884105728", 0],
    ]);
  });

  it("returns undefined when the checksum does not match", () => {
    // Prepare
    const bytes = encodeKplAggregate([{ partitionKey: "a", data: "x" }], { corruptChecksum: true });

    // Act
    const records = deaggregate(bytes);

    // Assess
    expect(hasKplMagic(bytes)).toBe(true);
    expect(records).toBeUndefined();
  });

  it.each([
    ["a truncated length", Buffer.from([0x0a, 0x05, 0x61])],
    ["a partition key index out of range", Buffer.from([0x1a, 0x05, 0x08, 0x03, 0x1a, 0x01, 0x78])],
    ["a record without data", Buffer.from([0x0a, 0x01, 0x61, 0x1a, 0x02, 0x08, 0x00])],
    ["an unsupported wire type", Buffer.from([0x0b])],
  ])("returns undefined for a valid checksum over %s", (_name, protobuf) => {
    // Prepare
    const md5 = createHash("md5").update(protobuf).digest();
    const bytes = Buffer.concat([KPL_MAGIC_BYTES, protobuf, md5]);

    // Act
    const records = deaggregate(bytes);

    // Assess
    expect(records).toBeUndefined();
  });

  it("ignores bytes without the magic", () => {
    // Prepare
    const protobuf = encodeAggregatedRecordProtobuf([{ partitionKey: "a", data: "x" }]);

    // Act
    const records = deaggregate(protobuf);

    // Assess
    expect(records).toBeUndefined();
  });
});
