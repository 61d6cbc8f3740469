package dev.switchboard.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The Redis index's entries survive the trip through bytes, and bytes that are not one are none.
 */
class RedisSemanticIndexTest {

  @Test
  void anEntryReadsBackAsWritten() {
    var entry =
        new SemanticIndex.Entry(
            new float[] {0.25f, -1f, 3.5e-7f}, List.of("10", "2.5"), new CacheKey("ab".repeat(32)));

    SemanticIndex.Entry read = RedisSemanticIndex.read(RedisSemanticIndex.write(entry));

    assertThat(read.vector()).containsExactly(entry.vector());
    assertThat(read.numbers()).isEqualTo(entry.numbers());
    assertThat(read.answer()).isEqualTo(entry.answer());
  }

  @Test
  void bytesThatAreNotAnEntryAreNone() {
    Random random = new Random(7);
    byte[] written =
        RedisSemanticIndex.write(
            new SemanticIndex.Entry(new float[384], List.of(), new CacheKey("cd".repeat(32))));
    for (int i = 0; i < 5_000; i++) {
      byte[] bytes;
      if (random.nextBoolean()) {
        bytes = new byte[random.nextInt(64)];
        random.nextBytes(bytes);
      } else {
        bytes = java.util.Arrays.copyOf(written, random.nextInt(written.length + 1));
        if (bytes.length > 0) {
          bytes[random.nextInt(bytes.length)] = (byte) random.nextInt();
        }
      }
      // Either an entry or none; never an exception.
      RedisSemanticIndex.read(bytes);
    }
    assertThat(RedisSemanticIndex.read(new byte[] {0, 1})).isNull();
  }
}
