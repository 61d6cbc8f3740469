package dev.switchboard.engine.routing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.cache.CacheDirective;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.guardrails.HookParser;
import dev.switchboard.engine.outbound.OutboundGuard;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Reads Portkey's routing config (https://portkey.ai/docs/api-reference/config-object), in both
 * spellings Portkey accepts ({@code on_status_codes} and {@code onStatusCodes}), into a tree of
 * {@link TargetNode}s. Everything is checked before any upstream call: an invalid config is an
 * {@link InvalidRequestException} that names the field by its path and says why.
 */
public final class ConfigParser {
  /** Deeper nesting than this is refused: a config is a routing tree, not a data structure. */
  static final int MAX_DEPTH = 8;

  /** More targets than this in one config are refused, to bound the work of one request. */
  static final int MAX_TARGETS = 256;

  private static final Set<String> HOOK_FIELDS = HookParser.FIELDS;

  private static final Set<String> MODES =
      Set.of("single", "fallback", "loadbalance", "conditional");

  private final Set<String> providers;
  private final OutboundGuard guard;

  /**
   * @param providers the provider names a target may name
   * @param guard checks every {@code custom_host} as the request header is checked
   */
  public ConfigParser(Set<String> providers, OutboundGuard guard) {
    this.providers = Set.copyOf(providers);
    this.guard = guard;
  }

  /** Parses a config object. */
  public TargetNode parse(JsonNode config) {
    int[] targets = {0};
    return node(config, "config", 0, targets);
  }

