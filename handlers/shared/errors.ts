// How handlers name and describe a caught error.

/** The error's `name` (an SDK error's code), or "Error". */
export function errorName(e: unknown): string {
  return typeof e === "object" && e !== null && "name" in e ? String((e as { name: unknown }).name) : "Error";
}

/** `<name>: <message>` for an Error, else its text: for log lines and failure details. */
export function errorText(e: unknown): string {
  return e instanceof Error ? `${e.name}: ${e.message}` : String(e);
}
