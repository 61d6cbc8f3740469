package dev.switchboard.bench;

import java.util.Map;

/**
 * What one scenario measured.
 *
 * @param scenario what ran
 * @param totals latency to the last byte of each successful measured request
 * @param firstEvents latency to the first event of each (for JSON, the same as totals)
 * @param throughput successful measured requests per second
 * @param errors failed requests, in the warm-up or the measured period
 * @param firstError what the first failure said, or {@code null}
 * @param cpuNanos the CPU each server process used over the measured period, by server name ({@code
 *     fake}, {@code nginx}, {@code gateway}); only the servers whose pid the run was given
 */
record ScenarioResult(
    Scenario scenario,
    Latencies totals,
    Latencies firstEvents,
    double throughput,
    long errors,
    String firstError,
    Map<String, Long> cpuNanos) {

  /**
   * The CPU a server used per successful measured request, in microseconds; NaN when its CPU was
   * not read or nothing was measured.
   */
  double cpuMicrosPerRequest(String server) {
    Long nanos = cpuNanos.get(server);
    return nanos == null || totals.count() == 0 ? Double.NaN : nanos / 1e3 / totals.count();
  }
}
