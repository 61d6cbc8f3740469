package dev.switchboard.engine.cache;

import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.atomic.LongAdder;

/** Counters of the response cache, for health and metrics. Thread-safe; counts only go up. */
public final class CacheStatistics {
  private final LongAdder hits = new LongAdder();
  private final LongAdder semanticHits = new LongAdder();
  private final LongAdder misses = new LongAdder();
  private final LongAdder refreshes = new LongAdder();
  private final LongAdder stores = new LongAdder();
  private final LongAdder errors = new LongAdder();
  private final LongAdder savedTokens = new LongAdder();
  private final AtomicReference<BigDecimal> savedCostUsd = new AtomicReference<>(BigDecimal.ZERO);

  /**
   * The counts at one moment.
   *
   * @param hits requests answered from the cache, semantic hits included
   * @param semanticHits of those, the ones answered by a similar (not the same) last user turn
   * @param misses lookups that found nothing (a backend failure counts as a miss too)
   * @param refreshes requests that skipped the lookup with {@code x-portkey-cache-force-refresh}
   * @param stores answers stored
   * @param errors backend failures (Redis unreachable, timed out, an unreadable entry)
   * @param savedTokens the {@code total_tokens} of every answer served from the cache
   * @param savedCostUsd what the answers served from the cache would have cost at their provider,
   *     in US dollars, exactly; answers whose model has no price or whose usage is unknown add
   *     nothing
   * @param entries answers kept, as far as this process can tell; {@code -1} for a shared store
   */
  public record Snapshot(
      long hits,
      long semanticHits,
      long misses,
      long refreshes,
      long stores,
      long errors,
      long savedTokens,
      BigDecimal savedCostUsd,
      long entries) {}

  void hit(int tokens, BigDecimal cost) {
    hits.increment();
    savedTokens.add(tokens);
    if (cost != null && cost.signum() > 0) {
      savedCostUsd.accumulateAndGet(cost, BigDecimal::add);
    }
  }

  void semanticHit() {
    semanticHits.increment();
  }

  void miss() {
    misses.increment();
  }

  void refresh() {
    refreshes.increment();
  }

  void stored() {
    stores.increment();
  }

  void error() {
    errors.increment();
  }

  Snapshot snapshot(long entries) {
    return new Snapshot(
        hits.sum(),
        semanticHits.sum(),
        misses.sum(),
        refreshes.sum(),
        stores.sum(),
        errors.sum(),
        savedTokens.sum(),
        savedCostUsd.get().stripTrailingZeros(),
        entries);
  }
}
