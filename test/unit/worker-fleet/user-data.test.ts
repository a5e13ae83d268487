// The boot script's rendering: values are quoted so the shell takes them literally, and the script holds no secret.
import { spawnSync } from "node:child_process";
import { renderUserData, shellQuote, type UserDataProps } from "../../../modules/worker-fleet/user-data";

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
});
