// The OpenSearch index lifecycle (ISM) policy of kinesis-to-opensearch: one definition shared by the module (its
// admin-setup output for a created domain) and the function (which installs it on an existing domain). See
// handlers/kinesis-to-opensearch/ism.ts for how it is installed.
import { createHash } from "node:crypto";

export interface IsmPolicySpec {
  readonly policyId: string;
  /** e.g. `["logs-*"]`. */
  readonly indexPatterns: readonly string[];
  /** 1 to 36500. */
  readonly deleteAfterDays: number;
  /** ism_template priority (a higher one wins when several templates match). @default 100 */
  readonly priority?: number;
}

export interface IsmPolicyDocument {
  readonly policy: {
    readonly description: string;
    readonly default_state: string;
    readonly states: unknown[];
    readonly ism_template: { index_patterns: string[]; priority: number }[];
  };
}

/** The policy body to PUT. Its description names what it does and ends with a hash of everything else. */
export function ismPolicyDocument(spec: IsmPolicySpec): IsmPolicyDocument {
  if (!Number.isInteger(spec.deleteAfterDays) || spec.deleteAfterDays < 1 || spec.deleteAfterDays > 36500) {
    throw new RangeError("deleteAfterDays must be an integer from 1 to 36500");
  }
  if (spec.indexPatterns.length === 0) throw new RangeError("indexPatterns must not be empty");
  const states = [
    {
      name: "hot",
      actions: [],
      transitions: [{ state_name: "delete", conditions: { min_index_age: `${spec.deleteAfterDays}d` } }],
    },
    { name: "delete", actions: [{ delete: {} }], transitions: [] },
  ];
  const ism_template = [{ index_patterns: [...spec.indexPatterns], priority: spec.priority ?? 100 }];
  const hash = createHash("sha256").update(JSON.stringify({ states, ism_template })).digest("hex").slice(0, 16);
  const description = `kinesis-to-opensearch: delete ${spec.indexPatterns.join(", ")} ${spec.deleteAfterDays} days after creation [${hash}]`;
  return { policy: { description, default_state: "hot", states, ism_template } };
}
