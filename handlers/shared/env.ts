// Reading a handler's environment at module load: a missing variable is an error that names it.

export function requireEnv(env: NodeJS.ProcessEnv, name: string): string {
  const value = env[name];
  if (value === undefined || value === "") throw new Error(`environment variable ${name} must be set`);
  return value;
}