  private TargetNode node(JsonNode json, String path, int depth, int[] count) {
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be a JSON object");
    }
    if (depth > MAX_DEPTH) {
      throw invalid(path, "targets are nested deeper than " + MAX_DEPTH + " levels");
    }
    if (++count[0] > MAX_TARGETS) {
      throw invalid(path, "a config may hold at most " + MAX_TARGETS + " targets");
    }
    Map<String, JsonNode> fields = snakeCased(object);
    Settings settings = settings(fields, path);
    // Hooks are checked here, with the rest of the config, before any upstream call.
    HookParser.node(settings.hooks, path);
    JsonNode strict = settings.extras.get("strict_open_ai_compliance");
    if (strict != null && !strict.isBoolean() && !strict.isNull()) {
      throw invalid(path + ".strict_open_ai_compliance", "must be true or false");
    }
    JsonNode shadowJson = fields.get("shadow");
    if (shadowJson != null && !shadowJson.isNull()) {
      settings.shadow = shadow(shadowJson, path + ".shadow", depth, count);
    }
    JsonNode strategyJson = fields.get("strategy");
    JsonNode targetsJson = fields.get("targets");
    if (strategyJson == null && targetsJson == null) {
      return new TargetNode.Leaf(path, settings.build());
    }
    if (targetsJson == null || !targetsJson.isArray() || targetsJson.isEmpty()) {
      throw invalid(
          path + ".targets", "must be a non-empty array of targets when a strategy is set");
    }
    List<TargetNode> children = new ArrayList<>();
    for (int i = 0; i < targetsJson.size(); i++) {
      children.add(node(targetsJson.get(i), path + ".targets[" + i + "]", depth + 1, count));
    }
    Strategy strategy = strategy(strategyJson, path + ".strategy", children);
    return new TargetNode.Group(path, strategy, children, settings.build());
  }

  /**
   * A node's {@code shadow}: {@code target} (a target object like any other, walked as the node's
   * child) and {@code share} (0 to 1, default 1). The target may set no guardrail or hook of its
   * own (it runs under the ones its primary inherits, which would otherwise be replaced) and no
   * shadow.
   */
  private TargetNode.ShadowTarget shadow(JsonNode json, String path, int depth, int[] count) {
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be an object with a target");
    }
    Map<String, JsonNode> fields = snakeCased(object);
    for (String field : fields.keySet()) {
      if (!field.equals("target") && !field.equals("share")) {
        throw invalid(path + "." + field, "is not a shadow field (target, share)");
      }
    }
    JsonNode target = fields.get("target");
    if (target == null || target.isNull()) {
      throw invalid(path + ".target", "is required: the target requests are mirrored to");
    }
    double share = 1;
    JsonNode shareJson = fields.get("share");
    if (shareJson != null) {
      if (!shareJson.isNumber() || shareJson.asDouble() < 0 || shareJson.asDouble() > 1) {
        throw invalid(path + ".share", "must be a number from 0 to 1");
      }
      share = shareJson.asDouble();
    }
    TargetNode node = node(target, path + ".target", depth + 1, count);
    refuseOwnGuardrails(node);
    return new TargetNode.ShadowTarget(node, share);
  }

  /**
   * A shadow target that set hooks of its own would replace its primary's guardrails (a child's
   * hooks replace its parent's): a way around them, so refused; as is a shadow of a shadow.
   */
  private static void refuseOwnGuardrails(TargetNode node) {
    if (!node.settings().hooks().isEmpty()) {
      throw invalid(
          node.path() + "." + node.settings().hooks().keySet().iterator().next(),
          "may not be set in a shadow target: a shadow runs under its primary's guardrails");
    }
    if (node.settings().shadow() != null) {
      throw invalid(node.path() + ".shadow", "may not be set in a shadow target");
    }
    if (node instanceof TargetNode.Group group) {
      group.targets().forEach(ConfigParser::refuseOwnGuardrails);
    }
  }

  private Strategy strategy(JsonNode json, String path, List<TargetNode> children) {
    if (json == null) {
      throw invalid(path, "is required with targets");
    }
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be an object with a mode");
    }
    Map<String, JsonNode> fields = snakeCased(object);
    JsonNode mode = fields.get("mode");
    if (mode == null || !mode.isTextual() || !MODES.contains(mode.asText())) {
      throw invalid(path + ".mode", "must be one of single, fallback, loadbalance, conditional");
    }
    if (fields.containsKey("sticky") && !mode.asText().equals("loadbalance")) {
      throw invalid(path + ".sticky", "is only for mode loadbalance");
    }
    return switch (mode.asText()) {
      case "single" -> new Strategy.Single();
      case "fallback" ->
          new Strategy.Fallback(
              statusCodes(fields.get("on_status_codes"), path + ".on_status_codes"));
      case "loadbalance" -> {
        if (children.stream().allMatch(c -> c.settings().weight() == 0)) {
          throw invalid(path, "a load balancer needs at least one target with a weight above 0");
        }
        yield new Strategy.LoadBalance(sticky(fields.get("sticky"), path + ".sticky"));
      }
      default -> conditional(fields, path, children);
    };
  }

  private static Strategy.Sticky sticky(JsonNode json, String path) {
    if (json == null || json.isNull()) {
      return null;
    }
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be an object with a key");
    }
    Map<String, JsonNode> fields = snakeCased(object);
    for (String field : fields.keySet()) {
      if (!field.equals("key") && !field.equals("experiment")) {
        throw invalid(path + "." + field, "is not a sticky field (key, experiment)");
      }
    }
    JsonNode key = fields.get("key");
    if (key == null
        || !key.isTextual()
        || !(key.asText().equals(Strategy.Sticky.API_KEY)
            || key.asText().startsWith(Strategy.Sticky.METADATA)
                && key.asText().length() > Strategy.Sticky.METADATA.length())) {
      throw invalid(path + ".key", "must be metadata.<field> or api_key");
    }
    JsonNode experiment = fields.get("experiment");
    return new Strategy.Sticky(
        key.asText(), experiment == null ? null : text(experiment, path + ".experiment"));
  }

  private Strategy conditional(
      Map<String, JsonNode> fields, String path, List<TargetNode> children) {
    Set<String> names = new HashSet<>();
    children.forEach(c -> {
      if (c.settings().name() != null) {
        names.add(c.settings().name());
      }
    });
    JsonNode conditionsJson = fields.get("conditions");
    if (conditionsJson == null || !conditionsJson.isArray() || conditionsJson.isEmpty()) {
      throw invalid(path + ".conditions", "must be a non-empty array for mode conditional");
    }
    List<Strategy.Condition> conditions = new ArrayList<>();
    for (int i = 0; i < conditionsJson.size(); i++) {
      String at = path + ".conditions[" + i + "]";
      JsonNode condition = conditionsJson.get(i);
      JsonNode query = condition.get("query");
      JsonNode then = condition.get("then");
      if (query == null || !query.isObject()) {
        throw invalid(at + ".query", "must be a query object");
      }
      Query.validate(query, at + ".query");
      if (then == null || !then.isTextual() || !names.contains(then.asText())) {
        throw invalid(at + ".then", "must be the name of one of this strategy's targets");
      }
      conditions.add(new Strategy.Condition(query, then.asText()));
    }
    JsonNode defaultTarget = fields.get("default");
    if (defaultTarget != null
        && (!defaultTarget.isTextual() || !names.contains(defaultTarget.asText()))) {
      throw invalid(path + ".default", "must be the name of one of this strategy's targets");
    }
    return new Strategy.Conditional(
        conditions, defaultTarget == null ? null : defaultTarget.asText());
  }

  private Settings settings(Map<String, JsonNode> fields, String path) {
    Settings settings = new Settings();
    for (Map.Entry<String, JsonNode> field : fields.entrySet()) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      String at = path + "." + key;
      switch (key) {
        case "strategy", "targets", "shadow" -> {
          // read by node()
        }
        case "name" -> settings.name = text(value, at);
        case "weight" -> {
          if (!value.isNumber() || value.asDouble() < 0 || !Double.isFinite(value.asDouble())) {
            throw invalid(at, "must be a number of 0 or more");
          }
          settings.weight = value.asDouble();
        }
        case "provider" -> {
          settings.provider = text(value, at);
          if (!providers.contains(settings.provider)) {
            throw invalid(
                at,
                "Invalid 'provider' value '"
                    + settings.provider
                    + "'. Must be one of: "
                    + String.join(", ", providers));
          }
        }
        case "api_key" -> settings.apiKey = text(value, at);
        case "virtual_key" -> settings.virtualKey = text(value, at);
        case "custom_host" -> settings.customHost = guard.checkUrl(text(value, at), at).toString();
        case "override_params" -> {
          if (!(value instanceof ObjectNode params)) {
            throw invalid(at, "must be an object of request parameters");
          }
          settings.overrideParams = params;
        }
        case "retry" -> settings.retry = retry(value, at);
        case "cache" -> {
          try {
            CacheDirective.parse(value);
          } catch (IllegalArgumentException invalid) {
            throw invalid(at, invalid.getMessage());
          }
          settings.cache = value;
        }
        case "request_timeout" -> {
          if (!value.isNumber() || value.asLong() <= 0) {
            throw invalid(at, "must be a positive number of milliseconds");
          }
          settings.requestTimeout = Duration.ofMillis(value.asLong());
        }
        case "forward_headers" -> {
          if (!value.isArray()) {
            throw invalid(at, "must be an array of header names");
          }
          List<String> names = new ArrayList<>();
          for (int i = 0; i < value.size(); i++) {
            names.add(text(value.get(i), at + "[" + i + "]").toLowerCase(Locale.ROOT));
          }
          settings.forwardHeaders = names;
        }
        default -> {
          if (HOOK_FIELDS.contains(key)) {
            if (!value.isArray()) {
              throw invalid(at, "must be an array");
            }
            settings.hooks.put(key, value);
          } else {
            settings.extras.put(key, value);
          }
        }
      }
    }
    return settings;
  }

  private static RetryPolicy retry(JsonNode json, String path) {
    if (!(json instanceof ObjectNode object)) {
      throw invalid(path, "must be an object with attempts");
    }
    Map<String, JsonNode> fields = snakeCased(object);
    JsonNode attempts = fields.get("attempts");
    if (attempts == null
        || !attempts.canConvertToInt()
        || !attempts.isIntegralNumber()
        || attempts.asInt() < 0) {
      throw invalid(path + ".attempts", "must be a whole number of 0 or more");
    }
    Set<Integer> codes = statusCodes(fields.get("on_status_codes"), path + ".on_status_codes");
    JsonNode useRetryAfter = fields.get("use_retry_after_header");
    if (useRetryAfter != null && !useRetryAfter.isBoolean()) {
      throw invalid(path + ".use_retry_after_header", "must be true or false");
    }
    return new RetryPolicy(
        attempts.asInt(),
        codes == null ? RetryPolicy.DEFAULT_STATUS_CODES : codes,
        useRetryAfter != null && useRetryAfter.asBoolean());
  }

  private static Set<Integer> statusCodes(JsonNode json, String path) {
    if (json == null) {
      return null;
    }
    if (!json.isArray()) {
      throw invalid(path, "must be an array of HTTP status codes");
    }
    Set<Integer> codes = new LinkedHashSet<>();
    for (int i = 0; i < json.size(); i++) {
      JsonNode code = json.get(i);
      if (!code.isIntegralNumber() || code.asInt() < 100 || code.asInt() > 599) {
        throw invalid(path + "[" + i + "]", "must be an HTTP status code (100 to 599)");
      }
      codes.add(code.asInt());
    }
    return codes;
  }

  private static String text(JsonNode value, String path) {
    if (!value.isTextual() || value.asText().isBlank()) {
      throw invalid(path, "must be a non-empty string");
    }
    return value.asText();
  }

  /**
   * The object's fields with camelCase names turned into Portkey's snake_case ({@code apiKey} →
   * {@code api_key}); values are left as they are, so {@code override_params} keeps the provider's
   * own names.
   */
  static Map<String, JsonNode> snakeCased(ObjectNode object) {
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    object.properties().forEach(field -> fields.put(snakeCase(field.getKey()), field.getValue()));
    return fields;
  }

  static String snakeCase(String key) {
    StringBuilder snake = new StringBuilder(key.length() + 4);
    for (int i = 0; i < key.length(); i++) {
      char c = key.charAt(i);
      if (Character.isUpperCase(c)) {
        snake.append('_').append(Character.toLowerCase(c));
      } else {
        snake.append(c);
      }
    }
    return snake.toString();
  }

  static InvalidRequestException invalid(String path, String why) {
    return new InvalidRequestException("Invalid config passed: " + path + " " + why, path, null);
  }

  /** A node's settings while they are read. */
  private static final class Settings {
    String name;
    double weight = 1;
    String provider;
    String apiKey;
    String virtualKey;
    String customHost;
    ObjectNode overrideParams;
    RetryPolicy retry;
    JsonNode cache;
    Duration requestTimeout;
    List<String> forwardHeaders;
    final Map<String, JsonNode> hooks = new LinkedHashMap<>();
    final Map<String, JsonNode> extras = new LinkedHashMap<>();
    TargetNode.ShadowTarget shadow;

    TargetNode.Settings build() {
      return new TargetNode.Settings(
          name,
          weight,
          provider,
          apiKey,
          virtualKey,
          customHost,
          overrideParams,
          retry,
          cache,
          requestTimeout,
          forwardHeaders,
          hooks,
          extras,
          shadow);
    }
  }
}
