package dev.switchboard.client.config;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** The one mapper the config package writes with. */
final class Json {
  static final ObjectMapper MAPPER = new ObjectMapper();

  private Json() {}

  static ObjectNode object() {
    return JsonNodeFactory.instance.objectNode();
  }

  /** Any value Jackson can write (maps, lists, strings, numbers, records) as a tree. */
  static JsonNode tree(Object value, String field) {
    try {
      return value instanceof JsonNode node ? node.deepCopy() : MAPPER.valueToTree(value);
    } catch (IllegalArgumentException e) {
      throw new InvalidConfigException(field, "cannot be written as JSON: " + e.getMessage());
    }
  }

  static String requireText(String value, String field) {
    if (value == null || value.isBlank()) {
      throw new InvalidConfigException(field, "must be a non-empty string");
    }
    return value;
  }

  static int statusCode(int code, String field) {
    if (code < 100 || code > 599) {
      throw new InvalidConfigException(
          field, "must be an HTTP status code (100 to 599), not " + code);
    }
    return code;
  }
}
