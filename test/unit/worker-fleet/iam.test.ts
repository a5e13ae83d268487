// The drain's IAM, evaluated by an IAM simulator we did not write, on the policies exactly as synthesized (Terraform
// references replaced by concrete ARNs first).
import { runSimulation } from "@cloud-copilot/iam-simulate";
import { synthApp, type TfJson } from "../../support/synth";
import { ACCOUNT, type Policy, REGION, rolePolicies } from "./support";

const GROUP = "cribl-demo-cribl-workers";
const OTHER_GROUP = "someone-elses-workers";
const ROLE = {
  stateMachine: "cribl-demo-drain-state-machine",
  checkQueue: "cribl-demo-drain-check-queue",
  startDrain: "cribl-demo-drain-start",
  reconcile: "cribl-demo-drain-reconcile",
  instance: "cribl-demo-cribl-worker",
};
const arn = {
  document: (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${name}`,
  // AWS-owned documents have no account in their ARN; the simulator's ARN format wants one, and the name decides.
  awsDocument: (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:document/${name}`,
  instance: `arn:aws:ec2:${REGION}:${ACCOUNT}:instance/i-0123456789abcdef0`,
  volume: `arn:aws:ec2:${REGION}:${ACCOUNT}:volume/vol-0123456789abcdef0`,
  snapshot: `arn:aws:ec2:${REGION}::snapshot/snap-0123456789abcdef0`,
  group: (name: string) =>
    `arn:aws:autoscaling:${REGION}:${ACCOUNT}:autoScalingGroup:0b1c2d3e-4f50-6172-8394-a5b6c7d8e9f0:autoScalingGroupName/${name}`,
  stateMachine: (name: string) => `arn:aws:states:${REGION}:${ACCOUNT}:stateMachine:${name}`,
  fn: (name: string) => `arn:aws:lambda:${REGION}:${ACCOUNT}:function:${name}`,
  parameter: (name: string) => `arn:aws:ssm:${REGION}:${ACCOUNT}:parameter${name}`,
};

let stack: TfJson;
let policies: Record<string, Policy>;

beforeAll(() => {
  stack = synthApp().stacks["worker-fleet"]!;
  policies = rolePolicies(stack);
});

async function decide(
  role: string,
  action: string,
  resource: string,
  context: Record<string, string | string[]> = {},
): Promise<string> {
  const policy = policies[role];
  if (!policy) throw new Error(`no policy for role ${role}`);
  const result = await runSimulation(
    {
      identityPolicies: [{ name: "least-privilege", policy }],
      serviceControlPolicies: [],
      resourceControlPolicies: [],
      request: {
        principal: `arn:aws:iam::${ACCOUNT}:role/${role}`,
        action,
        resource: { resource, accountId: ACCOUNT },
        contextVariables: context,
      },
    },
    {},
  );
  if (result.resultType === "error") throw new Error(JSON.stringify(result.errors));
  return result.overallResult;
}

const groupTag = (group: string) => ({ "ssm:resourceTag/aws:autoscaling:groupName": group });

describe("drain IAM, simulated", () => {
  it("renders one policy per principal, with no reference left unresolved", () => {
    // Assess
    expect(Object.keys(policies).sort()).toEqual(Object.values(ROLE).sort());
  });

  it.each([
    // [role, action, resource, context, expected]
    [ROLE.checkQueue, "ssm:SendCommand", arn.document("cribl-demo-queue-probe"), {}, "Allowed"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.instance, groupTag(GROUP), "Allowed"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.awsDocument("AWS-RunShellScript"), {}, "ImplicitlyDenied"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.document("cribl-demo-graceful-stop"), {}, "ImplicitlyDenied"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.document("another-document"), {}, "ImplicitlyDenied"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.instance, groupTag(OTHER_GROUP), "ImplicitlyDenied"],
    [ROLE.checkQueue, "ssm:SendCommand", arn.instance, {}, "ImplicitlyDenied"],
    [ROLE.stateMachine, "ssm:SendCommand", arn.document("cribl-demo-graceful-stop"), {}, "Allowed"],
    [ROLE.stateMachine, "ssm:SendCommand", arn.instance, groupTag(GROUP), "Allowed"],
    [ROLE.stateMachine, "ssm:SendCommand", arn.document("cribl-demo-queue-probe"), {}, "ImplicitlyDenied"],
    [ROLE.stateMachine, "ssm:SendCommand", arn.awsDocument("AWS-RunShellScript"), {}, "ImplicitlyDenied"],
    [ROLE.stateMachine, "ssm:SendCommand", arn.instance, groupTag(OTHER_GROUP), "ImplicitlyDenied"],
  ])("%s %s on %s %j: %s", async (role, action, resource, context, expected) => {
    // Act
    const decision = await decide(role, action, resource, context);
    // Assess
    expect(decision).toBe(expected);
  });

  it.each([
    ["autoscaling:RecordLifecycleActionHeartbeat", GROUP, "Allowed"],
    ["autoscaling:CompleteLifecycleAction", GROUP, "Allowed"],
    ["autoscaling:RecordLifecycleActionHeartbeat", OTHER_GROUP, "ImplicitlyDenied"],
    ["autoscaling:CompleteLifecycleAction", OTHER_GROUP, "ImplicitlyDenied"],
    ["autoscaling:CompleteLifecycleAction", `${GROUP}-2`, "ImplicitlyDenied"],
    ["autoscaling:SetDesiredCapacity", GROUP, "ImplicitlyDenied"],
  ])("state machine: %s on group %s: %s", async (action, group, expected) => {
    expect(await decide(ROLE.stateMachine, action, arn.group(group))).toBe(expected);
  });

  it.each([
    [ROLE.startDrain, "states:StartExecution", "cribl-demo-drain", "Allowed"],
    [ROLE.startDrain, "states:ListExecutions", "cribl-demo-drain", "Allowed"],
    [ROLE.reconcile, "states:StartExecution", "cribl-demo-drain", "Allowed"],
    [ROLE.reconcile, "states:ListExecutions", "cribl-demo-drain", "Allowed"],
    [ROLE.startDrain, "states:StartExecution", "another-state-machine", "ImplicitlyDenied"],
    [ROLE.reconcile, "states:StartExecution", "cribl-demo-drain-2", "ImplicitlyDenied"],
    [ROLE.checkQueue, "states:StartExecution", "cribl-demo-drain", "ImplicitlyDenied"],
    [ROLE.startDrain, "states:DeleteStateMachine", "cribl-demo-drain", "ImplicitlyDenied"],
  ])("%s: %s on %s: %s", async (role, action, machine, expected) => {
    expect(await decide(role, action, arn.stateMachine(machine))).toBe(expected);
  });

  it("lets no drain function stop a running drain", async () => {
    const execution = `arn:aws:states:${REGION}:${ACCOUNT}:execution:cribl-demo-drain:i-0123456789abcdef0-0a1b2c3d`;
    for (const role of [ROLE.startDrain, ROLE.reconcile, ROLE.checkQueue]) {
      expect(await decide(role, "states:StopExecution", execution)).toBe("ImplicitlyDenied");
    }
  });

  it("lets the state machine invoke check-queue and no other function", async () => {
    expect(await decide(ROLE.stateMachine, "lambda:InvokeFunction", arn.fn("cribl-demo-drain-check-queue"))).toBe(
      "Allowed",
    );
    expect(await decide(ROLE.stateMachine, "lambda:InvokeFunction", arn.fn("cribl-demo-drain-start"))).toBe(
      "ImplicitlyDenied",
    );
  });

  it("lets the state machine snapshot only this group's instances and volumes, into group-tagged snapshots", async () => {
    const ours = { "aws:ResourceTag/aws:autoscaling:groupName": GROUP };
    const theirs = { "aws:ResourceTag/aws:autoscaling:groupName": OTHER_GROUP };
    const ourVolume = { "aws:ResourceTag/cribl-drain:auto-scaling-group": GROUP };
    const theirVolume = { "aws:ResourceTag/cribl-drain:auto-scaling-group": OTHER_GROUP };
    const tagged = { "aws:RequestTag/cribl-drain:auto-scaling-group": GROUP };
    const sm = ROLE.stateMachine;
    expect(await decide(sm, "ec2:CreateSnapshots", arn.instance, ours)).toBe("Allowed");
    expect(await decide(sm, "ec2:CreateSnapshots", arn.instance, theirs)).toBe("ImplicitlyDenied");
    expect(await decide(sm, "ec2:CreateSnapshots", arn.volume, ourVolume)).toBe("Allowed");
    expect(await decide(sm, "ec2:CreateSnapshots", arn.volume, theirVolume)).toBe("ImplicitlyDenied");
    expect(await decide(sm, "ec2:CreateSnapshots", arn.snapshot, tagged)).toBe("Allowed");
    expect(await decide(sm, "ec2:CreateSnapshots", arn.snapshot, {})).toBe("ImplicitlyDenied");
    expect(await decide(sm, "ec2:CreateTags", arn.snapshot, { "ec2:CreateAction": "CreateSnapshots" })).toBe("Allowed");
    expect(await decide(sm, "ec2:CreateTags", arn.snapshot, {})).toBe("ImplicitlyDenied");
    expect(await decide(sm, "ec2:CreateTags", arn.instance, { "ec2:CreateAction": "CreateSnapshots" })).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(sm, "ec2:DeleteSnapshot", arn.snapshot, tagged)).toBe("ImplicitlyDenied");
  });

  it("lets a worker read exactly the leader token parameter", async () => {
    expect(await decide(ROLE.instance, "ssm:GetParameter", arn.parameter("/cribl/leader-auth-token"))).toBe("Allowed");
    expect(await decide(ROLE.instance, "ssm:GetParameter", arn.parameter("/cribl/other-secret"))).toBe(
      "ImplicitlyDenied",
    );
    expect(await decide(ROLE.instance, "ssm:PutParameter", arn.parameter("/cribl/leader-auth-token"))).toBe(
      "ImplicitlyDenied",
    );
  });

  it("grants '*' only to calls that support no resource-level permissions", () => {
    // The actions AWS documents without resource types (or that we accept only with '*').
    const wildcardOnly = new Set([
      "ssm:GetCommandInvocation",
      "autoscaling:DescribeAutoScalingGroups",
      "autoscaling:DescribeWarmPool",
      "autoscaling:DescribeScalingActivities",
      "ec2:DescribeInstances",
      "ec2:DescribeSnapshots",
      "xray:PutTraceSegments",
      "xray:PutTelemetryRecords",
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "logs:CreateLogDelivery",
      "logs:GetLogDelivery",
      "logs:UpdateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:DescribeResourcePolicies",
      "logs:DescribeLogGroups",
    ]);
    for (const [role, policy] of Object.entries(policies)) {
      for (const st of policy.Statement) {
        const resources = ([] as unknown[]).concat(st.Resource);
        if (!resources.includes("*")) continue;
        for (const action of ([] as unknown[]).concat(st.Action)) {
          expect({ role, action, wildcard: wildcardOnly.has(String(action)) }).toEqual({
            role,
            action,
            wildcard: true,
          });
        }
      }
    }
  });

  it("renders the policies reviewers read", () => {
    expect(policies).toMatchSnapshot();
  });
});
