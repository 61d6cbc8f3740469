package dev.switchboard.engine.shadow;

import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Shadow;
import dev.switchboard.engine.providers.ResponseStream;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs shadow requests: once a client's request whose config drew a {@code shadow} is over (its
 * record written; a stream's once it ended), the same request is replayed against the shadow target
 * on a virtual thread of its own, through the whole pipeline again (admission and the key's scopes,
 * pricing, the router, the guardrails, the attempt's admission, the log), as a {@link
 * Request#shadowOf shadow request}: its record names the client's ({@code shadow_of}), the limits
 * never charge it, and the client neither waits for it nor sees it, whatever it does.
 *
 * <p>Bounded by {@link ShadowSettings}: a kill switch ({@link #stop}: no shadow starts, and those
 * in flight are interrupted, which aborts their upstream calls), a spend cap per UTC day (checked
 * before each shadow starts, from the costs of the shadows that ended; shadows in flight may pass
 * it by their own cost), and a bound on the shadows in flight.
 */
public final class ShadowTraffic {
  private static final Logger log = LoggerFactory.getLogger(ShadowTraffic.class);

  private final ShadowSettings settings;
  private final Clock clock;
  private final Function<Request, Outcome> pipeline;
  private volatile boolean enabled;
  private final Set<Thread> running = ConcurrentHashMap.newKeySet();
  private final AtomicInteger inFlight = new AtomicInteger();
  private final AtomicLong started = new AtomicLong();
  private final AtomicLong ended = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();
  private final AtomicLong skippedStopped = new AtomicLong();
  private final AtomicLong skippedSpendCap = new AtomicLong();
  private final AtomicLong skippedBusy = new AtomicLong();
  private LocalDate day;
  private BigDecimal spentToday = BigDecimal.ZERO;

  /**
   * @param pipeline runs a request through the gateway's whole pipeline
   */
  public ShadowTraffic(ShadowSettings settings, Clock clock, Function<Request, Outcome> pipeline) {
    this.settings = settings;
    this.clock = clock;
    this.pipeline = pipeline;
    this.enabled = settings.enabled();
    this.day = today();
  }

  /**
   * Starts the shadow of {@code primary}, a client's request that is over and for which the router
   * drew one, unless shadows are stopped, today's spend reached the cap, or too many are in flight.
   */
  public void requestOver(Request primary) {
    Shadow.Route route = primary.journal().shadow();
    if (route == null || primary.isShadow()) {
      return;
    }
    if (!enabled) {
      skippedStopped.incrementAndGet();
      return;
    }
    if (capReached()) {
      skippedSpendCap.incrementAndGet();
      return;
    }
    if (inFlight.incrementAndGet() > settings.maxInFlight()) {
      inFlight.decrementAndGet();
      skippedBusy.incrementAndGet();
      return;
    }
    Request shadow =
        Request.shadowOf(
            primary.operation(),
            primary.options(),
            new Shadow(primary.journal().requestId(), route));
    started.incrementAndGet();
    Thread.ofVirtual().name("shadow-of-" + primary.journal().requestId()).start(() -> run(shadow));
  }

  private void run(Request shadow) {
    Thread self = Thread.currentThread();
    running.add(self);
    try {
      if (!enabled) {
        return; // stopped between the decision and the start
      }
      consume(pipeline.apply(shadow));
    } catch (GatewayException failure) {
      failed.incrementAndGet(); // its record says what happened
    } catch (RuntimeException bug) {
      failed.incrementAndGet();
      log.warn("a shadow request failed: {}", bug.getClass().getName());
    } finally {
      running.remove(self);
      spent(shadow.journal().costUsd());
      ended.incrementAndGet();
      inFlight.decrementAndGet();
    }
  }

  /** Reads a shadow's answer to its end, so that it is recorded whole, and lets it go. */
  private static void consume(Outcome outcome) {
    switch (outcome) {
      case Outcome.Body body -> {}
      case Outcome.Events events -> {
        try (ResponseStream<?> stream = events.stream()) {
          while (stream.next() != null) {
            // the observation stage records the stream once it ends
          }
        }
      }
      case Outcome.Raw raw -> raw.response().close();
    }
  }

  /** The kill switch: no shadow starts from now on, and those in flight are interrupted. */
  public void stop() {
    enabled = false;
    running.forEach(Thread::interrupt);
  }

  /** Lets shadows start again after {@link #stop}. */
  public void start() {
    enabled = true;
  }

  /** What shadow traffic did since the gateway started. */
  public Snapshot statistics() {
    BigDecimal spent;
    synchronized (this) {
      rollDay();
      spent = spentToday;
    }
    return new Snapshot(
        enabled,
        inFlight.get(),
        started.get(),
        ended.get(),
        failed.get(),
        skippedStopped.get(),
        skippedSpendCap.get(),
        skippedBusy.get(),
        spent,
        settings.dailySpendCapUsd());
  }

  /**
   * Shadow traffic's counters.
   *
   * @param enabled whether shadows start (the kill switch is off)
   * @param inFlight shadows running now
   * @param started shadows started
   * @param ended shadows that ended, whatever their outcome
   * @param failed of those, the ones that ended in an error
   * @param skippedStopped requests not mirrored because shadows were stopped
   * @param skippedSpendCap requests not mirrored because today's spend reached the cap
   * @param skippedBusy requests not mirrored because too many shadows were in flight
   * @param spentTodayUsd what today's (UTC) shadows cost, as priced
   * @param dailySpendCapUsd the cap, or {@code null} for none
   */
  public record Snapshot(
      boolean enabled,
      int inFlight,
      long started,
      long ended,
      long failed,
      long skippedStopped,
      long skippedSpendCap,
      long skippedBusy,
      BigDecimal spentTodayUsd,
      BigDecimal dailySpendCapUsd) {}

  private synchronized boolean capReached() {
    rollDay();
    BigDecimal cap = settings.dailySpendCapUsd();
    return cap != null && spentToday.compareTo(cap) >= 0;
  }

  private synchronized void spent(BigDecimal cost) {
    rollDay();
    if (cost != null) {
      spentToday = spentToday.add(cost);
    }
  }

  private void rollDay() {
    LocalDate now = today();
    if (!now.equals(day)) {
      day = now;
      spentToday = BigDecimal.ZERO;
    }
  }

  private LocalDate today() {
    return LocalDate.ofInstant(clock.instant(), ZoneOffset.UTC);
  }
}
