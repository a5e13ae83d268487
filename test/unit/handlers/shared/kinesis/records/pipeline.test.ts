import { gzipSync } from "node:zlib";
import {
  createPipeline,
  type DeliveredOutcome,
  type FailedOutcome,
  failedRecordLine,
  jsonLine,
  type Outcome,
  processRecords,
  summarize,
  toFailed,
} from "../../../../../../handlers/shared/kinesis/records";
import {
  appLog,
  cloudWatchControlRecord,
  cloudWatchDataEnvelope,
  cloudWatchDataRecord,
  gzipJsonRecord,
  jsonRecord,
  kinesisEvent,
  kplRecord,
  rawRecord,
} from "../../../../../fixtures/records/events";

const TOKYO_2330 = 1584196200000;

function only<T extends Outcome["kind"]>(outcomes: Outcome[], kind: T): Extract<Outcome, { kind: T }> {
  expect(outcomes).toHaveLength(1);
  expect(outcomes[0]!.kind).toBe(kind);
  return outcomes[0] as Extract<Outcome, { kind: T }>;
}

function failure(outcomes: Outcome[]): FailedOutcome {
  return only(outcomes, "failed");
}

describe("record pipeline: decoding", () => {
  it("delivers a plain JSON record with its raw text, type, id and time", () => {
    // Prepare
    const text = '{"log_type":"app","log_id":"id-1","time":"2020-03-14T23:30:00+09:00","msg":"héllo"}';
    const record = jsonRecord(text, {
      sequenceNumber: "100",
      partitionKey: "pk",
      approximateArrivalTimestamp: 1584196201.5,
    });

    // Act
    const outcomes = processRecords([record]);

    // Assess
    const delivered = only(outcomes, "delivered");
    expect(delivered).toEqual<DeliveredOutcome>({
      kind: "delivered",
      eventId: "100",
      recordIndex: 0,
      sequenceNumber: "100",
      partitionKey: "pk",
      arrivalTime: 1584196201500,
      kinesisData: record.data,
      kinesisPartitionKey: "pk",
      kplIndex: undefined,
      cloudwatch: undefined,
      record: { log_type: "app", log_id: "id-1", time: "2020-03-14T23:30:00+09:00", msg: "héllo" },
      raw: text,
      rawBytes: Buffer.from(text, "utf8"),
      rawBase64: record.data,
      type: "app",
      id: "id-1",
      time: TOKYO_2330,
      timeError: undefined,
    });
  });

  it("hands on the decoded bytes only when they are exactly the delivered text", () => {
    // Prepare
    const text = '{"log_type":"app","log_id":"id-1","msg":"Zürich 東京"}';
    const records = [
      jsonRecord(text),
      rawRecord(Buffer.from(`\uFEFF${text}`)),
      rawRecord(gzipSync(Buffer.from(text))),
      rawRecord(Buffer.from(` ${text}\n`)),
      rawRecord(Buffer.from(JSON.stringify(cloudWatchDataEnvelope([text])))),
    ];

    // Act
    const delivered = createPipeline()
      .processRecords(records)
      .filter((o) => o.kind === "delivered");

    // Assess: plain, after a BOM and gunzipped: the text's own bytes; trimmed or from an envelope: none
    expect(delivered.map((o) => o.raw)).toEqual([text, text, text, text, text]);
    const exact = Buffer.from(text, "utf8");
    expect(delivered.map((o) => o.rawBytes)).toEqual([exact, exact, exact, undefined, undefined]);
    // Only the plain record's Kinesis data is the base64 of those bytes
    expect(delivered.map((o) => o.rawBase64)).toEqual([records[0]!.data, undefined, undefined, undefined, undefined]);
    // A destination that sends only the text keeps none of them
    const textOnly = createPipeline({ keepRawBytes: false }).processRecords(records) as DeliveredOutcome[];
    expect(textOnly.map((o) => [o.raw, o.rawBytes, o.rawBase64])).toEqual(Array(5).fill([text, undefined, undefined]));
  });

  it("hands on the record's base64 only when it is the canonical spelling of the bytes", () => {
    // Prepare: one byte (4 padding bits), two bytes (2 padding bits), and characters Buffer.from also reads
    const one = '{"log_type":"app","n":12}';
    const two = '{"log_type":"app","n":123}';
    const canonicalOne = Buffer.from(one).toString("base64");
    const canonicalTwo = Buffer.from(two).toString("base64");
    expect([canonicalOne.endsWith("=="), canonicalTwo.endsWith("=") && !canonicalTwo.endsWith("==")]).toEqual([
      true,
      true,
    ]);
    const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    // Flips the lowest bit of the last significant character: a padding bit, so the bytes stay the same
    const withBits = (b64: string, at: number) =>
      `${b64.slice(0, at)}${alphabet[alphabet.indexOf(b64[at]!) ^ 1]}${b64.slice(at + 1)}`;
    const urlSafe = Buffer.from('{"log_type":"app","s":"??>>"}').toString("base64");
    expect(urlSafe).toMatch(/[+/]/);
    const spellings = [
      canonicalOne,
      withBits(canonicalOne, canonicalOne.length - 3),
      canonicalTwo,
      withBits(canonicalTwo, canonicalTwo.length - 2),
      urlSafe,
      urlSafe.replaceAll("+", "-"),
      urlSafe.replaceAll("/", "_"),
    ];

    // Act
    const outcomes = createPipeline().processRecords(spellings.map((data) => ({ ...jsonRecord(one), data })));
    const texts = [one, one, two, two, ...Array(3).fill('{"log_type":"app","s":"??>>"}')];

    // Assess: every spelling decodes to the same bytes and is delivered; only the canonical ones are handed on
    expect(outcomes.map((o) => o.kind)).toEqual(Array(7).fill("delivered"));
    const delivered = outcomes as DeliveredOutcome[];
    expect(delivered.map((o) => o.raw)).toEqual(texts);
    expect(delivered.map((o) => o.rawBase64)).toEqual([
      canonicalOne,
      undefined,
      canonicalTwo,
      undefined,
      urlSafe,
      undefined,
      undefined,
    ]);
  });

  it("passes the raw text through without re-serialising (key order, spacing, escapes)", () => {
    // Prepare
    const text = '\uFEFF  { "time" : 1584196200, "log_type":"app", "n": 1.50, "s": "\\u00e9" }\n';

    // Act
    const delivered = only(processRecords([jsonRecord(text)]), "delivered");

    // Assess
    expect(delivered.raw).toBe('{ "time" : 1584196200, "log_type":"app", "n": 1.50, "s": "\\u00e9" }');
    expect(jsonLine(delivered)).toBe(delivered.raw);
  });

  it("keeps multi-line raw text token for token in JSON lines: line breaks become spaces, numbers keep their text", () => {
    // Prepare: a pretty-printed record with numbers JSON.parse + JSON.stringify would change
    const pretty =
      '{\r\n  "log_type": "app",\n  "big": 12345678901234567890,\n  "one": 1.0,\n  "zero": -0.0,\n  "e": 1E3\n}';

    // Act
    const delivered = only(processRecords([jsonRecord(pretty)]), "delivered");

    // Assess
    expect(delivered.raw).toBe(pretty);
    const line = jsonLine(delivered);
    expect(line).toBe(pretty.replace(/[\r\n]/g, " "));
    expect(line).toHaveLength(pretty.length);
    expect(line).toContain('"big": 12345678901234567890');
    expect(line).toContain('"one": 1.0');
    expect(line).toContain('"zero": -0.0');
    expect(line).not.toMatch(/[\r\n]/);
  });

  it("gunzips a gzip JSON record", () => {
    // Prepare
    const record = gzipJsonRecord(appLog({ log_id: "gz" }));

    // Act
    const delivered = only(processRecords([record]), "delivered");

    // Assess
    expect(delivered.id).toBe("gz");
    expect(delivered.raw).toBe(JSON.stringify(appLog({ log_id: "gz" })));
  });

  it("expands a gzip CloudWatch Logs DATA_MESSAGE into one outcome per log event", () => {
    // Prepare
    const messages = [
      JSON.stringify(appLog({ log_id: "a" })),
      `${JSON.stringify(appLog({ log_id: "b", log_type: "audit" }))}\n`,
      "START RequestId: 8f5a Version: $LATEST",
    ];
    const record = cloudWatchDataRecord(messages, { logGroup: "/aws/lambda/orders" }, { sequenceNumber: "200" });

    // Act
    const outcomes = processRecords([record]);

    // Assess
    expect(outcomes.map((o) => [o.kind, o.eventId])).toEqual([
      ["delivered", "200:0"],
      ["delivered", "200:1"],
      ["failed", "200:2"],
    ]);
    const [a, b, text] = outcomes as [DeliveredOutcome, DeliveredOutcome, FailedOutcome];
    expect(a.cloudwatch).toEqual({
      owner: "123456789012",
      logGroup: "/aws/lambda/orders",
      logStream: "2020/03/14/[$LATEST]0123456789abcdef0123456789abcdef",
      id: "35311483123651489519227041497532838917716374405497257984",
      timestamp: 1584196200000,
    });
    expect(b.type).toBe("audit");
    expect(b.raw).toBe(JSON.stringify(appLog({ log_id: "b", log_type: "audit" })));
    expect(text.reason).toBe("invalid_json");
    expect(Buffer.from(text.payload, "base64").toString("utf8")).toBe("START RequestId: 8f5a Version: $LATEST");
    expect(text.sequenceNumber).toBe("200");
  });

  it("counts a CloudWatch Logs CONTROL_MESSAGE as control, not as a log event", () => {
    // Prepare
    const record = cloudWatchControlRecord({ sequenceNumber: "300" });

    // Act
    const outcomes = processRecords([record]);

    // Assess
    const control = only(outcomes, "control");
    expect(control.sequenceNumber).toBe("300");
    expect(summarize(outcomes)).toEqual({
      events: 0,
      delivered: 0,
      filtered: 0,
      failed: 0,
      control: 1,
      deferred: 0,
      failedByReason: {},
    });
  });

  it("fails CloudWatch log events without a string message and envelopes with an unknown messageType", () => {
    // Prepare
    const envelope = cloudWatchDataEnvelope([JSON.stringify(appLog())]);
    const broken = { ...envelope, logEvents: [...envelope.logEvents, { id: "x", timestamp: 1 }, 42] };
    const unknown = { ...envelope, messageType: "SOMETHING_ELSE" };

    // Act
    const outcomes = processRecords([
      rawRecord(gzipSync(JSON.stringify(broken))),
      rawRecord(gzipSync(JSON.stringify(unknown))),
    ]);

    // Assess
    expect(outcomes.map((o) => (o.kind === "failed" ? o.reason : o.kind))).toEqual([
      "delivered",
      "invalid_cloudwatch_event",
      "invalid_cloudwatch_event",
      "invalid_cloudwatch_event",
    ]);
    const missingMessage = outcomes[1] as FailedOutcome;
    expect(JSON.parse(Buffer.from(missingMessage.payload, "base64").toString("utf8"))).toEqual({
      id: "x",
      timestamp: 1,
    });
  });

  it("delivers an application log that has its own messageType key but no logEvents", () => {
    // Prepare
    const log = appLog({ messageType: "DATA_MESSAGE", logGroup: "billing" });

    // Act
    const delivered = only(processRecords([jsonRecord(log)]), "delivered");

    // Assess
    expect(delivered.record).toEqual(log);
  });

  it("de-aggregates KPL records into one outcome per user record, each with its own partition key", () => {
    // Prepare
    const record = kplRecord(
      [
        { partitionKey: "user-a", data: JSON.stringify(appLog({ log_id: "k0" })) },
        { partitionKey: "user-b", data: gzipSync(JSON.stringify(appLog({ log_id: "k1" }))) },
        {
          partitionKey: "user-a",
          data: gzipSync(JSON.stringify(cloudWatchDataEnvelope([JSON.stringify(appLog({ log_id: "k2" }))]))),
        },
        { partitionKey: "user-c", data: "not json" },
      ],
      { sequenceNumber: "400", partitionKey: "aggregate-key" },
    );

    // Act
    const outcomes = processRecords([record]);

    // Assess
    expect(outcomes.map((o) => [o.kind, o.eventId, o.partitionKey, o.kplIndex])).toEqual([
      ["delivered", "400:0", "user-a", 0],
      ["delivered", "400:1", "user-b", 1],
      ["delivered", "400:2:0", "user-a", 2],
      ["failed", "400:3", "user-c", 3],
    ]);
    expect(outcomes.map((o) => (o.kind === "delivered" ? o.id : undefined))).toEqual(["k0", "k1", "k2", undefined]);
    expect(Buffer.from((outcomes[3] as FailedOutcome).payload, "base64").toString("utf8")).toBe("not json");
    expect(new Set(outcomes.map((o) => o.sequenceNumber))).toEqual(new Set(["400"]));
  });

  it("passes a KPL payload whose MD5 does not match through as raw bytes", () => {
    // Prepare
    const record = kplRecord([{ partitionKey: "a", data: JSON.stringify(appLog()) }], { corruptChecksum: true });

    // Act
    const failed = failure(processRecords([record]));

    // Assess
    expect(failed.reason).toBe("invalid_utf8");
    expect(failed.payload).toBe(record.data);
    expect(failed.kplIndex).toBeUndefined();
  });

  it.each([
    ["empty data", rawRecord(Buffer.alloc(0)), "empty_data"],
    ["invalid base64", { ...jsonRecord(appLog()), data: "!!not base64!!" }, "invalid_base64"],
    ["invalid UTF-8", rawRecord(Buffer.from([0x7b, 0x22, 0xff, 0xfe, 0x22, 0x7d])), "invalid_utf8"],
    [
      "invalid gzip (magic then garbage)",
      rawRecord(Buffer.from([0x1f, 0x8b, 0x08, 0x00, 0xde, 0xad, 0xbe, 0xef])),
      "invalid_gzip",
    ],
    ["truncated gzip", rawRecord(gzipSync(JSON.stringify(appLog())).subarray(0, 20)), "invalid_gzip"],
    ["non-JSON", jsonRecord("hello world"), "invalid_json"],
    ["whitespace only", jsonRecord("  \n"), "invalid_json"],
    ["a JSON array", jsonRecord([appLog()]), "not_an_object"],
    ["a JSON string", jsonRecord('"app"'), "not_an_object"],
    ["JSON null", jsonRecord("null"), "not_an_object"],
    ["a missing type", jsonRecord({ log_id: "x", time: 1 }), "missing_type"],
    ["a null type", jsonRecord({ log_type: null }), "missing_type"],
    ["an empty type", jsonRecord({ log_type: "" }), "missing_type"],
    ["a numeric type", jsonRecord({ log_type: 42 }), "type_not_string"],
    ["an object type", jsonRecord({ log_type: { name: "app" } }), "type_not_string"],
  ])("fails %s with its reason and keeps the original payload", (_name, record, reason) => {
    // Act
    const failed = failure(processRecords([record]));

    // Assess
    expect(failed.reason).toBe(reason);
    expect(failed.payload).toBe(record.data);
    expect(failed.kinesisData).toBe(record.data);
    expect(failed.sequenceNumber).toBe(record.sequenceNumber);
    expect(failed.eventId).toBe(record.sequenceNumber);
    expect(failed.detail).not.toBe("");
  });

  it("fails a gzip bomb beyond maxDecompressedBytes as record_too_large", () => {
    // Prepare
    const record = rawRecord(gzipSync(Buffer.alloc(1024 * 1024, 0x20)));

    // Act
    const failed = failure(createPipeline({ maxDecompressedBytes: 64 * 1024 }).processRecords([record]));

    // Assess
    expect(failed.reason).toBe("record_too_large");
  });
});

