// AWS error names that mean "slow down and try again".

/** Error names (SDK `name`) that mean "slow down and try again". */
export const RETRYABLE_AWS_ERRORS = new Set([
  "ThrottlingException",
  "Throttling",
  "TooManyRequestsException",
  "RequestLimitExceeded",
  "ResourceContention",
  "ResourceContentionFault",
  "ServiceUnavailable",
  "ServiceUnavailableException",
  "InternalServerError",
  "InternalFailure",
]);
