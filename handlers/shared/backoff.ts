// The one retry delay of the handlers: exponential backoff with full jitter.

/** Uniform in [0, min(maxDelayMs, baseDelayMs · 2^attempt)); `attempt` counts retries from 0. */
export function backoffDelayMs(attempt: number, baseDelayMs: number, maxDelayMs: number, random: () => number): number {
  return Math.floor(random() * Math.min(maxDelayMs, baseDelayMs * 2 ** attempt));
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
