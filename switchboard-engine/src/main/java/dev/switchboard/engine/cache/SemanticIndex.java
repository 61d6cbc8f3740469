package dev.switchboard.engine.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The vectors of stored answers' last user turns, for the semantic cache: per semantic scope (the
 * request and its scope with the last user turn left out), the embeddings of the last user turns
 * answered, each with the exact key its answer is stored under. A lookup is an exact cosine search
 * over one scope's vectors, so only requests whose earlier turns match exactly are compared.
 *
 * <p>Bounded: at most {@code perScope} vectors per scope (the oldest dropped first), and at most
 * {@code maxVectors} in all (whole scopes evicted by Caffeine, least used first). In process only:
 * with the Redis backend, answers are shared but each gateway keeps its own index.
 */
final class SemanticIndex {
  /** One indexed turn: its unit vector, its numbers, and the exact key of its answer. */
  private record Entry(float[] vector, java.util.List<String> numbers, CacheKey answer) {}

  /** The best match of a search. */
  record Match(CacheKey answer, double similarity) {}

  private final Cache<String, ArrayDeque<Entry>> scopes;
  private final int perScope;

  SemanticIndex(long maxVectors, int perScope) {
    this.perScope = perScope;
    this.scopes =
        Caffeine.newBuilder()
            .maximumWeight(maxVectors)
            .weigher((String scope, ArrayDeque<Entry> entries) -> Math.max(1, entries.size()))
            .executor(Runnable::run)
            .build();
  }

  /**
   * The indexed answer in {@code scope} most similar to {@code vector}, if any reaches the
   * threshold and names the same numbers (see {@link NumberGuard}).
   */
  Match nearest(CacheKey scope, float[] vector, String turn, double threshold) {
    java.util.List<String> numbers = NumberGuard.numbers(turn);
    ArrayDeque<Entry> entries = scopes.getIfPresent(scope.hex());
    if (entries == null) {
      return null;
    }
    Match best = null;
    synchronized (entries) {
      for (Entry entry : entries) {
        double similarity = dot(entry.vector(), vector);
        if (similarity >= threshold
            && entry.numbers().equals(numbers)
            && (best == null || similarity > best.similarity())) {
          best = new Match(entry.answer(), similarity);
        }
      }
    }
    return best;
  }

  /** Indexes the answer stored under {@code answer} by its last user turn's {@code vector}. */
  void add(CacheKey scope, float[] vector, String turn, CacheKey answer) {
    ArrayDeque<Entry> entries = scopes.get(scope.hex(), s -> new ArrayDeque<>());
    synchronized (entries) {
      for (Iterator<Entry> it = entries.iterator(); it.hasNext(); ) {
        if (it.next().answer().equals(answer)) {
          it.remove();
        }
      }
      entries.addLast(new Entry(vector, NumberGuard.numbers(turn), answer));
      while (entries.size() > perScope) {
        entries.removeFirst();
      }
    }
    // Put again so that Caffeine weighs the scope anew.
    scopes.put(scope.hex(), entries);
  }

  /** Vectors indexed in all scopes. */
  long size() {
    scopes.cleanUp();
    return scopes.policy().eviction().map(e -> e.weightedSize().orElse(0)).orElse(0L);
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
