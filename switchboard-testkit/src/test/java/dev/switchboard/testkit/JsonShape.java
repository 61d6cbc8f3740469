package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;

/**
 * Compares the shape of two JSON documents: the same keys in the same order, the same kinds of
 * value ({@code null} is not absent, a string is not a number), recursively; values may differ.
 */
final class JsonShape {
  private JsonShape() {}

  static void assertSameShape(JsonNode expected, JsonNode actual) {
    compare("$", expected, actual);
  }

  private static void compare(String where, JsonNode expected, JsonNode actual) {
    assertThat(actual.getNodeType())
        .as("the kind of value at %s", where)
        .isEqualTo(expected.getNodeType());
    if (expected.isObject()) {
      List<String> expectedKeys = expected.properties().stream().map(e -> e.getKey()).toList();
      List<String> actualKeys = actual.properties().stream().map(e -> e.getKey()).toList();
      assertThat(actualKeys).as("the keys at %s", where).containsExactlyElementsOf(expectedKeys);
      for (String key : expectedKeys) {
        compare(where + "." + key, expected.get(key), actual.get(key));
      }
    } else if (expected.isArray()) {
      if (expected.isEmpty()) {
        assertThat(actual).as("the array at %s", where).isEmpty();
      }
      for (int i = 0; i < actual.size() && !expected.isEmpty(); i++) {
        compare(where + "[" + i + "]", expected.get(0), actual.get(i));
      }
    }
  }
}
