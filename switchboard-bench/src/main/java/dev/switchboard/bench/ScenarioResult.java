package dev.switchboard.bench;

/**
 * What one scenario measured.
 *
 * @param scenario what ran
 * @param totals latency to the last byte of each successful measured request
 * @param firstEvents latency to the first event of each (for JSON, the same as totals)
 * @param throughput successful measured requests per second
 * @param errors failed requests, in the warm-up or the measured period
 * @param firstError what the first failure said, or {@code null}
 */
record ScenarioResult(
    Scenario scenario,
    Latencies totals,
    Latencies firstEvents,
    double throughput,
    long errors,
    String firstError) {}
