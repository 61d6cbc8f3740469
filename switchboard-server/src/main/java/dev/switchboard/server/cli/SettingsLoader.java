package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.UnpricedRates;
import dev.switchboard.access.store.StoreUrls;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.cache.CacheSettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.mcp.McpSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.tracing.TracingMode;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.state.StateSettings;
import dev.switchboard.state.configs.SavedConfigSettings;
import dev.switchboard.state.prompts.PromptSettings;
import java.io.IOException;
import java.math.BigDecimal;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads the server's settings from a YAML file, the environment and flags, in that order of
 * increasing precedence. An unknown key or a bad value is an {@link IllegalArgumentException} that
 * names the setting.
 */
public final class SettingsLoader {
  private static final Pattern SIZE =
      Pattern.compile("(\\d+)\\s*(B|KB|MB|GB)?", Pattern.CASE_INSENSITIVE);
  private static final Pattern DURATION =
      Pattern.compile("(\\d+)\\s*(ms|s|m|h|d)", Pattern.CASE_INSENSITIVE);
  private static final Pattern PROVIDER_BASE_URL =
      Pattern.compile("providers\\.([a-z0-9-]+)\\.base-url");

  private SettingsLoader() {}

  /**
   * @param configFile the YAML file, or {@code null} for none
   * @param environment the process environment
   * @param flags settings given on the command line, by key
   */
  public static ServerSettings load(
      Path configFile, Map<String, String> environment, Map<String, String> flags) {
    return load(configFile == null ? null : readYaml(configFile), environment, flags, true);
  }

  /** Reads settings from the text of a settings file (YAML, or JSON, which YAML includes). */
  public static ServerSettings loadYaml(
      String yaml, Map<String, String> environment, Map<String, String> flags) {
    return load(yamlText(yaml), environment, flags, true);
  }

  /**
   * The engine's settings in a settings file, for a gateway embedded in an app: the file is read
   * and checked as for a server, but the server's address is not held to loopback, since nothing
   * listens on it.
   */
  public static dev.switchboard.engine.GatewaySettings engineSettings(Path settingsFile) {
    return load(readYaml(settingsFile), Map.of(), Map.of(), false).gateway();
  }

  /** {@link #engineSettings(Path)} from the text of a settings file. */
  public static dev.switchboard.engine.GatewaySettings engineSettings(String yaml) {
    return load(yamlText(yaml), Map.of(), Map.of(), false).gateway();
  }

  private static JsonNode yamlText(String yaml) {
    return readYaml(yaml.getBytes(java.nio.charset.StandardCharsets.UTF_8), "settings");
  }

