/**
 * kinesis-to-fluent: a Lambda reading a stream and sending log events to a Fluentd / Fluent Bit forward input (tag
 * `<log_type>.<tag>`, PackedForward chunks with acks, TLS by default (plaintext only by explicit opt-in, and never with
 * a shared key), optional shared-key handshake), normally inside the
 * aggregator's VPC. The shared key is never configuration: the function reads it at cold start from the SSM
 * SecureString whose NAME is given, with `ssm:GetParameter` on exactly that parameter.
 * Built on KinesisConsumer (mapping, on-failure queue, failed records); handler: handlers/kinesis-to-fluent.
 */
import { Construct } from "constructs";
import type { z } from "zod";
import { toFluentEnv } from "../../contracts/kinesis";
import { arnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/node-function";
import { bool, fail, int, parseWith, patterns, pick, str, strict, text, whenValid } from "../common/schema";
import { vpcPlacementSchema } from "../common/vpc";
import { consumerCommonShape, KinesisConsumer, type KinesisConsumerOutputs, refineConsumer } from "../kinesis-consumer";

const HOST = { pattern: /^[A-Za-z0-9.:_-]{1,253}$/, hint: "a host name or IP address" };
const TAG = { pattern: /^[A-Za-z0-9_.-]{1,128}$/, hint: "1 to 128 of [A-Za-z0-9_.-]" };

/** What kinesis-to-fluent adds to the common consumer props; configuration takes all of it per fluent sink. */
export const kinesisToFluentShape = {
  /** Aggregator host name or IP address. */
  host: str(HOST),
  /** Forward input port, 1 to 65535. @default 24224 */
  port: int(1, 65535).default(24224),
  /** Second part of the tag `<log_type>.<tag>`, 1 to 128 of [A-Za-z0-9_.-]; `""` sends `<log_type>` alone. @default "kinesis" */
  tag: text()
    .superRefine((v, ctx) => {
      if (v !== "" && !TAG.pattern.test(v)) fail(ctx, [], `must match ${TAG.hint}; got ${JSON.stringify(v)}`);
    })
    .default("kinesis"),
  /** TLS to the forward input (`<transport tls>`). @default true (plaintext only with `plaintext: true`) */
  tls: bool().optional(),
  /**
   * Explicit opt-in to plaintext TCP (no TLS): events and the handshake cross the network readable by anyone on the
   * path. Refused together with a shared key (the handshake would be sent in the clear). @default false
   */
  plaintext: bool().default(false),
  /** Name checked against the server certificate when it differs from `host`; TLS only. @default host */
  tlsServerName: str(HOST).optional(),
  /** NAME of the SSM SecureString holding the shared key (`<security> shared_key`); the key is never a prop. @default no handshake */
  sharedKeyParameterName: str(patterns.ssmParameterName).optional(),
  /** CMK the SecureString is encrypted with, when not the AWS managed `aws/ssm` key (grants `kms:Decrypt`). @default none */
  sharedKeyKmsKeyArn: str(patterns.arn).optional(),
  /** This client's hostname in the handshake (must differ from the server's `self_hostname`). @default the function name */
  selfHostname: str(HOST).optional(),
  /** Send `{"message": "<record JSON>"}` like the original module instead of the record as a map. @default false */
  wrapAsMessage: bool().default(false),
  /** CompressedPackedForward (gzip). @default false */
  compress: bool().default(false),
  /** Wait for the server's ack of every chunk (at-least-once); off = at-most-once. @default true */
  requireAck: bool().default(true),
  /** Seconds to wait for an ack, 1 to 900; with connectTimeoutSeconds below the function's timeout. @default 30 */
  ackTimeoutSeconds: int(1, 900).default(30),
  /** Seconds to connect, 1 to 120. @default 5 */
  connectTimeoutSeconds: int(1, 120).default(5),
  /** Connections tried for unacknowledged chunks per invocation, 1 to 10. @default 2 */
  maxAttempts: int(1, 10).default(2),
  /** Run the function in the aggregator's VPC. @default not in a VPC */
  vpc: vpcPlacementSchema.optional(),
};

/** The rules between fields: TLS unless plaintext is asked for, never a shared key in the clear, timeouts that fit. */
export function refineKinesisToFluent(
  p: {
    tls?: boolean | undefined;
    plaintext: boolean;
    tlsServerName?: string | undefined;
    sharedKeyParameterName?: string | undefined;
    sharedKeyKmsKeyArn?: string | undefined;
    ackTimeoutSeconds: number;
    connectTimeoutSeconds: number;
    timeoutSeconds: number;
  },
  ctx: z.RefinementCtx,
): void {
  const tls = p.tls ?? !p.plaintext;
  if (tls && p.plaintext) fail(ctx, ["plaintext"], "contradicts tls: true; set one of them");
  if (!tls && !p.plaintext) {
    fail(ctx, ["tls"], "is on by default; sending in plaintext needs the explicit opt-in plaintext: true");
  }
  if (p.tlsServerName !== undefined && !tls) fail(ctx, ["tlsServerName"], "applies only when tls is true");
  if (p.plaintext && p.sharedKeyParameterName !== undefined) {
    fail(
      ctx,
      ["plaintext"],
      "is refused with sharedKeyParameterName: the shared-key handshake must not cross the network in the clear",
    );
  }
  if (p.sharedKeyKmsKeyArn !== undefined && p.sharedKeyParameterName === undefined) {
    fail(ctx, ["sharedKeyKmsKeyArn"], "applies only when sharedKeyParameterName is set");
  }
  const timeoutSeconds = p.timeoutSeconds;
  if (p.ackTimeoutSeconds + p.connectTimeoutSeconds >= timeoutSeconds) {
    fail(
      ctx,
      ["ackTimeoutSeconds"],
      `with connectTimeoutSeconds (${p.connectTimeoutSeconds}) must stay below timeoutSeconds (${timeoutSeconds}); got ${p.ackTimeoutSeconds}`,
    );
  }
}

export const kinesisToFluentPropsSchema = strict({ ...consumerCommonShape, ...kinesisToFluentShape })
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToFluent, whenValid);

