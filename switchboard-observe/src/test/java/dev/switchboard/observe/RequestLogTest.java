package dev.switchboard.observe;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.testkit.TestPostgres;
import java.math.BigDecimal;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

class RequestLogTest {
  @TempDir Path directory;

  @Test
  void closeWritesEveryQueuedRecordBeforeItReturns() throws SQLException {
    LogStore store = LogStore.embedded(directory);
    RequestLog log =
        new RequestLog(store, 10_000, 50, Duration.ofMillis(200), Duration.ofMillis(100));
    for (int i = 0; i < 2_000; i++) {
      log.accept(SampleRecords.chat("team-" + (i % 3)));
    }
    log.close();
    store.close();

    RequestLog.Statistics statistics = log.statistics();
    assertThat(statistics.accepted()).isEqualTo(2_000);
    assertThat(statistics.written()).isEqualTo(2_000);
    assertThat(statistics.dropped()).isZero();
    assertThat(statistics.queued()).isZero();
    assertThat(statistics.writing()).isZero();
    try (LogStore reopened = LogStore.embedded(directory)) {
      assertThat(count(reopened, "SELECT count(*) FROM requests")).isEqualTo(2_000);
      assertThat(count(reopened, "SELECT count(*) FROM request_metadata")).isEqualTo(2_000);
    }
  }

  @Test
  void recordsOfferedAfterCloseAreDroppedAndCounted() {
    LogStore store = LogStore.embedded(directory);
    RequestLog log = new RequestLog(store, 10, 5, Duration.ofMillis(200), Duration.ofMillis(100));
    log.close();
    log.accept(SampleRecords.chat("late"));
    store.close();

    assertThat(log.statistics().dropped()).isEqualTo(1);
    assertThat(log.statistics().accepted()).isZero();
  }

  @Test
  void whileTheStoreIsDownMemoryStaysBoundedAndEveryLostRecordIsCounted() throws Exception {
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    Logger logger = (Logger) LoggerFactory.getLogger(RequestLog.class);
    logger.addAppender(logs);
    int port;
    try (ServerSocket unused = new ServerSocket(0)) {
      port = unused.getLocalPort(); // nothing listens there once it is closed
    }
    String url =
        "jdbc:postgresql://127.0.0.1:" + port + "/postgres?user=postgres&password=canary-pw-7731";
    LogStore store = LogStore.postgres(url, 250);
    RequestLog log = new RequestLog(store, 50, 10, Duration.ofMillis(50), Duration.ofMillis(50));
    try {
      for (int i = 0; i < 100; i++) {
        log.accept(SampleRecords.chat("team"));
      }
      // The writer took a batch, failed, and tops its batch up to its size while it retries.
      awaitTrue(() -> log.statistics().writing() == 10 && log.statistics().storeFailures() >= 2);

      RequestLog.Statistics down = log.statistics();
      assertThat(down.accepted() + down.dropped()).isEqualTo(100);
      assertThat(down.accepted()).isEqualTo(down.queued() + down.writing());
      assertThat(down.queued()).isLessThanOrEqualTo(50);
      assertThat(down.written()).isZero();
      assertThat(down.dropped()).isGreaterThanOrEqualTo(40);
      assertThat(down.lastErrorKind()).isEqualTo("unavailable");
      assertThat(down.lastErrorAt()).isNotNull();
      assertThat(down.store()).isEqualTo(LogStore.Kind.POSTGRESQL);
      assertThat(store.toString()).doesNotContain("canary-pw-7731");
    } finally {
      log.close(Duration.ofMillis(300));
      store.close();
      logger.detachAppender(logs);
    }
    RequestLog.Statistics closed = log.statistics();
    assertThat(closed.dropped()).isEqualTo(100);
    assertThat(closed.queued()).isZero();
    assertThat(closed.writing()).isZero();
    assertThat(logs.list).isNotEmpty();
    assertThat(logs.list)
        .allSatisfy(event -> assertThat(event.getFormattedMessage()).doesNotContain("canary"));
  }

