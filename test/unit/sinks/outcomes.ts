/** Delivered outcomes built by running realistic Kinesis records through the real decode pipeline. */
import { processRecords } from "../../../handlers/shared/kinesis/records/pipeline";
import type { DeliveredOutcome, PipelineOptions } from "../../../handlers/shared/kinesis/records/types";
import { appLog, jsonRecord, type RecordOptions, sequenceNumber } from "../../fixtures/records/events";

export { appLog };

/** Runs records (objects or raw JSON strings) through the pipeline; fails the test if any is not delivered. */
export function delivered(
  logs: readonly (Record<string, unknown> | string)[],
  options: PipelineOptions = {},
  recordOptions: (i: number) => RecordOptions = (i) => ({ sequenceNumber: sequenceNumber(i) }),
): DeliveredOutcome[] {
  const outcomes = processRecords(
    logs.map((log, i) => jsonRecord(log, recordOptions(i))),
    options,
  );
  return outcomes.map((o) => {
    if (o.kind !== "delivered") throw new Error(`expected delivered, got ${JSON.stringify(o)}`);
    return o;
  });
}
