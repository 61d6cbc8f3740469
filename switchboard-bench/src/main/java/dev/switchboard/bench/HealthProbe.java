package dev.switchboard.bench;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse.BodyHandlers;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Probes {@code GET /v1/health} at a steady rate on a connection of its own while the load runs, as
 * a load balancer's health check does: a probe starts every period whether or not the last one
 * ended (one scheduler thread), and each is timed from its send to the last byte of the answer.
 * Anything but a 200 is a failure.
 */
final class HealthProbe implements AutoCloseable {
  private static final Duration PROBE_TIMEOUT = Duration.ofSeconds(30);

  /**
   * One probe.
   *
   * @param sentNanos when it was sent, {@link System#nanoTime()}
   * @param latencyNanos until the last byte, or until it failed
   * @param ok whether it was answered 200
   */
  record Probe(long sentNanos, long latencyNanos, boolean ok) {}

  private final HttpRequest request;
  private final HttpClient client =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(5))
          .executor(Executors.newVirtualThreadPerTaskExecutor())
          .build();
  private final ScheduledExecutorService scheduler =
      Executors.newSingleThreadScheduledExecutor(
          runnable -> Thread.ofPlatform().daemon().name("health-probe").unstarted(runnable));
  private final List<Probe> probes = new ArrayList<>();

  HealthProbe(URI origin) {
    this.request =
        HttpRequest.newBuilder(URI.create(origin + "/v1/health")).timeout(PROBE_TIMEOUT).build();
  }

  /** Starts probing every {@code period}. */
  void start(Duration period) {
    scheduler.scheduleAtFixedRate(
        () -> Thread.ofVirtual().start(this::probe), 0, period.toNanos(), TimeUnit.NANOSECONDS);
  }

  private void probe() {
    long sent = System.nanoTime();
    boolean ok;
    try {
      ok = client.send(request, BodyHandlers.ofByteArray()).statusCode() == 200;
    } catch (IOException e) {
      ok = false;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return;
    }
    Probe probe = new Probe(sent, System.nanoTime() - sent, ok);
    synchronized (probes) {
      probes.add(probe);
    }
  }

  /** Every probe that ended so far. */
  List<Probe> probes() {
    synchronized (probes) {
      return List.copyOf(probes);
    }
  }

  /** Stops sending probes; those under way are still recorded. */
  @Override
  public void close() {
    scheduler.shutdownNow();
  }
}
