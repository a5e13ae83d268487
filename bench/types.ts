export interface BenchResult {
  name: string;
  value: number;
  unit: string;
  /** Optional target, for the table only, e.g. "< 5 s". */
  target?: string;
  /** Whether `value` meets `target` (printed as pass / MISS). */
  pass?: boolean;
  /** Range of the samples the value is the median of. */
  min?: number;
  max?: number;
}

export function median(values: number[]): number {
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** A target the value must reach (`>=`) or stay under (`<=`), with its pass/miss. */
export function against(value: number, op: ">=" | "<=", limit: number): Pick<BenchResult, "target" | "pass"> {
  return { target: `${op === ">=" ? "≥" : "≤"} ${limit}`, pass: op === ">=" ? value >= limit : value <= limit };
}

export const round = (value: number, digits = 1): number => Math.round(value * 10 ** digits) / 10 ** digits;
