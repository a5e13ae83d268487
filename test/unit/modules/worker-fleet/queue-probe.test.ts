// The queue-probe and graceful-stop SSM documents, executed for real: the runCommand script is taken from the document
// object, written to a file and run with bash (and dash, which the agent may use as sh) against temporary directories.

import { spawnSync } from "node:child_process";
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  truncateSync,
  writeFileSync,
} from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import {
  MAX_QUEUE_DIRECTORIES,
  QUEUE_DIRECTORIES_MAX_LENGTH,
  QUEUE_DIRECTORIES_PATTERN,
  type QueueProbeResult,
  queueDirectoriesPattern,
  queueDirectoryDepthLimit,
  SERVICE_NAME_PATTERN,
} from "../../../../contracts/queue-probe";
import { factsFromProbe } from "../../../../handlers/check-queue/core";
import {
  gracefulStopDocument,
  PROBE_HEREDOC_DELIMITER,
  QUEUE_PROBE_PROGRAM_PATH,
  queueProbeDocument,
  type SsmCommandDocument,
} from "../../../../modules/worker-fleet/queue-probe";

interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
}

let work: string;
let scripts: string;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), "queue-probe-"));
  scripts = mkdtempSync(join(tmpdir(), "queue-probe-scripts-"));
});

afterAll(() => {
  rmSync(work, { recursive: true, force: true });
  rmSync(scripts, { recursive: true, force: true });
});

let scriptCount = 0;

/** Writes the document's runCommand to a file, as the SSM agent does, and runs it with the given shell. */
function runDocument(
  doc: SsmCommandDocument,
  vars: Record<string, string | undefined>,
  shell = "bash",
  /** Runs the script inside a new mount namespace with a tmpfs mounted here first (root only: tests run as root). */
  tmpfsAt?: string,
): Run {
  expect(doc.mainSteps).toHaveLength(1);
  const script = join(scripts, `script-${scriptCount++}.sh`);
  writeFileSync(script, `${doc.mainSteps[0]!.inputs.runCommand.join("\n")}\n`);
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (!key.startsWith("SSM_")) env[key] = value;
  }
  for (const [key, value] of Object.entries(vars)) {
    if (value !== undefined) env[key] = value;
  }
  const [command, args] = tmpfsAt
    ? ["unshare", ["-m", "sh", "-c", 'mount -t tmpfs none "$1" && exec "$2" "$3"', "sh", tmpfsAt, shell, script]]
    : [shell, [script]];
  const result = spawnSync(command, args, { env, encoding: "utf8", timeout: 60_000, cwd: scripts });
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

function probe(
  queueDirectories: string | undefined,
  serviceName: string | undefined = "cribl",
  shell = "bash",
  tmpfsAt?: string,
): Run {
  return runDocument(
    queueProbeDocument(QUEUE_ROOT),
    { SSM_queueDirectories: queueDirectories, SSM_serviceName: serviceName },
    shell,
    tmpfsAt,
  );
}

function parseOneLine(run: Run): QueueProbeResult {
  expect(run.stderr).not.toContain("Traceback");
  expect(run.status).toBe(0);
  const lines = run.stdout.split("\n");
  expect(lines).toHaveLength(2);
  expect(lines[1]).toBe("");
  return JSON.parse(lines[0]!) as QueueProbeResult;
}

function dir(...parts: string[]): string {
  const path = join(work, ...parts);
  mkdirSync(path, { recursive: true });
  return path;
}

function file(path: string, bytes: number): void {
  writeFileSync(path, Buffer.alloc(bytes, 0x61));
}

const queuePattern = new RegExp(QUEUE_DIRECTORIES_PATTERN);
const QUEUE_ROOT = "/opt/cribl/state";

