package dev.switchboard.observe.store;

import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.SampleRecords;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * A request log in a process of its own, for {@link RequestLogSpillTest}: its store is held up (the
 * test locks its table), so it fills its queue and the batch it writes, then spills {@code spilled}
 * more records, prints the ids of both kinds and waits to be killed.
 *
 * <pre>SpillingChild &lt;postgres url&gt; &lt;spill file&gt; &lt;spilled&gt;</pre>
 */
public final class SpillingChild {
  static final int CAPACITY = 10;
  static final int BATCH = 5;

  private SpillingChild() {}

  public static void main(String[] args) throws InterruptedException, IOException {
    LogStore store = LogStore.postgres(args[0], 2000);
    // The store is open (its schema checked); the test locks the table, then says go.
    System.out.println("OPEN");
    System.out.flush();
    new java.io.BufferedReader(new java.io.InputStreamReader(System.in, StandardCharsets.UTF_8))
        .readLine();
    int spilled = Integer.parseInt(args[2]);
    RequestLog log =
        new RequestLog(
            store,
            CAPACITY,
            BATCH,
            Duration.ofMillis(20),
            Duration.ofMillis(50),
            Path.of(args[1]),
            1 << 20);
    List<String> inMemory = new ArrayList<>();
    // The writer takes a batch and waits on the locked table; the queue fills behind it.
    while (log.statistics().queued() < CAPACITY || log.statistics().writing() == 0) {
      if (log.statistics().queued() < CAPACITY) {
        RequestRecord record = SampleRecords.chat("memory");
        inMemory.add(record.id());
        log.accept(record);
      } else {
        Thread.sleep(5);
      }
    }
    List<String> spilledIds = new ArrayList<>();
    for (int i = 0; i < spilled; i++) {
      RequestRecord record = SampleRecords.chat("spilled");
      spilledIds.add(record.id());
      log.accept(record);
    }
    long frame = Integer.BYTES * 2 + Spill.encode(SampleRecords.chat("spilled")).length;
    while (log.statistics().spillBytes() < spilled * frame) {
      Thread.sleep(5);
    }
    System.out.println("IN-MEMORY " + String.join(",", inMemory));
    System.out.println("SPILLED " + String.join(",", spilledIds));
    System.out.flush();
    Thread.sleep(Duration.ofMinutes(5)); // killed long before
  }
}
