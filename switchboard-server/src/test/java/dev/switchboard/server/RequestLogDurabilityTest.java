package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The request log survives {@code kill -9}: a gateway process is killed under load 20 times, each
 * restart reopening the same store, and no acknowledged record is missing or stored twice.
 *
 * <p><b>Acknowledged</b> means the gateway itself reported the record as stored before the kill: in
 * each life of the process the test pauses its load, waits for every response, then polls {@code
 * /v1/health} until the request log reports {@code accepted} equal to the number of responses that
 * life answered, {@code written == accepted} and nothing dropped. Every request id returned (in
 * {@code x-switchboard-request-id}) up to that point is acknowledged: the gateway has said it
 * committed each of them. The load then resumes, so the kill lands while batches are queued, held
 * and being committed; the records of that tail are not acknowledged (they may or may not be found,
 * and the test reports how many were).
 *
 * <p>After the last kill the test opens the store itself and requires every acknowledged id, each
 * exactly once.
 */
class RequestLogDurabilityTest {
  private static final int KILLS = 20;
  private static final String CHAT =
      """
      {"model":"mock-chat","messages":[{"role":"user","content":"Remember me"}]}\
      """;

  /** The client compiler only: the JVM starts in about a third of the time, 20 times over. */
  private static final List<String> QUICK_START =
      List.of("-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC");

  @TempDir Path directory;

  private final HttpClient http =
      HttpClient.newBuilder()
          .version(HttpClient.Version.HTTP_1_1)
          .connectTimeout(Duration.ofSeconds(2))
          .build();

  @Test
  void embeddedStoreKeepsEveryAcknowledgedRecordThroughTwentyKills() throws Exception {
    Path data = directory.resolve("data");
    Outcome outcome =
        killRepeatedly(
            new String[] {"--logs.directory", data.toString()},
            () -> LogStore.embedded(data),
            "embedded DuckDB");

    assertThat(outcome.missing).isEmpty();
    assertThat(outcome.duplicates).isZero();
  }

  @Test
  void postgresStoreKeepsEveryAcknowledgedRecordThroughTwentyKills() throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    Outcome outcome =
        killRepeatedly(
            new String[] {"--logs.store", url}, () -> LogStore.postgres(url, 2000), "PostgreSQL");

