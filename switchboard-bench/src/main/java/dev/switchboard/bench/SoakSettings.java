package dev.switchboard.bench;

import java.nio.file.Path;
import java.time.Duration;
import java.util.Locale;

/**
 * What one soak run does: how long, how many connections, which shares of the calls are left
 * mid-stream by their client or slow at the provider, and how it is watched.
 *
 * @param gatewayJar the shipped gateway, started as a process of its own
 * @param output where the summary (Markdown, JSON) and the samples (CSV) are written
 * @param duration how long the traffic runs
 * @param connections concurrent clients, each sending its next call when its last one ended
 * @param cancelShare the share of calls that are streams their client leaves after a few events
 * @param slowShare the share of calls the provider answers only after {@code slowDelay}
 * @param slowDelay how long a slow call waits before its first byte
 * @param eventGap the provider's pause between two events of a stream, a model's pace
 * @param sampleEvery how often the gateway process is sampled
 * @param warmUp the samples before it are left out of the slopes
 * @param healthEvery how often {@code GET /v1/health} is probed, on a connection of its own
 */
record SoakSettings(
    Path gatewayJar,
    Path output,
    Duration duration,
    int connections,
    double cancelShare,
    double slowShare,
    Duration slowDelay,
    Duration eventGap,
    Duration sampleEvery,
    Duration warmUp,
    Duration healthEvery) {

  static final String USAGE =
      """
      Usage: java -cp switchboard-bench.jar dev.switchboard.bench.SoakBenchmark [options]

        --gateway-jar PATH      the gateway to run (default switchboard-server/target/switchboard.jar)
        --output DIR            where the summary and samples go (default switchboard-bench/target/soak)
        --duration DURATION     how long the traffic runs (default 10m; ms, s or m)
        --connections N         concurrent clients (default 32)
        --cancel-share F        share of calls left mid-stream by their client (default 0.05)
        --slow-share F          share of calls the provider answers late (default 0.05)
        --slow-delay DURATION   how late (default 10s)
        --event-gap DURATION    the provider's pause between two stream events (default 20ms)
        --sample-every DURATION how often the gateway process is sampled (default 10s)
        --warmup DURATION       samples before it are left out of the slopes
                                (default 2m, or a fifth of a shorter run)
        --health-every DURATION how often GET /v1/health is probed (default 200ms)
      """;

  /**
   * Reads the command line.
   *
   * @throws IllegalArgumentException naming the flag that is missing or wrong
   */
  static SoakSettings parse(String[] args) {
    Path gatewayJar = Path.of("switchboard-server/target/switchboard.jar");
    Path output = Path.of("switchboard-bench/target/soak");
    Duration duration = Duration.ofMinutes(10);
    int connections = 32;
    double cancelShare = 0.05;
    double slowShare = 0.05;
    Duration slowDelay = Duration.ofSeconds(10);
    Duration eventGap = Duration.ofMillis(20);
    Duration sampleEvery = Duration.ofSeconds(10);
    Duration warmUp = null;
    Duration healthEvery = Duration.ofMillis(200);
    for (int i = 0; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + flag);
      }
      String value = args[i + 1];
      switch (flag) {
        case "--gateway-jar" -> gatewayJar = Path.of(value);
        case "--output" -> output = Path.of(value);
        case "--duration" -> duration = positive(flag, value);
        case "--connections" -> connections = connections(value);
        case "--cancel-share" -> cancelShare = share(flag, value);
        case "--slow-share" -> slowShare = share(flag, value);
        case "--slow-delay" -> slowDelay = BenchmarkSettings.duration(flag, value);
        case "--event-gap" -> eventGap = BenchmarkSettings.duration(flag, value);
        case "--sample-every" -> sampleEvery = positive(flag, value);
        case "--warmup" -> warmUp = BenchmarkSettings.duration(flag, value);
        case "--health-every" -> healthEvery = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (warmUp == null) {
      warmUp =
          duration.dividedBy(5).compareTo(Duration.ofMinutes(2)) < 0
              ? duration.dividedBy(5)
              : Duration.ofMinutes(2);
    }
    if (warmUp.compareTo(duration) >= 0) {
      throw new IllegalArgumentException("--warmup must be shorter than --duration");
    }
    return new SoakSettings(
        gatewayJar,
        output,
        duration,
        connections,
        cancelShare,
        slowShare,
        slowDelay,
        eventGap,
        sampleEvery,
        warmUp,
        healthEvery);
  }

  private static Duration positive(String flag, String value) {
    Duration duration = BenchmarkSettings.duration(flag, value);
    if (duration.isZero() || duration.isNegative()) {
      throw new IllegalArgumentException(flag + " must be positive");
    }
    return duration;
  }

  private static int connections(String value) {
    try {
      int connections = Integer.parseInt(value.trim());
      if (connections >= 1) {
        return connections;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException("--connections takes a positive number");
  }

  private static double share(String flag, String value) {
    try {
      double share = Double.parseDouble(value.trim().toLowerCase(Locale.ROOT));
      if (share >= 0 && share <= 1) {
        return share;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(flag + " takes a share between 0 and 1, e.g. 0.05");
  }
}
