package dev.switchboard.wire;

import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.Random;
import org.junit.jupiter.api.Test;

/** Bytes from a provider that are not UTF-8 JSON are a format error, whatever they hold. */
class WireJsonBytesTest {

  @Test
  void bytesJacksonTakesForUtf32AreAFormatError() {
    byte[] garbage = {
      0, 0, 0, '{', 0, 0, 0, '"', (byte) 0xFF, (byte) 0xFF, (byte) 0xFF, (byte) 0xFF
    };

    assertThatThrownBy(() -> WireJson.tree(garbage)).isInstanceOf(WireFormatException.class);
    assertThatThrownBy(() -> WireJson.read(garbage, ChatCompletion.class))
        .isInstanceOf(WireFormatException.class);
  }

  @Test
  void randomBytesNeverFailOtherwiseThanAsAFormatError() {
    Random random = new Random(20261129);
    for (int i = 0; i < 20_000; i++) {
      byte[] bytes = new byte[1 + random.nextInt(24)];
      random.nextBytes(bytes);
      if (random.nextBoolean()) {
        bytes[0] = 0;
      }
      try {
        WireJson.tree(bytes);
      } catch (WireFormatException expected) {
        // a malformed document, said so
      }
    }
  }
}
