// The rendered drain definition: placeholders, validity, naming rules, and a snapshot for reviewers.
// asl-validator ships no type declarations: type the one call we make.
const aslValidator = require("asl-validator") as (
  definition: unknown,
  options: { checkArn: boolean; checkPaths: boolean },
) => { isValid: boolean; errors: unknown[] };

import { DRAIN_DEFINITION_PLACEHOLDERS, drainExecutionName, drainSequenceOf } from "../../../contracts/drain";
import { loadDrainDefinitionTemplate, renderDrainDefinition } from "../../../statemachines/drain";
import { buildDrainDefinition } from "../../../statemachines/drain-definition";
import { CHECK_QUEUE_ARN, GRACEFUL_STOP_DOCUMENT } from "../../fixtures/drain/sfn-harness";

const values = { CheckQueueFunctionArn: CHECK_QUEUE_ARN, GracefulStopDocumentName: GRACEFUL_STOP_DOCUMENT };

describe("drain definition", () => {
  test("renders with every placeholder replaced and validates with zero errors", () => {
    // Act
    const rendered = renderDrainDefinition(values);
    // Assess
    expect(rendered).not.toContain("${");
    const { isValid, errors } = aslValidator(JSON.parse(rendered), { checkArn: true, checkPaths: true });
    expect(errors).toEqual([]);
    expect(isValid).toBe(true);
  });

  test("the committed drain.asl.json is exactly what statemachines/drain-definition.ts builds", () => {
    // Act / Assess
    expect(JSON.parse(loadDrainDefinitionTemplate())).toEqual(buildDrainDefinition());
  });

  test("the template uses exactly the contract's placeholders", () => {
    // Act
    const used = new Set([...loadDrainDefinitionTemplate().matchAll(/\$\{(\w+)\}/g)].map((m) => m[1]));
    // Assess
    expect([...used].sort()).toEqual([...DRAIN_DEFINITION_PLACEHOLDERS].sort());
  });

  test("rejects a missing value, an unknown placeholder, and a placeholder outside a string", () => {
    // Act / Assess
    expect(() => renderDrainDefinition({ CheckQueueFunctionArn: "x" } as typeof values)).toThrow(
      /missing.*GracefulStopDocumentName/,
    );
    expect(() => renderDrainDefinition({ ...values, Extra: "y" } as typeof values)).toThrow(
      /unknown placeholder "Extra"/,
    );
    const placeholder = (name: string) => `$${"{"}${name}}`;
    expect(() => renderDrainDefinition(values, `{"a": ${placeholder("CheckQueueFunctionArn")}}`)).toThrow(
      /outside a JSON string/,
    );
    expect(() => renderDrainDefinition(values, `{"a": "${placeholder("Nope")}"}`)).toThrow(
      /unknown placeholder "Nope"/,
    );
  });

  test("values are JSON-escaped, never able to break out of their string", () => {
    // Act
    const rendered = renderDrainDefinition({ ...values, GracefulStopDocumentName: 'a"b\\c' });
    const def = JSON.parse(rendered) as { States: Record<string, { Parameters?: { DocumentName?: string } }> };
    // Assess
    expect(def.States.SendGracefulStop!.Parameters!.DocumentName).toBe('a"b\\c');
  });

  test("JSONPath only; Standard-compatible; every state verb-first ASCII with a Comment", () => {
    // Act
    const def = JSON.parse(renderDrainDefinition(values)) as {
      QueryLanguage?: string;
      States: Record<string, { Type: string; Comment?: string; QueryLanguage?: string }>;
    };
    // Assess
    expect(def.QueryLanguage ?? "JSONPath").toBe("JSONPath");
    for (const [name, state] of Object.entries(def.States)) {
      expect(name).toMatch(/^[A-Z][A-Za-z]+$/);
      expect(state.Comment?.length ?? 0).toBeGreaterThan(10);
      expect(state.QueryLanguage).toBeUndefined();
    }
  });

  test("snapshot of the rendered definition (reviewers read it)", () => {
    // Act / Assess
    expect(JSON.parse(renderDrainDefinition(values))).toMatchSnapshot();
  });
});

describe("drain execution name", () => {
  test("is <instanceId>-<sequence>, independent of the token, at most 80 characters of [0-9A-Za-z_-]", () => {
    // Act
    const name = drainExecutionName("i-0abc1234def567890", 1);
    // Assess
    expect(name).toBe("i-0abc1234def567890-1");
    expect(name.length).toBeLessThanOrEqual(80);
    expect(name).toMatch(/^[0-9A-Za-z_-]+$/);
    expect(drainSequenceOf("i-0abc1234def567890", "i-0abc1234def567890-12")).toBe(12);
    expect(drainSequenceOf("i-0abc1234def567890", "i-0abc1234def567890-1a2b3c4d")).toBeNull();
    expect(drainSequenceOf("i-0abc1234def567890", "i-0abc1234def5678901-1")).toBeNull();
  });

  test("strips other characters from the instance id", () => {
    // Act / Assess
    expect(drainExecutionName("i-0abc/1234", 3)).toBe("i-0abc1234-3");
  });
});
