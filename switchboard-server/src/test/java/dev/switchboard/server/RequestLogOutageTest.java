package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.IThrowableProxy;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.TestPostgres;
import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Predicate;
import org.junit.jupiter.api.Test;
import org.slf4j.LoggerFactory;

/**
 * The request log's PostgreSQL store goes away under load and comes back: requests are answered as
 * if nothing happened, memory stays bounded, every record lost is counted, and the backlog is
 * written once the database is back. The outage is a {@link TcpRelay} between the gateway and the
 * real PostgreSQL, cut and restored.
 */
class RequestLogOutageTest {
  private static final String CHAT =
      """
      {"model":"mock-chat","messages":[{"role":"user","content":"Log me"}]}\
      """;
  private static final String CANARY = "canary-db-password-5521";
  private static final int CAPACITY = 1_000;
  private static final int BATCH = 100;

  @Test
  void aThirtySecondOutageLosesOnlyWhatTheQueueCannotHoldAndTheRestIsWrittenOnRecovery()
      throws Exception {
    String direct = TestPostgres.freshSchemaUrl();
    ListAppender<ILoggingEvent> logs = captureLogs();
    try (TcpRelay relay = TcpRelay.to("127.0.0.1", 5432);
        GatewayUnderTest gateway = gatewayStoringThrough(relay, direct)) {
      int before = 200;
      assertThat(send(gateway, before)).isEqualTo(before);
      JsonNode warm = awaitLog(gateway, log -> log.path("written").asLong() == before);
      assertThat(warm.path("store_failures").asLong()).isZero();
      long heapBefore = usedHeapAfterGc();

      relay.cut();
      long outageStarted = System.nanoTime();
      AtomicBoolean running = new AtomicBoolean(true);
      AtomicInteger answered = new AtomicInteger();
      AtomicInteger failed = new AtomicInteger();
      List<Thread> clients = new ArrayList<>();
      for (int i = 0; i < 4; i++) {
        clients.add(
            Thread.ofVirtual()
                .start(() -> {
                  while (running.get()) {
                    HttpResponse<String> response =
                        gateway.postJson(
                            "/v1/chat/completions", CHAT, "x-portkey-provider", "mock");
                    if (response.statusCode() == 200
                        && json(response).path("object").asText().equals("chat.completion")) {
                      answered.incrementAndGet();
                    } else {
                      failed.incrementAndGet();
                    }
                    sleep(20);
                  }
                }));
      }
      long mostQueued = 0;
      long mostWriting = 0;
      while (System.nanoTime() - outageStarted < Duration.ofSeconds(30).toNanos()) {
        JsonNode log = requestLog(gateway);
        mostQueued = Math.max(mostQueued, log.path("queued").asLong());
        mostWriting = Math.max(mostWriting, log.path("writing").asLong());
        Thread.sleep(200);
      }
      running.set(false);
      for (Thread client : clients) {
        client.join();
      }
      long heapAtEnd = usedHeapAfterGc();
      JsonNode down = requestLog(gateway);
      int duringOutage = answered.get();

      // The request path did not notice.
      assertThat(failed.get()).isZero();
      // Memory: the queue never past its capacity, the held batch never past its size.
      assertThat(mostQueued).isLessThanOrEqualTo(CAPACITY);
      assertThat(mostWriting).isLessThanOrEqualTo(BATCH);
      // Nothing was written; what was kept is what fits; the rest was dropped and counted.
      long kept = Math.min(duringOutage, CAPACITY + BATCH);
      assertThat(down.path("written").asLong()).isEqualTo(before);
      assertThat(down.path("queued").asLong() + down.path("writing").asLong()).isEqualTo(kept);
      assertThat(down.path("dropped").asLong()).isEqualTo(duringOutage - kept);
      assertThat(down.path("accepted").asLong() + down.path("dropped").asLong())
          .isEqualTo(before + duringOutage);
      assertThat(down.path("store_failures").asLong()).isPositive();
      assertThat(down.path("last_error_kind").asText()).isEqualTo("unavailable");

      relay.restore();
      long restored = System.nanoTime();
      JsonNode recovered = awaitLog(gateway, log -> log.path("written").asLong() == before + kept);
      double flushSeconds = (System.nanoTime() - restored) / 1e9;
      assertThat(recovered.path("queued").asLong()).isZero();
      assertThat(recovered.path("writing").asLong()).isZero();
      assertThat(rows(direct)).isEqualTo(before + kept);

      System.out.printf(
          Locale.ROOT,
          "request log outage: 30 s without PostgreSQL, %d requests answered (%d failed), %d"
              + " dropped (capacity %d + batch %d kept), most queued %d, most in the held batch"
              + " %d, heap %+.1f MB, backlog of %d written %.2f s after the database came back%n",
          duringOutage,
          failed.get(),
          down.path("dropped").asLong(),
          CAPACITY,
          BATCH,
          mostQueued,
          mostWriting,
          (heapAtEnd - heapBefore) / 1e6,
          kept,
          flushSeconds);
      assertThat(json(gateway.get("/v1/health")).toString()).doesNotContain(CANARY);
    } finally {
      ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
    }
    assertThat(logs.list).isNotEmpty();
    assertThat(logs.list).allSatisfy(event -> assertThat(rendered(event)).doesNotContain(CANARY));
  }