  /**
   * @param listens whether a server will listen on {@code server.host}: only then is a non-loopback
   *     address refused without {@code server.allow-unauthenticated}
   */
  private static ServerSettings load(
      JsonNode root, Map<String, String> environment, Map<String, String> flags, boolean listens) {
    Map<String, String> values = new LinkedHashMap<>();
    Map<String, JsonNode> savedConfigs = new LinkedHashMap<>();
    JsonNode mcpSection = null;
    if (root != null) {
      // The MCP gateway's section is structured (servers with their headers, args, env): read by
      // switchboard-mcp, not flattened into keys.
      mcpSection = ((com.fasterxml.jackson.databind.node.ObjectNode) root).remove("mcp");
      if (root.has("configs")) {
        JsonNode configs =
            ((com.fasterxml.jackson.databind.node.ObjectNode) root).remove("configs");
        if (!configs.isObject()) {
          throw new IllegalArgumentException("configs must map config ids to routing configs");
        }
        configs.properties().forEach(entry -> savedConfigs.put(entry.getKey(), entry.getValue()));
      }
      flatten("", root, values);
    }
    for (Setting setting : Setting.values()) {
      String fromEnvironment = environment.get(setting.environmentVariable());
      if (fromEnvironment != null) {
        values.put(setting.key, fromEnvironment);
      }
    }
    values.putAll(flags);

    Map<Setting, String> known = new EnumMap<>(Setting.class);
    Map<String, URI> baseUrls = new LinkedHashMap<>();
    for (Map.Entry<String, String> entry : values.entrySet()) {
      Setting setting = byKey(entry.getKey());
      Matcher provider = PROVIDER_BASE_URL.matcher(entry.getKey());
      if (setting != null) {
        known.put(setting, entry.getValue());
      }
      if (provider.matches()) {
        baseUrls.put(provider.group(1), url(entry.getKey(), entry.getValue()));
      } else if (setting == null) {
        throw new IllegalArgumentException("unknown setting: " + entry.getKey());
      }
    }

    GatewaySettings.Builder gateway =
        GatewaySettings.builder()
            .connectTimeout(
                duration(Setting.CONNECT_TIMEOUT, value(known, Setting.CONNECT_TIMEOUT)))
            .idleTimeout(duration(Setting.IDLE_TIMEOUT, value(known, Setting.IDLE_TIMEOUT)))
            .trustedHosts(hosts(value(known, Setting.TRUSTED_HOSTS)));
    String requestTimeout = value(known, Setting.REQUEST_TIMEOUT);
    if (!requestTimeout.equalsIgnoreCase("none")) {
      gateway.requestTimeout(duration(Setting.REQUEST_TIMEOUT, requestTimeout));
    }
    baseUrls.forEach(gateway::providerBaseUrl);
    savedConfigs.forEach(gateway::config);
    String defaultConfig = value(known, Setting.DEFAULT_CONFIG);
    if (!defaultConfig.equalsIgnoreCase("none")) {
      gateway.defaultConfig(defaultConfig);
    }
    gateway.routing(
        new RoutingLimits(
            integer(Setting.MAX_ATTEMPTS, value(known, Setting.MAX_ATTEMPTS)),
            duration(Setting.DEADLINE, value(known, Setting.DEADLINE)),
            RoutingLimits.defaults().backoffBase(),
            RoutingLimits.defaults().maxRetryWait(),
            integer(Setting.CIRCUIT_THRESHOLD, value(known, Setting.CIRCUIT_THRESHOLD)),
            duration(Setting.CIRCUIT_OPEN_FOR, value(known, Setting.CIRCUIT_OPEN_FOR))));
    String stickyRedis = noneAsNull(value(known, Setting.STICKY_REDIS_URL));
    if (stickyRedis != null) {
      gateway.stickyRedis(url(Setting.STICKY_REDIS_URL.key, stickyRedis));
    }
    String shadowCap = noneAsNull(value(known, Setting.SHADOW_DAILY_SPEND_CAP_USD));
    gateway.shadow(
        new dev.switchboard.engine.shadow.ShadowSettings(
            bool(Setting.SHADOW_ENABLED, value(known, Setting.SHADOW_ENABLED)),
            shadowCap == null ? null : dollars(known, Setting.SHADOW_DAILY_SPEND_CAP_USD),
            integer(Setting.SHADOW_MAX_IN_FLIGHT, value(known, Setting.SHADOW_MAX_IN_FLIGHT))));
    try {
      boolean allowUnauthenticated =
          bool(Setting.ALLOW_UNAUTHENTICATED, value(known, Setting.ALLOW_UNAUTHENTICATED));
      boolean accessEnabled = bool(Setting.ACCESS_ENABLED, value(known, Setting.ACCESS_ENABLED));
      boolean requireKeys =
          bool(Setting.ACCESS_REQUIRE_KEYS, value(known, Setting.ACCESS_REQUIRE_KEYS));
      if (requireKeys && !accessEnabled) {
        throw new IllegalArgumentException(
            Setting.ACCESS_REQUIRE_KEYS.key
                + "=true needs "
                + Setting.ACCESS_ENABLED.key
                + "=true: with access off there are no keys to require");
      }
      Integer adminPort = adminPort(known);
      String adminHost = value(known, Setting.ADMIN_HOST);
      if (listens) {
        requireLoopbackOrConsent(value(known, Setting.HOST), allowUnauthenticated, requireKeys);
        if (adminPort != null && !ServerSettings.isLoopback(adminHost)) {
          throw new IllegalArgumentException(
              Setting.ADMIN_HOST.key
                  + " "
                  + adminHost
                  + " is not a loopback address: the admin port listens on loopback only (127.0.0.1,"
                  + " ::1 or localhost); reach it from elsewhere through an SSH tunnel or a proxy"
                  + " you control");
        }
      }
      gateway.cache(cache(known));
      String pricingFile = value(known, Setting.PRICING_FILE);
      if (!pricingFile.equalsIgnoreCase("none")) {
        gateway.prices(PriceTable.shipped().overriddenBy(prices(Path.of(pricingFile))));
      }
      return new ServerSettings(
          value(known, Setting.HOST),
          integer(Setting.PORT, value(known, Setting.PORT)),
          size(Setting.MAX_BODY_SIZE, value(known, Setting.MAX_BODY_SIZE)),
          duration(Setting.DRAIN_TIMEOUT, value(known, Setting.DRAIN_TIMEOUT)),
          gateway.build(),
          observability(known),
          adminToken(known),
          adminHost,
          adminPort,
          access(known, accessEnabled, requireKeys),
          responses(known),
          prompts(known),
          McpSettings.parse(mcpSection, SettingsLoader::duration),
          savedConfigs(known),
          duration(Setting.DRAIN_DELAY, value(known, Setting.DRAIN_DELAY)));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("invalid settings: " + e.getMessage(), e);
    }
  }

