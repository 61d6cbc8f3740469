package dev.switchboard.bench;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The soak benchmark: the shipped gateway, run as a process of its own with its default settings
 * (request log, metrics and access on, every call with a gateway key), in front of the test kit's
 * fake OpenAI (in this JVM, on 127.0.0.1), under closed-loop traffic of JSON answers and streams
 * for a long time, some of the streams left mid-way by their clients and some calls slow at the
 * provider. Every sampling period it samples the gateway process (resident memory, heap after a
 * full collection, threads, open files) and the request log's counters; all along it probes {@code
 * GET /v1/health}. It prints a summary (Markdown) and writes it, as JSON too, with the samples as
 * CSV, to the output directory; the exit status is 1 when a client saw an error, the log dropped a
 * record or a health probe failed. {@code bench/soak.sh} builds and runs it. Not a test: nothing is
 * asserted on its figures.
 */
public final class SoakBenchmark {
  /** The clients' draws are seeded, so that two runs send the same sequence of calls. */
  private static final long SEED = 16;

  private static final Duration DRAIN_TIMEOUT = Duration.ofSeconds(60);

  private SoakBenchmark() {}

  /**
   * Runs the soak; see {@link SoakSettings#USAGE} for the flags.
   *
   * @param args {@code [--duration 10m] [--connections 32] [--cancel-share 0.05] [--slow-share
   *     0.05] …}
   */
  public static void main(String[] args) throws Exception {
    SoakSettings settings;
    try {
      settings = SoakSettings.parse(args);
    } catch (IllegalArgumentException e) {
      System.err.println("soak: " + e.getMessage());
      System.err.print(SoakSettings.USAGE);
      System.exit(2);
      return;
    }
    MachineFacts machine = MachineFacts.ofThisMachine();
    Files.createDirectories(settings.output());
    Path stores = Files.createTempDirectory("switchboard-soak");
    int status;
    try {
      status = run(settings, machine, stores);
    } finally {
      deleteRecursively(stores);
    }
    System.exit(status);
  }

  private static int run(SoakSettings settings, MachineFacts machine, Path stores)
      throws Exception {
    FakeOpenAi.Builder upstream =
        FakeOpenAi.builder()
            .recordRequests(false)
            .someRequests(settings.slowShare(), new Fault.SlowFirstByte(settings.slowDelay()));
    if (!settings.eventGap().isZero()) {
      upstream.everyRequest(new Fault.ChunkDelay(settings.eventGap()));
    }
    Path gatewayLog = settings.output().resolve("gateway.log");
    try (FakeOpenAi fake = upstream.start();
        SoakGateway gateway =
            SoakGateway.start(settings.gatewayJar(), stores, fake.baseUrl(), gatewayLog)) {
      Files.writeString(settings.output().resolve("gateway.pid"), gateway.pid() + "\n");
      System.err.printf(
          "soak: gateway (pid %d) at %s, fake OpenAI at %s; %s of traffic at %d connections%n",
          gateway.pid(),
          gateway.origin(),
          fake.baseUrl(),
          settings.duration(),
          settings.connections());
      Target target =
          new Target(
              "gateway",
              "gateway",
              URI.create(gateway.baseUrl() + "/chat/completions"),
              Map.of("x-portkey-provider", "openai", "x-portkey-api-key", gateway.createKey()));
      checkAnswers(target);

      SoakTraffic traffic = new SoakTraffic(target, settings.cancelShare());
      ProcessSampler sampler =
          new ProcessSampler(gateway.pid(), stores.resolve("jcmd-commands.txt"));
      List<SoakSample> samples = new ArrayList<>();
      List<ProcessSampler.Sample> rawSamples = new ArrayList<>();
      long trafficStart = System.nanoTime();
      ScheduledExecutorService sampling =
          Executors.newSingleThreadScheduledExecutor(
              runnable -> Thread.ofPlatform().daemon().name("soak-sampler").unstarted(runnable));
      HealthProbe health = new HealthProbe(gateway.origin());
      health.start(settings.healthEvery());
      sampling.scheduleAtFixedRate(
          () -> sampleOnce(gateway, sampler, traffic, trafficStart, samples, rawSamples),
          0,
          settings.sampleEvery().toNanos(),
          TimeUnit.NANOSECONDS);
      traffic.run(settings.connections(), settings.duration(), SEED);
      double trafficSeconds = (System.nanoTime() - trafficStart) / 1e9;
      sampling.shutdown();
      sampling.awaitTermination(2, TimeUnit.MINUTES);
      health.close();

      JsonNode requestLog = drainedRequestLog(gateway);
      String metrics = gateway.metrics();
      Map<String, Double> answered =
          PrometheusText.sumBy(metrics, "switchboard_requests_total", "status");
      Map<String, Double> failures =
          PrometheusText.sumBy(
              metrics, "gen_ai_client_operation_duration_seconds_count", "error_type");
      failures.remove("");
      List<String> gatewayErrors = gateway.errorLines();
      int exitStatus = gateway.stop();
      SoakReport report =
          new SoakReport(
              settings,
              machine,
              trafficSeconds,
              List.copyOf(samples),
              traffic.tally(),
              new SoakReport.Upstream(
                  fake.requestCount(), fake.clientsLeftWhileWaiting(), fake.abortedStreams()),
              answered,
              failures,
              requestLog,
              SoakReport.HealthFigures.of(health.probes(), List.copyOf(rawSamples)),
              gatewayErrors,
              exitStatus);
      report.write(settings.output());
      System.out.print(report.markdown());
      return report.clean() ? 0 : 1;
    }
  }

