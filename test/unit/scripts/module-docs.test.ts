// `npm run docs:modules`: the module READMEs' input and output tables match the code, the generator reads the props'
// JSDoc (names, types, required, @default, descriptions), every row says something, and the README usage snippets and
// examples/ type-check against the real props and configuration type.
import * as fs from "node:fs";
import * as path from "node:path";
import {
  type ConstructDoc,
  constructModules,
  extractConstructDocs,
  PROJECT_ROOT,
  readmeStates,
  renderInputs,
  replaceSection,
  typeErrors,
  usageSnippets,
} from "../../../scripts/module-docs";

jest.setTimeout(120_000);

/**
 * Rows without a description that this change may not fill in (modules/drain belongs to another change): add the
 * JSDoc in the module, then remove the entry. The test fails when an entry gets a description, so the list only
 * shrinks.
 */
const KNOWN_UNDOCUMENTED: readonly string[] = [];

let docs: ConstructDoc[];
beforeAll(() => {
  docs = extractConstructDocs();
});
const docOf = (module: string) => docs.find((d) => d.module === module)!;

describe("module docs", () => {
  it("documents every construct module but common", () => {
    expect(constructModules()).toEqual([
      "cloudwatch-subscription",
      "drain",
      "kinesis-consumer",
      "kinesis-forward",
      "kinesis-to-fluent",
      "kinesis-to-opensearch",
      "kinesis-to-s3",
      "log-routing-alarms",
      "secure-bucket",
      "stream",
      "worker-fleet",
    ]);
  });

  it("every module README's tables are up to date (run `npm run docs:modules`)", () => {
    // Act
    const stale = readmeStates(docs)
      .filter((s) => s.current !== s.expected)
      .map((s) => path.relative(PROJECT_ROOT, s.file));
    // Assess
    expect(stale).toEqual([]);
  });

  it("reads a prop's name, type, required, @default and description from the zod schema's JSDoc", () => {
    // Act
    const retention = docOf("stream").inputs.find((r) => r.name === "retentionHours");
    const table = renderInputs(docOf("stream"));
    // Assess
    expect(retention).toEqual({
      name: "retentionHours",
      type: "number",
      required: false,
      defaultValue: "24",
      description: "Retention in hours, 24 to 8760.",
    });
    expect(table).toContain("| `retentionHours` | `number` | no | `24` | Retention in hours, 24 to 8760. |");
    expect(table).toContain("| `name` | `string` | yes | - |");
  });

  it("expands nested objects, composed shapes and readonly interfaces, and reads outputs", () => {
    const forward = docOf("kinesis-forward");
    const fleet = docOf("worker-fleet");
    expect(forward.inputs.map((r) => r.name)).toEqual(
      expect.arrayContaining(["failedRecords", "failedRecords.bucketName", "batchSize", "onFailureDestination.arn"]),
    );
    expect(forward.inputs.find((r) => r.name === "batchSize")?.defaultValue).toBe("100");
    expect(forward.outputs.map((r) => r.name)).toEqual(
      expect.arrayContaining(["consumer", "outputs.targetStreamArn", "outputs.functionArn"]),
    );
    expect(fleet.inputs.find((r) => r.name === "queueVolume.iops")).toMatchObject({ required: false, type: "number" });
    expect(fleet.inputs.find((r) => r.name === "leaderHost")).toMatchObject({ required: true, type: "string" });
    expect(docOf("log-routing-alarms").inputs.map((r) => r.name)).toContain("consumers[].sourceRetentionHours");
  });

  it("a changed prop makes its README stale, and only the text between the markers changes", () => {
    // Prepare
    const stream = docOf("stream");
    const changed = {
      ...stream,
      inputs: stream.inputs.map((r) => (r.name === "retentionHours" ? { ...r, defaultValue: "48" } : r)),
    };
    // Act
    const [state] = readmeStates([changed]);
    // Assess
    expect(state!.expected).not.toBe(state!.current);
    expect(state!.expected).toContain("| `retentionHours` | `number` | no | `48` |");
    const readme = "# x\n\nhand-written\n<!-- BEGIN GENERATED INPUTS -->\nold\n<!-- END GENERATED -->\nafter\n";
    expect(replaceSection(readme, "INPUTS", "new")).toBe(
      "# x\n\nhand-written\n<!-- BEGIN GENERATED INPUTS -->\nnew\n<!-- END GENERATED -->\nafter\n",
    );
  });

  it("no row has an empty description, but the known ones (the list only shrinks)", () => {
    const empty = docs.flatMap((d) =>
      [...d.inputs, ...d.outputs].filter((r) => r.description === "").map((r) => `${d.module}: ${r.name}`),
    );
    expect(empty.filter((e) => !KNOWN_UNDOCUMENTED.includes(e))).toEqual([]);
    expect(KNOWN_UNDOCUMENTED.filter((e) => !empty.includes(e))).toEqual([]);
  });

  it("every optional input has an @default", () => {
    const missing = docs.flatMap((d) =>
      d.inputs.filter((r) => !r.required && r.defaultValue === undefined).map((r) => `${d.module}: ${r.name}`),
    );
    expect(missing).toEqual([]);
  });

  it("the README usage snippets and examples/ type-check against the real props and AppConfig", () => {
    // Prepare
    const snippets = usageSnippets().map((s) => ({ file: `stacks/__readme_usage_${s.module}.ts`, code: s.code }));
    const examples = fs
      .readdirSync(path.join(PROJECT_ROOT, "examples"))
      .filter((f) => f.endsWith(".ts"))
      .map((f) => ({ file: `examples/${f}`, code: fs.readFileSync(path.join(PROJECT_ROOT, "examples", f), "utf8") }));
    // Act
    const errors = typeErrors([...snippets, ...examples]);
    // Assess
    expect(examples.map((e) => e.file).sort()).toEqual(["examples/complete.ts", "examples/minimal.ts"]);
    expect(errors).toEqual([]);
  });
});
