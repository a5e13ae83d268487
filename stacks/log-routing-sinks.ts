// The sinks of the log-routing stack: one kinesis-to-s3 / kinesis-to-opensearch / kinesis-to-fluent consumer per
// configured sink, each on the router stream or a forwarder's output stream, with its Terraform outputs.
import { TerraformOutput } from "cdktf";
import type { ResolvedAppConfig, SinkKind } from "../config";
import { ConfigError } from "../modules/common/schema";
import type { KinesisConsumerCommonProps, KinesisConsumerOutputs } from "../modules/kinesis-consumer";
import { KinesisToFluent } from "../modules/kinesis-to-fluent";
import { KinesisToOpenSearch } from "../modules/kinesis-to-opensearch";
import { KinesisToS3 } from "../modules/kinesis-to-s3";
import type { Stream } from "../modules/stream";
import type { LogRoutingStack } from "./log-routing";
import { AppStack } from "./stack-base";

export interface AddedSinks {
  s3: Record<string, KinesisToS3>;
  opensearch: Record<string, KinesisToOpenSearch>;
  fluent: Record<string, KinesisToFluent>;
}

/** Adds every configured sink to the stack. `router` is the router stream; forwarders' streams come from the stack. */
export function addSinks(stack: LogRoutingStack, config: ResolvedAppConfig, router: Stream): AddedSinks {
  const { schema, failedRecords, sinks } = config.logRouting;
  const failedRecordsBucket =
    stack.failedRecordsBucket?.outputs.bucketName ??
    failedRecords.bucketName ??
    `${config.name}-failed-records-${config.region}`;
  const added: AddedSinks = { s3: {}, opensearch: {}, fluent: {} };

  const common = (kind: string, sink: ResolvedAppConfig["logRouting"]["sinks"][SinkKind][number]) => {
    const { name, source, whitelist, ...rest } = sink;
    const stream = source === "router" ? router : stack.forwarders[source]?.output;
    if (stream === undefined) throw new Error(`sink ${name}: no stream for source ${source}`);
    const common: KinesisConsumerCommonProps = {
      ...rest,
      name: `${config.name}-to-${kind}-${name}`,
      sourceStreamArn: stream.outputs.streamArn,
      whitelist,
      typeKey: schema.typeKey,
      idKey: schema.idKey,
      timeKey: schema.timeKey,
      timezone: schema.timezone,
      unknownTypePrefix: schema.unknownTypePrefix,
      invalidTime: schema.invalidTime,
      failedRecords: { bucketName: failedRecordsBucket, prefix: `${failedRecords.prefix}/to-${kind}-${name}` },
    };
    return common;
  };
  const outputs = (prefix: string, o: KinesisConsumerOutputs, extra: Record<string, string | number | undefined>) => {
    const out = (key: string, value: string | number) => new TerraformOutput(stack, `${prefix}_${key}`, { value });
    out("function_name", o.functionName);
    out("function_arn", o.functionArn);
    out("role_arn", o.roleArn);
    out("log_group_name", o.logGroupName);
    out("event_source_mapping_uuid", o.eventSourceMappingUuid);
    out("on_failure_destination_arn", o.onFailureDestinationArn);
    for (const [k, v] of Object.entries(extra)) if (v !== undefined && v !== "") out(k, v);
  };
  const id = (name: string) => name.replace(/-/g, "_");

  sinks.s3.forEach((sink, i) => {
    const field = `logRouting.sinks.s3[${i}]`;
    const { bucketName, createBucket, ...rest } = sink;
    const module = AppStack.underField(
      field,
      () =>
        new KinesisToS3(stack, `to-s3-${sink.name}`, {
          ...rest,
          ...common("s3", rest),
          bucketName: bucketName ?? `${config.name}-logs-${config.region}`,
          createBucket: createBucket ?? true,
        }),
    );
    added.s3[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_s3_${id(sink.name)}`, o, { bucket_name: o.bucketName, bucket_arn: o.bucketArn, prefix: o.prefix });
  });

  sinks.opensearch.forEach((sink, i) => {
    const field = `logRouting.sinks.opensearch[${i}]`;
    // Each sink's ISM policy covers `<indexPrefix>-*`: no other sink's indices may match it.
    sinks.opensearch.forEach((other, j) => {
      // The module's default prefix is `<function name>-logs`.
      const prefixOf = (s: typeof sink) => s.indexPrefix ?? `${config.name}-to-os-${s.name}-logs`;
      const [mine, theirs] = [prefixOf(sink), prefixOf(other)];
      if (i !== j && (mine === theirs || theirs.startsWith(`${mine}-`))) {
        throw new ConfigError(
          `${field}.indexPrefix`,
          `${JSON.stringify(mine)}-* also matches the indices of sink ${JSON.stringify(other.name)} (${theirs}-*)`,
        );
      }
    });
    const module = AppStack.underField(
      field,
      () => new KinesisToOpenSearch(stack, `to-opensearch-${sink.name}`, { ...sink, ...common("os", sink) }),
    );
    added.opensearch[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_opensearch_${id(sink.name)}`, o, {
      endpoint: o.endpoint,
      target_arn: o.targetArn,
      domain_name: o.domainName,
      ism_policy_id: o.ismPolicyId,
      index_prefix: o.indexPrefix,
      admin_setup: o.adminSetup,
    });
  });

  sinks.fluent.forEach((sink, i) => {
    const field = `logRouting.sinks.fluent[${i}]`;
    const module = AppStack.underField(
      field,
      () => new KinesisToFluent(stack, `to-fluent-${sink.name}`, { ...sink, ...common("fluent", sink) }),
    );
    added.fluent[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_fluent_${id(sink.name)}`, o, {
      host: o.host,
      port: o.port,
      shared_key_parameter_arn: o.sharedKeyParameterArn,
    });
  });
  return added;
}
