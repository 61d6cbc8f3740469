package dev.switchboard.server.cli;

/**
 * Every user-facing setting of the gateway server: its key in the YAML config file, its environment
 * variable and command-line flag, its default, and what it does. {@code --help} prints this list;
 * the docs mirror it. Precedence: flag, then environment, then config file, then default.
 */
enum Setting {
  HOST("server.host", "127.0.0.1", "address to bind; keep loopback unless gateway keys guard it"),
  PORT("server.port", "8787", "port to listen on (0 picks a free one)"),
  MAX_BODY_SIZE(
      "server.max-body-size", "32MB", "largest request body accepted; larger ones get 413"),
  DRAIN_TIMEOUT(
      "server.drain-timeout",
      "30s",
      "on SIGTERM, how long in-flight requests and streams may take to finish"),
  CONNECT_TIMEOUT("upstream.connect-timeout", "10s", "time allowed to connect to a provider"),
  IDLE_TIMEOUT(
      "upstream.idle-timeout", "5m", "time a provider connection may stay silent, streams too"),
  REQUEST_TIMEOUT(
      "upstream.request-timeout",
      "none",
      "time an upstream call may take when x-portkey-request-timeout is not sent"),
  TRUSTED_HOSTS(
      "upstream.trusted-hosts",
      "localhost,127.0.0.1,::1,host.docker.internal",
      "hosts a custom host may name although they are loopback or internal (comma-separated)"),
  DEFAULT_CONFIG(
      "routing.default-config",
      "none",
      "routing config for requests that send no x-portkey-config: a saved config's id, or JSON"),
  MAX_ATTEMPTS(
      "routing.max-attempts",
      "10",
      "upstream calls one client request may make, across all its retries and fallbacks"),
  DEADLINE(
      "routing.deadline",
      "5m",
      "time by which a request's answer must have started; no retry or fallback starts later"),
  CIRCUIT_THRESHOLD(
      "routing.circuit-threshold",
      "5",
      "failures in a row (5xx, 429, timeouts, connection errors) that open an upstream's circuit"),
  CIRCUIT_OPEN_FOR(
      "routing.circuit-open-for",
      "30s",
      "how long an open circuit refuses calls before one probe is let through"),
  OPENAI_BASE_URL(
      "providers.openai.base-url",
      "https://api.openai.com/v1",
      "base URL of the openai provider (its host is trusted)");

  final String key;
  final String defaultValue;
  final String description;

  Setting(String key, String defaultValue, String description) {
    this.key = key;
    this.defaultValue = defaultValue;
    this.description = description;
  }

  /** {@code SWITCHBOARD_SERVER_MAX_BODY_SIZE} for {@code server.max-body-size}. */
  String environmentVariable() {
    return "SWITCHBOARD_"
        + key.replace('.', '_').replace('-', '_').toUpperCase(java.util.Locale.ROOT);
  }

  /** {@code --server.max-body-size}: the key itself, as a flag. */
  String flag() {
    return "--" + key;
  }
}