describe("queueDirectoriesPattern: the probe document accepts directories under the queue root only", () => {
  it.each([
    ["/opt/cribl/state", true],
    ["/opt/cribl/state/", true],
    ["/opt/cribl/state/queues", true],
    ["/opt/cribl/state/queues,/opt/cribl/state/pq.v2", true],
    ["/", false],
    ["/etc", false],
    ["/proc/self", false],
    ["/root/.ssh", false],
    ["/opt/cribl/state2", false],
    ["/opt/cribl/statex/queues", false],
    ["/opt/cribl/state/../../etc", false],
    ["/opt/cribl/state/queues,/etc", false],
    ["/opt/cribl", false],
    ["opt/cribl/state", false],
  ])("%j -> %s", (value, accepted) => {
    // Act
    const pattern = new RegExp(queueDirectoriesPattern(QUEUE_ROOT));
    const matched = pattern.test(value);
    // Assess
    expect(matched).toBe(accepted);
  });

  it("caps the value's length in the pattern itself, without look-around", () => {
    // Prepare: the deepest directory it takes, and the longest value (20 directories with dots, the densest form).
    const source = queueDirectoriesPattern(QUEUE_ROOT);
    const pattern = new RegExp(source);
    const depth = queueDirectoryDepthLimit(QUEUE_ROOT);
    const deepest = `${QUEUE_ROOT}/${"q".repeat(depth)}`;
    const densest = `${QUEUE_ROOT}/a${".a".repeat(depth - 1)}.`;
    const longest = Array.from({ length: MAX_QUEUE_DIRECTORIES }, () => densest).join(",");
    // Act / Assess
    expect(source).not.toMatch(/\(\?[=!<]/);
    expect(pattern.test(deepest)).toBe(true);
    expect(pattern.test(`${deepest}q`)).toBe(false);
    expect(pattern.test(longest)).toBe(true);
    expect(longest.length).toBeLessThanOrEqual(QUEUE_DIRECTORIES_MAX_LENGTH);
    expect(pattern.test(`${longest},${QUEUE_ROOT}`)).toBe(false);
  });

  it("escapes the root's dots, so they match only themselves", () => {
    // Act
    const pattern = new RegExp(queueDirectoriesPattern("/data/q.v1"));
    // Assess
    expect(pattern.test("/data/q.v1/queues")).toBe(true);
    expect(pattern.test("/data/qxv1/queues")).toBe(false);
  });
});
const servicePattern = new RegExp(SERVICE_NAME_PATTERN);

describe("queueProbeDocument: document shape", () => {
  it("is a schema 2.2 Command document with one aws:runShellScript step", () => {
    // Prepare / Act
    const doc = queueProbeDocument(QUEUE_ROOT);
    // Assess
    expect(doc.schemaVersion).toBe("2.2");
    expect(doc.mainSteps).toHaveLength(1);
    expect(doc.mainSteps[0]!.action).toBe("aws:runShellScript");
    expect(Object.keys(doc.parameters).sort()).toEqual(["queueDirectories", "serviceName"]);
  });

  it("passes every parameter as an environment variable with an allowedPattern", () => {
    // Prepare
    const docs = [queueProbeDocument(QUEUE_ROOT), gracefulStopDocument()];
    // Act
    const parameters = docs.flatMap((doc) => Object.values(doc.parameters));
    // Assess
    expect(parameters).toHaveLength(4);
    for (const parameter of parameters) {
      expect(parameter.type).toBe("String");
      expect(parameter.interpolationType).toBe("ENV_VAR");
      expect(parameter.allowedPattern.length).toBeGreaterThan(0);
    }
    expect(queueProbeDocument(QUEUE_ROOT).parameters["queueDirectories"]).toMatchObject({
      allowedPattern: queueDirectoriesPattern(QUEUE_ROOT),
      maxChars: QUEUE_DIRECTORIES_MAX_LENGTH,
    });
    expect(queueProbeDocument(QUEUE_ROOT).parameters["queueDirectories"]!.default).toBeUndefined();
    expect(queueProbeDocument(QUEUE_ROOT).parameters["serviceName"]).toMatchObject({
      default: "cribl",
      allowedPattern: "^[A-Za-z0-9@._-]{1,64}$",
    });
    expect(gracefulStopDocument().parameters["serviceName"]!.allowedPattern).toBe(SERVICE_NAME_PATTERN);
  });

  it("contains no {{ }} placeholder anywhere: values are read from the environment only", () => {
    // Prepare
    const docs = [queueProbeDocument(QUEUE_ROOT), gracefulStopDocument()];
    // Act
    const texts = docs.map((doc) => JSON.stringify(doc));
    const scriptTexts = docs.map((doc) => doc.mainSteps.map((step) => step.inputs.runCommand.join("\n")).join("\n"));
    // Assess
    for (const text of texts) {
      expect(text).not.toContain("{{");
      expect(text).not.toMatch(/\{\{\s*queueDirectories\s*\}\}/);
      expect(text).not.toMatch(/\{\{\s*serviceName\s*\}\}/);
    }
    for (const script of scriptTexts) expect(script).not.toContain("}}");
    expect(texts[0]).toContain("SSM_queueDirectories");
    expect(texts[0]).toContain("SSM_serviceName");
    expect(texts[1]).toContain("SSM_serviceName");
  });

  it("embeds the probe program through a quoted heredoc", () => {
    // Prepare
    const runCommand = queueProbeDocument(QUEUE_ROOT).mainSteps[0]!.inputs.runCommand;
    const program = readFileSync(QUEUE_PROBE_PROGRAM_PATH, "utf8");
    // Act
    const opener = runCommand.findIndex((line) => line.includes("<<"));
    // Assess
    expect(runCommand[opener]).toBe(`python3 -I - <<'${PROBE_HEREDOC_DELIMITER}'`);
    expect(runCommand.at(-1)).toBe(PROBE_HEREDOC_DELIMITER);
    expect(`${runCommand.slice(opener + 1, -1).join("\n")}\n`).toBe(program);
    expect(runCommand.filter((line) => line === PROBE_HEREDOC_DELIMITER)).toHaveLength(1);
  });

  it("re-validates with the same pattern inside the probe program", () => {
    // Prepare
    const program = readFileSync(QUEUE_PROBE_PROGRAM_PATH, "utf8");
    // Act
    const queues = /^QUEUE_DIRECTORIES_PATTERN = r"(.*)"$/m.exec(program)?.[1];
    const service = /^SERVICE_NAME_PATTERN = r"(.*)"$/m.exec(program)?.[1];
    const maxLength = /^MAX_QUEUE_DIRECTORIES_LENGTH = (\d+)$/m.exec(program)?.[1];
    // Assess
    expect(queues).toBe(QUEUE_DIRECTORIES_PATTERN);
    expect(service).toBe(SERVICE_NAME_PATTERN);
    expect(Number(maxLength)).toBe(QUEUE_DIRECTORIES_MAX_LENGTH);
  });
});

describe("QUEUE_DIRECTORIES_PATTERN", () => {
  const valid = [
    "/opt/cribl/state/queues",
    "/opt/cribl/state/queues/",
    "/data/pq vol/queues",
    "/a,/b/c,/d e/f_g-h.i",
    "/opt/cribl/.hidden/x.y",
    "/opt/./cribl",
    "/x.",
  ];
  const injections = [
    "/tmp/q$(touch /tmp/pwned)",
    "/tmp/q;touch /tmp/pwned",
    "/tmp/q`touch /tmp/pwned`",
    "/tmp/q|touch /tmp/pwned",
    "/tmp/q&&touch /tmp/pwned",
    "/tmp/q&",
    "/tmp/q'; touch /tmp/pwned; '",
    '/tmp/q"; touch /tmp/pwned; "',
    "/tmp/q\ntouch /tmp/pwned",
    "/tmp/q\n",
    "/tmp/q\r",
    "/tmp/q\ttab",
    "/tmp/q>/etc/x",
    "/tmp/q</etc/x",
    "/tmp/q*",
    "/tmp/q{{ serviceName }}",
    "/opt/cribl/../../etc",
    "/opt/cribl/..",
    "/..",
    "/opt..x",
    "relative/path",
    "",
    "/a,",
    ",/a",
    "/a, /b",
    "/a,,/b",
    "~/queues",
    "/tmp/q\\x",
  ];

  it.each(valid)("accepts %j", (value) => {
    // Prepare / Act
    const accepted = queuePattern.test(value);
    // Assess
    expect(accepted).toBe(true);
  });

  it.each(injections)("rejects %j", (value) => {
    // Prepare / Act
    const accepted = queuePattern.test(value);
    // Assess
    expect(accepted).toBe(false);
  });

  it("admits only absolute comma-separated paths made of the allowed characters (property)", () => {
    // Prepare
    const unit = fc.constantFrom("/", ".", ",", "a", "Z", "0", " ", "_", "-", "$", ";", "`", "'", '"', "|", "&", "\n");
    // Act / Assess
    fc.assert(
      fc.property(fc.string({ unit, maxLength: 24 }), (value) => {
        if (!queuePattern.test(value)) return;
        expect(value).toMatch(/^\/[A-Za-z0-9_ ./,-]*$/);
        expect(value).not.toContain("..");
        expect(value.split(",").every((path) => path.startsWith("/"))).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("is read the same way by JavaScript and by the probe's Python", () => {
    // Prepare
    const unit = fc.constantFrom("/", ".", ",", "a", " ", "-", "$", ";", "\n");
    const samples = [
      ...valid,
      ...injections,
      ...fc.sample(fc.string({ unit, maxLength: 12 }), { numRuns: 400, seed: 7 }),
    ];
    const checker = [
      "import json, re, sys",
      "pattern, values = json.load(sys.stdin)",
      "print(json.dumps([re.fullmatch(pattern, v) is not None for v in values]))",
    ].join("\n");
    // Act
    const run = spawnSync("python3", ["-I", "-c", checker], {
      input: JSON.stringify([QUEUE_DIRECTORIES_PATTERN, samples]),
      encoding: "utf8",
    });
    // Assess
    expect(run.status).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual(samples.map((value) => queuePattern.test(value)));
  });

  it("lets the service-name pattern through only unit names", () => {
    // Prepare
    const good = ["cribl", "cribl-edge", "cribl@worker.service", "a_b.c"];
    const bad = ["", "cribl;reboot", "$(id)", "cri bl", "x".repeat(65), "cribl\n"];
    // Act / Assess
    for (const value of good) expect(servicePattern.test(value)).toBe(true);
    for (const value of bad) expect(servicePattern.test(value)).toBe(false);
  });
});

describe("queue probe: executed with bash against real directories", () => {
  it("reports an empty directory as existing with 0 bytes and 0 files", () => {
    // Prepare
    const empty = dir("empty");
    // Act
    const result = parseOneLine(probe(empty));
    // Assess
    expect(result.v).toBe(1);
    expect(result.queues).toEqual([{ path: empty, exists: true, bytes: 0, files: 0 }]);
    expect(result.errors.filter((error) => error.path !== null)).toEqual([]);
  });

  it("counts nested regular files exactly, by apparent size", () => {
    // Prepare
    const root = dir("full", "queues");
    file(join(root, "top.bin"), 1);
    file(join(dir("full", "queues", "worker-0"), "a.log"), 10);
    file(join(dir("full", "queues", "worker-0", "out-s3"), "empty.log"), 0);
    file(join(dir("full", "queues", "worker-0", "out-s3", "deep", "deeper"), "b.log"), 4096);
    const sparse = join(root, "worker-0", "sparse.bin");
    writeFileSync(sparse, "");
    truncateSync(sparse, 1_048_576); // apparent size 1 MiB, next to nothing on disk
    // Act
    const result = parseOneLine(probe(root));
    // Assess
    expect(result.queues).toEqual([{ path: root, exists: true, bytes: 1 + 10 + 0 + 4096 + 1_048_576, files: 5 }]);
  });

  it("reports symlinks inside a queue directory and gives no byte count, so the reading is unknown, never drained", () => {
    // Prepare: the only data sits behind links (issue 12: a link hid it, and the probe said 0 bytes).
    const root = dir("linked", "queues");
    const outside = dir("linked", "outside");
    file(join(outside, "not-counted.bin"), 5000);
    symlinkSync(join(outside, "not-counted.bin"), join(root, "link-to-file"));
    symlinkSync(outside, join(dir("linked", "queues", "worker-0"), "link-to-dir"));
    symlinkSync(join(outside, "missing"), join(root, "dangling"));
    // Act
    const result = parseOneLine(probe(root));
    const facts = factsFromProbe(result, "cmd-1");
    // Assess
    expect(result.queues).toEqual([{ path: root, exists: true, bytes: null, files: null }]);
    const queueErrors = result.errors.filter((e) => e.path !== null);
    expect(queueErrors.map((e) => [e.code, e.message.split(" ")[0]]).sort()).toEqual(
      [
        ["symlink", join(root, "dangling")],
        ["symlink", join(root, "link-to-file")],
        ["symlink", join(root, "worker-0", "link-to-dir")],
      ].sort(),
    );
    expect(facts.totalBytes).toBeNull();
  });

  it("reports a mount point inside a queue directory and gives no byte count", () => {
    // Prepare: a tmpfs mounted on a subdirectory, in a mount namespace of the probe's own.
    const root = dir("mounted", "queues");
    file(join(root, "q.bin"), 10);
    const mountPoint = dir("mounted", "queues", "other-fs");
    // Act
    const result = parseOneLine(probe(root, "cribl", "bash", mountPoint));
    // Assess
    expect(result.queues).toEqual([{ path: root, exists: true, bytes: null, files: null }]);
    expect(result.errors.filter((e) => e.path !== null)).toEqual([
      expect.objectContaining({ path: root, code: "mount_point", message: expect.stringContaining(mountPoint) }),
    ]);
  });

  it("follows a symlink at the configured root (a queue directory on a dedicated volume)", () => {
    // Prepare
    const volume = dir("volume", "queues");
    file(join(volume, "q.bin"), 77);
    const link = join(dir("linkroot"), "queues");
    symlinkSync(volume, link);
    // Act
    const result = parseOneLine(probe(link));
    // Assess
    expect(result.queues).toEqual([{ path: link, exists: true, bytes: 77, files: 1 }]);
  });

  it("reports a missing directory as exists:false with null bytes and files, never 0", () => {
    // Prepare
    const missing = join(work, "does-not-exist", "queues");
    // Act
    const result = parseOneLine(probe(missing));
    // Assess
    expect(result.queues).toEqual([{ path: missing, exists: false, bytes: null, files: null }]);
  });

  it("reports a path that is a file as an error with null bytes", () => {
    // Prepare
    const notDir = join(dir("notdir"), "queues");
    file(notDir, 123);
    // Act
    const result = parseOneLine(probe(notDir));
    // Assess
    expect(result.queues).toEqual([{ path: notDir, exists: true, bytes: null, files: null }]);
    expect(result.errors).toContainEqual(expect.objectContaining({ path: notDir, code: "not_a_directory" }));
  });

  it("handles a directory name with spaces", () => {
    // Prepare
    const spaced = dir("with spaces", "queue dir  two");
    file(join(spaced, "file with space.bin"), 42);
    // Act
    const result = parseOneLine(probe(spaced));
    // Assess
    expect(result.queues).toEqual([{ path: spaced, exists: true, bytes: 42, files: 1 }]);
  });

  it("reports several directories at once, in the configured order", () => {
    // Prepare
    const first = dir("several", "one");
    const second = dir("several", "two.d");
    const missing = join(work, "several", "three");
    file(join(first, "x"), 3);
    file(join(dir("several", "two.d", "sub"), "y"), 4);
    file(join(second, "z"), 5);
    // Act
    const result = parseOneLine(probe([second, missing, first].join(",")));
    // Assess
    expect(result.queues).toEqual([
      { path: second, exists: true, bytes: 9, files: 2 },
      { path: missing, exists: false, bytes: null, files: null },
      { path: first, exists: true, bytes: 3, files: 1 },
    ]);
  });

  it("runs the same under dash, which the agent may use as sh", () => {
    // Prepare
    const queues = dir("dash");
    file(join(queues, "d"), 11);
    // Act
    const result = parseOneLine(probe(queues, "cribl", "sh"));
    // Assess
    expect(result.queues).toEqual([{ path: queues, exists: true, bytes: 11, files: 1 }]);
  });

  it("reports the service state as a boolean, or null when systemd cannot answer", () => {
    // Prepare
    const queues = dir("service");
    // Act
    const result = parseOneLine(probe(queues, "cribl"));
    // Assess
    expect([true, false, null]).toContain(result.serviceActive);
    for (const error of result.errors) {
      expect(["systemctl_unavailable", "service_state_unknown"]).toContain(error.code);
    }
  });

  it("refuses injection attempts in queueDirectories without running them", () => {
    // Prepare
    const marker = join(work, "pwned-queue");
    const base = dir("inject");
    const attempts = [
      `${base}$(touch ${marker})`,
      `${base};touch ${marker}`,
      `${base}\`touch ${marker}\``,
      `${base}|touch ${marker}`,
      `${base}&&touch ${marker}`,
      `${base}'; touch ${marker}; '`,
      `${base}"; touch ${marker}; "`,
      `${base}\ntouch ${marker}`,
      `${base}/../../etc`,
      `${base}\n`,
      "",
      `/${"a".repeat(QUEUE_DIRECTORIES_MAX_LENGTH)}`,
    ];
    // Act
    const runs = attempts.map((value) => probe(value));
    // Assess
    for (const run of runs) {
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
      expect(run.stderr).toContain("queue-probe: refused");
    }
    expect(existsSync(marker)).toBe(false);
  });

  it("refuses a missing SSM_queueDirectories (agent too old for ENV_VAR) and a malformed service name", () => {
    // Prepare
    const marker = join(work, "pwned-service");
    const queues = dir("service-inject");
    // Act
    const unset = probe(undefined);
    const badService = probe(queues, `cribl;touch ${marker}`);
    const spacedService = probe(queues, "cribl service");
    // Assess
    for (const run of [unset, badService, spacedService]) {
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
    }
    expect(unset.stderr).toContain("SSM_queueDirectories is not set");
    expect(existsSync(marker)).toBe(false);
  });

  it("counts thousands of files across many subdirectories exactly", () => {
    // Prepare
    const big = dir("big");
    for (let d = 0; d < 20; d++) {
      const sub = dir("big", `out-${d}`);
      for (let f = 0; f < 100; f++) file(join(sub, `${f}.q`), f % 7);
    }
    const expectedBytes = 20 * Array.from({ length: 100 }, (_, f) => f % 7).reduce((a, b) => a + b, 0);
    // Act
    const result = parseOneLine(probe(big));
    // Assess
    expect(result.queues).toEqual([{ path: big, exists: true, bytes: expectedBytes, files: 2000 }]);
  });
});

describe("gracefulStopDocument", () => {
  it("is a schema 2.2 document with a serviceName parameter and a bounded systemctl stop", () => {
    // Prepare / Act
    const doc = gracefulStopDocument();
    const script = doc.mainSteps[0]!.inputs.runCommand.join("\n");
    // Assess
    expect(doc.schemaVersion).toBe("2.2");
    expect(doc.mainSteps).toHaveLength(1);
    expect(doc.mainSteps[0]!.action).toBe("aws:runShellScript");
    expect(Object.keys(doc.parameters)).toEqual(["serviceName", "action"]);
    expect(doc.parameters["action"]).toMatchObject({ default: "stop", allowedPattern: "^(stop|start)$" });
    expect(script).toMatch(/timeout -k \d+ \d+ systemctl stop -- "\$name"/);
  });

  it.each(["bash", "sh"])("prints one JSON line with a boolean under %s", (shell) => {
    // Prepare
    const vars = { SSM_serviceName: "cribl-test-unit-that-does-not-exist" };
    // Act
    const run = runDocument(gracefulStopDocument(), vars, shell);
    // Assess
    expect(run.status).toBe(0);
    const lines = run.stdout.split("\n");
    expect(lines).toHaveLength(2);
    const result = JSON.parse(lines[0]!) as { v: number; stopped: unknown };
    expect(result.v).toBe(1);
    expect(typeof result.stopped).toBe("boolean");
  });

  it.each(["bash", "sh"])(
    "action=start starts instead of stopping; a malformed action is refused under %s",
    (shell) => {
      // Prepare
      const name = { SSM_serviceName: "cribl-test-unit-that-does-not-exist" };
      // Act
      const start = runDocument(gracefulStopDocument(), { ...name, SSM_action: "start" }, shell);
      const bad = runDocument(gracefulStopDocument(), { ...name, SSM_action: "restart;reboot" }, shell);
      // Assess
      expect(start.status).toBe(0);
      expect(JSON.parse(start.stdout.split("\n")[0]!)).toMatchObject({ v: 1, action: "start" });
      expect(bad.status).toBe(2);
      expect(bad.stdout).toBe("");
    },
  );

  it.each(["bash", "sh"])("refuses a malformed service name under %s without running it", (shell) => {
    // Prepare
    const marker = join(work, `pwned-stop-${shell}`);
    const attempts = [`cribl;touch ${marker}`, `$(touch ${marker})`, "", "cribl\nreboot", "x".repeat(65)];
    // Act
    const runs = attempts.map((value) => runDocument(gracefulStopDocument(), { SSM_serviceName: value }, shell));
    const unset = runDocument(gracefulStopDocument(), {}, shell);
    // Assess
    for (const run of [...runs, unset]) {
      expect(run.status).toBe(2);
      expect(run.stdout).toBe("");
    }
    expect(existsSync(marker)).toBe(false);
  });
});
