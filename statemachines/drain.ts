// Loads statemachines/drain.asl.json (the reviewable definition) and fills its ${Name} placeholders.
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { DRAIN_DEFINITION_PLACEHOLDERS, type DrainDefinitionPlaceholder } from "../contracts/drain";

export const DRAIN_DEFINITION_PATH = join(__dirname, "drain.asl.json");

/** The definition exactly as committed, placeholders included. */
export function loadDrainDefinitionTemplate(): string {
  return readFileSync(DRAIN_DEFINITION_PATH, "utf8");
}

const PLACEHOLDER = /\$\{([A-Za-z][A-Za-z0-9]*)\}/g;

/**
 * Replaces every `${Name}` placeholder with its value (JSON-escaped, since placeholders only appear inside JSON
 * strings). Throws when a placeholder in the file has no value, when a value is given for an unknown placeholder, or
 * when a placeholder appears outside a JSON string.
 */
export function renderDrainDefinition(
  values: Record<DrainDefinitionPlaceholder, string>,
  template: string = loadDrainDefinitionTemplate(),
): string {
  const known = new Set<string>(DRAIN_DEFINITION_PLACEHOLDERS);
  for (const name of Object.keys(values)) {
    if (!known.has(name)) throw new Error(`renderDrainDefinition: unknown placeholder "${name}"`);
  }
  for (const name of DRAIN_DEFINITION_PLACEHOLDERS) {
    if (typeof values[name] !== "string") throw new Error(`renderDrainDefinition: missing value for "${name}"`);
  }
  assertPlaceholdersOnlyInStrings(template);
  const rendered = template.replace(PLACEHOLDER, (_match, name: string) => {
    if (!known.has(name)) throw new Error(`renderDrainDefinition: the definition uses unknown placeholder "${name}"`);
    // Escape as JSON string content (without the surrounding quotes).
    return JSON.stringify(values[name as DrainDefinitionPlaceholder]).slice(1, -1);
  });
  JSON.parse(rendered);
  return rendered;
}

/** Throws when a `${...}` occurs outside a JSON string literal of the template. */
function assertPlaceholdersOnlyInStrings(template: string): void {
  let inString = false;
  for (let i = 0; i < template.length; i++) {
    const c = template[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
    } else if (c === '"') {
      inString = true;
    } else if (c === "$" && template[i + 1] === "{") {
      throw new Error(`renderDrainDefinition: placeholder outside a JSON string at offset ${i}`);
    }
  }
}
