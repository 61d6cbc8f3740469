package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.engine.providers.ProviderRegistry;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Finds the config a request is routed by: the JSON in {@code x-portkey-config}, a saved config
 * named by its id there (the hosted product's {@code pc-…} ids map to these: one in the {@link
 * StoredConfigs}, which may change while the gateway runs, else one in the gateway's settings), the
 * gateway's default config, or, with none of those, one target from the request's headers ({@code
 * x-portkey-provider}, its key, {@code x-portkey-custom-host}).
 */
public final class ConfigSource {
  private static final TargetNode FROM_HEADERS =
      new TargetNode.Leaf(
          "config",
          new TargetNode.Settings(
              null, 1, null, null, null, null, null, null, null, null, null, Map.of(), Map.of(),
              null));

  private final ConfigParser parser;
  private final ProviderRegistry providers;
  private final OutboundGuard guard;
  private final Map<String, TargetNode> saved;
  private final StoredConfigs stored;
  private final Map<String, Parsed> parsedStored = new ConcurrentHashMap<>();
  private final String defaultConfig;

  /** A stored config's version and its tree, parsed once per version. */
  private record Parsed(long version, TargetNode tree) {}

  /**
   * @param saved configs by id, as the operator wrote them; parsed (and checked) now
   * @param defaultConfig the id of a saved config, or a config's JSON, used when a request names
   *     none; {@code null} for none
   */
  public ConfigSource(
      ProviderRegistry providers,
      OutboundGuard guard,
      Map<String, JsonNode> saved,
      String defaultConfig) {
    this(providers, guard, saved, StoredConfigs.NONE, defaultConfig);
  }

  /**
   * @param saved configs by id, as the operator wrote them; parsed (and checked) now
   * @param stored configs by id that may change while the gateway runs; one found there wins over
   *     {@code saved}'s of the same id
   * @param defaultConfig the id of a saved config, or a config's JSON, used when a request names
   *     none; {@code null} for none
   */
  public ConfigSource(
      ProviderRegistry providers,
      OutboundGuard guard,
      Map<String, JsonNode> saved,
      StoredConfigs stored,
      String defaultConfig) {
    this.stored = stored;
    this.providers = providers;
    this.guard = guard;
    this.parser = new ConfigParser(providers.names(), guard);
    Map<String, TargetNode> parsed = new LinkedHashMap<>();
    saved.forEach((id, config) -> {
      try {
        parsed.put(id, parser.parse(config));
      } catch (InvalidRequestException e) {
        throw new IllegalArgumentException("saved config " + id + ": " + e.getMessage(), e);
      }
    });
    this.saved = Map.copyOf(parsed);
    this.defaultConfig = defaultConfig;
    if (defaultConfig != null) {
      lookUp(defaultConfig);
    }
  }

  /**
   * Checks a config as a request's would be checked, before it is saved.
   *
   * @throws InvalidRequestException 400 naming the field by its path and why
   */
  public void check(JsonNode config) {
    parser.parse(config);
  }

  /** The config tree for a request; an invalid or unknown config is a 400 before any call. */
  TargetNode resolve(RequestOptions options) {
    String config = options.config() != null ? options.config() : defaultConfig;
    if (config != null) {
      return lookUp(config);
    }
    boolean noProvider = options.provider() == null || options.provider().isBlank();
    if (noProvider) {
      // A virtual key names its provider, as in Portkey: the router takes it from the stored key.
      if (options.virtualKey() == null || options.virtualKey().isBlank()) {
        throw new InvalidRequestException(
            "Either x-portkey-config or x-portkey-provider header is required",
            "x-portkey-provider",
            null);
      }
    } else {
      providers.get(options.provider());
    }
    if (options.customHost() != null) {
      guard.checkUrl(options.customHost(), "x-portkey-custom-host");
    }
    return FROM_HEADERS;
  }

  /**
   * Whether the config that routes a request was written by the operator (a saved config named by
   * id, or the default config) rather than sent by the caller: its credentials are stored ones, and
   * its targets' destinations the stored record.
   */
  boolean isSaved(RequestOptions options) {
    if (options.config() == null) {
      return defaultConfig != null;
    }
    return !options.config().strip().startsWith("{");
  }

  /**
   * The name of the config that routes a request, for its log record: a saved config's id, {@code
   * inline:} and the first 12 hex digits of the SHA-256 of an inline one's JSON, or {@code null}
   * when the request is routed by its headers alone.
   */
  String nameOf(RequestOptions options) {
    String config = options.config() != null ? options.config() : defaultConfig;
    if (config == null) {
      return null;
    }
    String text = config.strip();
    if (!text.startsWith("{")) {
      return text;
    }
    try {
      byte[] digest =
          java.security.MessageDigest.getInstance("SHA-256")
              .digest(text.getBytes(java.nio.charset.StandardCharsets.UTF_8));
      return "inline:" + java.util.HexFormat.of().formatHex(digest, 0, 6);
    } catch (java.security.NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  /**
   * What a sticky experiment without a name is kept under, beside its group's path: a saved
   * config's id, or {@code inline} for any inline config (never its digest, which changes with its
   * weights).
   */
  String nameOfSaved(RequestOptions options) {
    String name = nameOf(options);
    return name == null || name.startsWith("inline:") ? "inline" : name;
  }

  private TargetNode lookUp(String config) {
    String text = config.strip();
    if (text.startsWith("{")) {
      JsonNode json;
      try {
        json = WireJson.strictTree(text);
      } catch (WireFormatException e) {
        throw new InvalidRequestException(
            "Invalid config passed. You need to pass a valid json: " + e.getMessage(),
            "x-portkey-config",
            null);
      }
      return parser.parse(json);
    }
    StoredConfigs.Version version = stored.find(text);
    if (version != null && version.config() == null) {
      throw unknown(text);
    }
    if (version != null) {
      Parsed parsed = parsedStored.get(text);
      if (parsed == null || parsed.version() != version.version()) {
        // Checked when it was saved; a gateway whose providers differ answers 400 as for any
        // config.
        parsed = new Parsed(version.version(), parser.parse(version.config()));
        parsedStored.put(text, parsed);
      }
      return parsed.tree();
    }
    TargetNode found = saved.get(text);
    if (found == null) {
      throw unknown(text);
    }
    return found;
  }

  private static InvalidRequestException unknown(String id) {
    return new InvalidRequestException(
        "Invalid config passed: no config with id '" + id + "' is saved in this gateway",
        "x-portkey-config",
        null);
  }
}
