// The sinks of the log-routing stack: one kinesis-to-s3 / kinesis-to-opensearch / kinesis-to-fluent consumer per
// configured sink, each on the router stream or a forwarder's output stream, with its Terraform outputs.
import type { ResolvedAppConfig, SinkKind } from "../config";
import { SINK_FUNCTION_KIND, sinkFunctionName } from "../config/schema/sinks";
import type { KinesisConsumerOutputs } from "../modules/kinesis-consumer";
import { KinesisToFluent } from "../modules/kinesis-to-fluent";
import { KinesisToOpenSearch } from "../modules/kinesis-to-opensearch";
import { KinesisToS3 } from "../modules/kinesis-to-s3";
import type { Stream } from "../modules/stream";
import type { LogRoutingStack } from "./log-routing";
import { AppStack, type OutputTable } from "./stack-base";

export interface AddedSinks {
  s3: Record<string, KinesisToS3>;
  opensearch: Record<string, KinesisToOpenSearch>;
  fluent: Record<string, KinesisToFluent>;
}

/** Adds every configured sink to the stack. `router` is the router stream; forwarders' streams come from the stack. */
export function addSinks(stack: LogRoutingStack, config: ResolvedAppConfig, router: Stream): AddedSinks {
  const { schema, failedRecords, sinks } = config.logRouting;
  const failedRecordsBucket = stack.failedRecordsBucketName;
  const added: AddedSinks = { s3: {}, opensearch: {}, fluent: {} };

  /** The sink's settings (its short name and source left out) with the props the stack fills in for every sink. */
  const props = <S extends ResolvedAppConfig["logRouting"]["sinks"][SinkKind][number]>(kind: SinkKind, sink: S) => {
    const { name, source, ...settings } = sink;
    const stream = source === "router" ? router : stack.forwarders[source]?.output;
    if (stream === undefined) throw new Error(`sink ${name}: no stream for source ${source}`);
    return {
      ...settings,
      name: sinkFunctionName(config.name, kind, name),
      sourceStreamArn: stream.outputs.streamArn,
      typeKey: schema.typeKey,
      idKey: schema.idKey,
      timeKey: schema.timeKey,
      timezone: schema.timezone,
      unknownTypePrefix: schema.unknownTypePrefix,
      invalidTime: schema.invalidTime,
      failedRecords: {
        bucketName: failedRecordsBucket,
        prefix: `${failedRecords.prefix}/to-${SINK_FUNCTION_KIND[kind]}-${name}`,
      },
    };
  };
  const outputs = (prefix: string, label: string, o: KinesisConsumerOutputs, extra: OutputTable) =>
    stack.addOutputs({ ...consumerOutputTable(o), ...extra }, { prefix, label });
  const id = (name: string) => name.replace(/-/g, "_");

  sinks.s3.forEach((sink, i) => {
    const { bucketName, ...rest } = props("s3", sink);
    const module = AppStack.underField(
      `logRouting.sinks.s3[${i}]`,
      () =>
        new KinesisToS3(stack, `to-s3-${sink.name}`, {
          ...rest,
          bucketName: bucketName ?? `${config.name}-logs-${config.region}`,
        }),
    );
    added.s3[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_s3_${id(sink.name)}`, `kinesis-to-s3 sink "${sink.name}"`, o, {
      bucket_name: [o.bucketName, "bucket the events are archived in"],
      bucket_arn: [o.bucketArn, "ARN of that bucket"],
      prefix: [o.prefix, "key prefix of the archived objects"],
    });
  });

  sinks.opensearch.forEach((sink, i) => {
    // Index prefixes that would overlap are refused by the configuration schema (refineIndexPrefixes).
    const module = AppStack.underField(
      `logRouting.sinks.opensearch[${i}]`,
      () => new KinesisToOpenSearch(stack, `to-opensearch-${sink.name}`, props("opensearch", sink)),
    );
    added.opensearch[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_opensearch_${id(sink.name)}`, `kinesis-to-opensearch sink "${sink.name}"`, o, {
      endpoint: [o.endpoint, "HTTPS endpoint of the domain"],
      target_arn: [o.targetArn, "ARN of the domain"],
      domain_name: [o.domainName, "name of the domain this stack created"],
      ism_policy_id: [o.ismPolicyId, "ISM policy that deletes this sink's old indices"],
      index_prefix: [o.indexPrefix, "prefix of the indices it writes"],
      admin_setup: [
        o.adminSetup,
        "requests the domain admin runs once (role mapping, see docs/opensearch-security.md)",
      ],
    });
  });

  sinks.fluent.forEach((sink, i) => {
    const module = AppStack.underField(
      `logRouting.sinks.fluent[${i}]`,
      () => new KinesisToFluent(stack, `to-fluent-${sink.name}`, props("fluent", sink)),
    );
    added.fluent[sink.name] = module;
    const o = module.outputs;
    outputs(`sink_fluent_${id(sink.name)}`, `kinesis-to-fluent sink "${sink.name}"`, o, {
      host: [o.host, "Fluentd/Fluent Bit host it forwards to"],
      port: [o.port, "forward-protocol port"],
      shared_key_parameter_arn: [o.sharedKeyParameterArn, "SSM parameter holding the forward shared key"],
    });
  });
  return added;
}

/** The outputs every Kinesis consumer (forwarder or sink) has; AppStack.addOutputs labels them with the consumer. */
export function consumerOutputTable(o: KinesisConsumerOutputs): OutputTable {
  return {
    function_name: [o.functionName, "Lambda function name"],
    function_arn: [o.functionArn, "Lambda function ARN"],
    role_arn: [o.roleArn, "IAM role of the function"],
    log_group_name: [o.logGroupName, "CloudWatch Logs group of the function"],
    event_source_mapping_uuid: [o.eventSourceMappingUuid, "event source mapping from its Kinesis stream"],
    on_failure_destination_arn: [
      o.onFailureDestinationArn,
      "where batches that exhausted their retries are recorded (`npm run replay` reads it)",
    ],
  };
}
