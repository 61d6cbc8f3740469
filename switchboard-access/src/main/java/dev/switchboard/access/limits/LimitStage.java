package dev.switchboard.access.limits;

import dev.switchboard.access.AttemptAdmission;
import dev.switchboard.access.Subject;
import dev.switchboard.access.UnpricedRates;
import dev.switchboard.engine.ResponseFacts;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.observe.ErrorTypes;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.pricing.PriceTable;
import java.math.BigDecimal;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Holds each request to its callers' rate limits and budgets: before anything is resolved or sent,
 * it estimates the request ({@link Estimates}) and admits it against every subject the {@code
 * subjects} function names (the caller's workspace and key), or refuses it with 429 or 412. The
 * rate-limit headers of the tightest limit go on the answer.
 *
 * <p>What was reserved is settled once the request is over, from its {@link RequestRecord} (this is
 * also a {@link RecordSink}; give it to the gateway's builder as one): its cost and tokens replace
 * the reservation; an answer whose tokens are known but whose model has no price is charged those
 * tokens at the operator's {@link UnpricedRates} (never more than its estimate, so the budget's
 * bound holds; nothing when it came from the cache); what is unknown (an answer without usage,
 * passed through or streamed, one cut short) stays charged at the estimate, which is never less
 * than the real use. A request that failed before any upstream attempt is charged nothing. A
 * request whose record never comes (a stream left open) is settled at its estimate after {@link
 * #ABANDONED_AFTER}.
 *
 * <p>Virtual keys are limited per attempt: the router resolves one per attempt and the virtual-key
 * store calls {@link #admit(Request, Subject)}, which holds that key's limits for the attempt; the
 * last attempt's key is charged what the request used, earlier attempts' keys nothing.
 */
public final class LimitStage implements Stage, RecordSink, AttemptAdmission {
  /** How long a request's reservation waits for its record before it is settled at its estimate. */
  public static final Duration ABANDONED_AFTER = Duration.ofMinutes(10);

  private static final long SWEEP_EVERY_NANOS = Duration.ofSeconds(30).toNanos();

  private final Limiter limiter;
  private final PriceTable prices;
  private final UnpricedRates unpriced;
  private final Function<Request, List<Subject>> subjects;
  private final Map<String, Pending> pending = new ConcurrentHashMap<>();
  private volatile long lastSweep = System.nanoTime();

  public LimitStage(
      Limiter limiter,
      PriceTable prices,
      UnpricedRates unpriced,
      Function<Request, List<Subject>> subjects) {
    this.limiter = limiter;
    this.prices = prices;
    this.unpriced = unpriced;
    this.subjects = subjects;
  }

  @Override
  public Outcome handle(Request request, Chain chain) {
    if (request.isShadow()) {
      // A shadow is the gateway's, not the caller's: never held to, nor charged against, its
      // callers' limits and budgets (its own spend cap bounds it).
      return chain.proceed(request);
    }
    sweepAbandoned();
    List<Subject> held = subjects.apply(request);
    Pending admitted = null;
    if (held != null && held.stream().anyMatch(s -> s.limits() != null && !s.limits().none())) {
      Limiter.Estimate estimate = estimate(request);
      Limiter.Hold hold = limiter.admit(held, estimate);
      hold.headers().forEach(request.journal()::gatewayHeader);
      admitted = new Pending(hold, estimate);
      if (request.id() != null) {
        pending.put(request.id(), admitted);
      }
    }
    try {
      return chain.proceed(request);
    } catch (GatewayException failure) {
      // Its record is on its way (the observation stage writes one for every gateway error).
      throw failure;
    } catch (RuntimeException failure) {
      // No record comes for a bug's exception: settle now, as a request that used nothing.
      Pending abandoned = request.id() == null ? admitted : pending.remove(request.id());
      if (abandoned != null) {
        abandoned.settle(Limiter.Used.NOTHING);
      }
      throw failure;
    }
  }

  /**
   * Admits a virtual key's limits for one attempt of {@code request}, before its credentials are
   * used; an earlier attempt's virtual-key reservation is released first. Every attempt is
   * estimated as the client's request was, once.
   *
   * @throws dev.switchboard.engine.errors.LimitExceededException when the virtual key's rate limit
   *     or budget is reached (the router may then fall back to another target)
   */
  @Override
  public void admit(Request request, Subject virtualKey) {
    if (request.isShadow()) {
      return; // a shadow is not charged (see handle)
    }
    String id = request.id();
    Pending admitted = id == null ? null : pending.get(id);
    if (admitted != null) {
      admitted.replaceAttempt(null);
    }
    if (virtualKey.limits() == null || virtualKey.limits().none()) {
      return;
    }
    if (admitted == null && id != null) {
      admitted = pending.computeIfAbsent(id, unused -> new Pending(null, null));
    }
    Limiter.Estimate estimate =
        admitted == null ? estimate(request) : admitted.estimate(() -> estimate(request));
    Limiter.Hold hold = limiter.admit(List.of(virtualKey), estimate);
    addTighter(request.journal(), hold.headers());
    if (admitted != null) {
      admitted.replaceAttempt(hold);
    } else {
      hold.settle(Limiter.Used.NOTHING);
    }
  }

  @Override
  public void accept(RequestRecord record) {
    Pending request = record.id() == null ? null : pending.remove(record.id());
    if (request != null) {
      request.settle(used(record, request.estimate()));
    }
  }

  /** Requests admitted and not yet settled. */
  int pendingCount() {
    return pending.size();
  }

  private Limiter.Estimate estimate(Request request) {
    return Estimates.of(request.operation(), request.options(), prices, unpriced);
  }

  /**
   * What a request used, as its record tells: nothing when no attempt went upstream (refused,
   * invalid) or the provider answered with an error before any answer, passed through or not
   * (providers do not bill those); else its cost and tokens, unknown ({@code null}: the estimate
   * stays) where the record has none. The tokens of a model without a price are charged at the
   * unpriced rates, at most {@code estimate}'s cost; from the cache, nothing.
   */
  Limiter.Used used(RequestRecord record, Limiter.Estimate estimate) {
    boolean noAttempt = record.attempts().isEmpty();
    boolean refusedUpstream =
        !record.succeeded()
            && !record.streamed()
            && !noAttempt
            && record.attempts().stream().allMatch(a -> a.status() >= 400 && a.status() < 600)
            && record.attempts().stream().noneMatch(LimitStage::mayHaveBeenBilled);
    if (noAttempt || refusedUpstream || passedThroughError(record)) {
      return Limiter.Used.NOTHING;
    }
    if (record.promptTokens() == null && record.completionTokens() == null) {
      return new Limiter.Used(record.costUsd(), null);
    }
    long prompt = orZero(record.promptTokens());
    long completion = orZero(record.completionTokens());
    BigDecimal cost = record.costUsd();
    if (cost == null && unpriced(record) && fromCache(record)) {
      cost = BigDecimal.ZERO;
    } else if (cost == null && unpriced(record)) {
      cost = Estimates.cost(unpriced.price(), prompt, completion);
      if (estimate != null && estimate.costUsd() != null) {
        cost = cost.min(estimate.costUsd());
      }
    }
    return new Limiter.Used(cost, prompt + completion);
  }

  /** Whether neither the model that answered nor the one asked for has a price at its provider. */
  private boolean unpriced(RequestRecord record) {
    return prices.price(record.provider(), record.model()).isEmpty()
        && prices.price(record.provider(), record.requestModel()).isEmpty();
  }

  private static boolean fromCache(RequestRecord record) {
    return ResponseFacts.CACHE_HIT.equals(record.cacheStatus())
        || ResponseFacts.CACHE_SEMANTIC_HIT.equals(record.cacheStatus());
  }

  /**
   * Whether a failed attempt may still have been billed: it timed out (408), broke off (502), or
   * its client left while the provider worked (499); the estimate then stays charged.
   */
  private static boolean mayHaveBeenBilled(dev.switchboard.engine.observe.AttemptRecord attempt) {
    return attempt.status() == 408
        || attempt.status() == 502
        || attempt.status() == ErrorTypes.CLIENT_CLOSED_STATUS;
  }

  /**
   * Whether a passed-through answer was the provider's error: its attempt reached the provider,
   * which answered with an error status that was relayed as it came (not a timeout or a broken
   * gateway, which may have been billed).
   */
  private static boolean passedThroughError(RequestRecord record) {
    int status = record.status();
    return status >= 400
        && status != 408
        && status != 502
        && ErrorTypes.ofProviderStatus(status).equals(record.errorType())
        && record.attempts().stream().allMatch(a -> a.status() < 400);
  }

  private static int orZero(Integer count) {
    return count == null ? 0 : count;
  }

  /**
   * Adds a virtual key's rate-limit headers, requests and tokens each, only where its limit leaves
   * less room than the caller's: the headers tell the tightest limit.
   */
  private static void addTighter(Journal journal, Map<String, String> headers) {
    for (String what : List.of("requests", "tokens")) {
      String remaining = headers.get("x-ratelimit-remaining-" + what);
      if (remaining == null) {
        continue;
      }
      boolean tighter = true;
      for (Map.Entry<String, String> existing : journal.gatewayHeaders()) {
        if (existing.getKey().equals("x-ratelimit-remaining-" + what)
            && Long.parseLong(existing.getValue()) <= Long.parseLong(remaining)) {
          tighter = false;
        }
      }
      if (tighter) {
        for (String part : List.of("limit", "remaining", "reset")) {
          String name = "x-ratelimit-" + part + "-" + what;
          if (headers.containsKey(name)) {
            journal.gatewayHeader(name, headers.get(name));
          }
        }
      }
    }
  }

  private void sweepAbandoned() {
    long now = System.nanoTime();
    if (now - lastSweep < SWEEP_EVERY_NANOS) {
      return;
    }
    lastSweep = now;
    long limit = ABANDONED_AFTER.toNanos();
    pending
        .entrySet()
        .removeIf(entry -> {
          if (now - entry.getValue().started < limit) {
            return false;
          }
          entry.getValue().settle(new Limiter.Used(null, null));
          return true;
        });
  }

  /** A request's holds: its callers' and its current attempt's virtual key's. */
  private static final class Pending {
    private final Limiter.Hold caller;
    private final long started = System.nanoTime();
    private Limiter.Hold attempt;
    private Limiter.Estimate estimate;

    Pending(Limiter.Hold caller, Limiter.Estimate estimate) {
      this.caller = caller;
      this.estimate = estimate;
    }

    /** The estimate the request was admitted with, or {@code null} when none was made. */
    synchronized Limiter.Estimate estimate() {
      return estimate;
    }

    /** The request's estimate: the one its callers were admitted with, else made now, once. */
    synchronized Limiter.Estimate estimate(Supplier<Limiter.Estimate> first) {
      if (estimate == null) {
        estimate = first.get();
      }
      return estimate;
    }

    synchronized void replaceAttempt(Limiter.Hold next) {
      if (attempt != null) {
        attempt.settle(Limiter.Used.NOTHING);
      }
      attempt = next;
    }

    void settle(Limiter.Used used) {
      Limiter.Hold last;
      synchronized (this) {
        last = attempt;
        attempt = null;
      }
      if (caller != null) {
        caller.settle(used);
      }
      if (last != null) {
        last.settle(used);
      }
    }
  }
}
