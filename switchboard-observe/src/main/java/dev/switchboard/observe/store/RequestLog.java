package dev.switchboard.observe.store;

import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log's writer: takes records off the request path into a bounded queue, and one writer
 * thread stores them in batches, one transaction each.
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li>A request never waits for it: {@link #accept} only offers to the queue; a full queue drops
 *       the record and counts it.
 *   <li>Memory is bounded while the store is down: at most {@code capacity} records wait in the
 *       queue and at most {@code batchSize} in the batch the writer holds and tries again after
 *       each pause (topped up to its size, never past it).
 *   <li>A record counted as {@linkplain Statistics#written() written} is committed: it survives the
 *       gateway's process being killed (see {@link LogStore#write}).
 *   <li>When the store comes back the backlog is written at once, batch after batch; {@link
 *       #close(Duration)} writes what is queued before it returns, or counts what it could not
 *       write as dropped.
 * </ul>
 *
 * <p>Counters are read at any time with {@link #statistics()}, for {@code /v1/health} and metrics.
 */
public final class RequestLog implements RecordSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);

  /** How long {@link #close()} waits for the backlog before counting what is left as dropped. */
  public static final Duration DEFAULT_CLOSE_TIMEOUT = Duration.ofSeconds(10);

  private final LogStore store;
  private final BlockingQueue<RequestRecord> queue;
  private final int capacity;
  private final int batchSize;
  private final Duration flushInterval;
  private final Duration retryPause;
  private final Clock clock;
  private final Thread writer;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong storeFailures = new AtomicLong();
  private final AtomicLong batches = new AtomicLong();
  private volatile int writing;
  private volatile StoreError lastError;
  private volatile boolean closing;
  private volatile boolean abandoned;

  /**
   * Starts the writer thread.
   *
   * @param capacity the most records waiting in the queue; more are dropped and counted
   * @param batchSize the most records written in one transaction
   * @param flushInterval how long the idle writer waits for a record before it looks again
   * @param retryPause the pause after the store refused a batch, before the batch is tried again
   */
  public RequestLog(
      LogStore store, int capacity, int batchSize, Duration flushInterval, Duration retryPause) {
    this(store, capacity, batchSize, flushInterval, retryPause, Clock.systemUTC());
  }

  RequestLog(
      LogStore store,
      int capacity,
      int batchSize,
      Duration flushInterval,
      Duration retryPause,
      Clock clock) {
    if (capacity <= 0 || batchSize <= 0) {
      throw new IllegalArgumentException("the log queue and its batches must hold a record");
    }
    this.store = store;
    this.capacity = capacity;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.batchSize = batchSize;
    this.flushInterval = flushInterval;
    this.retryPause = retryPause;
    this.clock = clock;
    this.writer = Thread.ofPlatform().name("request-log-writer").daemon(true).start(this::run);
  }

  /** Queues a record for the store, or drops and counts it when the queue is full; never waits. */
  @Override
  public void accept(RequestRecord record) {
    if (closing || !queue.offer(record)) {
      dropped.incrementAndGet();
      return;
    }
    accepted.incrementAndGet();
  }

  /** The counters now. Cheap: a few volatile reads, so a metrics scrape may call it each time. */
  public Statistics statistics() {
    StoreError error = lastError;
    return new Statistics(
        store.kind(),
        accepted.get(),
        written.get(),
        dropped.get(),
        queue.size(),
        writing,
        capacity,
        batchSize,
        storeFailures.get(),
        error == null ? null : error.kind(),
        error == null ? null : error.at(),
        batches.get());
  }

  /**
   * The request log's counters, a stable shape for {@code /v1/health} and Prometheus. Every record
   * the engine handed over is, at any moment, in exactly one of: written, queued, writing, or
   * dropped ({@code accepted} counts those not dropped on arrival).
   *
   * @param store which database keeps the log
   * @param accepted records taken into the queue since start
   * @param written records committed to the store since start
   * @param dropped records lost: the queue was full, the log was closing, the store refused the
   *     record itself while it took others, or they were still unwritten when {@link
   *     #close(Duration)} gave up
   * @param queued records waiting in the queue now, at most {@code capacity}
   * @param writing records in the batch the writer is storing (or holding while the store is down),
   *     at most {@code batchSize}
   * @param capacity the queue's capacity
   * @param batchSize the most records written in one transaction
   * @param storeFailures batches the store refused since start (each retry counts)
   * @param lastErrorKind what the last refusal was, in a word (see {@link StoreError}); {@code
   *     null} when the store never refused a batch. Never a message, URL or credential.
   * @param lastErrorAt when the store last refused a batch, or {@code null}
   * @param batches transactions the writer committed since start (written ÷ batches is the mean
   *     batch)
   */
  public record Statistics(
      LogStore.Kind store,
      long accepted,
      long written,
      long dropped,
      int queued,
      int writing,
      int capacity,
      int batchSize,
      long storeFailures,
      String lastErrorKind,
      Instant lastErrorAt,
      long batches) {}

  public LogStore store() {
    return store;
  }

  private void run() {
    List<RequestRecord> batch = new ArrayList<>(batchSize);
    while (true) {
      if (abandoned) {
        int lost = batch.size() + queue.size();
        dropped.addAndGet(lost);
        queue.clear();
        writing = 0;
        log.warn("the request log closed with {} records unwritten", lost);
        return;
      }
      if (batch.isEmpty()) {
        if (closing && queue.isEmpty()) {
          return;
        }
        RequestRecord first;
        try {
          first = queue.poll(flushInterval.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
          continue; // nobody interrupts the writer; if something does, look again
        }
        if (first == null) {
          continue;
        }
        batch.add(first);
        lingerForBatch(batch.size());
      }
      // A held batch is topped up to its size, never past it: memory stays bounded by
      // capacity + batchSize however long the store is down.
      queue.drainTo(batch, batchSize - batch.size());
      writing = batch.size();
      try {
        store.write(batch);
        written.addAndGet(batch.size());
        batches.incrementAndGet();
        batch.clear();
        writing = 0;
      } catch (Exception failure) {
        StoreError error = refused(failure);
        if (!STORE_DOWN.contains(error.kind()) && batch.size() > 1 && separatePoison(batch)) {
          writing = 0;
          continue;
        }
        LockSupport.parkNanos(retryPause.toNanos()); // close() unparks to end the pause early
      }
    }
  }

  /**
   * After the first record of a batch: waits until a whole batch is queued, or {@code
   * flushInterval} has passed, or the log is closing. A transaction has a fixed cost (the commit,
   * the appender's set-up) that a batch of one pays whole, so a writer that wrote each record as it
   * came would spend far more CPU per record at a moderate rate than at a high one. It looks every
   * few milliseconds rather than waking per record: a wake-up per record would cost the writer and
   * every request that hands it one a thread switch.
   */
  private void lingerForBatch(int held) {
    long due = System.nanoTime() + flushInterval.toNanos();
    while (!closing && held + queue.size() < batchSize) {
      long left = due - System.nanoTime();
      if (left <= 0) {
        return;
      }
      LockSupport.parkNanos(Math.min(left, LINGER_SLICE_NANOS));
    }
  }

  private static final long LINGER_SLICE_NANOS = TimeUnit.MILLISECONDS.toNanos(10);

  /** Kinds of failure that say the store itself cannot write now, whatever the records. */
  private static final Set<String> STORE_DOWN =
      Set.of("unavailable", "timeout", "locked", "storage_full");

  /**
   * After a batch failed for something other than the store being down: writes its records one at a
   * time. When some of them are written, the store works and the others are records it will never
   * take (a value out of a column's range, say): they are dropped and counted, so one bad record
   * cannot hold the log back until the queue overflows. When none is written, the batch is kept
   * whole and tried again after the pause.
   *
   * @return whether the batch was settled (every record written or dropped)
   */
  private boolean separatePoison(List<RequestRecord> batch) {
    List<RequestRecord> refused = new ArrayList<>();
    List<RequestRecord> kept = new ArrayList<>();
    int stored = 0;
    for (RequestRecord record : batch) {
      try {
        store.write(List.of(record));
        stored++;
      } catch (Exception failure) {
        boolean down = STORE_DOWN.contains(StoreError.of(failure, clock.instant()).kind());
        (down ? kept : refused).add(record);
      }
    }
    written.addAndGet(stored);
    if (stored == 0) {
      return false; // nothing proves the store works: keep the batch whole
    }
    dropped.addAndGet(refused.size());
    if (!refused.isEmpty()) {
      log.warn(
          "the request log store refused {} of a batch of {} records one by one while it took"
              + " others; they are dropped",
          refused.size(),
          batch.size());
    }
    batch.clear();
    batch.addAll(kept); // the store went down meanwhile: these wait for it
    return kept.isEmpty();
  }

  private StoreError refused(Exception failure) {
    StoreError error = StoreError.of(failure, clock.instant());
    StoreError previous = lastError;
    lastError = error;
    long count = storeFailures.incrementAndGet();
    // One line when the store starts refusing (or refuses differently), then one per 100: an
    // outage does not flood the log. The kind and SQL state only: a driver's message may name
    // the server, and a URL may carry a password.
    if (previous == null || !previous.kind().equals(error.kind()) || count % 100 == 1) {
      log.warn(
          "the request log store ({}) refused a batch of {}: {} ({}, SQL state {}); {} failures so"
              + " far, retrying every {} ms",
          store.kind(),
          writing,
          error.kind(),
          failure.getClass().getSimpleName(),
          error.sqlState(),
          count,
          retryPause.toMillis());
    }
    return error;
  }

  /**
   * Stops taking records and writes what is queued, waiting at most {@code timeout} for it (while
   * the store is down, the writer keeps trying until then); what is still unwritten then is counted
   * as dropped.
   */
  public void close(Duration timeout) {
    closing = true;
    LockSupport.unpark(writer);
    try {
      writer.join(Math.max(1, timeout.toMillis()));
      if (writer.isAlive()) {
        abandoned = true;
        LockSupport.unpark(writer);
        // The writer may be inside a store call; the store's own timeouts bound it.
        writer.join(Duration.ofSeconds(5).toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
  @Override
  public void close() {
    close(DEFAULT_CLOSE_TIMEOUT);
  }
}
