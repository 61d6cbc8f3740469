package dev.switchboard.server.cli;

/**
 * Every user-facing setting of the gateway server: its key in the YAML config file, its environment
 * variable and command-line flag, its default, and what it does. {@code --help} prints this list;
 * the docs mirror it. Precedence: flag, then environment, then config file, then default.
 */
enum Setting {
  HOST(
      "server.host",
      "127.0.0.1",
      "address to bind; a non-loopback one needs access.require-keys=true (or"
          + " server.allow-unauthenticated=true)"),
  ALLOW_UNAUTHENTICATED(
      "server.allow-unauthenticated",
      "false",
      "true lets server.host be a non-loopback address without gateway keys required (a proxy or"
          + " firewall in front does the checking)"),
  PORT("server.port", "8787", "port to listen on (0 picks a free one)"),
  MAX_BODY_SIZE(
      "server.max-body-size", "32MB", "largest request body accepted; larger ones get 413"),
  DRAIN_TIMEOUT(
      "server.drain-timeout",
      "30s",
      "on SIGTERM, how long in-flight requests and streams may take to finish, once the listener"
          + " closed"),
  DRAIN_DELAY(
      "server.drain-delay",
      "5s",
      "on SIGTERM, how long the gateway goes on accepting and serving, not ready"
          + " (/v1/health/ready answers 503), before its listener closes: the time the balancer"
          + " takes to stop sending it connections"),
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
  STICKY_REDIS_URL(
      "routing.sticky.redis-url",
      "none",
      "a Redis server that keeps sticky load balancers' assignments, shared by gateways; none: kept"
          + " in this process"),
  SHADOW_ENABLED(
      "routing.shadow.enabled",
      "true",
      "false is the kill switch of shadow traffic (configs' shadow): no request is mirrored"),
  SHADOW_DAILY_SPEND_CAP_USD(
      "routing.shadow.daily-spend-cap-usd",
      "10",
      "what this gateway's shadow requests may cost in one UTC day (US dollars); none: no cap"),
  SHADOW_MAX_IN_FLIGHT(
      "routing.shadow.max-in-flight",
      "1024",
      "shadow requests running at once; a request that would start one more is not mirrored"),
  CACHE_BACKEND(
      "cache.backend",
      "embedded",
      "where cached answers live: embedded (in this process) or redis (shared by gateways)"),
  CACHE_MAX_ENTRIES("cache.max-entries", "10000", "most answers the embedded cache keeps"),
  CACHE_MAX_SIZE(
      "cache.max-size", "64MB", "most bytes of answers the embedded cache keeps (uncompressed)"),
  CACHE_MAX_ENTRY_SIZE(
      "cache.max-entry-size", "1MB", "largest answer stored; larger ones are served, not stored"),
  CACHE_DEFAULT_MAX_AGE(
      "cache.default-max-age", "7d", "how long an answer is kept when the config sets no max_age"),
  CACHE_REDIS_URL(
      "cache.redis.url", "redis://127.0.0.1:6379", "the Redis server of the redis backend"),
  CACHE_REDIS_KEY_PREFIX(
      "cache.redis.key-prefix", "switchboard:cache:", "prefix of every cache key in Redis"),
  CACHE_REDIS_TIMEOUT(
      "cache.redis.timeout",
      "250ms",
      "longest a Redis connect or command may take; past it the lookup is a miss"),
  CACHE_REDIS_PAUSE(
      "cache.redis.pause-after-failure",
      "1s",
      "after a Redis failure, how long every lookup is a miss without trying Redis"),
  PRICING_FILE(
      "pricing.file",
      "none",
      "a JSON or YAML price table laid over the shipped one, model by model (docs/pricing.md)"),
  LOGS_ENABLED(
      "logs.enabled",
      "true",
      "whether a record of every request is stored (docs/observability.md)"),
  LOGS_DIRECTORY(
      "logs.directory",
      "switchboard-data",
      "where the embedded request log (a DuckDB file) lives; relative to the working directory"),
  LOGS_STORE(
      "logs.store",
      "embedded",
      "embedded, or a PostgreSQL JDBC URL (jdbc:postgresql://host:5432/db?user=…) shared by"
          + " gateways"),
  LOGS_QUEUE_CAPACITY(
      "logs.queue-capacity",
      "100000",
      "records waiting to be stored; past it records are dropped and counted, never waited for"),
  LOGS_BATCH_SIZE("logs.batch-size", "500", "most records stored in one transaction"),
  LOGS_FLUSH_INTERVAL(
      "logs.flush-interval",
      "200ms",
      "how long an idle log writer waits before it looks again; a busy one writes at once"),
  LOGS_SPILL_CAPACITY(
      "logs.spill-capacity",
      "256MB",
      "most the request log's spill file (requests.spill in logs.directory) holds when the queue"
          + " is full; past it records are dropped and counted; 0: no spill"),
  LOGS_RETRY_PAUSE(
      "logs.retry-pause",
      "1s",
      "after the store refused a batch, the pause before the batch is tried again"),
  METRICS_ENABLED(
      "metrics.enabled",
      "true",
      "whether Prometheus metrics are kept and served at GET /metrics (docs/observability.md)"),
  TRACING_ENABLED(
      "tracing.enabled",
      "auto",
      "auto (trace when OTEL_TRACES_EXPORTER or OTEL_EXPORTER_OTLP_ENDPOINT is set), true or"
          + " false; the exporter is configured by the OTEL_* variables"),
  ADMIN_TOKEN(
      "admin.token",
      "none",
      "token the admin API, request logs, analytics, dashboard and metrics require (Bearer, or"
          + " Basic password); none: the admin API is off. Set it through the environment, not a"
          + " flag"),
  ADMIN_PORT(
      "admin.port",
      "none",
      "a port of its own for the admin API, logs, analytics, dashboard and metrics (then 404 on"
          + " server.port); none: they share server.port"),
  ADMIN_HOST(
      "admin.host",
      "127.0.0.1",
      "address of admin.port; loopback only (127.0.0.1, ::1 or localhost), anything else is"
          + " refused"),
  ACCESS_ENABLED(
      "access.enabled",
      "true",
      "gateway keys, workspaces, virtual keys, rate limits and budgets (docs/access.md)"),
  ACCESS_REQUIRE_KEYS(
      "access.require-keys",
      "false",
      "true: every gateway route needs a gateway key (x-portkey-api-key or Bearer sbk-…);"
          + " false: callers without one are let through, unlimited"),
  ACCESS_STORE(
      "access.store",
      "embedded",
      "where keys, virtual keys and budgets live: embedded (an H2 file in access.directory), or a"
          + " PostgreSQL JDBC URL shared by gateways"),
  ACCESS_DIRECTORY(
      "access.directory",
      "switchboard-data",
      "where the embedded access store lives; relative to the working directory"),
  ACCESS_MASTER_KEY(
      "access.master-key",
      "none",
      "base64 of 32 random bytes that encrypts virtual keys' credentials (AES-256-GCM); set it"
          + " through the environment, not a flag. None: virtual keys cannot be created"),
  ACCESS_MASTER_KEY_FILE(
      "access.master-key-file",
      "none",
      "a file holding access.master-key (base64), instead of the setting"),
  ACCESS_PREVIOUS_MASTER_KEYS(
      "access.previous-master-keys",
      "none",
      "former master keys (base64, comma-separated) that still decrypt while credentials are"
          + " re-encrypted under the current one"),
  ACCESS_KEY_CACHE_TTL(
      "access.key-cache-ttl",
      "5s",
      "how long a node trusts a gateway key it looked up; a revoke on another node takes effect"
          + " within it"),
  ACCESS_REDIS_URL(
      "access.redis.url",
      "none",
      "a Redis server that holds rate-limit counters shared by gateways; none: counted in this"
          + " process"),
  ACCESS_ALERTS_WEBHOOK(
      "access.alerts.webhook",
      "none",
      "a URL that budget alerts are POSTed to as JSON (they are logged at WARN in any case)"),
  ACCESS_UNPRICED_ESTIMATE_USD(
      "access.unpriced-estimate-usd",
      "0.10",
      "what a request whose tokens cannot be counted (a passed-through body that is not JSON, or"
          + " none) reserves from a cost budget, in US dollars"),
  ACCESS_UNPRICED_INPUT_USD_PER_MILLION(
      "access.unpriced-input-usd-per-million",
      "5.00",
      "what a model without a price is charged to cost budgets per million prompt tokens, in US"
          + " dollars (docs/access.md)"),
  ACCESS_UNPRICED_OUTPUT_USD_PER_MILLION(
      "access.unpriced-output-usd-per-million",
      "25.00",
      "what a model without a price is charged to cost budgets per million completion tokens, in"
          + " US dollars"),
  RESPONSES_ENABLED(
      "responses.enabled",
      "true",
      "whether the Responses API's answers are stored for previous_response_id, GET"
          + " /v1/responses/{id} and background: true (needs access.master-key; docs/agents.md)"),
  RESPONSES_STORE(
      "responses.store",
      "embedded",
      "where stored responses live: embedded (an H2 file in responses.directory), or a PostgreSQL"
          + " JDBC URL shared by gateways"),
  RESPONSES_DIRECTORY(
      "responses.directory",
      "switchboard-data",
      "where the embedded responses store lives; relative to the working directory"),
  RESPONSES_RETENTION(
      "responses.retention",
      "30d",
      "how long a stored response is kept after it was created; then it is deleted"),
  RESPONSES_SWEEP_INTERVAL(
      "responses.sweep-interval",
      "1m",
      "how often responses past their retention are deleted; one gateway of a cluster sweeps each"
          + " round"),
  RESPONSES_BACKGROUND_LIMIT(
      "responses.background-limit",
      "64",
      "most background: true responses run at once; past it new ones get 503"),
  PROMPTS_ENABLED(
      "prompts.enabled",
      "true",
      "whether saved prompt templates are served: POST /v1/prompts/{id}/render and /completions,"
          + " and the admin API's /v1/admin/prompts (docs/prompts.md)"),
  PROMPTS_STORE(
      "prompts.store",
      "embedded",
      "where saved prompts live: embedded (an H2 file in prompts.directory), or a PostgreSQL JDBC"
          + " URL shared by gateways"),
  PROMPTS_DIRECTORY(
      "prompts.directory",
      "switchboard-data",
      "where the embedded prompts store lives; relative to the working directory"),
  SAVED_CONFIGS_ENABLED(
      "saved-configs.enabled",
      "true",
      "whether saved configs are kept in a store and edited through the admin API's"
          + " /v1/admin/configs (docs/routing.md); false: the configs section only"),
  SAVED_CONFIGS_STORE(
      "saved-configs.store",
      "embedded",
      "where saved configs live: embedded (an H2 file in saved-configs.directory), or a PostgreSQL"
          + " JDBC URL shared by gateways"),
  SAVED_CONFIGS_DIRECTORY(
      "saved-configs.directory",
      "switchboard-data",
      "where the embedded saved-configs store lives; relative to the working directory"),
  SAVED_CONFIGS_REFRESH(
      "saved-configs.refresh",
      "5s",
      "how often the store is read for changes made through other gateways: a change routes every"
          + " gateway's requests within this long"),
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
