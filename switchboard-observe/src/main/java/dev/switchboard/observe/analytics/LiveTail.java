package dev.switchboard.observe.analytics;

import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The live tail of the request log: hands each finished request's record to every open {@link
 * Subscription} (a dashboard's {@code GET /v1/logs/tail}), in memory, whether or not records are
 * stored. Each subscriber has a small buffer of its own; a subscriber that reads too slowly loses
 * the records that do not fit (counted), so a request never waits for a viewer.
 */
public final class LiveTail implements RecordSink {
  /** Records a subscriber may be behind before it loses some. */
  public static final int DEFAULT_BUFFER = 256;

  /** Subscribers at once; more are refused, so open tails cannot grow memory without bound. */
  public static final int DEFAULT_MAX_SUBSCRIBERS = 64;

  private final int buffer;
  private final int maxSubscribers;
  private final Set<Subscription> subscriptions = ConcurrentHashMap.newKeySet();
  private final AtomicLong dropped = new AtomicLong();

  public LiveTail() {
    this(DEFAULT_BUFFER, DEFAULT_MAX_SUBSCRIBERS);
  }

  /**
   * @param buffer records each subscriber may be behind before it loses some
   * @param maxSubscribers subscribers at once
   */
  public LiveTail(int buffer, int maxSubscribers) {
    if (buffer <= 0 || maxSubscribers <= 0) {
      throw new IllegalArgumentException("a live tail needs a buffer and room for a subscriber");
    }
    this.buffer = buffer;
    this.maxSubscribers = maxSubscribers;
  }

  @Override
  public void accept(RequestRecord record) {
    if (ToolCallFacts.isListing(record)) {
      return; // as the request log: listings are timed and traced only
    }
    for (Subscription subscription : subscriptions) {
      subscription.offer(record);
    }
  }

  /**
   * A new subscription to the records finished from now on; close it when done.
   *
   * @throws IllegalStateException when {@code maxSubscribers} are already open
   */
  public Subscription subscribe() {
    Subscription subscription = new Subscription();
    synchronized (subscriptions) {
      if (subscriptions.size() >= maxSubscribers) {
        throw new IllegalStateException(
            "the live tail already has " + maxSubscribers + " subscribers");
      }
      subscriptions.add(subscription);
    }
    return subscription;
  }

  /** Subscriptions open now. */
  public int subscribers() {
    return subscriptions.size();
  }

  /** Records lost by slow subscribers since the start, over all of them. */
  public long dropped() {
    return dropped.get();
  }

  /** One reader of the live tail, with its own bounded buffer. */
  public final class Subscription implements AutoCloseable {
    private final BlockingQueue<RequestRecord> queue = new ArrayBlockingQueue<>(buffer);
    private final AtomicLong lost = new AtomicLong();

    private Subscription() {}

    private void offer(RequestRecord record) {
      if (!queue.offer(record)) {
        lost.incrementAndGet();
        dropped.incrementAndGet();
      }
    }

    /** The next record, waiting at most {@code timeout}; {@code null} when none came. */
    public RequestRecord poll(Duration timeout) throws InterruptedException {
      return queue.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /** Records this subscriber lost because its buffer was full. */
    public long dropped() {
      return lost.get();
    }

    @Override
    public void close() {
      subscriptions.remove(this);
    }
  }
}
