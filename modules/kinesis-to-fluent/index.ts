/**
 * kinesis-to-fluent: a Lambda reading a stream and sending log events to a Fluentd / Fluent Bit forward input (tag
 * `<log_type>.<tag>`, PackedForward chunks with acks, TLS by default (plaintext only by explicit opt-in, and never with
 * a shared key), optional shared-key handshake), normally inside the
 * aggregator's VPC. The shared key is never configuration: the function reads it at cold start from the SSM
 * SecureString whose NAME is given, with `ssm:GetParameter` on exactly that parameter.
 * Built on KinesisConsumer (mapping, on-failure queue, failed records); handler: handlers/kinesis-to-fluent.
 */
import { Construct } from "constructs";
import { toFluentEnv } from "../../contracts/kinesis";
import { arnScope, arns } from "../common/arns";
import type { PolicyStatement } from "../common/node-function";
import { boolOrDefault, ConfigError, intOrDefault, optionalString, patterns, requireString } from "../common/validate";
import { type VpcPlacement, validateVpc } from "../common/vpc";
import { KinesisConsumer, type KinesisConsumerCommonProps, type KinesisConsumerOutputs } from "../kinesis-consumer";

export interface KinesisToFluentProps extends KinesisConsumerCommonProps {
  /** Aggregator host name or IP address. */
  readonly host: string;
  /** @default 24224 */
  readonly port?: number;
  /** Second part of the tag `<log_type>.<tag>`; `""` sends `<log_type>` alone. @default "kinesis" */
  readonly tag?: string;
  /** TLS to the forward input (`<transport tls>`). @default true (plaintext only with `plaintext: true`) */
  readonly tls?: boolean;
  /**
   * Explicit opt-in to plaintext TCP (no TLS): events and the handshake cross the network readable by anyone on the
   * path. Refused together with a shared key (the handshake would be sent in the clear). @default false
   */
  readonly plaintext?: boolean;
  /** Name checked against the server certificate when it differs from `host`. @default host */
  readonly tlsServerName?: string;
  /** NAME of the SSM SecureString holding the shared key (`<security> shared_key`). @default no handshake */
  readonly sharedKeyParameterName?: string;
  /** CMK the SecureString is encrypted with, when not the AWS managed `aws/ssm` key (grants `kms:Decrypt`). */
  readonly sharedKeyKmsKeyArn?: string;
  /** This client's hostname in the handshake (must differ from the server's `self_hostname`). @default the function name */
  readonly selfHostname?: string;
  /** Send `{"message": "<record JSON>"}` like the original module instead of the record as a map. @default false */
  readonly wrapAsMessage?: boolean;
  /** CompressedPackedForward (gzip). @default false */
  readonly compress?: boolean;
  /** Wait for the server's ack of every chunk (at-least-once); off = at-most-once. @default true */
  readonly requireAck?: boolean;
  /** @default 30 */
  readonly ackTimeoutSeconds?: number;
  /** @default 5 */
  readonly connectTimeoutSeconds?: number;
  /** Connections tried for unacknowledged chunks per invocation, 1 to 10. @default 2 */
  readonly maxAttempts?: number;
  /** Run the function in the aggregator's VPC. @default not in a VPC */
  readonly vpc?: VpcPlacement;
}

export interface KinesisToFluentOutputs extends KinesisConsumerOutputs {
  readonly host: string;
  readonly port: number;
  /** ARN of the shared-key parameter the function may read, if any. */
  readonly sharedKeyParameterArn: string | undefined;
}

const HOST = { pattern: /^[A-Za-z0-9.:_-]{1,253}$/, hint: "a host name or IP address" };
const TAG = { pattern: /^[A-Za-z0-9_.-]{1,128}$/, hint: "1 to 128 of [A-Za-z0-9_.-]" };

export class KinesisToFluent extends Construct {
  readonly consumer: KinesisConsumer;
  readonly outputs: KinesisToFluentOutputs;

  constructor(scope: Construct, id: string, props: KinesisToFluentProps) {
    super(scope, id);
    const host = requireString("host", props.host, HOST);
    const port = intOrDefault("port", props.port, 24224, 1, 65535);
    const tag = props.tag === "" ? "" : (optionalString("tag", props.tag, TAG) ?? "kinesis");
    const plaintext = boolOrDefault("plaintext", props.plaintext, false);
    const tls = boolOrDefault("tls", props.tls, !plaintext);
    if (tls && plaintext) throw new ConfigError("plaintext", "contradicts tls: true; set one of them");
    if (!tls && !plaintext) {
      throw new ConfigError("tls", "is on by default; sending in plaintext needs the explicit opt-in plaintext: true");
    }
    const tlsServerName = optionalString("tlsServerName", props.tlsServerName, HOST);
    if (tlsServerName !== undefined && !tls) throw new ConfigError("tlsServerName", "applies only when tls is true");
    const parameter = optionalString("sharedKeyParameterName", props.sharedKeyParameterName, patterns.ssmParameterName);
    if (plaintext && parameter !== undefined) {
      throw new ConfigError(
        "plaintext",
        "is refused with sharedKeyParameterName: the shared-key handshake must not cross the network in the clear",
      );
    }
    const keyKms = optionalString("sharedKeyKmsKeyArn", props.sharedKeyKmsKeyArn, patterns.arn);
    if (keyKms !== undefined && parameter === undefined) {
      throw new ConfigError("sharedKeyKmsKeyArn", "applies only when sharedKeyParameterName is set");
    }
    const selfHostname = optionalString("selfHostname", props.selfHostname, HOST);
    const wrapAsMessage = boolOrDefault("wrapAsMessage", props.wrapAsMessage, false);
    const compress = boolOrDefault("compress", props.compress, false);
    const requireAck = boolOrDefault("requireAck", props.requireAck, true);
    const timeoutSeconds = props.timeoutSeconds ?? 60;
    const ackTimeout = intOrDefault("ackTimeoutSeconds", props.ackTimeoutSeconds, 30, 1, 900);
    const connectTimeout = intOrDefault("connectTimeoutSeconds", props.connectTimeoutSeconds, 5, 1, 120);
    if (ackTimeout + connectTimeout >= timeoutSeconds) {
      throw new ConfigError(
        "ackTimeoutSeconds",
        `with connectTimeoutSeconds (${connectTimeout}) must stay below timeoutSeconds (${timeoutSeconds}); got ${ackTimeout}`,
      );
    }
    const maxAttempts = intOrDefault("maxAttempts", props.maxAttempts, 2, 1, 10);
    const vpc = validateVpc("vpc", props.vpc);

    let parameterArn: string | undefined;
    const statements: PolicyStatement[] = [];
    if (parameter !== undefined) {
      parameterArn = arns.ssmParameter(arnScope(this), parameter);
      statements.push({ Sid: "ReadSharedKey", Effect: "Allow", Action: "ssm:GetParameter", Resource: parameterArn });
      if (keyKms)
        statements.push({ Sid: "DecryptSharedKey", Effect: "Allow", Action: "kms:Decrypt", Resource: keyKms });
    }

    this.consumer = new KinesisConsumer(this, "consumer", {
      ...props,
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
