// Our own SSM Command documents for the drain workflow: the queue probe run on every "Check queues" loop, and the
// graceful stop of Cribl before the lifecycle action completes.
//
// Security: parameter values reach the instance only as environment variables (interpolationType ENV_VAR, which the
// SSM agent exposes as SSM_<name>, agent 3.3.2746.0 or later) and are checked by SSM against allowedPattern at
// SendCommand. The scripts are static text: they never contain a {{ }} placeholder for a parameter (with ENV_VAR
// interpolation SSM still substitutes placeholders into the text), and the probe program is passed to python3 through
// a quoted heredoc, so no value is ever spliced into shell text. The probe and the stop script re-validate the values
// themselves and refuse malformed ones (defence in depth). An agent too old for ENV_VAR leaves the variables unset:
// the probe then refuses (non-zero exit), which the check reports as "unknown", never as "drained".

import { readFileSync } from "node:fs";
import { join } from "node:path";
import {
  DEFAULT_SERVICE_NAME,
  GRACEFUL_STOP_TIMEOUT_SECONDS,
  normalizeQueueRoot,
  QUEUE_DIRECTORIES_MAX_LENGTH,
  queueDirectoriesPattern,
  SERVICE_NAME_PATTERN,
} from "../../contracts/queue-probe";

/** The graceful-stop document's `action`: stop (the default) or start (after a failed proof reading). */
export const GRACEFUL_STOP_ACTION_PATTERN = "^(stop|start)$";

/** Execution timeouts of the documents' steps (SSM kills the script after this), seconds. */
export const QUEUE_PROBE_STEP_TIMEOUT_SECONDS = 120;
export const GRACEFUL_STOP_STEP_TIMEOUT_SECONDS = GRACEFUL_STOP_TIMEOUT_SECONDS + 60;

/** Heredoc delimiter that carries the probe program; the program must not contain a line equal to it. */
export const PROBE_HEREDOC_DELIMITER = "CRIBL_QUEUE_PROBE_END";

/** Path of the probe program embedded in the queue-probe document. */
export const QUEUE_PROBE_PROGRAM_PATH = join(__dirname, "probe", "queue-probe.py");

export interface SsmStringParameter {
  type: "String";
  description: string;
  default?: string;
  allowedPattern: string;
  /** Longest value SSM accepts. */
  maxChars?: number;
  interpolationType: "ENV_VAR";
}

export interface SsmCommandDocument {
  schemaVersion: "2.2";
  description: string;
  parameters: Record<string, SsmStringParameter>;
  mainSteps: Array<{
    action: "aws:runShellScript";
    name: string;
    precondition: { StringEquals: ["platformType", "Linux"] };
    inputs: { timeoutSeconds: string; runCommand: string[] };
  }>;
}

let cachedProgram: string | undefined;

/** The probe program, checked so that it can be embedded safely. */
export function queueProbeProgram(): string {
  if (cachedProgram === undefined) {
    const program = readFileSync(QUEUE_PROBE_PROGRAM_PATH, "utf8");
    const lines = program.split("\n");
    if (lines.some((line) => line.trimEnd() === PROBE_HEREDOC_DELIMITER)) {
      throw new Error(`${QUEUE_PROBE_PROGRAM_PATH}: contains a line equal to the heredoc delimiter`);
    }
    if (program.includes("{{") || program.includes("}}")) {
      throw new Error(`${QUEUE_PROBE_PROGRAM_PATH}: contains double braces, which SSM reads as placeholders`);
    }
    if (program.includes("\r")) {
      throw new Error(`${QUEUE_PROBE_PROGRAM_PATH}: contains carriage returns`);
    }
    cachedProgram = program.endsWith("\n") ? program.slice(0, -1) : program;
  }
  return cachedProgram;
}

const serviceNameParameter = (): SsmStringParameter => ({
  type: "String",
  description: "systemd unit of the Cribl service (letters, digits, @ . _ -; at most 64 characters).",
  default: DEFAULT_SERVICE_NAME,
  allowedPattern: SERVICE_NAME_PATTERN,
  interpolationType: "ENV_VAR",
});

/**
 * SSM Command document that measures the Cribl persistent-queue directories and the service state. It prints exactly
 * one JSON line ({@link QueueProbeResult}) and exits 0, or refuses malformed parameters with exit code 2.
 */
/**
 * The probe document for a fleet whose queues live under `queueRoot`: SSM refuses any `queueDirectories` value that is
 * not at or below it, or longer than QUEUE_DIRECTORIES_MAX_LENGTH.
 */
