// keepRecord: false (what every Kinesis handler runs with now) changes nothing but the `record` member of delivered
// outcomes: same outcomes, kinds, reasons, raw text, type, id, time, budgets and slices as with the record kept.
import { gzipSync } from "node:zlib";
import fc from "fast-check";
import { partitionKeyOf, planPutRecords } from "../../../../../../handlers/kinesis-forward/core";
import { createPipeline, type Outcome } from "../../../../../../handlers/shared/kinesis/records";
import { appLog, cloudWatchDataEnvelope, rawRecord } from "../../../../../fixtures/records/events";
import { encodeKplAggregate } from "../../../../../fixtures/records/kpl";

const idValue = fc.oneof(
  fc.string(),
  fc.integer(),
  fc.double(),
  fc.constantFrom(null, true, "", 0, -0, 1e21, Number.NaN),
  fc.array(fc.integer(), { maxLength: 2 }),
);
const message = fc.oneof(
  fc
    .record({ log_id: idValue, time: fc.oneof(fc.integer(), fc.string(), fc.constant("2024-05-01T00:00:00Z")) })
    .map((o) => JSON.stringify(appLog(o as never))),
  fc.constantFrom("[1]", "{}", '{"log_type":7}', '{"log_type":"audit","time":"garbage"}', "not json"),
  fc.string(),
);
const unit = fc.oneof(
  message.map((m) => Buffer.from(m)),
  fc.array(message, { maxLength: 5 }).map((ms) => Buffer.from(JSON.stringify(cloudWatchDataEnvelope(ms)))),
);
const maybeGz = fc.tuple(unit, fc.boolean()).map(([b, gz]) => (gz ? gzipSync(b) : b));
const record = fc.oneof(
  { arbitrary: maybeGz, weight: 3 },
  {
    arbitrary: fc
      .array(maybeGz, { maxLength: 4 })
      .map((subs) => encodeKplAggregate(subs.map((data, i) => ({ partitionKey: `pk-${i}`, data })))),
    weight: 1,
  },
);

const withoutRecord = (outcomes: Outcome[]) =>
  outcomes.map((o) => (o.kind === "delivered" ? { ...o, record: undefined } : o));

describe("pipeline keepRecord: false", () => {
  it("yields the same outcomes as keepRecord: true, without the parsed record", () => {
    fc.assert(
      fc.property(
        fc.array(record, { maxLength: 10 }),
        fc.constantFrom<readonly string[]>([], ["app"]),
        fc.constantFrom<"fail" | "deliver">("fail", "deliver"),
        fc.constantFrom(64 * 1024 * 1024, 4096),
        (units, whitelist, invalidTime, batchBudgetBytes) => {
          // Prepare
          const records = units.map((b, i) => ({ kinesis: rawRecord(b, { sequenceNumber: String(i) }) }));
          const options = { whitelist, invalidTime, batchBudgetBytes };
          const kept = createPipeline(options);
          const dropped = createPipeline({ ...options, keepRecord: false });

          // Act: slice by slice, as processKinesisBatch does
          const slices = (p: typeof kept) => {
            const out: Outcome[][] = [];
            for (let start = 0; start < records.length; ) {
              const s = p.processSlice(records, start);
              out.push(s.outcomes);
              start = Math.max(s.next, start + 1);
            }
            return out;
          };
          const a = slices(kept);
          const b = slices(dropped);

          // Assess
          expect(b.map(withoutRecord)).toEqual(a.map(withoutRecord));
          for (const o of b.flat()) if (o.kind === "delivered") expect(o.record).toBeUndefined();
          for (const o of a.flat()) if (o.kind === "delivered") expect(o.record).toBeDefined();
        },
      ),
      { numRuns: 300 },
    );
  });

  it("kinesis-forward: the partition key from the outcome's id equals the one read from the record", () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 20 }), (messages) => {
        // Prepare
        const records = messages.map((m, i) => rawRecord(Buffer.from(m), { sequenceNumber: String(i) }));
        const kept = createPipeline({}).processRecords(records);
        const dropped = createPipeline({ keepRecord: false }).processRecords(records);

        // Act
        const keysKept = planPutRecords(kept.filter((o) => o.kind === "delivered")).chunks.flat();
        const keysDropped = planPutRecords(
          dropped.filter((o) => o.kind === "delivered"),
          "log_id",
          "log_id",
        ).chunks.flat();

        // Assess: same entries (keys and data)
        expect(keysDropped.map((p) => p.entry)).toEqual(keysKept.map((p) => p.entry));
      }),
      { numRuns: 300 },
    );
  });

  it("kinesis-forward: another partition key field needs the record, and says so", () => {
    // Act
    const [o] = createPipeline({ keepRecord: false }).processRecords([
      rawRecord(Buffer.from(JSON.stringify(appLog({ tenant: "t1" } as never))), { sequenceNumber: "1" }),
    ]);
    // Assess
    expect(o!.kind).toBe("delivered");
    expect(() => partitionKeyOf(o as never, "tenant", "log_id")).toThrow(/needs the parsed record/);
    const [kept] = createPipeline({}).processRecords([
      rawRecord(Buffer.from(JSON.stringify(appLog({ tenant: "t1" } as never))), { sequenceNumber: "1" }),
    ]);
    expect(partitionKeyOf(kept as never, "tenant", "log_id")).toBe("t1");
  });
});
