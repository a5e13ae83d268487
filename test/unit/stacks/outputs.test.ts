// Every output of both stacks says what it is (issue 13): `terraform output` and the plan show the description, so a
// reviewer or an operator never has to read the source to know what a value means.
import { exampleConfig, synthApp } from "../../support/synth";

describe("stack outputs", () => {
  it("every output of both stacks has a description naming what it is", () => {
    // Prepare: the example (both stacks, every kind of sink).
    const config = exampleConfig();
    // Act
    const { stacks } = synthApp(config);
    // Assess
    const outputs = Object.entries(stacks).flatMap(([stack, tf]) =>
      Object.entries((tf.output ?? {}) as Record<string, { description?: string }>).map(([name, o]) => ({
        output: `${stack}.${name}`,
        description: o.description ?? "",
      })),
    );
    expect(outputs.length).toBeGreaterThan(60);
    expect(outputs.filter((o) => o.description.trim().length < 10)).toEqual([]);
    // Consumer outputs name their consumer, so two sinks' function names cannot be confused.
    const s3Function = outputs.find((o) => o.output === "log-routing.sink_s3_archive_function_name");
    expect(s3Function?.description).toBe('kinesis-to-s3 sink "archive": Lambda function name');
  });
});
