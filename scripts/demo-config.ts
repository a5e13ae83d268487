// The configuration `npm run demo` deploys to the emulator: the example in emulator mode (config/local.ts) with a
// group of two workers, so scaling in to one leaves a worker draining, and timings short enough to watch.
//
// Validation still applies in full. The give-up path's 60 snapshot polls must cover the time from the deadline to the
// hook's global timeout (48 h once heartbeatTimeoutSeconds >= 1,728 s), so maxWaitSeconds is at least 2,880; the
// heartbeat and restart bounds then need a heartbeat timeout above about 4,400 s. Neither is waited for: the waits of
// a shrinking queue grow by minWaitSeconds (3 s) per check, and the deadline (DEMO_DRAIN_DEADLINE_SECONDS, 300 s by
// default; `--stuck` uses 60 s, the lowest allowed) is what the demo watches.
import type { AppConfig } from "../config";
import local from "../config/local";

const deadline = Number(process.env.DEMO_DRAIN_DEADLINE_SECONDS ?? 300);

const config: AppConfig = {
  ...local,
  workerFleet: {
    ...local.workerFleet,
    minSize: 1,
    maxSize: 2,
    desiredCapacity: 2,
    heartbeatTimeoutSeconds: 5000,
    drain: {
      requiredConsecutiveChecks: 2,
      minWaitSeconds: 3,
      maxWaitSeconds: 2880,
      drainDeadlineSeconds: deadline,
      checkBudgetSeconds: 10,
      gracefulStop: true,
      snapshotOnGiveUp: true,
    },
  },
};

export default config;
