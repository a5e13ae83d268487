export { decodeBase64, decodeUtf8, gunzip, isGzip } from "./decode";
export { deaggregate, hasKplMagic, KPL_MAGIC, type KplSubRecord } from "./kpl";
export { failedRecordLine, jsonLine, summarize, toFailed } from "./outcomes";
export {
  createPipeline,
  EVENT_COST,
  estimateCost,
  type Pipeline,
  type PipelineSlice,
  processRecords,
  STRUCTURE_COST,
} from "./pipeline";
export { budgetForMemory, DEFAULT_OPTIONS, resolveOptions } from "./schema";
export { assertTimeZone, parseLogTime, TimeParseError, type TimeParseResult, tryParseLogTime } from "./time";
export * from "./types";
