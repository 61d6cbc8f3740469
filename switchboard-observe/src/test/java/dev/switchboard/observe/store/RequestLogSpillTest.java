package dev.switchboard.observe.store;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.SampleRecords;
import dev.switchboard.testkit.TestPostgres;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the request log does when its store is held up: the queue fills, the overflow goes to the
 * spill file, records are dropped only past both bounds, and the spill is written when the store
 * takes writes again, in this process or, after a {@code kill -9}, in the next one. The store is a
 * real PostgreSQL whose {@code requests} table the test locks, so the writer's batch waits on it.
 */
class RequestLogSpillTest {
  @TempDir Path directory;

  @Test
  void aHeldUpStoreFillsTheQueueThenTheSpillThenDropsAndTheSpillIsWrittenWhenItIsBack()
      throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    int capacity = 50;
    int batch = 10;
    int spillRecords = 100;
    int offered = 300;
    long frame = Integer.BYTES * 2 + Spill.encode(SampleRecords.chat("same-size")).length;
    try (LogStore store = LogStore.postgres(url, 2000)) {
      store.write(
          List.of(SampleRecords.chat("same-size"))); // the schema, and one row before the hold-up
      Connection holder = DriverManager.getConnection(url);
      holder.setAutoCommit(false);
      holder.createStatement().execute("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE");
      RequestLog log =
          new RequestLog(
              store,
              capacity,
              batch,
              Duration.ofSeconds(10), // the writer's first batch waits until it is whole
              Duration.ofMillis(50),
              directory.resolve("requests.spill"),
              spillRecords * frame);
      try {
        List<String> ids = new ArrayList<>();
        for (int i = 0; i < offered; i++) {
          RequestRecord record = SampleRecords.chat("same-size");
          ids.add(record.id());
          log.accept(record); // never waits, whatever the store does
          if (i == batch - 1) {
            // The writer takes its batch and waits on the locked table with it.
            awaitTrue(() -> log.statistics().writing() == batch);
          }
        }
        awaitTrue(() -> {
          RequestLog.Statistics s = log.statistics();
          return s.writing() == batch
              && s.spilled() == spillRecords
              && s.accepted() + s.dropped() == offered
              && s.accepted() == s.queued() + s.writing() + s.spilled();
        });
        RequestLog.Statistics held = log.statistics();
        assertThat(held.written()).isZero();
        assertThat(held.queued()).isEqualTo(capacity);
        assertThat(held.spillBytes()).isEqualTo(spillRecords * frame);
        assertThat(held.spillCapacityBytes()).isEqualTo(spillRecords * frame);
        // Dropped: only what neither the queue, the batch nor the full spill could hold.
        assertThat(held.dropped()).isEqualTo(offered - capacity - batch - spillRecords);

        holder.commit(); // the store takes writes again
        awaitTrue(() -> log.statistics().written() == log.statistics().accepted());
        RequestLog.Statistics drained = log.statistics();
        assertThat(drained.written()).isEqualTo(capacity + batch + spillRecords);
        assertThat(drained.spilled()).isZero();
        assertThat(drained.spillBytes()).isZero();
        assertThat(drained.queued()).isZero();
        assertThat(drained.dropped()).isEqualTo(held.dropped());
        assertThat(countStored(url, ids)).isEqualTo(drained.written());
        assertThat(Files.size(directory.resolve("requests.spill"))).isZero();
      } finally {
        holder.close();
        log.close(Duration.ofSeconds(5));
      }
    }
  }

  @Test
  void aRecordSpilledBeforeAKillIsWrittenByTheNextRun() throws Exception {
    String url = TestPostgres.freshSchemaUrl();
    Path spillFile = directory.resolve("requests.spill");
    int spilled = 40;
    try (LogStore store = LogStore.postgres(url, 2000)) {
      store.write(List.of(SampleRecords.chat("before")));
    }
    List<String> spilledIds;
    List<String> inMemoryIds;
    try (Connection holder = DriverManager.getConnection(url)) {
      holder.setAutoCommit(false);
      Process child =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty(
                      "surefire.test.class.path", System.getProperty("java.class.path")),
                  SpillingChild.class.getName(),
                  url,
                  spillFile.toString(),
                  Integer.toString(spilled))
              .redirectErrorStream(true)
              .start();
      try (BufferedReader output =
          new BufferedReader(
              new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        idsAfter(output, "OPEN");
        holder.createStatement().execute("LOCK TABLE requests IN ACCESS EXCLUSIVE MODE");
        child.getOutputStream().write("go\n".getBytes(StandardCharsets.UTF_8));
        child.getOutputStream().flush();
        inMemoryIds = idsAfter(output, "IN-MEMORY ");
        spilledIds = idsAfter(output, "SPILLED ");
        child.destroyForcibly(); // SIGKILL: no close, no shutdown hook
        child.waitFor();
      }
      holder.rollback(); // the lock goes; nothing was written while it was held
    }
    assertThat(spilledIds).hasSize(spilled);
    assertThat(countStored(url, spilledIds)).isZero();

    try (LogStore store = LogStore.postgres(url, 2000)) {
      RequestLog next =
          new RequestLog(
              store, 100, 10, Duration.ofMillis(20), Duration.ofMillis(50), spillFile, 1 << 20);
      try {
        awaitTrue(() -> next.statistics().recovered() == spilled);
        assertThat(next.statistics().spilled()).isZero();
        assertThat(next.statistics().accepted()).isZero();
      } finally {
        next.close();
      }
    }
    // Every spilled record is stored, once; those the killed process held in memory (its queue and
    // the batch it was writing: the window docs/observability.md names) were lost with it.
    assertThat(countStored(url, spilledIds)).isEqualTo(spilled);
    assertThat(countStored(url, inMemoryIds)).isZero();
    assertThat(Files.size(spillFile)).isZero();
  }

  @Test
  void aShadowsLinkAndTheAnswersDigestsSurviveTheSpill() throws Exception {
    RequestRecord sample = SampleRecords.chat("shadowed");
    RequestRecord shadow =
        new RequestRecord(
            sample.id(),
            sample.traceId(),
            sample.traceparent(),
            sample.startedAt(),
            sample.method(),
            sample.path(),
            sample.workspace(),
            sample.apiKeyId(),
            sample.config(),
            sample.requestModel(),
            sample.provider(),
            sample.model(),
            sample.optionPath(),
            sample.retries(),
            sample.fallbackUsed(),
            sample.cacheStatus(),
            sample.cacheAgeSeconds(),
            sample.status(),
            sample.errorType(),
            sample.promptTokens(),
            sample.completionTokens(),
            sample.cachedTokens(),
            sample.costUsd(),
            sample.savedCostUsd(),
            sample.latencyMs(),
            sample.ttftMs(),
            sample.streamed(),
            sample.streamEnd(),
            sample.metadata(),
            sample.guardrails(),
            sample.attempts(),
            sample.requestBody(),
            sample.responseBody(),
            sample.arm(),
            sample.outputChecksFailed(),
            "0190-the-primary",
            new dev.switchboard.engine.observe.AnswerDigest("0123456789abcdef", null));

    RequestRecord read = Spill.decode(Spill.encode(shadow));

    assertThat(read).isEqualTo(shadow);
    assertThat(Spill.decode(Spill.encode(sample))).isEqualTo(sample);
  }

  @Test
  void aSpillFileCutShortByAKillKeepsItsWholeRecords() throws Exception {
    Path file = directory.resolve("requests.spill");
    List<RequestRecord> records =
        List.of(SampleRecords.chat("a"), SampleRecords.chat("b"), SampleRecords.chat("c"));
    try (Spill spill = Spill.open(file, 1 << 20)) {
      assertThat(spill.append(records)).isEqualTo(3);
    }
    long whole = Files.size(file);
    try (var channel =
        java.nio.channels.FileChannel.open(file, java.nio.file.StandardOpenOption.WRITE)) {
      channel.truncate(whole - 7); // the last frame cut short, as a kill mid-write leaves it
    }
    try (Spill spill = Spill.open(file, 1 << 20)) {
      assertThat(spill.pending()).isEqualTo(2);
      Spill.Chunk chunk = spill.read(10);
      assertThat(chunk.records()).containsExactlyElementsOf(records.subList(0, 2));
      assertThat(chunk.recovered()).isEqualTo(2);
    }
  }

  private static List<String> idsAfter(BufferedReader output, String marker) throws Exception {
    String line;
    List<String> seen = new ArrayList<>();
    while ((line = output.readLine()) != null) {
      if (line.startsWith(marker)) {
        return List.of(line.substring(marker.length()).split(","));
      }
      seen.add(line);
    }
    throw new AssertionError("the child ended without printing " + marker + ": " + seen);
  }

  private static long countStored(String url, List<String> ids) throws SQLException {
    try (Connection connection = DriverManager.getConnection(url);
        PreparedStatement query =
            connection.prepareStatement("SELECT count(*) FROM requests WHERE id = ANY (?)")) {
      query.setArray(1, connection.createArrayOf("varchar", ids.toArray()));
      try (ResultSet rows = query.executeQuery()) {
        rows.next();
        return rows.getLong(1);
      }
    }
  }

  private static void awaitTrue(BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("the condition did not hold within 30 s");
      }
      Thread.sleep(20);
    }
  }
}
