/** Variables of the kinesis-to-fluent function beyond the kinesis-consumer ones (set by modules/kinesis-to-fluent). */
export const TO_FLUENT_ENV = {
  host: "FLUENT_HOST",
  port: "FLUENT_PORT",
  /** Second part of the tag `<log_type>.<tag>`. */
  tag: "FLUENT_TAG",
  tls: "FLUENT_TLS",
  /** Server name checked against the certificate, when it differs from the host. */
  tlsServerName: "FLUENT_TLS_SERVER_NAME",
  /** NAME of the SSM SecureString holding the shared key (never the key itself). */
  sharedKeyParameter: "FLUENT_SHARED_KEY_PARAMETER",
  /** Client hostname in the handshake. */
  selfHostname: "FLUENT_SELF_HOSTNAME",
  wrapAsMessage: "FLUENT_WRAP_AS_MESSAGE",
  compress: "FLUENT_COMPRESS",
  requireAck: "FLUENT_REQUIRE_ACK",
  ackTimeoutMs: "FLUENT_ACK_TIMEOUT_MS",
  connectTimeoutMs: "FLUENT_CONNECT_TIMEOUT_MS",
  maxAttempts: "FLUENT_MAX_ATTEMPTS",
} as const;
