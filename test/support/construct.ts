// Construct-level tests (issue 11): one construct in a bare stack with an AwsProvider, synthesized with cdktf's
// Testing helpers and read back as JSON, instead of the whole example app.
import { AwsProvider } from "@cdktf/provider-aws/lib/provider";
import { TerraformStack, Testing } from "cdktf";
import type { Construct } from "constructs";
import type { ConfigError } from "../../modules/common/schema";
import { configErrorFrom } from "./config-error";

export type Resource = Record<string, unknown>;
export type Synthesized = {
  resource: Record<string, Record<string, Resource>>;
  data?: Record<string, Record<string, Resource>>;
  output?: Record<string, unknown>;
};

export const TEST_REGION = "eu-west-1";
export const TEST_ACCOUNT = "123456789012";

/**
 * Builds what `build` adds to a bare stack (id `stack`, provider `aws` in eu-west-1) and synthesizes it with
 * Testing.synth. Returns the synthesized JSON and what `build` returned (the construct, to read its outputs).
 */
export function synthConstruct<T>(build: (scope: Construct) => T): { synthesized: Synthesized; built: T } {
  const stack = new TerraformStack(Testing.app(), "stack");
  new AwsProvider(stack, "aws", { region: TEST_REGION });
  const built = build(stack);
  return { synthesized: JSON.parse(Testing.synth(stack)) as Synthesized, built };
}

/** Every resource of one Terraform type, in construct order. */
export const resources = (s: Synthesized, type: string): Resource[] => Object.values(s.resource?.[type] ?? {});

/** The one resource of a type; fails when there are none or several. */
export function onlyResource(s: Synthesized, type: string): Resource {
  const found = resources(s, type);
  if (found.length !== 1) throw new Error(`expected one ${type}, found ${found.length}`);
  return found[0]!;
}

/** The Terraform address (`type.name`) of the one resource of `type` that `match` picks. */
export function addressOf(s: Synthesized, type: string, match: (r: Resource) => boolean = () => true): string {
  const found = Object.entries(s.resource?.[type] ?? {}).filter(([, r]) => match(r));
  if (found.length !== 1) throw new Error(`expected one matching ${type}, found ${found.length}`);
  return `${type}.${found[0]![0]}`;
}

/** The ConfigError a construct's props raise; fails when they are accepted. */
export function propsErrorOf(build: (scope: Construct) => unknown): ConfigError {
  return configErrorFrom(() => synthConstruct(build), "props");
}
