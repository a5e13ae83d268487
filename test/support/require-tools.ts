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
