import { gunzipSync } from "node:zlib";
import fc from "fast-check";
import {
  deterministicGzip,
  groupForS3,
  normalizeS3Prefix,
  putObjectInput,
  sanitizeKeySegment,
} from "../../../../handlers/kinesis-to-s3/s3-objects";
import { sequenceNumber } from "../../../fixtures/records/events";
import { appLog, delivered } from "../../../fixtures/records/outcomes";

const lines = (body: Buffer): string[] => gunzipSync(body).toString("utf8").split("\n");
/** The documented start of an object name: the key without `-<shard>-<first>-<last>-<digest>.gz`. */
const start = (key: string): string => key.replace(/-shardId-[^/]+-\d+-\d+-[0-9a-f]{16}\.gz$/, "");

describe("groupForS3", () => {
  it("writes one gzip JSON-lines object per type and day, named after the first record", () => {
    // Prepare
    const outcomes = delivered([
      appLog({ log_id: "a1" }, 0),
      appLog({ log_type: "audit", log_id: "b1", time: "2020-03-15T01:00:00Z" }, 1),
      appLog({ log_id: "a2" }, 2),
    ]);
    // Act
    const objects = groupForS3(outcomes, { prefix: "logs/" });
    // Assess
    expect(objects.map((o) => start(o.key))).toEqual([
      "logs/app/2020-03/14/2020-03-14-14:30:00-a1",
      "logs/audit/2020-03/15/2020-03-15-01:00:00-b1",
    ]);
    expect(objects[0]!.records).toBe(2);
    expect(lines(objects[0]!.body)).toEqual([outcomes[0]!.raw, outcomes[2]!.raw, ""]);
    expect(objects[0]!.eventIds).toEqual([outcomes[0]!.eventId, outcomes[2]!.eventId]);
  });

  it("splits one type by the day of each record's own time (in the configured zone), not the first record's", () => {
    // Prepare
    const outcomes = delivered([
      appLog({ log_id: "x", time: "2020-03-14T14:59:00Z" }, 0), // 23:59 in Tokyo
      appLog({ log_id: "y", time: "2020-03-14T15:01:00Z" }, 1), // 00:01 next day in Tokyo
      appLog({ log_id: "z", time: "2020-03-14T15:30:00Z" }, 2),
    ]);
    // Act
    const utc = groupForS3(outcomes, { prefix: "p", timeZone: "UTC" });
    const tokyo = groupForS3(outcomes, { prefix: "p", timeZone: "Asia/Tokyo" });
    // Assess
    expect(utc.map((o) => [start(o.key), o.records])).toEqual([["p/app/2020-03/14/2020-03-14-14:59:00-x", 3]]);
    expect(tokyo.map((o) => [start(o.key), o.records])).toEqual([
      ["p/app/2020-03/14/2020-03-14-23:59:00-x", 1],
      ["p/app/2020-03/15/2020-03-15-00:01:00-y", 2],
    ]);
  });

  it("routes records without a type or a time under the unknown prefix, dated by arrival time", () => {
    // Prepare
    const outcomes = delivered(
      [
        { log_id: "u1", time: "2021-01-02T03:04:05Z", msg: "no type" },
        { log_type: "app", log_id: "n1", msg: "no time" },
        { log_type: "app", log_id: "n2", time: "not a time" },
      ],
      { requireType: false },
      (i) => ({ approximateArrivalTimestamp: 1600000000 + i }),
    );
    // Act
    const objects = groupForS3(outcomes, { prefix: "logs", unknownPrefix: "misc", now: () => 0 });
    // Assess
    expect(objects.map((o) => [start(o.key), o.records])).toEqual([
      ["logs/misc/unknown_type/2021-01/02/2021-01-02-03:04:05-u1", 1],
      ["logs/misc/app_no_timestamp/2020-09/13/2020-09-13-12:26:41-n1", 2],
    ]);
  });

  it("names an object without log_id after the event id, never mutating the record", () => {
    // Prepare
    const outcomes = delivered([appLog({ log_id: undefined }, 0)]);
    const before = JSON.stringify(outcomes[0]!.record);
    // Act
    const [object] = groupForS3(outcomes, { prefix: "" });
    // Assess
    expect(start(object!.key)).toBe(`app/2020-03/14/2020-03-14-14:30:00-k-${outcomes[0]!.sequenceNumber}`);
    expect(JSON.stringify(outcomes[0]!.record)).toBe(before);
    expect(outcomes[0]!.record).not.toHaveProperty("log_id");
  });

  it("keeps types and ids from creating directories or escaping the prefix", () => {
    // Prepare
    const outcomes = delivered([
      appLog({ log_type: "../../etc", log_id: "a/b\u0000c" }, 0),
      appLog({ log_type: ".hidden", log_id: "..", time: "2020-03-14T00:00:00Z" }, 1),
      appLog({ log_type: "t", log_id: "i".repeat(5000) }, 2),
    ]);
    // Act
    const keys = groupForS3(outcomes, { prefix: "logs" }, { shardOf: () => "../x/y" }).map((o) => o.key);
    // Assess
    expect(keys[0]).toMatch(/^logs\/____etc\/2020-03\/14\/2020-03-14-14:30:00-a_b_c-__x_y-\d+-\d+-[0-9a-f]{16}\.gz$/);
    expect(keys[1]).toMatch(/^logs\/_hidden\/2020-03\/14\/2020-03-14-00:00:00-_-__x_y-\d+-\d+-[0-9a-f]{16}\.gz$/);
    expect(Buffer.byteLength(keys[2]!)).toBeLessThan(300 + 2 * 56 + 40);
    for (const key of keys) {
      expect(key.split("/")).toHaveLength(5);
      expect(key).not.toMatch(/\.\.|\/\./);
      expect([...key].some((c) => c.charCodeAt(0) < 32)).toBe(false);
    }
  });

  it("is deterministic: a redelivered batch gives identical keys and bytes", () => {
    fc.assert(
      fc.property(
        fc.array(
          fc.record({
            log_type: fc.constantFrom("app", "audit", "a/b", "Ü"),
            log_id: fc.option(fc.string({ maxLength: 20 }), { nil: undefined }),
            time: fc.option(
              fc.integer({ min: 1_500_000_000_000, max: 1_700_000_000_000 }).map((ms) => new Date(ms).toISOString()),
              { nil: undefined },
            ),
            message: fc.string(),
          }),
          { minLength: 1, maxLength: 30 },
        ),
        (logs) => {
          const a = groupForS3(delivered(logs), { prefix: "logs", timeZone: "Asia/Tokyo", now: () => Date.now() });
          const b = groupForS3(delivered(logs), { prefix: "logs", timeZone: "Asia/Tokyo", now: () => 1 });
          expect(b.map((o) => [o.key, o.body.toString("base64")])).toEqual(
            a.map((o) => [o.key, o.body.toString("base64")]),
          );
          // Conservation: every record lands in exactly one object.
          expect(a.reduce((n, o) => n + o.records, 0)).toBe(logs.length);
          for (const o of a) expect(o.key.split("/").length).toBeGreaterThanOrEqual(5);
        },
      ),
      { numRuns: 50 },
    );
  });

  it("writes a pretty-printed record as one line", () => {
    // Prepare
    const outcomes = delivered([JSON.stringify(appLog({}, 0), null, 2)]);
    // Act
    const [object] = groupForS3(outcomes, { prefix: "p" });
    const written = lines(object!.body);
    // Assess
    expect(written).toHaveLength(2);
    expect(written[1]).toBe("");
    expect(JSON.parse(written[0]!)).toEqual(outcomes[0]!.record);
  });

  it("rejects an unknown zone and unsafe prefixes", () => {
    // Act / Assess
    expect(() => groupForS3([], { prefix: "p", timeZone: "Mars/Olympus" })).toThrow(/Mars\/Olympus/);
    expect(() => normalizeS3Prefix("a/../b")).toThrow(RangeError);
    expect(normalizeS3Prefix("/a/b/")).toBe("a/b");
  });
});

