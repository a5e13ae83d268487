// The boot script's rendering: values are quoted so the shell takes them literally, and the script holds no secret.
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { renderUserData, shellQuote, type UserDataProps } from "../../../../modules/worker-fleet/user-data";

const props: UserDataProps = {
  criblVersion: "4.9.3-25f2ed8e",
  criblSha256: "a".repeat(64),
  criblDownloadUrl: "https://cdn.cribl.io/dl/4.9.3/cribl-4.9.3-25f2ed8e-linux-x64.tgz",
  leaderHost: "leader.example.com",
  leaderPort: 4200,
  leaderTls: false,
  workerGroup: "edge",
  leaderAuthTokenParameter: "/cribl/token",
  region: "eu-west-1",
  serviceName: "cribl",
};

/** Runs only the assignments at the top of the script and prints one variable. */
function assignedValue(script: string, name: string): string {
  const assignments = script.split("\n").filter((l) => l.startsWith("readonly "));
  const run = spawnSync("bash", ["-c", `${assignments.join("\n")}\nprintf '%s' "$${name}"`], { encoding: "utf8" });
  expect(run.stderr).toBe("");
  return run.stdout;
}

describe("worker user data", () => {
  it.each([["plain"], ["it's"], ["$(touch /tmp/pwned)"], ["`id`"], ['"; reboot; "'], ["a\nb"]])(
    "quotes %j so bash reads it literally",
    (value) => {
      // Act
      const run = spawnSync("bash", ["-c", `readonly V=${shellQuote(value)}\nprintf '%s' "$V"`], { encoding: "utf8" });
      // Assess
      expect(run.stdout).toBe(value);
      expect(run.stderr).toBe("");
    },
  );

  it("assigns every configured value once, at the top, and parses as bash", () => {
    // Act
    const script = renderUserData(props);
    // Assess
    expect(assignedValue(script, "LEADER_HOST")).toBe("leader.example.com");
    expect(assignedValue(script, "LEADER_TLS")).toBe("false");
    expect(assignedValue(script, "QUEUE_DEVICE")).toBe("");
    expect(spawnSync("bash", ["-n"], { input: script }).status).toBe(0);
    expect(renderUserData(props)).toBe(script);
  });

  it("formats and mounts the queue volume only when one is configured", () => {
    // Act
    const script = renderUserData({ ...props, queueVolume: { deviceName: "/dev/sdf", mountPath: "/data/pq" } });
    // Assess
    expect(assignedValue(script, "QUEUE_DEVICE")).toBe("/dev/sdf");
    expect(assignedValue(script, "QUEUE_MOUNT")).toBe("/data/pq");
    expect(script).toContain('mkfs.xfs -q -L "$QUEUE_LABEL" "$device"');
    expect(script).toContain('mountpoint -q "$QUEUE_MOUNT" || mount "$QUEUE_MOUNT"');
  });

  it("joins with the token in a 0600 environment file, URL-encoded, and never on a command line", () => {
    // Prepare: the real cribl-join script from the rendered user data, its paths moved into a temp dir, and a fake
    // `aws` that answers the SSM call with a token full of URL-special characters.
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cribl-join-"));
    const script = renderUserData({ ...props, leaderTls: true });
    const join = script
      .slice(script.indexOf("<<'JOIN'\n") + 8, script.indexOf("\nJOIN\n"))
      .replaceAll("/etc/cribl-bootstrap", dir);
    fs.writeFileSync(
      path.join(dir, "join.env"),
      "LEADER_HOST=leader.example.com\nLEADER_PORT=4200\nLEADER_TLS=true\nWORKER_GROUP=edge\nTOKEN_PARAMETER=/cribl/token\nAWS_REGION_NAME=eu-west-1\n",
    );
    const bin = path.join(dir, "bin");
    fs.mkdirSync(bin);
    fs.writeFileSync(path.join(bin, "aws"), "#!/bin/sh\nprintf '%s\\n' 's3cr:t/@?&%'\n", { mode: 0o755 });
    // Act
    const run = spawnSync("bash", ["-c", join], {
      encoding: "utf8",
      env: { ...process.env, PATH: `${bin}:${process.env.PATH}` },
    });
    // Assess
    expect(run.stderr).toBe("");
    expect(run.status).toBe(0);
    const envFile = path.join(dir, "leader.env");
    expect(fs.statSync(envFile).mode & 0o777).toBe(0o600);
    expect(fs.readFileSync(envFile, "utf8")).toBe(
      "CRIBL_DIST_MODE=worker\nCRIBL_DIST_LEADER_URL=tls://s3cr%3At%2F%40%3F%26%25@leader.example.com:4200?group=edge\n",
    );
    const commandLines = join
      .split("\n")
      .filter((l) => /\$\{?token\b/.test(l) && !/^\s*(if|unset|encoded=)/.test(l.trim()));
    expect(commandLines).toEqual([]);
    fs.rmSync(dir, { recursive: true, force: true });
  });
});