describe("record pipeline: Common Schema", () => {
  it("delivers a record without type when requireType is off", () => {
    // Prepare
    const pipeline = createPipeline({ requireType: false });

    // Act
    const delivered = only(pipeline.processRecords([jsonRecord({ msg: "x" })]), "delivered");

    // Assess
    expect(delivered.type).toBeUndefined();
  });

  it("still fails a non-string type when requireType is off", () => {
    // Act
    const failed = failure(createPipeline({ requireType: false }).processRecords([jsonRecord({ log_type: 1 })]));

    // Assess
    expect(failed.reason).toBe("type_not_string");
  });

  it("delivers records without id or time (callers decide), and renders numeric ids as strings", () => {
    // Act
    const outcomes = processRecords([jsonRecord({ log_type: "app" }), jsonRecord({ log_type: "app", log_id: 17 })]);

    // Assess
    const [bare, numeric] = outcomes as [DeliveredOutcome, DeliveredOutcome];
    expect([bare.kind, bare.id, bare.time, bare.timeError]).toEqual(["delivered", undefined, undefined, undefined]);
    expect(numeric.id).toBe("17");
  });

  it("delivers an unparseable time with timeError by default and fails it with requireTime", () => {
    // Prepare
    const record = jsonRecord(appLog({ time: "last tuesday" }));

    // Act
    const lenient = only(processRecords([record]), "delivered");
    const strict = failure(createPipeline({ requireTime: true }).processRecords([record]));

    // Assess
    expect(lenient.time).toBeUndefined();
    expect(lenient.timeError).toBe("unrecognised time format");
    expect(strict.reason).toBe("invalid_time");
    expect(strict.payload).toBe(record.data);
  });

  it("parses each time format, reading offset-less times in the configured zone", () => {
    // Prepare
    const times = [
      "2020-03-14T23:30:00+09:00",
      "2020-03-14T14:30:00.000Z",
      "2020-03-14T23:30:00",
      "2020-03-14 23:30:00",
      "Sat, 14 Mar 2020 23:30:00 +0900",
      1584196200,
      1584196200000,
      "1584196200",
    ];
    const pipeline = createPipeline({ timeZone: "Asia/Tokyo" });

    // Act
    const outcomes = pipeline.processRecords(times.map((time) => jsonRecord(appLog({ time }))));

    // Assess
    expect(outcomes.map((o) => (o as DeliveredOutcome).time)).toEqual(times.map(() => TOKYO_2330));
  });

  it("uses configurable key names", () => {
    // Prepare
    const pipeline = createPipeline({ typeKey: "kind", idKey: "uid", timeKey: "@timestamp" });

    // Act
    const delivered = only(
      pipeline.processRecords([
        jsonRecord({ kind: "app", uid: "u1", "@timestamp": "2020-03-14T14:30:00Z", log_type: 5 }),
      ]),
      "delivered",
    );

    // Assess
    expect([delivered.type, delivered.id, delivered.time]).toEqual(["app", "u1", TOKYO_2330]);
  });

  it("filters by exact type match: a prefix is not a match", () => {
    // Prepare
    const pipeline = createPipeline({ whitelist: ["app"] });
    const records = ["app", "application", "ap", "App", "audit"].map((t) => jsonRecord(appLog({ log_type: t })));

    // Act
    const outcomes = pipeline.processRecords(records);

    // Assess
    expect(outcomes.map((o) => [o.kind, (o as DeliveredOutcome).type])).toEqual([
      ["delivered", "app"],
      ["filtered", "application"],
      ["filtered", "ap"],
      ["filtered", "App"],
      ["filtered", "audit"],
    ]);
  });

  it("delivers every type when the whitelist is empty", () => {
    // Prepare
    const pipeline = createPipeline({ whitelist: [] });
    const records = ["app", "audit", "x"].map((t) => jsonRecord(appLog({ log_type: t })));

    // Act
    const outcomes = pipeline.processRecords(records);

    // Assess
    expect(outcomes.map((o) => o.kind)).toEqual(["delivered", "delivered", "delivered"]);
  });

  it("filters untyped records when a whitelist is set and requireType is off", () => {
    // Act
    const filtered = only(
      createPipeline({ whitelist: ["app"], requireType: false }).processRecords([jsonRecord({})]),
      "filtered",
    );

    // Assess
    expect(filtered.type).toBeUndefined();
  });

  it("fails an unreadable time as invalid_time with invalidTime: fail, and marks it delivered with the fallback", () => {
    // Prepare
    const records = [jsonRecord(appLog({ time: "not a time" })), jsonRecord(appLog({ time: undefined }))];

    // Act
    const failing = createPipeline({ invalidTime: "fail" }).processRecords(records);
    const fallback = createPipeline({ invalidTime: "deliver" }).processRecords(records);

    // Assess
    expect(failing.map((o) => (o.kind === "failed" ? o.reason : o.kind))).toEqual(["invalid_time", "delivered"]);
    expect((failing[0] as FailedOutcome).text).toBe(JSON.stringify(appLog({ time: "not a time" })));
    const [marked, absent] = fallback as DeliveredOutcome[];
    expect(marked!.timeError).toEqual(expect.any(String));
    expect(marked!.time).toBeUndefined();
    expect(absent!.timeError).toBeUndefined();
    expect(createPipeline({ requireTime: true }).options.invalidTime).toBe("fail");
  });

  it("rejects unusable options naming the option", () => {
    // Act / Assess
    expect(() => createPipeline({ timeZone: "Nowhere/Land" })).toThrow(/timeZone/);
    expect(() => createPipeline({ typeKey: "" })).toThrow(/typeKey/);
    expect(() => createPipeline({ maxDecompressedBytes: 0 })).toThrow(/maxDecompressedBytes/);
    expect(() => createPipeline({ batchBudgetBytes: 0 })).toThrow(/batchBudgetBytes/);
    expect(() => createPipeline({ invalidTime: "arrival" as "fail" })).toThrow(/invalidTime/);
  });
});

