// Names of the drain workflow's resources and metrics, from the name prefix: every file of the construct and its
// tests read them from here (they are pinned by test/unit/layout-pins.test.ts).

export const LIFECYCLE_EVENT_DETAIL_TYPE = "EC2 Instance-terminate Lifecycle Action";
export const METRICS_NAMESPACE = "CriblDrain";
/** Powertools service name of the drain functions (the `service` dimension of their metrics). */
export const POWERTOOLS_SERVICE = "cribl-drain";

export const STATUS_CHANGE_DETAIL_TYPE = "Step Functions Execution Status Change";

/** The four functions of the workflow, by role. */
export type DrainFunctionKey = "checkQueue" | "startDrain" | "reconcile" | "notify";

export interface DrainNames {
  readonly stateMachine: string;
  readonly functions: Readonly<Record<DrainFunctionKey, string>>;
  readonly deadLetterQueue: string;
  readonly lifecycleRule: string;
  readonly reconcileRule: string;
  readonly statusRule: string;
  readonly dashboard: string;
}

export function drainNames(namePrefix: string): DrainNames {
  return {
    stateMachine: `${namePrefix}-drain`,
    functions: {
      checkQueue: `${namePrefix}-drain-check-queue`,
      startDrain: `${namePrefix}-drain-start`,
      reconcile: `${namePrefix}-drain-reconcile`,
      notify: `${namePrefix}-drain-notify`,
    },
    deadLetterQueue: `${namePrefix}-drain-events-dlq`,
    lifecycleRule: `${namePrefix}-drain-lifecycle-action`,
    reconcileRule: `${namePrefix}-drain-reconcile`,
    statusRule: `${namePrefix}-drain-status`,
    dashboard: `${namePrefix}-drain`,
  };
}
