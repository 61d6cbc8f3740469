package dev.switchboard.bench;

import java.util.Arrays;

/**
 * Every latency of one measured period, in nanoseconds, sorted: percentiles are exact, with no
 * bucketing.
 */
record Latencies(long[] sortedNanos) {

  static Latencies of(long[] nanos) {
    long[] sorted = nanos.clone();
    Arrays.sort(sorted);
    return new Latencies(sorted);
  }

  int count() {
    return sortedNanos.length;
  }

  /**
   * The nearest-rank percentile: the smallest latency that at least {@code percent} % of the
   * requests did not exceed; 0 when nothing was measured.
   */
  long percentile(double percent) {
    if (sortedNanos.length == 0) {
      return 0;
    }
    int rank = (int) Math.ceil(percent / 100 * sortedNanos.length);
    return sortedNanos[Math.max(0, rank - 1)];
  }
}
