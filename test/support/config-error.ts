// The one way tests catch a validation failure: the ConfigError that `run` raises (any other error is rethrown), and a
// failed test when `run` is accepted.
import { ConfigError } from "../../modules/common/schema";

export function configErrorFrom(run: () => unknown, what = "configuration"): ConfigError {
  try {
    run();
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`${what} was accepted`);
}
