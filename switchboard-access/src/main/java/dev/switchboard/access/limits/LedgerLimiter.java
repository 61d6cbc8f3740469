package dev.switchboard.access.limits;

import dev.switchboard.access.Budget;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Subject;
import dev.switchboard.engine.errors.LimitExceededException;
import io.github.bucket4j.Bucket;
import io.github.bucket4j.ConsumptionProbe;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The {@link Limiter}: rate limits in {@link RateBuckets}, budgets in the {@link BudgetLedger}.
 *
 * <p>Rates are taken subject by subject; when a later subject refuses, what earlier ones gave is
 * put back. Between the two a concurrent request may see a little less room than there is, never
 * more, so the limits hold. Rates are checked before budgets (no database work for a request the
 * rate limit refuses), and a request the budget refuses gives its rate tokens back.
 */
final class LedgerLimiter implements Limiter {
  private static final Logger log = LoggerFactory.getLogger(LedgerLimiter.class);

  private final RateBuckets rates;
  private final BudgetLedger ledger;
  private final BudgetAlerts alerts;
  private final Clock clock;
  private final java.util.concurrent.atomic.AtomicLong rateStoreFailures =
      new java.util.concurrent.atomic.AtomicLong();

  LedgerLimiter(RateBuckets rates, BudgetLedger ledger, BudgetAlerts alerts, Clock clock) {
    this.rates = rates;
    this.ledger = ledger;
    this.alerts = alerts;
    this.clock = clock;
  }

  @Override
  public Hold admit(List<Subject> subjects, Estimate estimate) {
    Instant now = clock.instant();
    List<Taken> taken = new ArrayList<>();
    Headroom requests = null;
    Headroom tokens = null;
    try {
      for (Subject subject : subjects) {
        Limits limits = subject.limits();
        if (limits == null) {
          continue;
        }
        if (limits.requestsPerMinute() != null) {
          Headroom room = take(subject, "rpm", limits.requestsPerMinute(), 1, taken);
          requests = Headroom.tighter(requests, room);
        }
        if (limits.tokensPerMinute() != null) {
          // A request may never need more than a whole minute's tokens at once, or it could never
          // be let through; the rest of its use, if any, is charged at settlement.
          long reserve = Math.min(estimate.tokens(), limits.tokensPerMinute());
          Headroom room = take(subject, "tpm", limits.tokensPerMinute(), reserve, taken);
          tokens = Headroom.tighter(tokens, room);
        }
      }
    } catch (LimitExceededException refused) {
      giveBack(taken);
      throw refused;
    }
    List<BudgetLedger.Entry> entries = new ArrayList<>();
    BigDecimal cost = estimate.costUsd() == null ? BigDecimal.ZERO : estimate.costUsd();
    for (Subject subject : subjects) {
      Budget budget = subject.limits() == null ? null : subject.limits().budget();
      if (budget != null) {
        entries.add(
            new BudgetLedger.Entry(
                subject.qualifiedName(),
                budget.period().start(now),
                budget,
                cost,
                estimate.tokens()));
      }
    }
    BudgetLedger.Entry refused;
    try {
      refused = ledger.reserve(entries);
    } catch (RuntimeException failure) {
      giveBack(taken);
      throw failure;
    }
    if (refused != null) {
      giveBack(taken);
      Instant next = refused.budget().period().next(now);
      throw LimitExceededException.budgetExhausted(
          "The budget of "
              + describe(refused.subject())
              + " is spent"
              + (next == null ? "." : " for this " + refused.budget().period().wireName() + "."),
          next == null ? null : Duration.between(now, next));
    }
    Map<String, String> headers = new LinkedHashMap<>();
    if (requests != null) {
      requests.write("requests", headers);
    }
    if (tokens != null) {
      tokens.write("tokens", headers);
    }
    return new LedgerHold(taken, entries, headers);
  }

  @Override
  public Usage usage(Subject subject) {
    Limits limits = subject.limits() == null ? Limits.NONE : subject.limits();
    long requests = 0;
    long tokens = 0;
    if (limits.requestsPerMinute() != null && limits.requestsPerMinute() > 0) {
      Bucket bucket = rates.bucket(subject.qualifiedName() + ":rpm", limits.requestsPerMinute());
      requests = Math.max(0, limits.requestsPerMinute() - bucket.getAvailableTokens());
    }
    if (limits.tokensPerMinute() != null && limits.tokensPerMinute() > 0) {
      Bucket bucket = rates.bucket(subject.qualifiedName() + ":tpm", limits.tokensPerMinute());
      tokens = Math.max(0, limits.tokensPerMinute() - bucket.getAvailableTokens());
    }
    Budget budget = limits.budget();
    if (budget == null) {
      return new Usage(requests, tokens, null, BigDecimal.ZERO, 0, BigDecimal.ZERO, 0);
    }
    Instant start = budget.period().start(clock.instant());
    BudgetLedger.Row row = ledger.row(subject.qualifiedName(), start);
    return new Usage(
        requests,
        tokens,
        start,
        row.spentUsd().stripTrailingZeros(),
        row.spentTokens(),
        row.reservedUsd().stripTrailingZeros(),
        row.reservedTokens());
  }

  @Override
  public void close() {
    try {
      rates.close();
    } finally {
      alerts.close();
    }
  }

