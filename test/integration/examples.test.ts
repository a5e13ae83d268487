// examples/: each configuration loads the way APP_CONFIG loads it, synthesizes both stacks, and the real AWS provider
// accepts every stack (`terraform validate`). Both examples are checked in one pass over their four stack directories:
// `terraform init` one after the other, then every `terraform validate` at once.
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { loadConfig } from "../../config/load";
import { PROJECT_ROOT, stackDirs, terraformOk } from "../../scripts/terraform";
import { buildApp } from "../../stacks/app";

jest.setTimeout(600_000);

const EXAMPLES = ["minimal", "complete"] as const;

describe("examples/", () => {
  it("both examples synthesize and pass terraform validate", async () => {
    // Prepare: synthesize each example as `APP_CONFIG=examples/<name>.ts npm run synth` would.
    const dirs = EXAMPLES.flatMap((example) => {
      const outdir = fs.mkdtempSync(path.join(os.tmpdir(), `example-${example}-`));
      buildApp(loadConfig(path.join(PROJECT_ROOT, "examples", `${example}.ts`)), { outdir }).app.synth();
      return stackDirs(outdir).map((dir) => ({ example, dir }));
    });
    // Act
    for (const { dir } of dirs) await terraformOk(["init", "-backend=false", "-input=false"], dir);
    const validated = await Promise.all(
      dirs.map(async ({ example, dir }) => {
        await terraformOk(["validate"], dir);
        return `${example}/${path.basename(dir)}`;
      }),
    );
    // Assess
    expect(validated).toEqual([
      "minimal/log-routing",
      "minimal/worker-fleet",
      "complete/log-routing",
      "complete/worker-fleet",
    ]);
  });
});
