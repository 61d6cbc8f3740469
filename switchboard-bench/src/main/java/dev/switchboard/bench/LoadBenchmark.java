package dev.switchboard.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The end-to-end load benchmark: measures what the gateway adds to a chat completion by sending the
 * same requests to a provider bare, through a bare nginx {@code proxy_pass} hop (the floor any
 * proxy is compared with) and through the gateway, closed-loop, for each response format (JSON,
 * SSE) and concurrency, reading each server process's CPU around every measured period, and prints
 * the comparison as Markdown tables on standard output.
 *
 * <p>Every answer is read whole and checked (status 200; a stream ends with {@code data: [DONE]});
 * failures are counted, reported loudly, and make the exit status 1. A target that does not answer
 * one request correctly before the run stops it at once with exit status 2. Each request times out
 * after 30 s, so a run lasts at most its planned length plus that. {@code bench/load.sh} starts the
 * fake provider, nginx and the gateway and runs this.
 */
public final class LoadBenchmark {
  private static final int JIT_WARM_UP_CONCURRENCY = 16;

  private LoadBenchmark() {}

  /**
   * Runs the benchmark; see {@link BenchmarkSettings#USAGE} for the flags.
   *
   * @param args {@code --direct URL --nginx URL --gateway URL [--jit-warmup 30s] [--warmup 3s]
   *     [--measure 10s] [--concurrency 1,16,64] [--formats json,sse] [--runs 1] [--fake-pid PID]
   *     [--nginx-pid PID] [--gateway-pid PID] [--clock-ticks 100]}
   */
  public static void main(String[] args) throws InterruptedException {
    BenchmarkSettings settings;
    try {
      settings = BenchmarkSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("load-benchmark: " + e.getMessage());
      System.err.print(BenchmarkSettings.USAGE);
      System.exit(2);
      return;
    }
    MachineFacts machine = MachineFacts.ofThisMachine();
    Target direct = Target.direct(settings.directBaseUrl());
    Target nginx = Target.nginx(settings.nginxBaseUrl());
    Target gateway = Target.gateway(settings.gatewayBaseUrl());
    List<Target> targets = List.of(direct, nginx, gateway);
    for (ResponseFormat format : settings.formats()) {
      for (Target target : targets) {
        checkAnswers(target, format);
      }
    }
    System.err.printf(
        "load-benchmark: %d scenarios, about %d s%n",
        targets.size() * settings.formats().size() * settings.concurrencies().size(),
        settings.plannedLength().toSeconds());
    warmUpCompilers(settings, List.of(gateway, direct));

    List<MarkdownReport.Cell> cells = new ArrayList<>();
    for (int round = 1; round <= settings.runs(); round++) {
      for (ResponseFormat format : settings.formats()) {
        for (int concurrency : settings.concurrencies()) {
          // Bare, through nginx, through the gateway, back to back: the same machine state.
          Map<String, ScenarioResult> byTarget = new LinkedHashMap<>();
          for (Target target : targets) {
            byTarget.put(
                target.name(), run(new Scenario(target, format, concurrency), settings, round));
          }
          cells.add(new MarkdownReport.Cell(format, concurrency, byTarget));
        }
      }
    }
    System.out.print(new MarkdownReport(settings, machine, cells).render());
    if (reportErrors(cells)) {
      System.exit(1);
    }
  }

  private static ScenarioResult run(Scenario scenario, BenchmarkSettings settings, int round)
      throws InterruptedException {
    System.err.printf("load-benchmark: run %d of %d, %s ...%n", round, settings.runs(), scenario);
    ScenarioResult result =
        ClosedLoop.run(scenario, settings.warmUp(), settings.measure(), settings.servers());
    System.err.printf(
        "load-benchmark: %s: %d requests, %.1f req/s, %d errors%n",
        scenario, result.totals().count(), result.throughput(), result.errors());
    return result;
  }

  /**
   * Drives every target and format, unmeasured, before the first scenario: on a small machine the
   * three JVMs need tens of seconds of load before their hot paths are compiled, longer than a
   * scenario's own warm-up, which would otherwise put the compilers' work into the first rows.
   */
  private static void warmUpCompilers(BenchmarkSettings settings, List<Target> targets)
      throws InterruptedException {
    if (settings.jitWarmUp().isZero()) {
      return;
    }
    Duration slice = settings.jitWarmUp().dividedBy(targets.size() * settings.formats().size());
    for (ResponseFormat format : settings.formats()) {
      for (Target target : targets) {
        Scenario scenario = new Scenario(target, format, JIT_WARM_UP_CONCURRENCY);
        System.err.printf(
            "load-benchmark: JIT warm-up, %s for %d ms%n", scenario, slice.toMillis());
        ScenarioResult result = ClosedLoop.run(scenario, Duration.ZERO, slice, Map.of());
        if (result.errors() > 0) {
          System.err.printf(
              "load-benchmark: !!! %d errors in the JIT warm-up of %s; the first: %s%n",
              result.errors(), scenario, result.firstError());
        }
      }
    }
  }

  /** One request before the run, so that a wrong URL stops it at once instead of after minutes. */
  private static void checkAnswers(Target target, ResponseFormat format)
      throws InterruptedException {
    try (HttpClient client =
        HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build()) {
      new ChatCall(target, format).send(client);
    } catch (IOException e) {
      System.err.printf(
          "load-benchmark: %s (%s) does not answer a %s chat completion: %s%n",
          target.name(), target.chatCompletions(), format, e);
      System.exit(2);
    }
  }

  private static boolean reportErrors(List<MarkdownReport.Cell> cells) {
    boolean any = false;
    for (MarkdownReport.Cell cell : cells) {
      for (ScenarioResult result : cell.byTarget().values()) {
        if (result.errors() > 0) {
          any = true;
          String line =
              "!!! ERRORS: %s had %d failed requests; the first: %s"
                  .formatted(result.scenario(), result.errors(), result.firstError());
          System.out.println();
          System.out.println(line);
          System.err.println(line);
        }
      }
    }
    return any;
  }
}
