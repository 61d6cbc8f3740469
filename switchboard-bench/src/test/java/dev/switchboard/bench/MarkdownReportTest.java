package dev.switchboard.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The load benchmark's report: per target the median of the runs, and the gateway beside the nginx
 * hop as the median of the runs' ratios with their spread.
 */
class MarkdownReportTest {
  private static final Target DIRECT = Target.direct(URI.create("http://127.0.0.1:1/v1"));
  private static final Target NGINX = Target.nginx(URI.create("http://127.0.0.1:2/v1"));
  private static final Target GATEWAY = Target.gateway(URI.create("http://127.0.0.1:3/v1"));

  @Test
  void givesTheGatewayBesideTheNginxHopAsMedianAndSpreadOfTheRuns() {
    List<MarkdownReport.Cell> cells = new ArrayList<>();
    // Three runs at JSON C=64: the gateway at 0.6, 0.4 and 0.5 of the hop's req/s, its own CPU
    // per request 3, 2 and 4 times the hop's, its p99 5 times the hop's each time.
    double[] rateRatios = {0.6, 0.4, 0.5};
    long[] cpuRatios = {3, 2, 4};
    for (int run = 0; run < 3; run++) {
      Map<String, ScenarioResult> byTarget = new LinkedHashMap<>();
      byTarget.put("direct", result(DIRECT, 2000, 2_000_000, Map.of("fake", 40_000_000L)));
      byTarget.put(
          "nginx",
          result(NGINX, 1000, 3_000_000, Map.of("fake", 20_000_000L, "nginx", 25_000_000L)));
      byTarget.put(
          "gateway",
          result(
              GATEWAY,
              1000 * rateRatios[run],
              15_000_000,
              Map.of(
                  "fake",
                  (long) (20_000_000L * rateRatios[run]),
                  "gateway",
                  (long) (25_000_000L * cpuRatios[run] * rateRatios[run]))));
      cells.add(new MarkdownReport.Cell(ResponseFormat.JSON, 64, byTarget));
    }

    String report = new MarkdownReport(settings(3), machine(), cells).render();

    assertThat(report)
        .contains(
            "| JSON | 64 | 0.500 [0.400–0.600] | 3.000 [2.000–4.000] | 5.000 [5.000–5.000]"
                + " | 0.500 [0.500–0.500] | 0.250 [0.200–0.300] |")
        // The hop's row: 1000 requests a run, 25 ms of nginx's CPU, so 25 µs each; the fake 20.
        .contains("| JSON | 64 | nginx | 1000 | 1000.0 | 1.000 | 3.000 | 25.0 | 20.0 | 0 |")
        // The gateway's row: the median run's (0.5 of the hop's rate, 3 times its CPU).
        .contains("| JSON | 64 | gateway | 500 | 500.0 | 1.000 | 15.000 | 75.0 | 20.0 | 0 |");
  }

  /**
   * Measured requests that each took 1 ms, but for the slowest 2 %, which took {@code p99Nanos}.
   */
  private static ScenarioResult result(
      Target target, double requests, long p99Nanos, Map<String, Long> cpuNanos) {
    int count = (int) Math.round(requests);
    long[] nanos = new long[count];
    for (int i = 0; i < count; i++) {
      nanos[i] = i >= count - count / 50 ? p99Nanos : 1_000_000;
    }
    Latencies latencies = Latencies.of(nanos);
    return new ScenarioResult(
        new Scenario(target, ResponseFormat.JSON, 64),
        latencies,
        latencies,
        count,
        0,
        null,
        cpuNanos);
  }

  private static BenchmarkSettings settings(int runs) {
    return new BenchmarkSettings(
        URI.create("http://127.0.0.1:1/v1"),
        URI.create("http://127.0.0.1:2/v1"),
        URI.create("http://127.0.0.1:3/v1"),
        Duration.ZERO,
        Duration.ofSeconds(1),
        Duration.ofSeconds(1),
        List.of(64),
        List.of(ResponseFormat.JSON),
        runs,
        Map.of());
  }

  private static MachineFacts machine() {
    return new MachineFacts(2, "a CPU", "Linux", "a JVM", 0.5);
  }
}
