// The drain's four functions: check-queue (called by the state machine), start-drain (lifecycle events), the
// reconciler (schedule) and drain-notify (the state machine's status changes). Each is a NodeFunction with its own role
// and exactly the statements iam.ts gives it.
import type { Construct } from "constructs";
import { checkQueueEnv, type DrainSettings, drainNotifyEnv, startDrainEnv } from "../../contracts/drain";
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
  /** The topic drain-notify publishes to (the alarm topic). */
  readonly alarmTopicArn: string;
  /** docs/runbook.md as the team reads it (messages link its sections). */
  readonly runbookUrl: string;
  /** Publish drain starts and good endings too, not only the endings that need someone. */
  readonly notifyStartAndEnd: boolean;
}

export type DrainFunctions = Readonly<Record<DrainFunctionKey, NodeFunction>>;

/** Creates the four functions in `scope` (the DrainWorkflow), with the ids the Terraform addresses derive from. */
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
  const notify = new NodeFunction(scope, "notify", {
    handler: "drain-notify",
    functionName: p.names.functions.notify,
    description: "Drain: tells the alarm topic how a drain ended (instance, outcome, last reading, snapshots, runbook)",
    // DescribeExecution, up to five history pages and one publish, each a few hundred milliseconds at most.
    timeoutSeconds: 60,
    logRetentionDays: p.logRetentionDays,
    environment: {
      ...observabilityEnv,
      ...drainNotifyEnv.write({
        alarmTopicArn: p.alarmTopicArn,
        runbookUrl: p.runbookUrl,
        notifyStartAndEnd: p.notifyStartAndEnd,
      }),
    },
    statements: p.policies.notify,
  });
  return { checkQueue, startDrain, reconcile, notify };
}
