package dev.switchboard.observe.store;

import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request log's writer: takes records off the request path into a bounded queue (a full queue
 * drops the record and counts it; a request never waits), and one writer thread stores them in
 * batches. A batch the store refuses is kept and tried again after a pause, so records wait out a
 * store that is down while the queue bounds memory; {@link #close()} writes what is queued before
 * it returns.
 */
public final class RequestLog implements RecordSink, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(RequestLog.class);

  private final LogStore store;
  private final BlockingQueue<RequestRecord> queue;
  private final int batchSize;
  private final Duration flushInterval;
  private final Duration retryPause;
  private final Thread writer;
  private final AtomicLong accepted = new AtomicLong();
  private final AtomicLong written = new AtomicLong();
  private final AtomicLong dropped = new AtomicLong();
  private final AtomicLong failures = new AtomicLong();
  private volatile boolean closing;

  /**
   * @param capacity the most records waiting to be written; more are dropped and counted
   * @param batchSize the most records written in one transaction
   * @param flushInterval the longest a record waits for its batch to fill
   * @param retryPause the pause after the store refused a batch
   */
  public RequestLog(
      LogStore store, int capacity, int batchSize, Duration flushInterval, Duration retryPause) {
    this.store = store;
    this.queue = new ArrayBlockingQueue<>(capacity);
    this.batchSize = batchSize;
    this.flushInterval = flushInterval;
    this.retryPause = retryPause;
    this.writer = Thread.ofPlatform().name("request-log-writer").daemon(true).start(this::run);
  }

  @Override
  public void accept(RequestRecord record) {
    if (closing || !queue.offer(record)) {
      dropped.incrementAndGet();
      return;
    }
    accepted.incrementAndGet();
  }

  /** The counters: records accepted, written, dropped, waiting; batches the store refused. */
  public Statistics statistics() {
    return new Statistics(
        accepted.get(), written.get(), dropped.get(), queue.size(), failures.get());
  }

  /** The request log's counters. */
  public record Statistics(long accepted, long written, long dropped, int queued, long failures) {}

  public LogStore store() {
    return store;
  }

  private void run() {
    List<RequestRecord> batch = new ArrayList<>(batchSize);
    while (!(closing && queue.isEmpty() && batch.isEmpty())) {
      try {
        if (batch.isEmpty()) {
          RequestRecord first = queue.poll(flushInterval.toMillis(), TimeUnit.MILLISECONDS);
          if (first == null) {
            continue;
          }
          batch.add(first);
        }
        queue.drainTo(batch, batchSize - batch.size());
        store.write(batch);
        written.addAndGet(batch.size());
        batch.clear();
      } catch (InterruptedException e) {
        // close() interrupts a wait only to end it sooner; the loop checks what is left.
      } catch (Exception failure) {
        if (failures.incrementAndGet() % 100 == 1) {
          log.warn("the request log store refused a batch ({}); retrying", failure.toString());
        }
        if (closing && Thread.currentThread().isInterrupted()) {
          return;
        }
        try {
          Thread.sleep(retryPause.toMillis());
        } catch (InterruptedException e) {
          if (closing) {
            return;
          }
        }
      }
    }
  }

  /**
   * Stops taking records and writes what is queued, waiting at most {@code timeout} for it; what is
   * still unwritten then is counted as dropped.
   */
  public void close(Duration timeout) {
    closing = true;
    writer.interrupt();
    try {
      writer.join(timeout.toMillis());
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    if (writer.isAlive()) {
      writer.interrupt();
      dropped.addAndGet(queue.size());
      log.warn("the request log closed with {} records unwritten", queue.size());
    }
  }

  @Override
  public void close() {
    close(Duration.ofSeconds(10));
  }
}