export function queueProbeDocument(queueRoot: string): SsmCommandDocument {
  const runCommand = [
    "set -u",
    "export LC_ALL=C",
    "if ! command -v python3 >/dev/null 2>&1; then",
    '  echo "queue-probe: python3 not found" >&2',
    "  exit 127",
    "fi",
    // -I: isolated mode (ignores PYTHON* variables, the user site and the current directory). The quoted delimiter
    // means the shell expands nothing in the program text.
    `python3 -I - <<'${PROBE_HEREDOC_DELIMITER}'`,
    ...queueProbeProgram().split("\n"),
    PROBE_HEREDOC_DELIMITER,
  ];
  return {
    schemaVersion: "2.2",
    description:
      "Cribl drain queue probe: prints one JSON line with, per queue directory, whether it exists and its regular " +
      "files' bytes and count, plus whether the Cribl service is active. Read-only.",
    parameters: {
      queueDirectories: {
        type: "String",
        description:
          "Comma-separated absolute paths of the Cribl persistent-queue directories, e.g. /opt/cribl/state/queues " +
          `(at or below ${normalizeQueueRoot(queueRoot)}; letters, digits, space, _ - / . and no '..'; no spaces ` +
          "around the commas).",
        allowedPattern: queueDirectoriesPattern(queueRoot),
        maxChars: QUEUE_DIRECTORIES_MAX_LENGTH,
        interpolationType: "ENV_VAR",
      },
      serviceName: serviceNameParameter(),
    },
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "probeQueues",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: String(QUEUE_PROBE_STEP_TIMEOUT_SECONDS), runCommand },
      },
    ],
  };
}

/**
 * SSM Command document that stops the Cribl service gracefully (bounded by {@link GRACEFUL_STOP_TIMEOUT_SECONDS}) and
 * prints one JSON line ({@link GracefulStopResult}); exit code 2 on a malformed service name or action. With
 * `action=start` it starts the service instead (the drain does so when the reading after the stop was not empty).
 */
export function gracefulStopDocument(): SsmCommandDocument {
  const runCommand = [
    "set -u",
    "export LC_ALL=C",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'name="${SSM_serviceName-}"',
    // Same rule as SERVICE_NAME_PATTERN, in POSIX sh (the agent may run the script with dash).
    'case "$name" in',
    '  ""|*[!A-Za-z0-9@._-]*)',
    '    echo "graceful-stop: refused: SSM_serviceName is missing or malformed" >&2',
    "    exit 2",
    "    ;;",
    "esac",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'if [ "${#name}" -gt 64 ]; then',
    '  echo "graceful-stop: refused: SSM_serviceName is longer than 64 characters" >&2',
    "  exit 2",
    "fi",
    // biome-ignore lint/suspicious/noTemplateCurlyInString: shell parameter expansion, not a JS template
    'action="${SSM_action-stop}"',
    'case "$action" in',
    "  stop|start) ;;",
    '  *) echo "graceful-stop: refused: SSM_action must be stop or start" >&2; exit 2 ;;',
    "esac",
    'if [ "$action" = start ]; then',
    // The drain starts Cribl again when the reading after the stop was not empty: it must keep draining.
    "  started=false",
    '  if command -v systemctl >/dev/null 2>&1 && systemctl start -- "$name" </dev/null 1>&2; then started=true; fi',
    `  printf '{"v":1,"action":"start","started":%s}\\n' "$started"`,
    "  exit 0",
    "fi",
    "stopped=false",
    "if command -v systemctl >/dev/null 2>&1; then",
    "  if command -v timeout >/dev/null 2>&1; then",
    `    if timeout -k 10 ${GRACEFUL_STOP_TIMEOUT_SECONDS} systemctl stop -- "$name" </dev/null 1>&2; then stopped=true; fi`,
    '  elif systemctl stop -- "$name" </dev/null 1>&2; then',
    "    stopped=true",
    "  fi",
    "else",
    '  echo "graceful-stop: systemctl not found" >&2',
    "fi",
    `printf '{"v":1,"stopped":%s}\\n' "$stopped"`,
  ];
  return {
    schemaVersion: "2.2",
    description:
      `Cribl drain graceful stop: systemctl stop of the Cribl service, bounded to ${GRACEFUL_STOP_TIMEOUT_SECONDS} s; ` +
      'prints one JSON line {"v":1,"stopped":true|false}.',
    parameters: {
      serviceName: serviceNameParameter(),
      action: {
        type: "String",
        description: "stop (default): bounded graceful stop; start: start Cribl again after a failed proof reading.",
        default: "stop",
        allowedPattern: GRACEFUL_STOP_ACTION_PATTERN,
        interpolationType: "ENV_VAR",
      },
    },
    mainSteps: [
      {
        action: "aws:runShellScript",
        name: "stopCribl",
        precondition: { StringEquals: ["platformType", "Linux"] },
        inputs: { timeoutSeconds: String(GRACEFUL_STOP_STEP_TIMEOUT_SECONDS), runCommand },
      },
    ],
  };
}
