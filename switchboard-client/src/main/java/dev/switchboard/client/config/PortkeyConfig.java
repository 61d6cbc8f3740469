package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A Portkey routing config (https://portkey.ai/docs/api-reference/config-object), built and checked
 * in Java, written as the JSON the gateway parses: the value of {@code x-portkey-config}, or of a
 * config saved in the gateway's settings. A config is a tree: a leaf names one provider; a group
 * routes between its {@link #fallback fallback}, {@link #loadBalance load-balanced}, {@link
 * #conditional conditional} or {@link #single single} targets, nested to any depth the gateway
 * allows (8). Every node may carry retry, cache, timeout, guardrail and override settings, which
 * its targets inherit.
 *
 * <pre>{@code
 * PortkeyConfig config =
 *     PortkeyConfig.fallback(
 *             PortkeyConfig.target("openai").apiKey(key).overrideParams(Map.of("model", "gpt-4o")).build(),
 *             PortkeyConfig.target("anthropic").virtualKey("anthropic-prod").build())
 *         .onStatusCodes(429, 500, 503)
 *         .retry(Retry.attempts(2))
 *         .cache(Cache.simple().maxAge(Duration.ofMinutes(5)))
 *         .build();
 * }</pre>
 *
 * {@link Builder#build()} refuses, with an {@link InvalidConfigException} naming the field, every
 * config the gateway's parser would refuse that can be known without the gateway (provider names
 * and guardrail check ids are the gateway's to check). Immutable and thread-safe; {@link
 * #toString()} hides keys.
 */
public final class PortkeyConfig {
  /** The gateway's limits: deeper or bigger configs are refused. */
  static final int MAX_DEPTH = 8;

  static final int MAX_TARGETS = 256;

  private final ObjectNode json;
  private final String name;
  private final double weight;
  private final int height;
  private final int size;

  private PortkeyConfig(ObjectNode json, String name, double weight, int height, int size) {
    this.json = json;
    this.name = name;
    this.weight = weight;
    this.height = height;
    this.size = size;
  }

  /** A node with no strategy: a single target, or settings (cache, retry, …) for the request. */
  public static Builder builder() {
    return new Builder(null, List.of());
  }

  /** A target calling this provider ({@code openai}, {@code anthropic}, {@code mock}, …). */
  public static Builder target(String provider) {
    return builder().provider(provider);
  }

  /** Tries each target in order until one answers with a status not in the fallback codes. */
  public static Builder fallback(PortkeyConfig... targets) {
    return new Builder("fallback", List.of(targets));
  }

  /** Sends each request to one target, chosen at random by the targets' {@code weight}s. */
  public static Builder loadBalance(PortkeyConfig... targets) {
    return new Builder("loadbalance", List.of(targets));
  }

  /**
   * Sends each request to the target named by the first {@link Builder#when condition} it matches,
   * else to the {@link Builder#defaultTarget default}. Targets need {@link Builder#name names}.
   */
  public static Builder conditional(PortkeyConfig... targets) {
    return new Builder("conditional", List.of(targets));
  }

  /** Sends every request to the one target (a node to hang settings on). */
  public static Builder single(PortkeyConfig target) {
    return new Builder("single", List.of(target));
  }

  /** The config as the gateway reads it (a copy). */
  public ObjectNode toJsonNode() {
    return json.deepCopy();
  }

  /** The config as the gateway reads it: the value of {@code x-portkey-config}. */
  public String toJson() {
    return json.toString();
  }

  /** The JSON with every {@code api_key} replaced by {@code "***"}, safe for logs. */
  @Override
  public String toString() {
    ObjectNode redacted = json.deepCopy();
    redact(redacted);
    return redacted.toString();
  }

  private static void redact(JsonNode node) {
    if (node instanceof ObjectNode object) {
      if (object.has("api_key")) {
        object.put("api_key", "***");
      }
      object.forEach(PortkeyConfig::redact);
    } else if (node instanceof ArrayNode array) {
      array.forEach(PortkeyConfig::redact);
    }
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof PortkeyConfig config && config.json.equals(json);
  }

  @Override
  public int hashCode() {
    return json.hashCode();
  }

  /** Builds a {@link PortkeyConfig}; {@link #build()} checks it. */
  public static final class Builder {
    private final String mode;
    private final List<PortkeyConfig> targets;
    private final List<Integer> onStatusCodes = new ArrayList<>();
    private boolean onStatusCodesSet;
    private final List<Map.Entry<Query, String>> conditions = new ArrayList<>();
    private String defaultTarget;
    private String name;
    private Double weight;
    private String provider;
    private String apiKey;
    private String virtualKey;
    private String customHost;
    private final Map<String, JsonNode> overrideParams = new LinkedHashMap<>();
    private Retry retry;
    private Cache cache;
    private Duration requestTimeout;
    private List<String> forwardHeaders;
    private final Map<String, List<Guardrail>> hooks = new LinkedHashMap<>();
    private Boolean strictOpenAiCompliance;

    private Builder(String mode, List<PortkeyConfig> targets) {
      this.mode = mode;
      for (int i = 0; i < targets.size(); i++) {
        if (targets.get(i) == null) {
          throw new InvalidConfigException("targets[" + i + "]", "must not be null");
        }
      }
      this.targets = List.copyOf(targets);
    }

    /** The target's name, for conditions and logs. */
    public Builder name(String name) {
      this.name = name;
      return this;
    }

    /** The target's share in a load balancer (default 1; 0 never chosen). */
    public Builder weight(double weight) {
      this.weight = weight;
      return this;
    }

    public Builder provider(String provider) {
      this.provider = provider;
      return this;
    }

    /** The provider key this target sends (hidden by {@link PortkeyConfig#toString()}). */
    public Builder apiKey(String apiKey) {
      this.apiKey = apiKey;
      return this;
    }

    public Builder virtualKey(String virtualKey) {
      this.virtualKey = virtualKey;
      return this;
    }

    /** A base URL to call instead of the provider's, e.g. {@code http://localhost:11434/v1}. */
    public Builder customHost(String customHost) {
      this.customHost = customHost;
      return this;
    }

    /** Request fields this target sets, replacing the client's (e.g. {@code model}). */
    public Builder overrideParams(Map<String, ?> params) {
      params.forEach(this::overrideParam);
      return this;
    }

    /** One request field this target sets; any value Jackson can write. */
    public Builder overrideParam(String field, Object value) {
      Json.requireText(field, "override_params field");
      overrideParams.put(field, Json.tree(value, "override_params." + field));
      return this;
    }

    public Builder retry(Retry retry) {
      this.retry = retry;
      return this;
    }

    public Builder cache(Cache cache) {
      this.cache = cache;
      return this;
    }

    /** How long one upstream call may take before the gateway gives up on it (408). */
    public Builder requestTimeout(Duration timeout) {
      this.requestTimeout = timeout;
      return this;
    }

    /** Client headers passed to the provider unchanged. */
    public Builder forwardHeaders(String... headerNames) {
      this.forwardHeaders = List.of(headerNames);
      return this;
    }

    /** Hooks run on the request before it goes anywhere. */
    public Builder inputGuardrails(Guardrail... guardrails) {
      return hooks("input_guardrails", guardrails);
    }

    /** Hooks run on the answer. */
    public Builder outputGuardrails(Guardrail... guardrails) {
      return hooks("output_guardrails", guardrails);
    }

    /** Hooks that rewrite the request (e.g. {@code switchboard.pii} redaction). */
    public Builder inputMutators(Guardrail... mutators) {
      return hooks("input_mutators", mutators);
    }

    /** Hooks that rewrite the answer. */
    public Builder outputMutators(Guardrail... mutators) {
      return hooks("output_mutators", mutators);
    }

    public Builder strictOpenAiCompliance(boolean strict) {
      this.strictOpenAiCompliance = strict;
      return this;
    }

    /** For a fallback: the statuses that move on to the next target (default: any failure). */
    public Builder onStatusCodes(int... codes) {
      onStatusCodesSet = true;
      onStatusCodes.clear();
      Arrays.stream(codes).forEach(onStatusCodes::add);
      return this;
    }

    /** For a conditional strategy: requests matching {@code query} go to the target named so. */
    public Builder when(Query query, String targetName) {
      conditions.add(Map.entry(query, targetName == null ? "" : targetName));
      return this;
    }

    /** For a conditional strategy: the target for requests no condition matches. */
    public Builder defaultTarget(String targetName) {
      this.defaultTarget = targetName;
      return this;
    }

    private Builder hooks(String field, Guardrail... guardrails) {
      hooks.put(field, List.of(guardrails));
      return this;
    }

    /**
     * Checks the config and builds it.
     *
     * @throws InvalidConfigException naming the first field the gateway would refuse
     */
    public PortkeyConfig build() {
      ObjectNode json = Json.object();
      if (name != null) {
        json.put("name", Json.requireText(name, "name"));
      }
      if (weight != null) {
        if (!Double.isFinite(weight) || weight < 0) {
          throw new InvalidConfigException("weight", "must be a number of 0 or more");
        }
        json.put("weight", weight);
      }
      if (provider != null) {
        json.put("provider", Json.requireText(provider, "provider"));
      }
      if (apiKey != null) {
        json.put("api_key", Json.requireText(apiKey, "api_key"));
      }
      if (virtualKey != null) {
        json.put("virtual_key", Json.requireText(virtualKey, "virtual_key"));
      }
      if (customHost != null) {
        json.put("custom_host", url(customHost));
      }
      if (!overrideParams.isEmpty()) {
        ObjectNode params = json.putObject("override_params");
        overrideParams.forEach((field, value) -> params.set(field, value.deepCopy()));
      }
      if (retry != null) {
        json.set("retry", retry.toJson());
      }
      if (cache != null) {
        json.set("cache", cache.toJson());
      }
      if (requestTimeout != null) {
        if (requestTimeout.toMillis() <= 0) {
          throw new InvalidConfigException(
              "request_timeout", "must be a positive number of milliseconds");
        }
        json.put("request_timeout", requestTimeout.toMillis());
      }
      if (forwardHeaders != null) {
        ArrayNode names = json.putArray("forward_headers");
        for (int i = 0; i < forwardHeaders.size(); i++) {
          names.add(Json.requireText(forwardHeaders.get(i), "forward_headers[" + i + "]"));
        }
      }
      hooks.forEach((field, guardrails) -> {
        ArrayNode list = json.putArray(field);
        for (int i = 0; i < guardrails.size(); i++) {
          if (guardrails.get(i) == null) {
            throw new InvalidConfigException(field + "[" + i + "]", "must not be null");
          }
          list.add(guardrails.get(i).toJson());
        }
      });
      if (strictOpenAiCompliance != null) {
        json.put("strict_open_ai_compliance", strictOpenAiCompliance);
      }
      int height = 0;
      int size = 1;
      if (mode != null) {
        json.set("strategy", strategy());
        if (targets.isEmpty()) {
          throw new InvalidConfigException(
              "targets", "must be a non-empty array of targets when a strategy is set");
        }
        ArrayNode list = json.putArray("targets");
        for (PortkeyConfig target : targets) {
          list.add(target.json.deepCopy());
          height = Math.max(height, target.height + 1);
          size += target.size;
        }
        if (height > MAX_DEPTH) {
          throw new InvalidConfigException(
              "targets", "are nested deeper than " + MAX_DEPTH + " levels");
        }
        if (size > MAX_TARGETS) {
          throw new InvalidConfigException(
              "targets", "a config may hold at most " + MAX_TARGETS + " targets");
        }
      } else if (onStatusCodesSet || !conditions.isEmpty() || defaultTarget != null) {
        throw new InvalidConfigException("strategy", "is needed for on_status_codes or conditions");
      }
      return new PortkeyConfig(json, name, weight == null ? 1 : weight, height, size);
    }

    private ObjectNode strategy() {
      ObjectNode strategy = Json.object().put("mode", mode);
      if (onStatusCodesSet) {
        if (!mode.equals("fallback")) {
          throw new InvalidConfigException(
              "strategy.on_status_codes", "applies to a fallback strategy only");
        }
        ArrayNode codes = strategy.putArray("on_status_codes");
        for (int i = 0; i < onStatusCodes.size(); i++) {
          codes.add(Json.statusCode(onStatusCodes.get(i), "strategy.on_status_codes[" + i + "]"));
        }
      }
      if (mode.equals("loadbalance") && targets.stream().allMatch(t -> t.weight == 0)) {
        throw new InvalidConfigException(
            "strategy", "a load balancer needs at least one target with a weight above 0");
      }
      if (mode.equals("conditional")) {
        Set<String> names = new HashSet<>();
        targets.forEach(t -> {
          if (t.name != null) {
            names.add(t.name);
          }
        });
        if (conditions.isEmpty()) {
          throw new InvalidConfigException(
              "strategy.conditions", "must be a non-empty array for mode conditional");
        }
        ArrayNode list = strategy.putArray("conditions");
        for (int i = 0; i < conditions.size(); i++) {
          var condition = conditions.get(i);
          if (condition.getKey() == null) {
            throw new InvalidConfigException(
                "strategy.conditions[" + i + "].query", "must be a query");
          }
          if (!names.contains(condition.getValue())) {
            throw new InvalidConfigException(
                "strategy.conditions[" + i + "].then",
                "must be the name of one of this strategy's targets, not '"
                    + condition.getValue()
                    + "'");
          }
          ObjectNode entry = list.addObject();
          entry.set("query", condition.getKey().toJson());
          entry.put("then", condition.getValue());
        }
        if (defaultTarget != null) {
          if (!names.contains(defaultTarget)) {
            throw new InvalidConfigException(
                "strategy.default",
                "must be the name of one of this strategy's targets, not '" + defaultTarget + "'");
          }
          strategy.put("default", defaultTarget);
        }
      } else if (!conditions.isEmpty() || defaultTarget != null) {
        throw new InvalidConfigException(
            "strategy.conditions", "apply to a conditional strategy only");
      }
      return strategy;
    }

    private static String url(String value) {
      try {
        URI uri = new URI(value.strip());
        String scheme = uri.getScheme();
        if (uri.getHost() == null || !("http".equals(scheme) || "https".equals(scheme))) {
          throw new InvalidConfigException("custom_host", "must be an absolute http(s) URL");
        }
        return value.strip();
      } catch (java.net.URISyntaxException e) {
        throw new InvalidConfigException("custom_host", "must be an absolute http(s) URL");
      }
    }
  }
}
