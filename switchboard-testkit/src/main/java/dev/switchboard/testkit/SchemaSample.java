package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;

/**
 * A JSON value that a JSON schema accepts, as a model under Structured Outputs answers: every
 * property filled (strict schemas require them all), strings {@code "sample"}, numbers {@code 1},
 * booleans {@code true}, arrays of one item, the first {@code enum} or {@code const} value, the
 * first branch of {@code anyOf}, and local {@code $ref}s ({@code #/$defs/…}, {@code
 * #/definitions/…}) followed. The subset OpenAI's strict mode supports
 * (https://platform.openai.com/docs/guides/structured-outputs#supported-schemas).
 */
final class SchemaSample {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final int MAX_DEPTH = 8;

  private SchemaSample() {}

  /** A value {@code schema} accepts. */
  static JsonNode of(JsonNode schema) {
    return sample(schema, schema, 0);
  }

  private static JsonNode sample(JsonNode schema, JsonNode root, int depth) {
    if (depth > MAX_DEPTH) {
      return NODES.nullNode();
    }
    String ref = schema.path("$ref").asText("");
    if (ref.startsWith("#/")) {
      return sample(root.at(ref.substring(1)), root, depth + 1);
    }
    if (schema.has("const")) {
      return schema.get("const");
    }
    JsonNode enumValues = schema.path("enum");
    if (enumValues.isArray() && !enumValues.isEmpty()) {
      return enumValues.get(0);
    }
    JsonNode anyOf = schema.path("anyOf");
    if (anyOf.isArray() && !anyOf.isEmpty()) {
      return sample(anyOf.get(0), root, depth + 1);
    }
    return switch (typeOf(schema)) {
      case "object" -> {
        ObjectNode object = NODES.objectNode();
        for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
          object.set(property.getKey(), sample(property.getValue(), root, depth + 1));
        }
        yield object;
      }
      case "array" -> {
        ArrayNode array = NODES.arrayNode();
        if (schema.has("items")) {
          array.add(sample(schema.get("items"), root, depth + 1));
        }
        yield array;
      }
      case "string" -> NODES.textNode("sample");
      case "integer", "number" -> NODES.numberNode(1);
      case "boolean" -> NODES.booleanNode(true);
      default -> NODES.nullNode();
    };
  }

  /** The schema's type; of a list of types, the first that is not {@code "null"}. */
  private static String typeOf(JsonNode schema) {
    JsonNode type = schema.path("type");
    if (type.isArray()) {
      for (JsonNode each : type) {
        if (!each.asText().equals("null")) {
          return each.asText();
        }
      }
      return "null";
    }
    if (type.isMissingNode() && schema.has("properties")) {
      return "object";
    }
    return type.asText("");
  }
}
