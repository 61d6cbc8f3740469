package dev.switchboard.engine.cache;

import java.time.Duration;
import java.util.List;

/**
 * The vectors of stored answers' last user turns, for the semantic cache: per semantic scope (the
 * request and its scope with the last user turn left out), the embeddings of the last user turns
 * answered, each with the exact key its answer is stored under. A lookup is an exact cosine search
 * over one scope's vectors, so only requests whose earlier turns match exactly are compared. The
 * embedded cache keeps its index in process; the Redis cache keeps it in Redis, so that gateways
 * sharing a Redis share semantic hits too.
 */
sealed interface SemanticIndex permits EmbeddedSemanticIndex, RedisSemanticIndex {

  /** One indexed turn: its unit vector, its numbers, and the exact key of its answer. */
  record Entry(float[] vector, List<String> numbers, CacheKey answer) {}

  /** The best match of a search. */
  record Match(CacheKey answer, double similarity) {}

  /**
   * The indexed answer in {@code scope} most similar to {@code vector}, if any reaches the
   * threshold and names the same numbers (see {@link NumberGuard}); {@code null} otherwise, or when
   * the index cannot be read.
   */
  Match nearest(CacheKey scope, float[] vector, String turn, double threshold);

  /**
   * Indexes the answer stored under {@code answer} by its last user turn's {@code vector}, for as
   * long as the answer is kept ({@code maxAge}).
   */
  void add(CacheKey scope, float[] vector, String turn, CacheKey answer, Duration maxAge);

  /** The best of {@code entries} for a search; see {@link #nearest}. */
  static Match best(
      Iterable<Entry> entries, float[] vector, List<String> numbers, double threshold) {
    Match best = null;
    for (Entry entry : entries) {
      double similarity = dot(entry.vector(), vector);
      if (similarity >= threshold
          && entry.numbers().equals(numbers)
          && (best == null || similarity > best.similarity())) {
        best = new Match(entry.answer(), similarity);
      }
    }
    return best;
  }

  private static double dot(float[] a, float[] b) {
    if (a.length != b.length) {
      return -1;
    }
    double sum = 0;
    for (int i = 0; i < a.length; i++) {
      sum += a[i] * b[i];
    }
    return sum;
  }
}
