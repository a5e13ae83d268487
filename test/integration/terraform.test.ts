// The synthesized Terraform checked by the real AWS provider, then applied to the moto emulator and planned again.
import { localCycle, type StackCycle } from "../../scripts/local-cycle";
import { validateStacks } from "../../scripts/terraform";
import { type Emulator, startEmulator } from "../support/emulator";
import { synthApp } from "../support/synth";

jest.setTimeout(600_000);

describe("terraform validate", () => {
  it("accepts both synthesized stacks", async () => {
    // Prepare
    const { outdir } = synthApp();
    // Act
    const results = await validateStacks(outdir);
    // Assess
    expect(results.map((r) => r.stack)).toEqual(["log-routing", "worker-fleet"]);
  });
});

describe("deploy to the emulator", () => {
  let emulator: Emulator;
  let cycles: StackCycle[];

  beforeAll(async () => {
    // Prepare / Act
    emulator = await startEmulator();
    cycles = await localCycle({ endpoint: emulator.endpoint });
  });
  afterAll(async () => {
    await emulator?.stop();
  });

  it("applies both stacks and shows no changes on a second plan", () => {
    // Act / Assess
    expect(cycles.map((c) => c.stack)).toEqual(["log-routing", "worker-fleet"]);
    for (const c of cycles) {
      expect({ stack: c.stack, replan: c.replanOutput }).toEqual({ stack: c.stack, replan: "" });
      expect(c.replanExitCode).toBe(0);
    }
  });

  it("exposes the outputs a caller needs", () => {
    // Act
    const routing = cycles.find((c) => c.stack === "log-routing");
    // Assess
    expect(routing?.outputs.router_stream_arn.value).toMatch(
      /^arn:aws:kinesis:eu-west-1:\d{12}:stream\/cribl-demo-router$/,
    );
  });
});
