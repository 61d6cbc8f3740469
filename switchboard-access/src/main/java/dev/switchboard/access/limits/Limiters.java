package dev.switchboard.access.limits;

import java.net.URI;
import java.time.Clock;
import javax.sql.DataSource;

/** Builds the gateway's {@link Limiter}. */
public final class Limiters {
  private Limiters() {}

  /**
   * A limiter with rate limits in this process ({@code redisUrl} {@code null}) or in Redis (shared
   * by every gateway given the same URL, keys under {@code switchboard:rate:}), and budgets in the
   * table {@code access_budget_usage} of {@code ledger}, created if absent.
   *
   * @param ledger the access store's database
   * @param postgres whether it is PostgreSQL (else H2)
   * @param redisUrl {@code redis://host:port}, or {@code null}
   * @param alertWebhook where budget alerts are posted as JSON, or {@code null} (logged only)
   * @param clock the time budgets' periods and rate windows are reckoned by
   */
  public static Limiter create(
      DataSource ledger, boolean postgres, String redisUrl, URI alertWebhook, Clock clock) {
    return new LedgerLimiter(
        RateBuckets.create(redisUrl, clock),
        new BudgetLedger(ledger, postgres),
        new BudgetAlerts(alertWebhook),
        clock);
  }
}
