export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Optional target, for the table only, e.g. "< 5 s". */
  target?: string;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}
