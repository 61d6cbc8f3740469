package dev.switchboard.engine.routing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatCode;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.OutboundGuard;
import java.util.List;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Properties of the config parser over many random configs, valid and broken: a valid one always
 * parses, and anything else only ever fails with the validation error that names a field path.
 */
class ConfigParserPropertyTest {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final ConfigParser PARSER =
      new ConfigParser(Set.of("openai", "mock"), new OutboundGuard(Set.of("localhost")));

  @ParameterizedTest
  @ValueSource(longs = {1, 2, 3, 4})
  void randomValidConfigsAlwaysParse(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      JsonNode config = validNode(random, 0);
      assertThatCode(() -> PARSER.parse(config)).as("%s", config).doesNotThrowAnyException();
    }
  }

  @ParameterizedTest
  @ValueSource(longs = {5, 6, 7, 8})
  void randomBrokenConfigsFailOnlyWithAValidationErrorNamingAPath(long seed) {
    Random random = new Random(seed);
    for (int i = 0; i < 2_000; i++) {
      JsonNode config = mutate(validNode(random, 0), random);
      try {
        PARSER.parse(config);
      } catch (InvalidRequestException e) {
        assertThat(e.getMessage()).as("%s", config).startsWith("Invalid config passed: config");
        assertThat(e.param()).startsWith("config");
      }
    }
  }

  private static JsonNode validNode(Random random, int depth) {
    ObjectNode node = NODES.objectNode();
    if (depth < 3 && random.nextInt(3) > 0) {
      String mode =
          List.of("single", "fallback", "loadbalance", "conditional").get(random.nextInt(4));
      ObjectNode strategy = node.putObject(random.nextBoolean() ? "strategy" : "strategy");
      strategy.put("mode", mode);
      ArrayNode targets = node.putArray("targets");
      int count = 1 + random.nextInt(3);
      for (int i = 0; i < count; i++) {
        ObjectNode child = (ObjectNode) validNode(random, depth + 1);
        child.put("name", "t" + i);
        child.put("weight", i == 0 ? 1 : random.nextInt(3));
        targets.add(child);
      }
      if (mode.equals("fallback") && random.nextBoolean()) {
        strategy
            .putArray(random.nextBoolean() ? "on_status_codes" : "onStatusCodes")
            .add(429)
            .add(503);
      }
      if (mode.equals("conditional")) {
        ObjectNode condition = strategy.putArray("conditions").addObject();
        condition.putObject("query").putObject("metadata.plan").put("$eq", "paid");
        condition.put("then", "t0");
        strategy.put("default", "t0");
      }
    } else {
      node.put("provider", random.nextBoolean() ? "openai" : "mock");
      if (random.nextBoolean()) {
        node.put(random.nextBoolean() ? "api_key" : "apiKey", "sk-x");
      }
      if (random.nextBoolean()) {
        ObjectNode retry = node.putObject("retry");
        retry.put("attempts", random.nextInt(8));
        retry.put(
            random.nextBoolean() ? "use_retry_after_header" : "useRetryAfterHeader",
            random.nextBoolean());
      }
      if (random.nextBoolean()) {
        node.putObject(random.nextBoolean() ? "override_params" : "overrideParams")
            .put("model", "m" + random.nextInt(5));
      }
      if (random.nextBoolean()) {
        node.put(
            random.nextBoolean() ? "request_timeout" : "requestTimeout",
            1 + random.nextInt(60_000));
      }
    }
    return node;
  }

  /** The same config with one field somewhere replaced by a value of the wrong kind. */
  private static JsonNode mutate(JsonNode config, Random random) {
    List<JsonNode> objects = new java.util.ArrayList<>();
    collect(config, objects);
    ObjectNode victim = (ObjectNode) objects.get(random.nextInt(objects.size()));
    List<String> fields = new java.util.ArrayList<>();
    victim.fieldNames().forEachRemaining(fields::add);
    JsonNode junk =
        switch (random.nextInt(6)) {
          case 0 -> NODES.textNode("junk");
          case 1 -> NODES.numberNode(-1);
          case 2 -> NODES.arrayNode();
          case 3 -> NODES.nullNode();
          case 4 -> NODES.objectNode().put("mode", "nonsense");
          default -> NODES.booleanNode(true);
        };
    String field =
        fields.isEmpty() || random.nextInt(5) == 0
            ? "strategy"
            : fields.get(random.nextInt(fields.size()));
    victim.set(field, junk);
    return config;
  }

  private static void collect(JsonNode node, List<JsonNode> objects) {
    if (node.isObject()) {
      objects.add(node);
    }
    node.forEach(child -> collect(child, objects));
  }
}
