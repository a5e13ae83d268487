// Configuration of the log-routing sinks: kinesis-to-s3, kinesis-to-opensearch and kinesis-to-fluent consumers, each
// reading the router stream or one forwarder's output stream. Each sink composes its module's own schema (fields,
// ranges, defaults and the rules between fields are written once, in the module); here: the sink's short name, its
// source, what the stack fills in for every sink, and the rules across sinks.
import type { z } from "zod";
import { fail, list, str, strict, whenValid } from "../../modules/common/schema";
import { consumerCommonShape, consumerTuningShape, refineConsumer } from "../../modules/kinesis-consumer";
import { kinesisToFluentShape, refineKinesisToFluent } from "../../modules/kinesis-to-fluent";
import {
  defaultIndexPrefix,
  kinesisToOpenSearchShape,
  refineKinesisToOpenSearch,
} from "../../modules/kinesis-to-opensearch";
import { kinesisToS3Shape, refineKinesisToS3 } from "../../modules/kinesis-to-s3";

/** A sink's or a forwarder's short name (it becomes part of function, stream and Terraform names). */
export const SHORT_NAME = {
  pattern: /^[a-z][a-z0-9-]{0,19}$/,
  hint: "lower-case letters, digits and '-', 1 to 20, starting with a letter",
} as const;

/**
 * What every sink takes beyond its module's own settings. The stack fills in the rest of the common consumer props:
 * the function name (`<name>-to-<kind>-<sink>`), the source stream, the Common Schema keys and the failed-records
 * location.
 */
const sinkCommonShape = {
  ...consumerTuningShape,
  /** Short name, unique across all sinks: the function is `<name>-to-<kind>-<sink>`. */
  name: str(SHORT_NAME),
  /** Stream to read: `"router"` or the name of a forwarder (its output stream). @default "router" */
  source: str().default("router"),
  whitelist: consumerCommonShape.whitelist,
  tags: consumerCommonShape.tags,
};

export const s3SinkSchema = strict({
  ...sinkCommonShape,
  ...kinesisToS3Shape,
  /** Destination bucket. @default "<app name>-logs-<region>" */
  bucketName: kinesisToS3Shape.bucketName.optional(),
  /**
   * Create the bucket. Configuration creates it unless told otherwise, so `true` here, where the module used directly
   * brings its own (`false`): the stack always passes the value. @default true
   */
  createBucket: kinesisToS3Shape.createBucket.unwrap().default(true),
})
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToS3, whenValid);

export const openSearchSinkSchema = strict({
  ...sinkCommonShape,
  ...kinesisToOpenSearchShape,
})
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToOpenSearch, whenValid);

export const fluentSinkSchema = strict({
  ...sinkCommonShape,
  ...kinesisToFluentShape,
})
  .superRefine(refineConsumer, whenValid)
  .superRefine(refineKinesisToFluent, whenValid);

export const SINK_KINDS = ["s3", "opensearch", "fluent"] as const;
export type SinkKind = (typeof SINK_KINDS)[number];

/** The kind's part of a sink's function name and failed-records prefix (`to-<kind>-<sink>`). */
export const SINK_FUNCTION_KIND: Record<SinkKind, string> = { s3: "s3", opensearch: "os", fluent: "fluent" };

/** A sink's function name: `<app name>-to-<kind>-<sink>` (the stack names it so; its defaults derive from it). */
export const sinkFunctionName = (appName: string, kind: SinkKind, sink: string) =>
  `${appName}-to-${SINK_FUNCTION_KIND[kind]}-${sink}`;

/** `logRouting.sinks`: lists per kind (empty when unset). Names and sources are checked by the log-routing schema. */
export const sinksSchema = strict({
  s3: list(s3SinkSchema).default([]),
  opensearch: list(openSearchSinkSchema).default([]),
  fluent: list(fluentSinkSchema).default([]),
});

/**
 * Each opensearch sink's ISM policy covers `<indexPrefix>-*`: no other sink's indices may match it. Reads the app name
 * (the default prefix derives from the function name), so the app schema runs it, under `logRouting.sinks.opensearch`.
 */
export function refineIndexPrefixes(
  appName: string,
  sinks: readonly Pick<z.output<typeof openSearchSinkSchema>, "name" | "indexPrefix">[],
  ctx: z.RefinementCtx,
  path: readonly PropertyKey[],
): void {
  const prefixOf = (s: (typeof sinks)[number]) =>
    s.indexPrefix ?? defaultIndexPrefix(sinkFunctionName(appName, "opensearch", s.name));
  sinks.forEach((sink, i) => {
    const mine = prefixOf(sink);
    const other = sinks.find((o, j) => {
      const theirs = prefixOf(o);
      return i !== j && (mine === theirs || theirs.startsWith(`${mine}-`));
    });
    if (other !== undefined) {
      fail(
        ctx,
        [...path, i, "indexPrefix"],
        `${JSON.stringify(mine)}-* also matches the indices of sink ${JSON.stringify(other.name)} (${prefixOf(other)}-*)`,
      );
    }
  });
}