/** Props of KinesisToFluent, inferred from its schema (the field comments are the documentation). */
export type KinesisToFluentProps = Readonly<z.input<typeof kinesisToFluentPropsSchema>>;

export interface KinesisToFluentOutputs extends KinesisConsumerOutputs {
  /** The aggregator host. */
  readonly host: string;
  /** The forward input port. */
  readonly port: number;
  /** ARN of the shared-key parameter the function may read, if any. */
  readonly sharedKeyParameterArn: string | undefined;
}

export class KinesisToFluent extends Construct {
  /** The function and its event source mapping (see kinesis-consumer). */
  readonly consumer: KinesisConsumer;
  readonly outputs: KinesisToFluentOutputs;

  constructor(scope: Construct, id: string, props: KinesisToFluentProps) {
    super(scope, id);
    const p = parseWith(kinesisToFluentPropsSchema, props);
    const { host, port, tag, plaintext, tlsServerName, wrapAsMessage, compress, requireAck, maxAttempts, vpc } = p;
    const tls = p.tls ?? !plaintext;
    const parameter = p.sharedKeyParameterName;
    const keyKms = p.sharedKeyKmsKeyArn;
    const selfHostname = p.selfHostname;
    const ackTimeout = p.ackTimeoutSeconds;
    const connectTimeout = p.connectTimeoutSeconds;

    let parameterArn: string | undefined;
    const statements: PolicyStatement[] = [];
    if (parameter !== undefined) {
      parameterArn = arns.ssmParameter(arnScope(this), parameter);
      statements.push({ Sid: "ReadSharedKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameterArn });
      if (keyKms)
        statements.push({ Sid: "DecryptSharedKey", Effect: "Allow", Action: "kms:Decrypt", Resource: keyKms });
    }

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...pick(consumerCommonShape, p),
      failedRecords: p.failedRecords,
      handler: "kinesis-to-fluent",
      description: "Sends log events to a Fluentd forward input",
      vpcConfig: vpc ? { subnetIds: [...vpc.subnetIds], securityGroupIds: [...vpc.securityGroupIds] } : undefined,
      environment: toFluentEnv.write({
        host,
        port,
        tag,
        tls,
        wrapAsMessage,
        compress,
        requireAck,
        ackTimeoutMs: ackTimeout * 1000,
        connectTimeoutMs: connectTimeout * 1000,
        maxAttempts,
        tlsServerName: tlsServerName || undefined,
        sharedKeyParameter: parameter || undefined,
        selfHostname: selfHostname || undefined,
      }),
      statements,
    });
    this.outputs = { ...this.consumer.outputs, host, port, sharedKeyParameterArn: parameterArn };
  }
}