    assertThat(outcome.missing).isEmpty();
    assertThat(outcome.duplicates).isZero();
  }

  /**
   * SIGTERM is not a kill: the gateway drains its in-flight requests, then writes every record its
   * log holds before it exits, so every request that was answered is in the store.
   */
  @Test
  void sigtermUnderLoadWritesEveryAnsweredRecordBeforeTheProcessExits() throws Exception {
    Path data = directory.resolve("data");
    Set<String> answered = ConcurrentHashMap.newKeySet();
    try (GatewayProcess gateway =
        GatewayProcess.start(QUICK_START, "--logs.directory", data.toString())) {
      AtomicBoolean running = new AtomicBoolean(true);
      List<Thread> clients = startClients(gateway, answered, running);
      Thread.sleep(1_000);
      gateway.process.destroy(); // SIGTERM
      assertThat(gateway.process.waitFor(30, TimeUnit.SECONDS)).isTrue();
      assertThat(gateway.process.exitValue()).isZero();
      running.set(false);
      for (Thread client : clients) {
        client.join();
      }
    }
    assertThat(answered).isNotEmpty();

    Set<String> stored = new HashSet<>();
    try (LogStore reopened = LogStore.embedded(data);
        Connection connection = reopened.connection();
        ResultSet all = connection.createStatement().executeQuery("SELECT id FROM requests")) {
      while (all.next()) {
        stored.add(all.getString(1));
      }
    }
    assertThat(stored).containsAll(answered);
  }

  private record Outcome(Set<String> missing, long duplicates) {}

  private Outcome killRepeatedly(String[] storeArguments, Supplier<LogStore> store, String name)
      throws Exception {
    Set<String> acknowledged = new HashSet<>();
    Set<String> unacknowledged = new HashSet<>();
    long started = System.nanoTime();
    for (int life = 0; life < KILLS; life++) {
      List<String> arguments = new ArrayList<>(List.of(storeArguments));
      arguments.addAll(List.of("--logs.flush-interval", "20ms"));
      try (GatewayProcess gateway =
          GatewayProcess.start(QUICK_START, arguments.toArray(String[]::new))) {
        Set<String> answered = ConcurrentHashMap.newKeySet();
        runLoad(gateway, answered, Duration.ofMillis(400));
        assertThat(answered).as("requests answered in life %d", life).isNotEmpty();
        awaitAllWritten(gateway, answered.size());
        acknowledged.addAll(answered);

        Set<String> tail = ConcurrentHashMap.newKeySet();
        AtomicBoolean running = new AtomicBoolean(true);
        List<Thread> clients = startClients(gateway, tail, running);
        Thread.sleep(150 + 10L * life); // the kill lands at a different point of each life
        gateway.process.destroyForcibly(); // SIGKILL: no shutdown hook, no close, no checkpoint
        assertThat(gateway.process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        running.set(false);
        for (Thread client : clients) {
          client.join();
        }
        unacknowledged.addAll(tail);
      }
    }
    double seconds = (System.nanoTime() - started) / 1e9;

    Set<String> stored = new HashSet<>();
    long rows;
    try (LogStore reopened = store.get();
        Connection connection = reopened.connection();
        ResultSet all = connection.createStatement().executeQuery("SELECT id FROM requests")) {
      rows = 0;
      while (all.next()) {
        stored.add(all.getString(1));
        rows++;
      }
    }
    Set<String> missing = new HashSet<>(acknowledged);
    missing.removeAll(stored);
    long tailFound = unacknowledged.stream().filter(stored::contains).count();
    System.out.printf(
        Locale.ROOT,
        "request log durability (%s): %d kills in %.1f s, %d acknowledged, %d missing, %d"
            + " duplicates; %d answered after the last acknowledgement, %d of them stored; %d"
            + " rows%n",
        name,
        KILLS,
        seconds,
        acknowledged.size(),
        missing.size(),
        rows - stored.size(),
        unacknowledged.size(),
        tailFound,
        rows);
    return new Outcome(missing, rows - stored.size());
  }

  private void runLoad(GatewayProcess gateway, Set<String> answered, Duration duration)
      throws InterruptedException {
    AtomicBoolean running = new AtomicBoolean(true);
    List<Thread> clients = startClients(gateway, answered, running);
    Thread.sleep(duration.toMillis());
    running.set(false);
    for (Thread client : clients) {
      client.join();
    }
  }

  /** Four clients sending chat requests until {@code running} is false; ids go to {@code ids}. */
  private List<Thread> startClients(
      GatewayProcess gateway, Set<String> ids, AtomicBoolean running) {
    HttpRequest request =
        HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
            .header("content-type", "application/json")
            .header("x-portkey-provider", "mock")
            .timeout(Duration.ofSeconds(5))
            .POST(HttpRequest.BodyPublishers.ofString(CHAT))
            .build();
    List<Thread> clients = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      clients.add(
          Thread.ofVirtual()
              .start(() -> {
                while (running.get()) {
                  try {
                    HttpResponse<String> response =
                        http.send(request, HttpResponse.BodyHandlers.ofString());
                    if (response.statusCode() == 200) {
                      response.headers().firstValue(PortkeyHeaders.REQUEST_ID).ifPresent(ids::add);
                    }
                  } catch (IOException killed) {
                    return; // the gateway was killed under this request
                  } catch (InterruptedException e) {
                    return;
                  }
                }
              }));
    }
    return clients;
  }

  /** Waits until the gateway reports all {@code answered} records committed, none dropped. */
  private void awaitAllWritten(GatewayProcess gateway, int answered) throws Exception {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    JsonNode log = null;
    while (System.nanoTime() < deadline) {
      HttpResponse<String> health =
          http.send(
              HttpRequest.newBuilder(gateway.uri("/v1/health")).build(),
              HttpResponse.BodyHandlers.ofString());
      log = WireJson.tree(health.body()).path("request_log");
      assertThat(log.path("dropped").asLong()).isZero();
      if (log.path("accepted").asLong() == answered && log.path("written").asLong() == answered) {
        return;
      }
      Thread.sleep(10);
    }
    throw new AssertionError("the gateway did not report " + answered + " records written: " + log);
  }
}
