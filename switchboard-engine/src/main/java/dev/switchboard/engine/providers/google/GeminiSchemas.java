package dev.switchboard.engine.providers.google;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * JSON schemas as Gemini's {@code Schema} (an OpenAPI subset) takes them, cleaned as Portkey's
 * {@code recursivelyDeleteUnsupportedParameters} and {@code transformGeminiToolParameters} do:
 * {@code additionalProperties} and {@code $schema} dropped, {@code $ref}s into {@code $defs}
 * inlined, and an {@code anyOf}/{@code oneOf} with a {@code null} branch made {@code nullable}.
 */
final class GeminiSchemas {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
  private static final Set<String> DROPPED =
      Set.of("additionalProperties", "additional_properties", "$schema");
  private static final int MAX_DEPTH = 64;

  private GeminiSchemas() {}

  static JsonNode clean(JsonNode schema) {
    if (!schema.isObject()) {
      return schema;
    }
    JsonNode defs = schema.get("$defs");
    Map<String, JsonNode> definitions = new java.util.HashMap<>();
    if (defs != null && defs.isObject()) {
      defs.properties().forEach(e -> definitions.put("#/$defs/" + e.getKey(), e.getValue()));
    }
    return transform(schema, definitions, 0);
  }

  private static JsonNode transform(JsonNode node, Map<String, JsonNode> definitions, int depth) {
    if (depth > MAX_DEPTH) {
      return NODES.objectNode();
    }
    if (node.isArray()) {
      ArrayNode out = NODES.arrayNode();
      node.forEach(item -> out.add(transform(item, definitions, depth + 1)));
      return out;
    }
    if (!node.isObject()) {
      return node;
    }
    JsonNode ref = node.get("$ref");
    if (ref != null && ref.isTextual() && definitions.containsKey(ref.asText())) {
      return transform(definitions.get(ref.asText()), definitions, depth + 1);
    }
    ObjectNode out = NODES.objectNode();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String key = field.getKey();
      JsonNode value = field.getValue();
      if (DROPPED.contains(key) || key.equals("$defs")) {
        continue;
      }
      if ((key.equals("anyOf") || key.equals("oneOf")) && value.isArray()) {
        List<JsonNode> nonNull = new ArrayList<>();
        value.forEach(item -> {
          if (!"null".equals(item.path("type").asText())) {
            nonNull.add(item);
          }
        });
        boolean hadNull = nonNull.size() < value.size();
        if (hadNull && nonNull.size() == 1) {
          JsonNode single = transform(nonNull.getFirst(), definitions, depth + 1);
          if (single.isObject()) {
            out.setAll((ObjectNode) single);
          }
          out.put("nullable", true);
          continue;
        }
        ArrayNode items = NODES.arrayNode();
        nonNull.forEach(item -> items.add(transform(item, definitions, depth + 1)));
        out.set(key, items);
        if (hadNull) {
          out.put("nullable", true);
        }
        continue;
      }
      out.set(key, transform(value, definitions, depth + 1));
    }
    return out;
  }
}