  @Test
  void aRecordTheDuckDbStoreRefusesIsDroppedAndTheOthersWritten() throws SQLException {
    try (LogStore store = LogStore.embedded(directory)) {
      refusedRecordIsDroppedAndTheOthersWritten(store);
    }
  }

  @Test
  void aRecordThePostgresStoreRefusesIsDroppedAndTheOthersWritten() throws SQLException {
    try (LogStore store = LogStore.postgres(TestPostgres.freshSchemaUrl(), 2000)) {
      refusedRecordIsDroppedAndTheOthersWritten(store);
    }
  }

  /** A cost past DECIMAL(20, 10)'s range: the store refuses that record, whatever the retries. */
  private static void refusedRecordIsDroppedAndTheOthersWritten(LogStore store)
      throws SQLException {
    RequestLog log = new RequestLog(store, 100, 50, Duration.ofMillis(200), Duration.ofMillis(50));
    log.accept(SampleRecords.chat("good"));
    log.accept(SampleRecords.chat("good"));
    log.accept(withCost(SampleRecords.chat("poison"), new BigDecimal("1e15")));
    log.accept(SampleRecords.chat("good"));
    log.close();

    RequestLog.Statistics statistics = log.statistics();
    assertThat(statistics.written()).isEqualTo(3);
    assertThat(statistics.dropped()).isEqualTo(1);
    assertThat(count(store, "SELECT count(*) FROM requests")).isEqualTo(3);
  }

  private static RequestRecord withCost(RequestRecord r, BigDecimal cost) {
    return new RequestRecord(
        r.id(),
        r.traceId(),
        r.traceparent(),
        r.startedAt(),
        r.method(),
        r.path(),
        r.workspace(),
        r.apiKeyId(),
        r.config(),
        r.requestModel(),
        r.provider(),
        r.model(),
        r.optionPath(),
        r.retries(),
        r.fallbackUsed(),
        r.cacheStatus(),
        r.cacheAgeSeconds(),
        r.status(),
        r.errorType(),
        r.promptTokens(),
        r.completionTokens(),
        r.cachedTokens(),
        cost,
        r.savedCostUsd(),
        r.latencyMs(),
        r.ttftMs(),
        r.streamed(),
        r.streamEnd(),
        r.metadata(),
        r.guardrails(),
        r.attempts(),
        r.requestBody(),
        r.responseBody(),
        r.arm(),
        r.outputChecksFailed(),
        r.shadowOf(),
        r.answerDigest());
  }

  @Test
  void twoStoresOnOneFileInOneProcessShareIt() throws SQLException {
    // DuckDB's JDBC driver shares a file's open database within a process; across processes the
    // file lock refuses the second (EmbeddedStoreLockTest in the server checks that message).
    try (LogStore first = LogStore.embedded(directory);
        LogStore second = LogStore.embedded(directory)) {
      first.write(List.of(SampleRecords.chat("a")));
      second.write(List.of(SampleRecords.chat("b")));
      assertThat(count(first, "SELECT count(*) FROM requests")).isEqualTo(2);
      assertThat(count(second, "SELECT count(*) FROM requests")).isEqualTo(2);
    }
  }

  @Test
  void anUnwritableDirectoryFailsAtOnceWithItsName() {
    Path file = directory.resolve("not-a-directory");
    assertThatThrownBy(
            () -> {
              java.nio.file.Files.writeString(file, "x");
              LogStore.embedded(file);
            })
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining(file.toString());
  }

  private static long count(LogStore store, String sql) throws SQLException {
    try (Connection connection = store.connection();
        ResultSet rows = connection.createStatement().executeQuery(sql)) {
      rows.next();
      return rows.getLong(1);
    }
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the condition did not hold within 20 s");
      }
      Thread.sleep(20);
    }
  }
}
