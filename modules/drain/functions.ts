// The drain's three functions: check-queue (called by the state machine), start-drain (lifecycle events) and the
// reconciler (schedule). Each is a NodeFunction with its own role and exactly the statements iam.ts gives it.
import type { Construct } from "constructs";
import { checkQueueEnv, type DrainSettings, startDrainEnv } from "../../contracts/drain";
import { checkFunctionTimeoutSeconds, RECONCILE_FUNCTION_TIMEOUT_SECONDS } from "../../statemachines/drain-bounds";
import { NodeFunction } from "../common/node-function";
import type { DrainWorkflowPolicies } from "./iam";
import { type DrainFunctionKey, type DrainNames, METRICS_NAMESPACE, POWERTOOLS_SERVICE } from "./names";

export interface DrainFunctionsInputs {
  readonly names: DrainNames;
  readonly policies: DrainWorkflowPolicies;
  /** The state machine's ARN as IAM and the starters know it (built from names, not a reference). */
  readonly stateMachineArn: string;
  readonly groupName: string;
  readonly lifecycleHookName: string;
  readonly settings: DrainSettings;
  readonly checkBudgetSeconds: number;
  /** The probe document's name: a Terraform reference, so check-queue depends on the document. */
  readonly queueProbeDocumentName: string;
  readonly logRetentionDays: number;
}

export type DrainFunctions = Readonly<Record<DrainFunctionKey, NodeFunction>>;

/** Creates the three functions in `scope` (the DrainWorkflow), with the ids the Terraform addresses derive from. */
export function drainFunctions(scope: Construct, p: DrainFunctionsInputs): DrainFunctions {
  const observabilityEnv = {
    POWERTOOLS_SERVICE_NAME: POWERTOOLS_SERVICE,
    POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
  };
  const startersEnv = {
    ...observabilityEnv,
    ...startDrainEnv.write({
      stateMachineArn: p.stateMachineArn,
      autoScalingGroupName: p.groupName,
      lifecycleHookName: p.lifecycleHookName,
      settings: p.settings,
    }),
  };

  const checkQueue = new NodeFunction(scope, "check_queue", {
    handler: "check-queue",
    functionName: p.names.functions.checkQueue,
    description: "Drain: runs the queue-probe SSM document on a worker and returns the facts",
    timeoutSeconds: checkFunctionTimeoutSeconds(p.checkBudgetSeconds),
    logRetentionDays: p.logRetentionDays,
    environment: {
      ...observabilityEnv,
      ...checkQueueEnv.write({
        queueProbeDocumentName: p.queueProbeDocumentName,
        checkBudgetSeconds: p.checkBudgetSeconds,
      }),
    },
    statements: p.policies.checkQueue,
  });
  const startDrain = new NodeFunction(scope, "start_drain", {
    handler: "start-drain",
    functionName: p.names.functions.startDrain,
    description: "Drain: starts one drain execution per terminate lifecycle action (idempotent by name)",
    timeoutSeconds: 30,
    logRetentionDays: p.logRetentionDays,
    environment: startersEnv,
    statements: p.policies.startDrain,
  });
  const reconcile = new NodeFunction(scope, "reconcile", {
    handler: "reconcile",
    functionName: p.names.functions.reconcile,
    description: "Drain: starts drains missing for instances in Terminating:Wait (events can be lost)",
    timeoutSeconds: RECONCILE_FUNCTION_TIMEOUT_SECONDS,
    reservedConcurrency: 1,
    logRetentionDays: p.logRetentionDays,
    environment: startersEnv,
    statements: p.policies.reconcile,
  });
  return { checkQueue, startDrain, reconcile };
}
