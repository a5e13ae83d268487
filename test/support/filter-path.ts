/**
 * OpenSearch's `filter_path` response filtering, for test doubles of its APIs: comma-separated dot paths, `*` matching
 * any one key, arrays walked through, a matched key keeping its whole value, and `{}` when nothing matches.
 */
export function filterPath(value: unknown, filter: string | null | undefined): unknown {
  if (!filter) return value;
  return (
    pick(
      value,
      filter.split(",").map((p) => p.split(".")),
    ) ?? {}
  );
}

function pick(value: unknown, paths: readonly string[][]): unknown {
  if (paths.some((p) => p.length === 0)) return value;
  if (Array.isArray(value)) {
    const kept = value.map((v) => pick(v, paths)).filter((v) => v !== undefined);
    return kept.length > 0 ? kept : undefined;
  }
  if (typeof value !== "object" || value === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    const rest = paths.filter((p) => p[0] === "*" || p[0] === key).map((p) => p.slice(1));
    if (rest.length === 0) continue;
    const kept = pick(v, rest);
    if (kept !== undefined) out[key] = kept;
  }
  return Object.keys(out).length > 0 ? out : undefined;
}