describe("record pipeline: batches and helpers", () => {
  it("processes a Lambda Kinesis event, recording each outcome's Kinesis record", () => {
    // Prepare
    const event = kinesisEvent([
      jsonRecord(appLog(), { sequenceNumber: "1" }),
      cloudWatchDataRecord(["{}", JSON.stringify(appLog())], {}, { sequenceNumber: "2" }),
      jsonRecord("oops", { sequenceNumber: "3" }),
    ]);

    // Act
    const outcomes = createPipeline().processEvent(event);

    // Assess
    expect(outcomes.map((o) => [o.kind, o.recordIndex, o.sequenceNumber, o.eventId])).toEqual([
      ["delivered", 0, "1", "1"],
      ["failed", 1, "2", "2:0"],
      ["delivered", 1, "2", "2:1"],
      ["failed", 2, "3", "3"],
    ]);
    expect(summarize(outcomes)).toEqual({
      events: 4,
      delivered: 2,
      filtered: 0,
      failed: 2,
      control: 0,
      deferred: 0,
      failedByReason: { missing_type: 1, invalid_json: 1 },
    });
  });

  it("gives the same event ids when the same batch is redelivered", () => {
    // Prepare
    const records = [
      cloudWatchDataRecord(["{}", "{}"]),
      kplRecord([{ partitionKey: "a", data: "{}" }]),
      jsonRecord("{}"),
    ];

    // Act
    const first = processRecords(records).map((o) => o.eventId);
    const second = processRecords(records).map((o) => o.eventId);

    // Assess
    expect(second).toEqual(first);
    expect(new Set(first).size).toBe(first.length);
  });

  it("turns a delivered outcome into a destination failure and a failed-records line", () => {
    // Prepare
    const delivered = only(processRecords([jsonRecord(appLog(), { sequenceNumber: "9" })]), "delivered");

    // Act
    const failed = toFailed(delivered, "destination_rejected", "mapper_parsing_exception");
    const line = JSON.parse(failedRecordLine(failed));

    // Assess
    expect(failed.reason).toBe("destination_rejected");
    expect(Buffer.from(failed.payload, "base64").toString("utf8")).toBe(delivered.raw);
    expect(line).toMatchObject({
      reason: "destination_rejected",
      detail: "mapper_parsing_exception",
      event_id: "9",
      sequence_number: "9",
      arrival_time: "2020-03-14T14:30:00.123Z",
      payload_base64: failed.payload,
    });
  });
});
