package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * Files under {@code src/test/resources/openai/}, shaped as OpenAI documents its answers (values
 * are made up).
 */
final class Fixtures {
  private Fixtures() {}

  static JsonNode json(String name) {
    return RawHttp.json(text(name));
  }

  /** The {@code data:} payloads of a fixture stream, {@code [DONE]} included. */
  static List<String> events(String name) {
    return RawHttp.dataEvents(text(name));
  }

  private static String text(String name) {
    try (InputStream in = Fixtures.class.getResourceAsStream("/openai/" + name)) {
      if (in == null) {
        throw new IllegalArgumentException("no fixture " + name);
      }
      return new String(in.readAllBytes(), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