  private static void sampleOnce(
      SoakGateway gateway,
      ProcessSampler sampler,
      SoakTraffic traffic,
      long trafficStart,
      List<SoakSample> samples,
      List<ProcessSampler.Sample> rawSamples) {
    try {
      ProcessSampler.Sample sample = sampler.sample();
      JsonNode log = gateway.requestLog();
      SoakTraffic.Tally tally = traffic.tally();
      SoakSample row =
          new SoakSample(
              (sample.gcStartedNanos() - trafficStart) / 60e9,
              sample.rssKib() / 1024.0,
              sample.heapAfterGcKib() / 1024.0,
              sample.threads(),
              sample.openFiles(),
              (sample.gcEndedNanos() - sample.gcStartedNanos()) / 1e6,
              tally.calls(),
              tally.errors(),
              log.path("accepted").asLong(),
              log.path("written").asLong(),
              log.path("dropped").asLong(),
              log.path("queued").asLong());
      synchronized (samples) {
        samples.add(row);
        rawSamples.add(sample);
      }
      System.err.printf(
          "soak: %5.2f min  rss %.0f MiB  heap after GC %.1f MiB  threads %d  files %d"
              + "  calls %d  errors %d  log queued %d dropped %d%n",
          row.minutes(),
          row.rssMib(),
          row.heapAfterGcMib(),
          row.threads(),
          row.openFiles(),
          row.calls(),
          row.errors(),
          row.logQueued(),
          row.logDropped());
    } catch (IOException | RuntimeException e) {
      System.err.println("soak: !!! a sample failed: " + e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** One call of each kind before the run, so that a broken setup stops it at once. */
  private static void checkAnswers(Target target) throws InterruptedException {
    try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build()) {
      for (ResponseFormat format : ResponseFormat.values()) {
        new ChatCall(target, format).send(client);
      }
    } catch (IOException e) {
      throw new IllegalStateException("the gateway does not answer a chat completion: " + e, e);
    }
  }

  /**
   * The request log's counters once it wrote what it was given (nothing queued or being written),
   * or after {@link #DRAIN_TIMEOUT}.
   */
  private static JsonNode drainedRequestLog(SoakGateway gateway)
      throws IOException, InterruptedException {
    long deadline = System.nanoTime() + DRAIN_TIMEOUT.toNanos();
    JsonNode log = gateway.requestLog();
    while (log.path("queued").asLong() + log.path("writing").asLong() > 0
        && System.nanoTime() < deadline) {
      Thread.sleep(200);
      log = gateway.requestLog();
    }
    return log;
  }

  private static void deleteRecursively(Path directory) throws IOException {
    try (Stream<Path> paths = Files.walk(directory)) {
      for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
        Files.deleteIfExists(path);
      }
    }
  }
}
