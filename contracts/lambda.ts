// What every function of ours runs with unless its configuration says otherwise: one definition for the construct
// that deploys it, the handlers that size their budgets by it, and the benchmarks that start node as Lambda would.

/** Memory, MiB: the NodeFunction construct's default, and what handlers assume when the runtime does not say. */
export const DEFAULT_MEMORY_MB = 256;

/** NODE_OPTIONS of every function: stack traces in the logs point at the TypeScript source. */
export const NODE_OPTIONS = "--enable-source-maps";
