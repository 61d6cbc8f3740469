package dev.switchboard.wire;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;

/** The fields of a JSON object that a record does not model, kept in their order. */
final class Extras {
  private Extras() {}

  static Map<String, JsonNode> of(Map<String, JsonNode> extras) {
    if (extras == null || extras.isEmpty()) {
      return Map.of();
    }
    return Collections.unmodifiableMap(new LinkedHashMap<>(extras));
  }
}