describe("groupForS3 object names: unique per batch, deterministic for the same records", () => {
  const shardOf = () => "shardId-000000000007";
  const seq = (i: number) => sequenceNumber(i);
  // Two batches from one shard whose first records share type, second and log_id (a producer reusing an id, or a
  // retry after a bisect): before, both were named `…-2020-03-14-14:30:00-dup.gz` and the second replaced the first.
  const batchA = () =>
    delivered([appLog({ log_id: "dup", message: "a0" }, 0), appLog({ log_id: "a1", message: "a1" }, 1)], {}, (i) => ({
      sequenceNumber: seq(i),
    }));
  const batchB = () =>
    delivered([appLog({ log_id: "dup", message: "b0" }, 0), appLog({ log_id: "b1", message: "b1" }, 1)], {}, (i) => ({
      sequenceNumber: seq(10 + i),
    }));

  it("keeps the documented start and adds the shard, the first and last sequence numbers and a digest of the events", () => {
    // Act
    const [object] = groupForS3(batchA(), { prefix: "logs" }, { shardOf });
    // Assess
    expect(object!.key).toBe(
      `logs/app/2020-03/14/2020-03-14-14:30:00-dup-shardId-000000000007-${seq(0)}-${seq(1)}-${object!.key.slice(-19, -3)}.gz`,
    );
    expect(object!.key).toMatch(/-[0-9a-f]{16}\.gz$/);
  });

  it("names colliding batches differently, and the same records identically", () => {
    // Act
    const a = groupForS3(batchA(), { prefix: "logs" }, { shardOf }).map((o) => o.key);
    const b = groupForS3(batchB(), { prefix: "logs" }, { shardOf }).map((o) => o.key);
    // Assess
    expect(a).toHaveLength(1);
    expect(b).toHaveLength(1);
    expect(a[0]!.startsWith("logs/app/2020-03/14/2020-03-14-14:30:00-dup-")).toBe(true);
    expect(b[0]!.startsWith("logs/app/2020-03/14/2020-03-14-14:30:00-dup-")).toBe(true);
    expect(a[0]).not.toBe(b[0]);
    expect(groupForS3(batchA(), { prefix: "logs" }, { shardOf }).map((o) => o.key)).toEqual(a);
  });

  it("names a sub-batch (bisect, partial retry) differently from the whole, and distinguishes shards", () => {
    // Prepare
    const whole = batchA();
    // Act
    const [all] = groupForS3(whole, { prefix: "logs" }, { shardOf });
    const [firstOnly] = groupForS3(whole.slice(0, 1), { prefix: "logs" }, { shardOf });
    const [otherShard] = groupForS3(whole, { prefix: "logs" }, { shardOf: () => "shardId-000000000008" });
    // Assess
    expect(new Set([all!.key, firstOnly!.key, otherShard!.key]).size).toBe(3);
  });

  it("differs when the same range holds different events (the digest covers every event id)", () => {
    // Prepare
    const whole = batchA();
    // Act
    const [both] = groupForS3(whole, { prefix: "logs" }, { shardOf });
    // Same first and last record, one event fewer (as when a batch-level budget failed it in another delivery).
    const gap = delivered(
      [appLog({ log_id: "dup", message: "a0" }, 0), appLog({ log_id: "x", message: "x" }, 5), appLog({}, 1)],
      {},
      (i) => ({ sequenceNumber: seq([0, 5, 1][i]!) }),
    );
    const [withExtra] = groupForS3(gap, { prefix: "logs" }, { shardOf });
    // Assess
    expect(withExtra!.key.slice(0, -20)).toBe(both!.key.slice(0, -20));
    expect(withExtra!.key).not.toBe(both!.key);
  });

  it("never puts records of two shards in one object", () => {
    // Prepare
    const outcomes = batchA();
    // Act
    const objects = groupForS3(outcomes, { prefix: "logs" }, { shardOf: (o) => `shardId-${o.recordIndex}` });
    // Assess
    expect(objects.map((o) => [o.records, o.key.includes(`-shardId-${o.outcomes[0]!.recordIndex}-`)])).toEqual([
      [1, true],
      [1, true],
    ]);
  });

  it("uses shardId-unknown when the event does not say (a hand-built event)", () => {
    // Act
    const [object] = groupForS3(batchA(), { prefix: "logs" });
    // Assess
    expect(object!.key).toContain("-dup-shardId-unknown-");
  });
});

