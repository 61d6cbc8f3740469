package dev.switchboard.engine.routing;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.outbound.OutboundGuard;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.Set;

/**
 * A fuzz target for the config parser: whatever the bytes, it returns a tree or throws the
 * validation error, never anything else. In an ordinary build (regression mode) Jazzer replays the
 * committed inputs under {@code src/test/resources/.../ConfigParserFuzzTestInputs/}; with {@code
 * JAZZER_FUZZ=1} it fuzzes and adds what it finds there.
 */
class ConfigParserFuzzTest {
  private static final ConfigParser PARSER =
      new ConfigParser(Set.of("openai", "mock"), new OutboundGuard(Set.of("localhost")));

  @FuzzTest(maxDuration = "30s")
  void parsesAnyInputIntoATreeOrAValidationError(byte[] input) {
    String text = new String(input, StandardCharsets.UTF_8);
    try {
      PARSER.parse(WireJson.tree(text));
    } catch (InvalidRequestException | WireFormatException expected) {
      // the only failures a config may cause
    }
  }
}
