package dev.switchboard.client.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.engine.routing.ConfigParser;
import dev.switchboard.engine.routing.Strategy;
import dev.switchboard.engine.routing.TargetNode;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Every config the builder builds is one the gateway's own parser accepts, and the parser reads
 * back what was built: the same tree, strategies, names, weights, providers, keys, hosts,
 * overrides, retries, caches, timeouts and hooks. Random trees of every strategy and setting, 300
 * per seed.
 */
class ConfigsTheEngineParsesTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final List<String> PROVIDERS = List.of("openai", "anthropic", "mock");
  private static final ConfigParser PARSER =
      new ConfigParser(Set.copyOf(PROVIDERS), new OutboundGuard(Set.of()));

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4, 5})
  void everyBuiltConfigParsesToTheTreeThatWasBuilt(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 200; i++) {
      Generated generated = node(random, 0, "t" + i);
      PortkeyConfig config = generated.builder().build();

      // Through the wire form, as the gateway receives it.
      TargetNode parsed = PARSER.parse(read(config.toJson()));

      assertThat(summary(parsed).toString())
          .as(config.toString())
          .isEqualTo(generated.expected().toString());
    }
  }

  /** A builder and the summary of the node the parser should read from what it builds. */
  private record Generated(PortkeyConfig.Builder builder, ObjectNode expected) {}

  private static Generated node(Random random, int depth, String name) {
    boolean group = depth < 4 && random.nextInt(3) > 0 || depth == 0 && random.nextBoolean();
    ObjectNode expected = NODES.objectNode();
    PortkeyConfig.Builder builder;
    if (group) {
      int count = 1 + random.nextInt(3);
      List<Generated> children = new ArrayList<>();
      for (int i = 0; i < count; i++) {
        children.add(node(random, depth + 1, name + "_" + i));
      }
      PortkeyConfig[] targets =
          children.stream().map(c -> c.builder().build()).toArray(PortkeyConfig[]::new);
      ArrayNode expectedTargets = NODES.arrayNode();
      children.forEach(c -> expectedTargets.add(c.expected()));
      switch (random.nextInt(4)) {
        case 0 -> {
          builder = PortkeyConfig.fallback(targets);
          expected.put("strategy", "fallback");
          if (random.nextBoolean()) {
            builder.onStatusCodes(429, 503);
            expected.put("strategy", "fallback[429, 503]");
          }
        }
        case 1 -> {
          builder = PortkeyConfig.loadBalance(targets);
          expected.put("strategy", "loadbalance");
        }
        case 2 -> {
          builder = PortkeyConfig.conditional(targets);
          String first = children.getFirst().expected().path("name").asText();
          String last = children.getLast().expected().path("name").asText();
          builder
              .when(Query.eq("metadata.plan", "paid"), first)
              .when(
                  Query.or(
                      Query.in("params.model", "a", "b"),
                      Query.and(Query.gte("metadata.tier", 2), Query.exists("metadata.beta", true)),
                      Query.regex("metadata.region", "^eu-")),
                  last)
              .defaultTarget(last);
          expected.put("strategy", "conditional->" + first + "," + last + " default " + last);
        }
        default -> {
          builder = PortkeyConfig.single(targets[0]);
          expectedTargets.removeAll();
          expectedTargets.add(children.getFirst().expected());
          expected.put("strategy", "single");
        }
      }
      expected.set("targets", expectedTargets);
    } else {
      String provider = PROVIDERS.get(random.nextInt(PROVIDERS.size()));
      builder = PortkeyConfig.target(provider);
      expected.put("provider", provider);
    }
    // Every target is named, so that conditions can name any of them.
    builder.name(name);
    expected.put("name", name);
    double weight = 1;
    if (random.nextInt(3) == 0) {
      weight = 1 + random.nextInt(5);
      builder.weight(weight);
    }
    expected.put("weight", weight);
    if (random.nextInt(4) == 0) {
      builder.apiKey("sk-" + name);
      expected.put("api_key", "sk-" + name);
    }
    if (random.nextInt(6) == 0) {
      builder.virtualKey("vk-" + name);
      expected.put("virtual_key", "vk-" + name);
    }
    if (random.nextInt(6) == 0) {
      builder.customHost("https://llm.example.com/v1");
      expected.put("custom_host", "https://llm.example.com/v1");
    }
    if (random.nextInt(3) == 0) {
      // Ordered: the builder writes a map's fields in its order (Map.of has none).
      Map<String, Object> params = new LinkedHashMap<>();
      params.put("model", "m-" + name);
      params.put("temperature", 0.5);
      builder.overrideParams(params);
      builder.overrideParam("mock_script", List.of(Map.of("content", "scripted")));
      expected.set(
          "override_params",
          read(
              "{\"model\":\"m-"
                  + name
                  + "\",\"temperature\":0.5,\"mock_script\":[{\"content\":\"scripted\"}]}"));
    }
    if (random.nextInt(3) == 0) {
      int attempts = random.nextInt(4);
      Retry retry = Retry.attempts(attempts);
      String codes = "[429, 500, 502, 503, 504]";
      if (random.nextBoolean()) {
        retry = retry.onStatusCodes(429, 529);
        codes = "[429, 529]";
      }
      boolean retryAfter = random.nextBoolean();
      builder.retry(retry.useRetryAfterHeader(retryAfter));
      expected.put("retry", attempts + " on " + codes + (retryAfter ? " with retry-after" : ""));
    }
    if (random.nextInt(4) == 0) {
      Cache cache = random.nextBoolean() ? Cache.simple() : Cache.semantic();
      if (random.nextBoolean()) {
        cache = cache.maxAge(Duration.ofMinutes(5));
      }
      builder.cache(cache);
      expected.set("cache", cache.toJson());
    }
    if (random.nextInt(4) == 0) {
      builder.requestTimeout(Duration.ofSeconds(3));
      expected.put("request_timeout", "PT3S");
    }
    if (random.nextInt(5) == 0) {
      builder.forwardHeaders("X-Tenant", "x-user");
      expected.put("forward_headers", "[x-tenant, x-user]");
    }
    if (random.nextInt(4) == 0) {
      builder
          .inputGuardrails(
              Guardrail.check(
                      "default.contains", Map.of("operator", "none", "words", List.of("forbidden")))
                  .deny(true))
          .outputGuardrails(
              Guardrail.check("default.wordCount", Map.of("minWords", 1, "maxWords", 500))
                  .withCheck("default.regexMatch", Map.of("rule", "\\bpassword\\b", "not", true))
                  .id("output-checks"))
          .inputMutators(Guardrail.check("switchboard.pii", Map.of()));
      expected.put("hooks", "[input_guardrails, input_mutators, output_guardrails]");
    }
    return new Generated(builder, expected);
  }

  /** What the parser read, in the same form as the generator's expectation. */
  private static ObjectNode summary(TargetNode node) {
    ObjectNode summary = NODES.objectNode();
    TargetNode.Settings settings = node.settings();
    if (node instanceof TargetNode.Group group) {
      summary.put(
          "strategy",
          switch (group.strategy()) {
            case Strategy.Fallback fallback ->
                fallback.onStatusCodes() == null
                    ? "fallback"
                    : "fallback" + List.copyOf(fallback.onStatusCodes());
            case Strategy.LoadBalance loadBalance -> "loadbalance";
            case Strategy.Conditional conditional ->
                "conditional->"
                    + String.join(
                        ",",
                        conditional.conditions().stream().map(Strategy.Condition::then).toList())
                    + " default "
                    + conditional.defaultTarget();
            case Strategy.Single single -> "single";
          });
      ArrayNode targets = summary.putArray("targets");
      group.targets().forEach(target -> targets.add(summary(target)));
    } else {
      summary.put("provider", settings.provider());
    }
    summary.put("name", settings.name());
    summary.put("weight", settings.weight());
    if (settings.apiKey() != null) {
      summary.put("api_key", settings.apiKey());
    }
    if (settings.virtualKey() != null) {
      summary.put("virtual_key", settings.virtualKey());
    }
    if (settings.customHost() != null) {
      summary.put("custom_host", settings.customHost());
    }
    if (settings.overrideParams() != null) {
      summary.set("override_params", settings.overrideParams());
    }
    if (settings.retry() != null) {
      var retry = settings.retry();
      summary.put(
          "retry",
          retry.attempts()
              + " on "
              + retry.onStatusCodes().stream().sorted().toList()
              + (retry.useRetryAfterHeader() ? " with retry-after" : ""));
    }
    if (settings.cache() != null) {
      summary.set("cache", settings.cache());
    }
    if (settings.requestTimeout() != null) {
      summary.put("request_timeout", settings.requestTimeout().toString());
    }
    if (settings.forwardHeaders() != null) {
      summary.put("forward_headers", settings.forwardHeaders().toString());
    }
    if (!settings.hooks().isEmpty()) {
      summary.put("hooks", settings.hooks().keySet().stream().sorted().toList().toString());
    }
    return summary;
  }

  private static JsonNode read(String json) {
    try {
      return JSON.readTree(json);
    } catch (java.io.IOException e) {
      throw new AssertionError(e);
    }
  }
}
