package dev.switchboard.engine.providers.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Iterator;
import java.util.Map;

/**
 * A sample value that a JSON schema accepts, for the mock's tool arguments and structured answers:
 * every property filled (strings {@code "mock"}, numbers and integers 1, booleans {@code true}, the
 * first {@code enum} value or the {@code const}, arrays of one sample item, nested objects alike),
 * following {@code $ref}s into {@code $defs}/{@code definitions} and taking the first {@code
 * anyOf}/{@code oneOf} branch that is not {@code null}. Recursion stops at a fixed depth with
 * {@code null}.
 */
final class SampleJson {
  private static final int MAX_DEPTH = 12;
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private SampleJson() {}

  /** An object for an object schema (an empty one for anything else). */
  static ObjectNode object(JsonNode schema) {
    JsonNode sample = schema == null ? null : value(schema, schema, 0);
    return sample instanceof ObjectNode object ? object : NODES.objectNode();
  }

  static JsonNode value(JsonNode schema, JsonNode root, int depth) {
    if (depth > MAX_DEPTH || schema == null || !schema.isObject()) {
      return NODES.nullNode();
    }
    JsonNode ref = schema.get("$ref");
    if (ref != null && ref.isTextual()) {
      return value(resolve(ref.asText(), root), root, depth + 1);
    }
    if (schema.has("const")) {
      return schema.get("const").deepCopy();
    }
    JsonNode enumValues = schema.path("enum");
    if (enumValues.isArray() && !enumValues.isEmpty()) {
      return enumValues.get(0).deepCopy();
    }
    for (String combinator : new String[] {"anyOf", "oneOf", "allOf"}) {
      JsonNode branches = schema.get(combinator);
      if (branches != null && branches.isArray()) {
        for (JsonNode branch : branches) {
          if (!"null".equals(branch.path("type").asText())) {
            return value(branch, root, depth + 1);
          }
        }
      }
    }
    String type = type(schema);
    return switch (type) {
      case "string" -> NODES.textNode("mock");
      case "integer", "number" -> NODES.numberNode(1);
      case "boolean" -> NODES.booleanNode(true);
      case "array" -> {
        ArrayNode array = NODES.arrayNode();
        if (schema.has("items")) {
          array.add(value(schema.get("items"), root, depth + 1));
        }
        yield array;
      }
      case "object" -> {
        ObjectNode object = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = schema.path("properties").fields();
            it.hasNext(); ) {
          Map.Entry<String, JsonNode> property = it.next();
          object.set(property.getKey(), value(property.getValue(), root, depth + 1));
        }
        yield object;
      }
      default -> NODES.nullNode();
    };
  }

  /**
   * The schema's type; the first that is not {@code null} of a list; object when it has properties.
   */
  private static String type(JsonNode schema) {
    JsonNode type = schema.get("type");
    if (type != null && type.isTextual()) {
      return type.asText();
    }
    if (type != null && type.isArray()) {
      for (JsonNode each : type) {
        if (!"null".equals(each.asText())) {
          return each.asText();
        }
      }
    }
    return schema.has("properties") ? "object" : "";
  }

  /** A local reference, {@code #/$defs/Name} or {@code #/definitions/Name}; others are null. */
  private static JsonNode resolve(String ref, JsonNode root) {
    if (!ref.startsWith("#")) {
      return null;
    }
    JsonNode target = root.at(ref.substring(1));
    return target.isMissingNode() ? null : target;
  }
}
