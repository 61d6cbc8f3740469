package dev.switchboard.engine.cache;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Iterator;

/**
 * The semantic index of the embedded cache, in process. Bounded: at most {@code perScope} vectors
 * per scope (the oldest dropped first), and at most {@code maxVectors} in all (whole scopes evicted
 * by Caffeine, least used first).
 */
final class EmbeddedSemanticIndex implements SemanticIndex {
  private final Cache<String, ArrayDeque<Entry>> scopes;
  private final int perScope;

  EmbeddedSemanticIndex(long maxVectors, int perScope) {
    this.perScope = perScope;
    this.scopes =
        Caffeine.newBuilder()
            .maximumWeight(maxVectors)
            .weigher((String scope, ArrayDeque<Entry> entries) -> Math.max(1, entries.size()))
            .executor(Runnable::run)
            .build();
  }

  @Override
  public Match nearest(CacheKey scope, float[] vector, String turn, double threshold) {
    ArrayDeque<Entry> entries = scopes.getIfPresent(scope.hex());
    if (entries == null) {
      return null;
    }
    synchronized (entries) {
      return SemanticIndex.best(entries, vector, NumberGuard.numbers(turn), threshold);
    }
  }

  @Override
  public void add(CacheKey scope, float[] vector, String turn, CacheKey answer, Duration maxAge) {
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
}