  /** The admin token, or {@code null} for none; never echoed in an error. */
  private static String adminToken(Map<Setting, String> known) {
    String token = value(known, Setting.ADMIN_TOKEN);
    if (token.equalsIgnoreCase("none")) {
      return null;
    }
    if (token.isBlank()) {
      throw new IllegalArgumentException(Setting.ADMIN_TOKEN.key + " must not be blank");
    }
    return token;
  }

  /** Gateway keys, virtual keys, limits and budgets. Master keys are never echoed in an error. */
  private static AccessSettings access(
      Map<Setting, String> known, boolean enabled, boolean requireKeys) {
    String store = store(known, Setting.ACCESS_STORE);
    String masterKey = noneAsNull(value(known, Setting.ACCESS_MASTER_KEY));
    String masterKeyFile = noneAsNull(value(known, Setting.ACCESS_MASTER_KEY_FILE));
    String previous = noneAsNull(value(known, Setting.ACCESS_PREVIOUS_MASTER_KEYS));
    String redis = noneAsNull(value(known, Setting.ACCESS_REDIS_URL));
    if (redis != null) {
      url(Setting.ACCESS_REDIS_URL.key, redis);
    }
    String webhook = noneAsNull(value(known, Setting.ACCESS_ALERTS_WEBHOOK));
    UnpricedRates unpriced =
        new UnpricedRates(
            dollars(known, Setting.ACCESS_UNPRICED_INPUT_USD_PER_MILLION),
            dollars(known, Setting.ACCESS_UNPRICED_OUTPUT_USD_PER_MILLION),
            dollars(known, Setting.ACCESS_UNPRICED_ESTIMATE_USD));
    return new AccessSettings(
        enabled,
        store,
        Path.of(value(known, Setting.ACCESS_DIRECTORY)),
        requireKeys,
        masterKey,
        masterKeyFile == null ? null : Path.of(masterKeyFile),
        previous == null ? List.of() : commaSeparated(previous),
        duration(Setting.ACCESS_KEY_CACHE_TTL, value(known, Setting.ACCESS_KEY_CACHE_TTL)),
        redis,
        webhook == null ? null : url(Setting.ACCESS_ALERTS_WEBHOOK.key, webhook),
        unpriced);
  }

  /** The Responses API's conversation state. */
  private static StateSettings responses(Map<Setting, String> known) {
    String store = store(known, Setting.RESPONSES_STORE);
    return new StateSettings(
        bool(Setting.RESPONSES_ENABLED, value(known, Setting.RESPONSES_ENABLED)),
        store,
        Path.of(value(known, Setting.RESPONSES_DIRECTORY)),
        duration(Setting.RESPONSES_RETENTION, value(known, Setting.RESPONSES_RETENTION)),
        duration(Setting.RESPONSES_SWEEP_INTERVAL, value(known, Setting.RESPONSES_SWEEP_INTERVAL)),
        integer(
            Setting.RESPONSES_BACKGROUND_LIMIT, value(known, Setting.RESPONSES_BACKGROUND_LIMIT)));
  }