  @Test
  void aGatewayStartedWhileTheDatabaseIsDownCreatesTheSchemaWhenItComesUp() throws Exception {
    String direct = TestPostgres.freshSchemaUrl();
    try (TcpRelay relay = TcpRelay.to("127.0.0.1", 5432)) {
      relay.cut();
      try (GatewayUnderTest gateway = gatewayStoringThrough(relay, direct)) {
        assertThat(send(gateway, 50)).isEqualTo(50);
        JsonNode down = awaitLog(gateway, log -> log.path("store_failures").asLong() > 0);
        assertThat(down.path("written").asLong()).isZero();
        assertThat(down.path("last_error_kind").asText()).isEqualTo("unavailable");

        relay.restore();
        awaitLog(gateway, log -> log.path("written").asLong() == 50);
        assertThat(rows(direct)).isEqualTo(50);
      }
    }
  }

  /** A gateway whose request log stores in PostgreSQL through the relay, password and all. */
  private static GatewayUnderTest gatewayStoringThrough(TcpRelay relay, String directUrl) {
    // The server trusts local connections: the password is not checked, only carried.
    String url =
        directUrl.replace("127.0.0.1:5432", "127.0.0.1:" + relay.port()) + "&password=" + CANARY;
    return GatewayUnderTest.start(
        null,
        settings ->
            settings.withObservability(
                new ObservabilitySettings(
                    true,
                    ObservabilitySettings.DEFAULT_DATA_DIRECTORY,
                    url,
                    CAPACITY,
                    BATCH,
                    Duration.ofMillis(50),
                    Duration.ofMillis(250),
                    true,
                    dev.switchboard.observe.tracing.TracingMode.OFF,
                    0))); // no spill: this test holds the log to its bounds in memory
  }

  private static int send(GatewayUnderTest gateway, int requests) {
    int ok = 0;
    for (int i = 0; i < requests; i++) {
      if (gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "mock").statusCode()
          == 200) {
        ok++;
      }
    }
    return ok;
  }

  private static JsonNode requestLog(GatewayUnderTest gateway) {
    return json(gateway.get("/v1/health")).path("request_log");
  }

  private static JsonNode awaitLog(GatewayUnderTest gateway, Predicate<JsonNode> condition)
      throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    JsonNode log = requestLog(gateway);
    while (!condition.test(log)) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the request log did not get there in 30 s: " + log);
      }
      Thread.sleep(20);
      log = requestLog(gateway);
    }
    return log;
  }

  private static long rows(String url) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        ResultSet rows =
            connection.createStatement().executeQuery("SELECT count(*) FROM requests")) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static ListAppender<ILoggingEvent> captureLogs() {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    return logs;
  }

  private static long usedHeapAfterGc() {
    Runtime runtime = Runtime.getRuntime();
    System.gc();
    return runtime.totalMemory() - runtime.freeMemory();
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** A log event as an operator reads it: the message and every exception's message in it. */
  private static String rendered(ILoggingEvent event) {
    StringBuilder text = new StringBuilder(event.getFormattedMessage());
    for (IThrowableProxy cause = event.getThrowableProxy();
        cause != null;
        cause = cause.getCause()) {
      text.append('\n').append(cause.getClassName()).append(": ").append(cause.getMessage());
    }
    return text.toString();
  }
}
