// The drain state machine with its own role: STANDARD, the reviewed definition (statemachines/), every execution
// logged with its data to the vended log group, traced.
import type { CloudwatchLogGroup } from "@cdktf/provider-aws/lib/cloudwatch-log-group";
import { IamRole } from "@cdktf/provider-aws/lib/iam-role";
import { IamRolePolicy } from "@cdktf/provider-aws/lib/iam-role-policy";
import { SfnStateMachine } from "@cdktf/provider-aws/lib/sfn-state-machine";
import type { Construct } from "constructs";
import { renderDrainDefinition } from "../../statemachines/drain";
import { type PolicyStatement, renderPolicy, serviceTrustPolicy } from "../common/policy";
import { terraformLiteral } from "../common/terraform";

export interface DrainStateMachineInputs {
  readonly name: string;
  /** The account the role trusts Step Functions on behalf of (a Terraform reference or a literal). */
  readonly account: string;
  readonly statements: PolicyStatement[];
  /** check-queue's ARN (a reference: the machine depends on the function). */
  readonly checkQueueFunctionArn: string;
  /** The graceful-stop document's name (a reference: the machine depends on the document). */
  readonly gracefulStopDocumentName: string;
  readonly logGroup: CloudwatchLogGroup;
}

export interface DrainStateMachine {
  readonly stateMachine: SfnStateMachine;
  readonly role: IamRole;
}

/** Creates the role, its policy and the state machine in `scope` (the DrainWorkflow). */
export function drainStateMachine(scope: Construct, p: DrainStateMachineInputs): DrainStateMachine {
  const role = new IamRole(scope, "state_machine_role", {
    name: `${p.name}-state-machine`,
    assumeRolePolicy: serviceTrustPolicy("states.amazonaws.com", p.account),
  });
  const rolePolicy = new IamRolePolicy(scope, "state_machine_policy", {
    name: "least-privilege",
    role: role.id,
    policy: renderPolicy(p.statements),
  });
  const definition = renderDrainDefinition({
    CheckQueueFunctionArn: p.checkQueueFunctionArn,
    GracefulStopDocumentName: p.gracefulStopDocumentName,
  });
  const stateMachine = new SfnStateMachine(scope, "state_machine", {
    name: p.name,
    type: "STANDARD",
    roleArn: role.arn,
    definition: terraformLiteral(definition),
    loggingConfiguration: {
      logDestination: `${p.logGroup.arn}:*`,
      includeExecutionData: true,
      level: "ALL",
    },
    tracingConfiguration: { enabled: true },
    // The role's policy must exist before the first execution (and log delivery is checked at create).
    dependsOn: [rolePolicy],
  });
  return { stateMachine, role };
}
