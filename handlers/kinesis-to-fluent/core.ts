/**
 * kinesis-to-fluent core: delivered log events → Fluentd forward protocol (PackedForward chunks with ack, optional TLS
 * and shared-key handshake; see fluent-forward.ts). Unacknowledged chunks come back
 * `retryable` (batch item failures), records that cannot be encoded `rejected` (failed records).
 *
 * The shared key is a secret: the handler reads it at cold start from an SSM SecureString whose NAME is configured
 * (`loadSharedKey`), caches it for the container, and reads it again only after a failed read.
 *
 * Time: the event time is the record's own; a record without a time key is sent with its Kinesis arrival time. A
 * record whose time key holds a value that cannot be read is never sent silently with its arrival time: by default it is
 * an `invalid_time` failed record (counted); with the explicit fallback (`LOG_INVALID_TIME=deliver`) it is sent with
 * its arrival time and an `_invalid_time` key naming the problem.
 */
import type { KinesisStreamBatchResponse } from "aws-lambda";
import { type KinesisBatchDeps, processKinesisBatch } from "../shared/kinesis/batch";
import type { DeliveredOutcome, KinesisEventLike, PipelineOptions } from "../shared/kinesis/records/types";
import type { Sink, SinkResult } from "../shared/kinesis/sink";
import { type FluentForwardOptions, sendToFluent } from "./fluent-forward";

export type SendFn = (outcomes: readonly DeliveredOutcome[], options: FluentForwardOptions) => Promise<SinkResult>;

/** Pipeline options of this module: an unreadable time fails as `invalid_time` unless the fallback is configured. */
export function fluentPipelineOptions(options: PipelineOptions): PipelineOptions {
  // The sink encodes `raw` (json-msgpack.ts) and reads type and time: the parsed record need not be kept.
  return { ...options, invalidTime: options.invalidTime ?? "fail", keepRecord: false, keepRawBytes: false };
}

/** The fluent sink over the forward client (injectable for tests). */
export function createFluentSink(options: FluentForwardOptions, send: SendFn = sendToFluent): Sink {
  return (delivered) => send(delivered, options);
}

/** The one SSM call: the decrypted value of a SecureString parameter. */
export type GetSecureStringFn = (name: string) => Promise<string | undefined>;

/**
 * Builds the sink once the shared key (if any) is read; caches the result, and forgets a failed read so the next
 * invocation tries again (the failed invocation is retried by the event source mapping).
 */
export function lazySink(
  options: FluentForwardOptions,
  sharedKeyParameter: string | undefined,
  getSecureString: GetSecureStringFn,
  send: SendFn = sendToFluent,
): () => Promise<Sink> {
  let ready: Promise<Sink> | undefined;
  const build = async (): Promise<Sink> => {
    if (sharedKeyParameter === undefined) return createFluentSink(options, send);
    const sharedKey = await getSecureString(sharedKeyParameter);
    if (!sharedKey) throw new Error(`SSM parameter ${sharedKeyParameter} has no value`);
    return createFluentSink({ ...options, sharedKey }, send);
  };
  return () => {
    if (ready === undefined) {
      ready = build();
      ready.catch(() => {
        ready = undefined;
      });
    }
    return ready;
  };
}

export interface ToFluentDeps extends Omit<KinesisBatchDeps, "sink"> {
  readonly sink: () => Promise<Sink>;
}

/** The whole batch: shared key (cold start) → pipeline → forward client → failed records → partial batch response. */
export async function toFluentBatch(event: KinesisEventLike, deps: ToFluentDeps): Promise<KinesisStreamBatchResponse> {
  const sink = await deps.sink();
  const { batchItemFailures } = await processKinesisBatch(event, { ...deps, sink });
  return { batchItemFailures };
}
