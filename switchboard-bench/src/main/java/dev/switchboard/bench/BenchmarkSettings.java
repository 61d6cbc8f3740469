package dev.switchboard.bench;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What one run measures: the three targets, the warm-up and measured periods, which scenarios, how
 * many runs, and which server processes' CPU is read.
 *
 * @param directBaseUrl the fake provider's base URL, e.g. {@code http://127.0.0.1:40123/v1}
 * @param nginxBaseUrl a bare nginx {@code proxy_pass} hop in front of the fake, e.g. {@code
 *     http://127.0.0.1:40124/v1}
 * @param gatewayBaseUrl the gateway's base URL, e.g. {@code http://127.0.0.1:18787/v1}
 * @param jitWarmUp how long, in all, every target and format is driven unmeasured before the first
 *     scenario, so that the JIT compilers of the driver, the provider and the gateway have done
 *     their work before anything is measured
 * @param warmUp how long each scenario runs before it is measured
 * @param measure how long each scenario is measured
 * @param concurrencies the numbers of concurrent workers, one scenario each
 * @param formats the response formats, one scenario each
 * @param runs how many times every scenario is measured (the report gives the median and spread)
 * @param servers the server processes whose CPU is read around each measured period, by {@link
 *     Target#server()} name ({@code fake}, {@code nginx}, {@code gateway}); may be empty
 */
record BenchmarkSettings(
    URI directBaseUrl,
    URI nginxBaseUrl,
    URI gatewayBaseUrl,
    Duration jitWarmUp,
    Duration warmUp,
    Duration measure,
    List<Integer> concurrencies,
    List<ResponseFormat> formats,
    int runs,
    Map<String, ProcessCpu> servers) {

  static final String USAGE =
      """
      Usage: java -jar switchboard-bench.jar --direct URL --nginx URL --gateway URL [options]

        --direct URL             base URL of the provider called bare,
                                 e.g. http://127.0.0.1:40123/v1
        --nginx URL              base URL of a bare nginx proxy_pass hop in front of it
        --gateway URL            base URL of the gateway in front of it,
                                 e.g. http://127.0.0.1:18787/v1
        --jit-warmup DURATION    in all, unmeasured, before the first scenario (default 30s)
        --warmup DURATION        per scenario, before measuring (default 3s; ms, s or m)
        --measure DURATION       per scenario, measured (default 10s)
        --concurrency LIST       concurrent workers, comma-separated (default 1,16,64)
        --formats LIST           json, sse or both (default json,sse)
        --runs N                 measure every scenario N times; median and spread (default 1)
        --fake-pid PID           the upstream's process, whose CPU is read (Linux /proc):
                                 the fake's JVM, or an nginx master (its workers counted)
        --nginx-pid PID          nginx's master process; its workers are counted with it
        --gateway-pid PID        the gateway's process
        --clock-ticks N          the unit of /proc's CPU times, getconf CLK_TCK (default 100)
      """;

  /** The whole run's length if nothing hangs: the JIT warm-up and every scenario's periods. */
  Duration plannedLength() {
    long scenarios = 3L * concurrencies.size() * formats.size() * runs;
    return jitWarmUp.plus(warmUp.plus(measure).multipliedBy(scenarios));
  }

  /**
   * Reads the command line.
   *
   * @throws IllegalArgumentException naming the flag that is missing or wrong
   */
  static BenchmarkSettings parse(String[] args) {
    URI direct = null;
    URI nginx = null;
    URI gateway = null;
    Duration jitWarmUp = Duration.ofSeconds(30);
    Duration warmUp = Duration.ofSeconds(3);
    Duration measure = Duration.ofSeconds(10);
    List<Integer> concurrencies = List.of(1, 16, 64);
    List<ResponseFormat> formats = List.of(ResponseFormat.JSON, ResponseFormat.SSE);
    int runs = 1;
    Map<String, Long> pids = new LinkedHashMap<>();
    long clockTicks = 100;
    for (int i = 0; i < args.length; i += 2) {
      String flag = args[i];
      if (i + 1 >= args.length) {
        throw new IllegalArgumentException("missing value after " + flag);
      }
      String value = args[i + 1];
      switch (flag) {
        case "--direct" -> direct = baseUrl(value);
        case "--nginx" -> nginx = baseUrl(value);
        case "--gateway" -> gateway = baseUrl(value);
        case "--jit-warmup" -> jitWarmUp = duration(flag, value);
        case "--warmup" -> warmUp = duration(flag, value);
        case "--measure" -> measure = duration(flag, value);
        case "--concurrency" -> concurrencies = concurrencies(value);
        case "--formats" -> formats = formats(value);
        case "--runs" -> runs = positive(flag, value);
        case "--fake-pid" -> pids.put(Target.FAKE, (long) positive(flag, value));
        case "--nginx-pid" -> pids.put("nginx", (long) positive(flag, value));
        case "--gateway-pid" -> pids.put("gateway", (long) positive(flag, value));
        case "--clock-ticks" -> clockTicks = positive(flag, value);
        default -> throw new IllegalArgumentException("unknown flag " + flag);
      }
    }
    if (direct == null || nginx == null || gateway == null) {
      throw new IllegalArgumentException("--direct, --nginx and --gateway are required");
    }
    if (measure.isZero() || measure.isNegative()) {
      throw new IllegalArgumentException("--measure must be positive");
    }
    Map<String, ProcessCpu> servers = new LinkedHashMap<>();
    for (Map.Entry<String, Long> pid : pids.entrySet()) {
      // nginx's master only accepts and hands out; its workers proxy (the hop) or answer (the
      // upstream, when bench/load.sh runs an nginx in place of the fake). A JVM has no children.
      boolean withChildren = !pid.getKey().equals("gateway");
      servers.put(pid.getKey(), new ProcessCpu(pid.getValue(), withChildren, clockTicks));
    }
    return new BenchmarkSettings(
        direct,
        nginx,
        gateway,
        jitWarmUp,
        warmUp,
        measure,
        concurrencies,
        formats,
        runs,
        Map.copyOf(servers));
  }

  private static int positive(String flag, String value) {
    try {
      int number = Integer.parseInt(value.trim());
      if (number > 0) {
        return number;
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(flag + " takes a positive whole number");
  }

  private static URI baseUrl(String value) {
    return URI.create(value.endsWith("/") ? value.substring(0, value.length() - 1) : value);
  }

  /**
   * Reads a duration such as {@code 500ms}, {@code 3s} or {@code 1m}.
   *
   * @throws IllegalArgumentException naming {@code flag} when it is not one
   */
  static Duration duration(String flag, String value) {
    String text = value.trim().toLowerCase(Locale.ROOT);
    try {
      if (text.endsWith("ms")) {
        return Duration.ofMillis(Long.parseLong(text.substring(0, text.length() - 2)));
      } else if (text.endsWith("s")) {
        return Duration.ofMillis(Math.round(1000 * Double.parseDouble(text.replace("s", ""))));
      } else if (text.endsWith("m")) {
        return Duration.ofMinutes(Long.parseLong(text.substring(0, text.length() - 1)));
      }
    } catch (NumberFormatException e) {
      // falls through to the message below
    }
    throw new IllegalArgumentException(flag + " takes a duration such as 500ms, 3s or 1m");
  }

  private static List<Integer> concurrencies(String value) {
    List<Integer> levels = new ArrayList<>();
    for (String level : value.split(",")) {
      int workers = Integer.parseInt(level.trim());
      if (workers < 1) {
        throw new IllegalArgumentException("--concurrency takes positive numbers");
      }
      levels.add(workers);
    }
    return List.copyOf(levels);
  }

  private static List<ResponseFormat> formats(String value) {
    return Arrays.stream(value.split(","))
        .map(name -> ResponseFormat.valueOf(name.trim().toUpperCase(Locale.ROOT)))
        .toList();
  }
}