  /** The saved prompt templates. */
  private static PromptSettings prompts(Map<Setting, String> known) {
    String store = store(known, Setting.PROMPTS_STORE);
    return new PromptSettings(
        bool(Setting.PROMPTS_ENABLED, value(known, Setting.PROMPTS_ENABLED)),
        store,
        Path.of(value(known, Setting.PROMPTS_DIRECTORY)));
  }

  /**
   * A store's setting: {@code embedded} (in any case, as {@link StoreUrls#EMBEDDED}) or a {@code
   * jdbc:postgresql:} URL.
   */
  private static String store(Map<Setting, String> known, Setting setting) {
    String store = value(known, setting);
    if (store.equalsIgnoreCase("embedded")) {
      return StoreUrls.EMBEDDED;
    }
    if (!store.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          setting.key + " must be embedded or a jdbc:postgresql: URL");
    }
    return store;
  }

  /** The store of saved configs edited while the gateway runs. */
  private static SavedConfigSettings savedConfigs(Map<Setting, String> known) {
    String store = store(known, Setting.SAVED_CONFIGS_STORE);
    return new SavedConfigSettings(
        bool(Setting.SAVED_CONFIGS_ENABLED, value(known, Setting.SAVED_CONFIGS_ENABLED)),
        store,
        Path.of(value(known, Setting.SAVED_CONFIGS_DIRECTORY)),
        duration(Setting.SAVED_CONFIGS_REFRESH, value(known, Setting.SAVED_CONFIGS_REFRESH)));
  }

  private static BigDecimal dollars(Map<Setting, String> known, Setting setting) {
    try {
      return new BigDecimal(value(known, setting));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          setting.key
              + " must be a decimal number of US dollars, not '"
              + value(known, setting)
              + "'");
    }
  }

  private static String noneAsNull(String value) {
    return value.isEmpty() || value.equalsIgnoreCase("none") ? null : value;
  }

  /** The admin port, or {@code null} for none (the admin routes share the gateway's port). */
  private static Integer adminPort(Map<Setting, String> known) {
    String port = value(known, Setting.ADMIN_PORT);
    if (port.equalsIgnoreCase("none")) {
      return null;
    }
    int number = integer(Setting.ADMIN_PORT, port);
    if (number < 0 || number > 65535) {
      throw new IllegalArgumentException(
          Setting.ADMIN_PORT.key + " must be between 0 and 65535, not " + number);
    }
    return number;
  }

  /**
   * A gateway that any machine can reach spends its providers' keys for anyone: it binds a
   * non-loopback address only when every caller needs a gateway key ({@code access.require-keys})
   * or the operator says something in front of it does the checking.
   */
  private static void requireLoopbackOrConsent(
      String host, boolean allowUnauthenticated, boolean requireKeys) {
    if (allowUnauthenticated || requireKeys || ServerSettings.isLoopback(host)) {
      return;
    }
    throw new IllegalArgumentException(
        Setting.HOST.key
            + " "
            + host
            + " is not a loopback address, and gateway keys are not required: anyone who reaches"
            + " it could use its providers through it. Keep it on 127.0.0.1, set "
            + Setting.ACCESS_REQUIRE_KEYS.key
            + "=true so that every caller needs a gateway key, or set "
            + Setting.ALLOW_UNAUTHENTICATED.key
            + "=true if something in front of it (a proxy, a firewall) does the checking");
  }

  private static ObservabilitySettings observability(Map<Setting, String> known) {
    String store = value(known, Setting.LOGS_STORE);
    if (!store.equalsIgnoreCase("embedded") && !store.startsWith("jdbc:postgresql:")) {
      throw new IllegalArgumentException(
          Setting.LOGS_STORE.key + " must be embedded or a jdbc:postgresql: URL");
    }
    return new ObservabilitySettings(
        bool(Setting.LOGS_ENABLED, value(known, Setting.LOGS_ENABLED)),
        Path.of(value(known, Setting.LOGS_DIRECTORY)),
        store.equalsIgnoreCase("embedded") ? null : store,
        integer(Setting.LOGS_QUEUE_CAPACITY, value(known, Setting.LOGS_QUEUE_CAPACITY)),
        integer(Setting.LOGS_BATCH_SIZE, value(known, Setting.LOGS_BATCH_SIZE)),
        duration(Setting.LOGS_FLUSH_INTERVAL, value(known, Setting.LOGS_FLUSH_INTERVAL)),
        duration(Setting.LOGS_RETRY_PAUSE, value(known, Setting.LOGS_RETRY_PAUSE)),
        bool(Setting.METRICS_ENABLED, value(known, Setting.METRICS_ENABLED)),
        tracing(value(known, Setting.TRACING_ENABLED)),
        size(Setting.LOGS_SPILL_CAPACITY, value(known, Setting.LOGS_SPILL_CAPACITY)));
  }

  private static boolean bool(Setting setting, String value) {
    if (!value.equalsIgnoreCase("true") && !value.equalsIgnoreCase("false")) {
      throw new IllegalArgumentException(setting.key + " must be true or false, not " + value);
    }
    return Boolean.parseBoolean(value);
  }

  private static TracingMode tracing(String value) {
    return switch (value.toLowerCase(Locale.ROOT)) {
      case "auto" -> TracingMode.AUTO;
      case "true" -> TracingMode.ON;
      case "false" -> TracingMode.OFF;
      default ->
          throw new IllegalArgumentException(
              Setting.TRACING_ENABLED.key + " must be auto, true or false, not " + value);
    };
  }

  private static CacheSettings cache(Map<Setting, String> known) {
    CacheSettings.Builder cache =
        CacheSettings.builder()
            .maxEntries(integer(Setting.CACHE_MAX_ENTRIES, value(known, Setting.CACHE_MAX_ENTRIES)))
            .maxBytes(size(Setting.CACHE_MAX_SIZE, value(known, Setting.CACHE_MAX_SIZE)))
            .maxEntryBytes(
                (int)
                    Math.min(
                        Integer.MAX_VALUE,
                        size(
                            Setting.CACHE_MAX_ENTRY_SIZE,
                            value(known, Setting.CACHE_MAX_ENTRY_SIZE))))
            .defaultMaxAge(
                duration(
                    Setting.CACHE_DEFAULT_MAX_AGE, value(known, Setting.CACHE_DEFAULT_MAX_AGE)))
            .redisKeyPrefix(value(known, Setting.CACHE_REDIS_KEY_PREFIX))
            .redisTimeout(
                duration(Setting.CACHE_REDIS_TIMEOUT, value(known, Setting.CACHE_REDIS_TIMEOUT)))
            .redisPauseAfterFailure(
                duration(Setting.CACHE_REDIS_PAUSE, value(known, Setting.CACHE_REDIS_PAUSE)));
    String backend = value(known, Setting.CACHE_BACKEND).toLowerCase(Locale.ROOT);
    switch (backend) {
      case "embedded" -> cache.backend(CacheSettings.Backend.EMBEDDED);
      case "redis" ->
          cache.redis(url(Setting.CACHE_REDIS_URL.key, value(known, Setting.CACHE_REDIS_URL)));
      default ->
          throw new IllegalArgumentException(
              Setting.CACHE_BACKEND.key + " must be embedded or redis, not '" + backend + "'");
    }
    return cache.build();
  }

  /** An operator's price table, JSON or YAML (YAML is a superset of JSON). */
  private static PriceTable prices(Path file) {
    JsonNode table;
    try {
      table =
          new ObjectMapper(new YAMLFactory())
              .enable(
                  com.fasterxml.jackson.databind.DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
              .readTree(Files.readAllBytes(file));
    } catch (IOException e) {
      throw new IllegalArgumentException(
          Setting.PRICING_FILE.key + ": cannot read " + file + ": " + e.getMessage(), e);
    }
    try {
      return PriceTable.parse(table);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          Setting.PRICING_FILE.key + ": " + file + ": " + e.getMessage(), e);
    }
  }

  private static Setting byKey(String key) {
    return Arrays.stream(Setting.values()).filter(s -> s.key.equals(key)).findFirst().orElse(null);
  }

  private static String value(Map<Setting, String> known, Setting setting) {
    return known.getOrDefault(setting, setting.defaultValue).strip();
  }

  private static JsonNode readYaml(Path file) {
    try {
      return readYaml(Files.readAllBytes(file), "config file " + file);
    } catch (IOException e) {
      throw new IllegalArgumentException(
          "cannot read config file " + file + ": " + e.getMessage(), e);
    }
  }

  private static JsonNode readYaml(byte[] yaml, String source) {
    JsonNode root;
    try {
      root = new ObjectMapper(new YAMLFactory()).readTree(yaml);
    } catch (IOException e) {
      throw new IllegalArgumentException("cannot read " + source + ": " + e.getMessage(), e);
    }
    if (root == null || root.isMissingNode() || root.isNull()) {
      return com.fasterxml.jackson.databind.node.JsonNodeFactory.instance.objectNode();
    }
    if (!root.isObject()) {
      throw new IllegalArgumentException(source + " must be a YAML mapping");
    }
    return root;
  }

  private static void flatten(String prefix, JsonNode node, Map<String, String> into) {
    if (node.isObject()) {
      node.properties()
          .forEach(field ->
              flatten(
                  prefix.isEmpty() ? field.getKey() : prefix + "." + field.getKey(),
                  field.getValue(),
                  into));
    } else if (node.isArray()) {
      StringBuilder joined = new StringBuilder();
      node.forEach(item -> joined.append(joined.isEmpty() ? "" : ",").append(item.asText()));
      into.put(prefix, joined.toString());
    } else {
      into.put(prefix, node.asText());
    }
  }

  static int integer(Setting setting, String value) {
    try {
      return Integer.parseInt(value);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(
          setting.key + " must be a whole number, not '" + value + "'");
    }
  }

  static long size(Setting setting, String value) {
    Matcher m = SIZE.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          setting.key + " must be a size like 32MB, not '" + value + "'");
    }
    long number = Long.parseLong(m.group(1));
    String unit = m.group(2) == null ? "B" : m.group(2).toUpperCase(Locale.ROOT);
    return switch (unit) {
      case "KB" -> number * 1024;
      case "MB" -> number * 1024 * 1024;
      case "GB" -> number * 1024 * 1024 * 1024;
      default -> number;
    };
  }

  static Duration duration(Setting setting, String value) {
    return duration(setting.key, value);
  }

  private static Duration duration(String key, String value) {
    Matcher m = DURATION.matcher(value);
    if (!m.matches()) {
      throw new IllegalArgumentException(
          key + " must be a duration like 30s, 500ms, 5m or 7d, not '" + value + "'");
    }
    long number = Long.parseLong(m.group(1));
    return switch (m.group(2).toLowerCase(Locale.ROOT)) {
      case "ms" -> Duration.ofMillis(number);
      case "s" -> Duration.ofSeconds(number);
      case "m" -> Duration.ofMinutes(number);
      case "h" -> Duration.ofHours(number);
      default -> Duration.ofDays(number);
    };
  }

  private static List<String> commaSeparated(String value) {
    return Arrays.stream(value.split(",")).map(String::strip).filter(v -> !v.isEmpty()).toList();
  }

  private static Set<String> hosts(String value) {
    Set<String> hosts = new LinkedHashSet<>();
    for (String host : value.split(",")) {
      if (!host.isBlank()) {
        hosts.add(host.strip());
      }
    }
    return hosts;
  }

  private static URI url(String key, String value) {
    try {
      URI uri = URI.create(value.strip());
      if (uri.getHost() == null) {
        throw new IllegalArgumentException(key + " must be an absolute http(s) URL");
      }
      return uri;
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException(
          key + " must be an absolute http(s) URL, not '" + value + "'");
    }
  }
}