  /** Takes {@code amount} from a subject's bucket, or refuses the request with 429. */
  private Headroom take(
      Subject subject, String measure, long limit, long amount, List<Taken> taken) {
    String what = measure.equals("rpm") ? "requests" : "tokens";
    if (limit == 0) {
      throw LimitExceededException.rateLimited(
          "The " + what + "-per-minute limit of " + describe(subject.qualifiedName()) + " is 0.",
          RateBuckets.WINDOW,
          Map.of("x-ratelimit-limit-" + what, "0", "x-ratelimit-remaining-" + what, "0"));
    }
    Bucket bucket;
    ConsumptionProbe probe;
    try {
      bucket = rates.bucket(subject.qualifiedName() + ":" + measure, limit);
      if (amount <= 0) {
        return new Headroom(limit, bucket.getAvailableTokens(), Duration.ZERO);
      }
      probe = bucket.tryConsumeAndReturnRemaining(amount);
    } catch (RuntimeException failure) {
      // Rate counters that cannot be reached (Redis down) let requests through: budgets, in the
      // database, still hold, and an outage of the counters is not an outage of the gateway.
      rateStoreFailed(failure);
      return null;
    }
    if (!probe.isConsumed()) {
      Duration wait = Duration.ofNanos(probe.getNanosToWaitForRefill());
      Map<String, String> headers = new LinkedHashMap<>();
      new Headroom(
              limit, probe.getRemainingTokens(), Duration.ofNanos(probe.getNanosToWaitForReset()))
          .write(what, headers);
      throw LimitExceededException.rateLimited(
          "The "
              + what
              + "-per-minute limit of "
              + describe(subject.qualifiedName())
              + " is reached ("
              + limit
              + " a minute).",
          atLeastOneSecond(wait),
          headers);
    }
    taken.add(new Taken(bucket, measure.equals("tpm"), amount));
    return new Headroom(
        limit, probe.getRemainingTokens(), Duration.ofNanos(probe.getNanosToWaitForReset()));
  }

  /** Retry-After is whole seconds: a wait under one second is told as one, never as zero. */
  private static Duration atLeastOneSecond(Duration wait) {
    long seconds = (wait.toMillis() + 999) / 1000;
    return Duration.ofSeconds(Math.max(1, seconds));
  }

  private void giveBack(List<Taken> taken) {
    for (Taken each : taken) {
      try {
        each.bucket().addTokens(each.amount());
      } catch (RuntimeException failure) {
        rateStoreFailed(failure);
      }
    }
  }

  private void rateStoreFailed(RuntimeException failure) {
    long count = rateStoreFailures.incrementAndGet();
    if (count % 1000 == 1) {
      log.warn(
          "the rate-limit counters failed ({} so far), requests pass unlimited by rate: {}",
          count,
          failure.getClass().getSimpleName());
    }
  }

  /** {@code key 'key_abc'}: the kind and id, never a secret. */
  private static String describe(String qualifiedName) {
    int colon = qualifiedName.indexOf(':');
    return qualifiedName.substring(0, colon).replace('_', ' ')
        + " '"
        + qualifiedName.substring(colon + 1)
        + "'";
  }

  /** What one bucket gave a request. */
  private record Taken(Bucket bucket, boolean tokens, long amount) {}

  /** Room left under one limit after a request, for the rate-limit headers. */
  private record Headroom(long limit, long remaining, Duration reset) {
    static Headroom tighter(Headroom current, Headroom candidate) {
      if (candidate == null) {
        return current;
      }
      return current == null || candidate.remaining() < current.remaining() ? candidate : current;
    }

    /** OpenAI's names: {@code x-ratelimit-limit-requests}, … */
    void write(String what, Map<String, String> headers) {
      headers.put("x-ratelimit-limit-" + what, Long.toString(limit));
      headers.put("x-ratelimit-remaining-" + what, Long.toString(Math.max(0, remaining)));
      headers.put("x-ratelimit-reset-" + what, format(reset));
    }

    /** As OpenAI writes its resets: {@code 20ms}, {@code 6s}, {@code 1m0s}. */
    static String format(Duration duration) {
      long millis = Math.max(0, duration.toMillis());
      if (millis < 1000) {
        return millis + "ms";
      }
      long seconds = (millis + 999) / 1000;
      return seconds < 60 ? seconds + "s" : (seconds / 60) + "m" + (seconds % 60) + "s";
    }
  }

  /** A request's reservation across buckets and ledger rows. */
  private final class LedgerHold implements Hold {
    private final List<Taken> taken;
    private final List<BudgetLedger.Entry> entries;
    private final Map<String, String> headers;
    private final AtomicBoolean settled = new AtomicBoolean();

    LedgerHold(List<Taken> taken, List<BudgetLedger.Entry> entries, Map<String, String> headers) {
      this.taken = List.copyOf(taken);
      this.entries = List.copyOf(entries);
      this.headers = Map.copyOf(headers);
    }

    @Override
    public void settle(Used used) {
      if (!settled.compareAndSet(false, true)) {
        return;
      }
      if (used.tokens() != null) {
        for (Taken each : taken) {
          if (each.tokens()) {
            long unused = each.amount() - used.tokens();
            try {
              if (unused > 0) {
                each.bucket().addTokens(unused);
              } else if (unused < 0) {
                // Used more than reserved: charged all the same, the bucket going into debt, so
                // the next requests wait for it.
                each.bucket().consumeIgnoringRateLimits(-unused);
              }
            } catch (RuntimeException failure) {
              rateStoreFailed(failure);
            }
          }
        }
      }
      if (entries.isEmpty()) {
        return;
      }
      BudgetLedger.Entry any = entries.getFirst();
      BigDecimal cost = used.costUsd() != null ? used.costUsd() : any.costUsd();
      long tokens = used.tokens() != null ? used.tokens() : any.tokens();
      try {
        for (BudgetLedger.Settled each : ledger.settle(entries, cost, tokens)) {
          alerts.crossed(each);
        }
      } catch (RuntimeException failure) {
        log.warn(
            "a budget reservation could not be settled ({}); it stays reserved",
            failure.getMessage());
      }
    }

    @Override
    public Map<String, String> headers() {
      return headers;
    }
  }
}
