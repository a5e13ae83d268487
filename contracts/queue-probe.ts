// What the queue probe (an SSM Command document, built in modules/worker-fleet/queue-probe.ts) accepts and prints:
// the parameters' allowed patterns, which configuration validation and check-queue both check, and its result line,
// which check-queue parses. The document itself and the probe program it embeds stay with the infrastructure.

/**
 * allowedPattern of the `queueDirectories` parameter: one or more absolute paths separated by commas (no spaces around
 * the commas), each made of letters, digits, space, `_`, `-`, `/` and `.`, never two dots in a row. Written without
 * look-around so every regex engine (SSM's, JavaScript's, Python's) reads it the same way. The probe additionally caps
 * the value at {@link QUEUE_DIRECTORIES_MAX_LENGTH} characters.
 */
export const QUEUE_DIRECTORIES_PATTERN =
  "^/([A-Za-z0-9_ /-]|\\.[A-Za-z0-9_ /-])*\\.?(,/([A-Za-z0-9_ /-]|\\.[A-Za-z0-9_ /-])*\\.?)*$";

/** At most this many queue directories per fleet. */
export const MAX_QUEUE_DIRECTORIES = 20;

/**
 * Longest `queueDirectories` value: the probe document's `maxChars`, the bound its `allowedPattern` enforces, checked by
 * check-queue and by the probe itself (keeps its output well under SSM's 24,000 chars).
 */
export const QUEUE_DIRECTORIES_MAX_LENGTH = 4096;

/** Longest single directory the root-bound pattern admits, so that MAX_QUEUE_DIRECTORIES of them fit the cap. */
export const QUEUE_DIRECTORY_MAX_LENGTH = Math.floor(
  (QUEUE_DIRECTORIES_MAX_LENGTH - (MAX_QUEUE_DIRECTORIES - 1)) / MAX_QUEUE_DIRECTORIES,
);

/** Directories a queue root may not be, nor sit below: the whole disk and the system's own trees. */
export const FORBIDDEN_QUEUE_ROOTS = ["/", "/proc", "/sys", "/dev", "/etc", "/root", "/home", "/boot", "/run"] as const;

/** `root` without trailing slashes ("/" stays "/"). */
export const normalizeQueueRoot = (root: string): string => (root.length > 1 ? root.replace(/\/+$/, "") : root);

/**
 * How many characters a directory may have below `root` (after its `/`) in {@link queueDirectoriesPattern}: every
 * directory of at most this many is admitted (a dot counts with the character after it, so some longer ones are too).
 */
export function queueDirectoryDepthLimit(root: string): number {
  return Math.floor((QUEUE_DIRECTORY_MAX_LENGTH - normalizeQueueRoot(root).length - 2) / 2);
}

/**
 * allowedPattern of the `queueDirectories` parameter for a fleet whose queues live under `root`: one to
 * {@link MAX_QUEUE_DIRECTORIES} paths at or below `root`, separated by commas, each at most
 * {@link QUEUE_DIRECTORY_MAX_LENGTH} characters, so the whole value is at most {@link QUEUE_DIRECTORIES_MAX_LENGTH}.
 * Baked into the probe document at synth, so SSM itself refuses to run the probe on any other directory, or on a longer
 * value, whoever sends the command. The length is capped by bounded repetition, not look-around, so SSM's, JavaScript's
 * and Python's engines read it alike; the document's `maxChars` states the same cap again. Below the root a path
 * continues as `/` and the same characters as {@link QUEUE_DIRECTORIES_PATTERN}, never two dots in a row; each
 * repeated unit is one or two characters, so the unit count is bounded by half of what is left after the root. `root`
 * must itself match {@link QUEUE_DIRECTORIES_PATTERN} as a single path, shorter than QUEUE_DIRECTORY_MAX_LENGTH - 2.
 */
export function queueDirectoriesPattern(root: string): string {
  const normalized = normalizeQueueRoot(root);
  const units = queueDirectoryDepthLimit(normalized);
  if (units < 1) throw new RangeError(`queue root ${JSON.stringify(root)} is too long for the probe's pattern`);
  const r = normalized.replace(/\./g, "\\.");
  const one = `${r}(/([A-Za-z0-9_ /-]|\\.[A-Za-z0-9_ /-]){0,${units}}\\.?)?`;
  return `^${one}(,${one}){0,${MAX_QUEUE_DIRECTORIES - 1}}$`;
}

/** allowedPattern of the `serviceName` parameter (a systemd unit name). */
export const SERVICE_NAME_PATTERN = "^[A-Za-z0-9@._-]{1,64}$";

/** Default systemd unit of Cribl Stream (`cribl boot-start enable` installs `cribl.service`). */
export const DEFAULT_SERVICE_NAME = "cribl";

/** One configured queue directory as the probe saw it. */
export interface QueueProbeQueue {
  /** The path exactly as configured. */
  path: string;
  /** False when the path is missing (or its status could not be read: see `errors`). */
  exists: boolean;
  /** Sum of st_size of regular files under the directory; null when unknown (missing, not a directory, unreadable). */
  bytes: number | null;
  /** Count of regular files under the directory; null exactly when `bytes` is null. */
  files: number | null;
}

export type QueueProbeErrorCode =
  | "not_a_directory"
  | "unreadable"
  | "systemctl_unavailable"
  | "service_state_unknown"
  | "errors_truncated"
  /** A symbolic link inside a queue directory: its target is not counted, so the queue has no byte count. */
  | "symlink"
  /** Another file system mounted inside a queue directory: not walked, so the queue has no byte count. */
  | "mount_point";

export interface QueueProbeError {
  /** The configured queue directory concerned, or null for service errors. */
  path: string | null;
  code: QueueProbeErrorCode;
  message: string;
}

/** The single JSON line the queue probe prints on stdout. */
export interface QueueProbeResult {
  v: 1;
  /** One entry per configured directory, in the configured order. */
  queues: QueueProbeQueue[];
  /**
   * `systemctl is-active`: true when active (or activating, reloading, deactivating, refreshing), false when inactive
   * or failed, null when systemctl is absent or could not answer.
   */
  serviceActive: boolean | null;
  /** At most 20 entries, plus one `errors_truncated` entry when more were dropped. */
  errors: QueueProbeError[];
}

/**
 * Bound on `systemctl stop` in the graceful-stop document (modules/worker-fleet/queue-probe.ts), seconds; the drain
 * definition (statemachines/drain-definition.ts) waits that long before the give-up snapshot.
 */
export const GRACEFUL_STOP_TIMEOUT_SECONDS = 120;

/** The single JSON line the graceful-stop document prints on stdout. */
export interface GracefulStopResult {
  v: 1;
  /** True when `systemctl stop` succeeded within the bound. */
  stopped: boolean;
}
