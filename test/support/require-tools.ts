// Integration suites need Terraform and the moto emulator. They never skip silently: missing tools fail the run
// with what to install.
import { execFileSync } from "node:child_process";

const tools: Array<{ command: string; args: string[]; install: string }> = [
  {
    command: "terraform",
    args: ["version"],
    install: "Terraform 1.11 or newer (https://developer.hashicorp.com/terraform/install)",
  },
  { command: "moto_server", args: ["--help"], install: "moto server 5.2: pip install 'moto[server]==5.2.1'" },
];

export default function requireTools(): void {
  const missing = tools.filter(({ command, args }) => {
    try {
      execFileSync(command, args, { stdio: "ignore" });
      return false;
    } catch {
      return true;
    }
  });
  if (missing.length > 0) {
    const lines = missing.map((t) => `  - ${t.command}: install ${t.install}`).join("\n");
    throw new Error(
      `The integration tests need tools that are not on PATH:\n${lines}\nInstall them, or run only the unit tests with \`npm run test:unit\`.`,
    );
  }
}

/**
 * `describe` for suites that need the offline provider mirror. Without one they are skipped on a developer's machine
 * (Terraform downloads from the registry, and there is nothing offline to prove); under CI the build machine has one,
 * and its absence fails the suite instead of skipping it.
 */
export function describeWithMirror(mirror: string | undefined, name: string, fn: () => void): void {
  (mirror || process.env.CI ? describe : describe.skip)(name, () => {
    beforeAll(() => {
      if (!mirror)
        throw new Error("no offline provider mirror on this machine (TF_PROVIDER_MIRROR or /opt/tf-plugins)");
    });
    fn();
  });
}
