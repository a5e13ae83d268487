// kinesis-to-fluent, whole invocation as deployed (see handler-bench.ts): a real TCP connection per batch to a
// FluentServer (shared-key handshake with the key read from SSM at cold start, PackedForward chunks, acks).
import { toFluentEnv } from "../contracts/kinesis";
import { runHandlerBench } from "./handler-bench";
import type { BenchResult } from "./types";

const E = toFluentEnv.names;

export default function kinesisToFluentBench(): Promise<BenchResult[]> {
  return runHandlerBench({
    handler: "kinesis-to-fluent",
    destination: "fluent",
    env: (stub) => ({
      [E.host]: "127.0.0.1",
      [E.port]: String(stub.fluentPort),
      [E.tag]: "kinesis",
      [E.tls]: "false",
      [E.wrapAsMessage]: "false",
      [E.compress]: "false",
      [E.requireAck]: "true",
      [E.ackTimeoutMs]: "30000",
      [E.connectTimeoutMs]: "5000",
      [E.maxAttempts]: "2",
      [E.sharedKeyParameter]: "/bench/fluentd-shared-key",
    }),
    deliveredCounter: "fluentEntries",
    targets: { plain: 70 },
  });
}
