package dev.switchboard.bench;

import java.io.IOException;
import java.net.http.HttpClient;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.stream.LongStream;

/**
 * Runs one scenario closed-loop: each of C workers (virtual threads) sends its next request as soon
 * as the previous answer is read, through a warm-up period and then a measured one. A request is
 * measured when it starts inside the measured period; throughput divides those that succeeded by
 * the time from the period's start until the last of them ends (or the period ends, if later).
 *
 * <p>The servers' CPU is read when the measured period starts and again when the last measured
 * request has ended, so it covers every measured request (and the little left of the warm-up's last
 * ones, at most one per worker).
 */
final class ClosedLoop {
  private ClosedLoop() {}

  static ScenarioResult run(
      Scenario scenario, Duration warmUp, Duration measure, Map<String, ProcessCpu> servers)
      throws InterruptedException {
    ChatCall call = new ChatCall(scenario.target(), scenario.format());
    List<Future<WorkerTally>> futures = new ArrayList<>();
    long measureFrom;
    long measureUntil;
    Future<Map<String, Long>> cpuAtStart;
    // A fresh client per scenario: its connections are opened during this scenario's warm-up.
    try (ExecutorService clientThreads = Executors.newVirtualThreadPerTaskExecutor();
        HttpClient client =
            HttpClient.newBuilder()
                .version(HttpClient.Version.HTTP_1_1)
                .connectTimeout(Duration.ofSeconds(5))
                .executor(clientThreads)
                .build();
        ExecutorService workers = Executors.newVirtualThreadPerTaskExecutor()) {
      measureFrom = System.nanoTime() + warmUp.toNanos();
      measureUntil = measureFrom + measure.toNanos();
      for (int i = 0; i < scenario.concurrency(); i++) {
        futures.add(workers.submit(() -> work(call, client, measureFrom, measureUntil)));
      }
      cpuAtStart =
          workers.submit(() -> {
            Thread.sleep(Duration.ofNanos(Math.max(0, measureFrom - System.nanoTime())));
            return cpuNanos(servers);
          });
    }
    Map<String, Long> cpuUsed = cpuNanos(servers);
    try {
      cpuUsed.replaceAll((server, atEnd) -> atEnd - cpuAtStart.resultNow().get(server));
    } catch (IllegalStateException e) {
      throw new IllegalStateException("reading the servers' CPU failed", cpuAtStart.exceptionNow());
    }
    return summarise(scenario, futures, measureFrom, measureUntil, cpuUsed);
  }

  private static Map<String, Long> cpuNanos(Map<String, ProcessCpu> servers) {
    Map<String, Long> used = new HashMap<>();
    servers.forEach((server, cpu) -> used.put(server, cpu.cpuNanos()));
    return used;
  }

  private static WorkerTally work(
      ChatCall call, HttpClient client, long measureFrom, long measureUntil)
      throws InterruptedException {
    LongStream.Builder totals = LongStream.builder();
    LongStream.Builder firstEvents = LongStream.builder();
    long lastEnd = measureFrom;
    long errors = 0;
    String firstError = null;
    while (true) {
      long started = System.nanoTime();
      if (started - measureUntil >= 0) {
        break;
      }
      try {
        ChatCall.Sample sample = call.send(client);
        if (started - measureFrom >= 0) {
          totals.add(sample.total());
          firstEvents.add(sample.firstEvent());
          lastEnd = Math.max(lastEnd, started + sample.total());
        }
      } catch (IOException failure) {
        errors++;
        if (firstError == null) {
          firstError = failure.toString();
        }
      }
    }
    return new WorkerTally(
        totals.build().toArray(), firstEvents.build().toArray(), lastEnd, errors, firstError);
  }

  private static ScenarioResult summarise(
      Scenario scenario,
      List<Future<WorkerTally>> futures,
      long measureFrom,
      long measureUntil,
      Map<String, Long> cpuUsed)
      throws InterruptedException {
    List<WorkerTally> tallies = new ArrayList<>();
    for (Future<WorkerTally> future : futures) {
      try {
        tallies.add(future.get());
      } catch (ExecutionException e) {
        throw new IllegalStateException("a worker of " + scenario + " failed", e.getCause());
      }
    }
    long[] totals = tallies.stream().flatMapToLong(t -> LongStream.of(t.totals())).toArray();
    long[] firstEvents =
        tallies.stream().flatMapToLong(t -> LongStream.of(t.firstEvents())).toArray();
    long lastEnd = tallies.stream().mapToLong(WorkerTally::lastEnd).max().orElse(measureUntil);
    double seconds = (Math.max(lastEnd, measureUntil) - measureFrom) / 1e9;
    return new ScenarioResult(
        scenario,
        Latencies.of(totals),
        Latencies.of(firstEvents),
        totals.length / seconds,
        tallies.stream().mapToLong(WorkerTally::errors).sum(),
        tallies.stream()
            .map(WorkerTally::firstError)
            .filter(Objects::nonNull)
            .findFirst()
            .orElse(null),
        Map.copyOf(cpuUsed));
  }

  /** What one worker saw; latencies in nanoseconds. */
  private record WorkerTally(
      long[] totals, long[] firstEvents, long lastEnd, long errors, String firstError) {}
}
