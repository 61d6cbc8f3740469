package dev.switchboard.observe.store;

import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;
import java.io.IOException;
import java.nio.file.Path;
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
 * thread stores them in batches, one transaction each; what the full queue cannot take goes to a
 * bounded spill file (when the log has one), written to the store when it catches up.
 *
 * <p>What it guarantees:
 *
 * <ul>
 *   <li>A request never waits for it: {@link #accept} only offers to the queue, or to the spill
 *       thread's hand-off; when both are full (or the spill file is), the record is dropped and
 *       counted.
 *   <li>Memory is bounded however long the store is down or slow: at most {@code capacity} records
 *       wait in the queue, {@code batchSize} in the batch the writer holds and tries again after
 *       each pause (topped up to its size, never past it), and {@link #OVERFLOW_CAPACITY} in the
 *       hand-off to the spill thread; the spill file holds at most its capacity in bytes.
 *   <li>A record counted as {@linkplain Statistics#written() written} is committed, and one in the
 *       spill file is in the operating system's cache: both survive the gateway's process being
 *       killed (see {@link LogStore#write}); a spill file left by a killed process is written by
 *       the next one, and the store skips what it already had.
 *   <li>Batches fill for up to {@code flushInterval} from their first record, so a transaction's
 *       fixed cost is shared by many records; a backlog is written at once, batch after batch.
 *       {@link #close(Duration)} writes what is queued and spilled before it returns, or counts
 *       what is left in memory as dropped (what is left in the spill file stays there).
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
  private final AtomicLong recovered = new AtomicLong();
  private final Spill spill;
  private final BlockingQueue<RequestRecord> overflow;
  private final Thread spiller;

  /** Records taken into {@link #overflow} and not yet appended to the spill (nor refused by it). */
  private final AtomicLong overflowHeld = new AtomicLong();

  private volatile int writing;
  private volatile StoreError lastError;
  private volatile boolean closing;
  private volatile boolean abandoned;

  /**
   * Starts the writer thread, with no spill: a full queue drops the record.
   *
   * @param capacity the most records waiting in the queue; more are dropped and counted
   * @param batchSize the most records written in one transaction
   * @param flushInterval the longest the writer waits for a batch to fill (from its first record)
   * @param retryPause the pause after the store refused a batch, before the batch is tried again
   */
  public RequestLog(
      LogStore store, int capacity, int batchSize, Duration flushInterval, Duration retryPause) {
    this(store, capacity, batchSize, flushInterval, retryPause, null, 0, Clock.systemUTC());
  }

  /**
   * Starts the writer thread, and a spill thread that keeps what the full queue cannot take in
   * {@code spillFile}, up to {@code spillCapacityBytes}; the writer reads it back when the store
   * catches up (and first, what a previous run left there). When the file is held by another
   * process, the log runs without a spill and says so.
   *
   * @param spillFile where the overflow is kept ({@code null}: no spill)
   * @param spillCapacityBytes the most bytes the file holds; past it records are dropped and
   *     counted
   */
  public RequestLog(
      LogStore store,
      int capacity,
      int batchSize,
      Duration flushInterval,
      Duration retryPause,
      Path spillFile,
      long spillCapacityBytes) {
    this(
        store,
        capacity,
        batchSize,
        flushInterval,
        retryPause,
        spillFile,
        spillCapacityBytes,
        Clock.systemUTC());
  }

  RequestLog(
      LogStore store,
      int capacity,
      int batchSize,
      Duration flushInterval,
      Duration retryPause,
      Path spillFile,
      long spillCapacityBytes,
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
    this.spill =
        spillFile == null || spillCapacityBytes <= 0
            ? null
            : openSpill(spillFile, spillCapacityBytes);
    this.overflow = spill == null ? null : new ArrayBlockingQueue<>(OVERFLOW_CAPACITY);
    this.spiller =
        spill == null
            ? null
            : Thread.ofPlatform().name("request-log-spill").daemon(true).start(this::spill);
    this.writer = Thread.ofPlatform().name("request-log-writer").daemon(true).start(this::run);
  }

  /**
   * Records on their way from a request to the spill file: the hand-off to the spill thread, so a
   * request never waits for a disk. Past it, a record is dropped and counted.
   */
  static final int OVERFLOW_CAPACITY = 8192;

  private static Spill openSpill(Path file, long capacityBytes) {
    try {
      Spill spill = Spill.open(file, capacityBytes);
      if (spill == null) {
        log.warn(
            "the request log's spill file {} is in use by another process: this gateway runs"
                + " without one (a full queue drops records); give each gateway its own"
                + " logs.directory",
            file);
      } else if (spill.pending() > 0) {
        log.info(
            "the request log's spill file {} holds {} records from a previous run; they are"
                + " written first",
            file,
            spill.pending());
      }
      return spill;
    } catch (IOException e) {
      log.warn(
          "the request log's spill file {} cannot be opened ({}): this gateway runs without one",
          file,
          e.getClass().getSimpleName());
      return null;
    }
  }

  /**
   * Queues a record for the store; when the queue is full, hands it to the spill thread; when that
   * is full too (or there is no spill), drops and counts it. Never waits.
   */
  @Override
  public void accept(RequestRecord record) {
    if (ToolCallFacts.isListing(record)) {
      return; // timed and traced only: a client lists on every connection
    }
    if (!closing) {
      if (queue.offer(record)) {
        accepted.incrementAndGet();
        return;
      }
      if (overflow != null) {
        overflowHeld.incrementAndGet(); // before the offer: the spill thread may take it at once
        if (overflow.offer(record)) {
          return; // counted as accepted (or dropped) once the spill thread appended (or refused) it
        }
        overflowHeld.decrementAndGet();
      }
    }
    dropped.incrementAndGet();
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
        batches.get(),
        spill == null ? 0 : spill.pending(),
        spill == null ? 0 : spill.bytes(),
        spill == null ? 0 : spill.capacityBytes(),
        recovered.get());
  }

  /**
   * The request log's counters, a stable shape for {@code /v1/health} and Prometheus. Every record
   * the engine handed over is, at any moment, in exactly one of: written, queued, writing, spilled
   * or dropped ({@code accepted} counts those not dropped on arrival).
   *
   * @param store which database keeps the log
   * @param accepted records taken into the queue or the spill file since start
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
   * @param spilled records of this run and earlier ones waiting in the spill file, to be written
   *     when the store catches up. A record on its way there (in the spill thread's hand-off, for
   *     milliseconds) is counted in {@code accepted} and {@code spilled}, or in {@code dropped},
   *     once the thread has appended or refused it
   * @param spillBytes the spill file's size now
   * @param spillCapacityBytes the most the spill file may hold; 0 when the log has no spill
   * @param recovered records a previous run left in the spill file, written by this one (not
   *     counted in {@code accepted} or {@code written})
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
      long batches,
      long spilled,
      long spillBytes,
      long spillCapacityBytes,
      long recovered) {}

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
        // The spill is read back when the queue is not backed up (or the log is closing): the
        // queue's records are the newest, and a queue that keeps filling takes the writer first.
        if (spill != null
            && spill.pending() > 0
            && (closing || queue.size() < batchSize)
            && writeFromSpill()) {
          continue;
        }
        if (closing && queue.isEmpty() && (spill == null || overflowHeld.get() == 0)) {
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
   * Writes the oldest records of the spill file, up to a batch, and moves past them once they are
   * committed (the store skips any it already has: a run killed after writing them but before
   * moving past them left them in the file).
   *
   * @return whether anything was tried (written, or refused and paused after)
   */
  private boolean writeFromSpill() {
    Spill.Chunk chunk;
    try {
      chunk = spill.read(batchSize);
    } catch (IOException e) {
      log.warn("the request log's spill file {} cannot be read: {}", spill.file(), e.toString());
      LockSupport.parkNanos(retryPause.toNanos());
      return true;
    }
    if (chunk.records().isEmpty()) {
      return false;
    }
    int size = chunk.records().size();
    writing = size;
    try {
      store.writeAgain(chunk.records());
      // Past them in the file before they count as written, so that the statistics never show a
      // record both written and still spilled.
      consume(chunk);
      written.addAndGet(size - chunk.recovered());
      recovered.addAndGet(chunk.recovered());
      batches.incrementAndGet();
    } catch (Exception failure) {
      StoreError error = refused(failure);
      if (!STORE_DOWN.contains(error.kind()) && size > 1) {
        List<RequestRecord> held = new ArrayList<>(chunk.records());
        if (separatePoison(held)) {
          consume(chunk);
          writing = 0;
          return true;
        }
      }
      LockSupport.parkNanos(retryPause.toNanos());
    }
    writing = 0;
    return true;
  }

  private void consume(Spill.Chunk chunk) {
    try {
      spill.consumed(chunk);
    } catch (IOException e) {
      log.warn("the request log's spill file {} cannot be emptied: {}", spill.file(), e.toString());
    }
  }

  /**
   * The spill thread: appends what the full queue handed over to the spill file, as it comes; what
   * the file has no room for is dropped and counted. Ends when the log closes, once the hand-off is
   * empty.
   */
  private void spill() {
    List<RequestRecord> chunk = new ArrayList<>();
    while (true) {
      RequestRecord first;
      try {
        // A short wait: close() finds the thread idle within it, whatever the flush interval.
        first = overflow.poll(50, TimeUnit.MILLISECONDS);
      } catch (InterruptedException e) {
        continue;
      }
      if (first == null) {
        if (closing && overflow.isEmpty()) {
          return;
        }
        continue;
      }
      chunk.add(first);
      overflow.drainTo(chunk, OVERFLOW_CAPACITY);
      int fitted = 0;
      try {
        fitted = spill.append(chunk);
      } catch (IOException | RuntimeException e) {
        log.warn(
            "the request log's spill file {} refused {} records: {}",
            spill.file(),
            chunk.size(),
            e.toString());
      }
      accepted.addAndGet(fitted);
      dropped.addAndGet(chunk.size() - fitted);
      overflowHeld.addAndGet(-chunk.size());
      if (fitted < chunk.size() && spillFullWarned.compareAndSet(false, true)) {
        log.warn(
            "the request log's spill file {} is full ({} bytes): records are dropped and counted"
                + " until the store catches up",
            spill.file(),
            spill.capacityBytes());
      } else if (fitted == chunk.size()) {
        spillFullWarned.set(false);
      }
      chunk.clear();
    }
  }

  private final java.util.concurrent.atomic.AtomicBoolean spillFullWarned =
      new java.util.concurrent.atomic.AtomicBoolean();

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
      long due = System.nanoTime() + timeout.toNanos();
      if (spiller != null) {
        spiller.join(Math.max(1, timeout.toMillis()));
      }
      writer.join(Math.max(1, TimeUnit.NANOSECONDS.toMillis(due - System.nanoTime())));
      if (writer.isAlive()) {
        abandoned = true;
        LockSupport.unpark(writer);
        // The writer may be inside a store call; the store's own timeouts bound it.
        writer.join(Duration.ofSeconds(5).toMillis());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (spill != null) {
      try {
        spill.close(); // what it still holds is written at the next start
      } catch (IOException e) {
        log.warn("the request log's spill file {} did not close: {}", spill.file(), e.toString());
      }
    }
  }

  /** {@link #close(Duration)} with {@link #DEFAULT_CLOSE_TIMEOUT}. */
  @Override
  public void close() {
    close(DEFAULT_CLOSE_TIMEOUT);
  }
}