describe("sanitizeKeySegment", () => {
  it("replaces lone surrogates (no URI can hold them) and keeps characters the writer escapes", () => {
    // Act / Assess
    expect(sanitizeKeySegment("a\ud800b\udc00c", 64)).toBe("a_b_c");
    expect(sanitizeKeySegment("😀(x)!*'~%+ é", 64)).toBe("😀(x)!*'~%+ é");
  });

  it("caps long values with a hash so distinct values stay distinct", () => {
    // Act
    const a = sanitizeKeySegment(`${"x".repeat(300)}a`, 64);
    const b = sanitizeKeySegment(`${"x".repeat(300)}b`, 64);
    // Assess
    expect(Buffer.byteLength(a)).toBeLessThanOrEqual(64);
    expect(a).not.toBe(b);
    expect(sanitizeKeySegment("é".repeat(100), 21)).toMatch(/^é+~[0-9a-f]{12}$/);
  });
});

describe("deterministicGzip", () => {
  it("pins the header (MTIME 0, OS Unix)", () => {
    // Act
    const gz = deterministicGzip("hello\n");
    // Assess
    expect(gz.readUInt32LE(4)).toBe(0);
    expect(gz[9]).toBe(3);
    expect(gunzipSync(gz).toString()).toBe("hello\n");
  });
});

describe("putObjectInput", () => {
  it("sets content type, encoding and SSE (AES256 by default, KMS with key and bucket key)", () => {
    // Act
    const [object] = groupForS3(delivered([appLog({}, 0)]), { prefix: "p" });
    const aes = putObjectInput(object!, { bucket: "b" });
    // Assess
    expect(aes).toMatchObject({
      Bucket: "b",
      Key: object!.key,
      ContentType: "application/x-ndjson",
      ContentEncoding: "gzip",
      ServerSideEncryption: "AES256",
    });
    expect(aes.SSEKMSKeyId).toBeUndefined();
    const kms = putObjectInput(object!, { bucket: "b", encryption: { type: "aws:kms", kmsKeyId: "arn:aws:kms:k" } });
    expect(kms).toMatchObject({
      ServerSideEncryption: "aws:kms",
      SSEKMSKeyId: "arn:aws:kms:k",
      BucketKeyEnabled: true,
    });
  });
});
