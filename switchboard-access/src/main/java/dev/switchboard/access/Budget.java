package dev.switchboard.access;

import java.math.BigDecimal;
import java.util.List;

/**
 * What a subject may spend per period: a cost in US dollars, a number of tokens, or both (either
 * reached stops it). Spending is reserved when a request is admitted and settled with what it used.
 *
 * @param costUsd the most it may cost per period, or {@code null} for no cost limit
 * @param tokens the most tokens (prompt and completion) per period, or {@code null} for none
 * @param period when it starts afresh
 * @param alertThresholds fractions of the budget (e.g. {@code 0.5}, {@code 0.8}) at which an alert
 *     is sent once per period, ascending; the limit itself (1.0) always alerts
 */
public record Budget(
    BigDecimal costUsd, Long tokens, Period period, List<BigDecimal> alertThresholds) {
  public Budget {
    if (costUsd == null && tokens == null) {
      throw new IllegalArgumentException("a budget needs cost_usd or tokens");
    }
    if (costUsd != null && costUsd.signum() < 0) {
      throw new IllegalArgumentException("a budget's cost_usd must not be negative");
    }
    if (tokens != null && tokens < 0) {
      throw new IllegalArgumentException("a budget's tokens must not be negative");
    }
    period = period == null ? Period.MONTH : period;
    alertThresholds = alertThresholds == null ? List.of() : List.copyOf(alertThresholds);
    for (BigDecimal threshold : alertThresholds) {
      if (threshold.signum() <= 0 || threshold.compareTo(BigDecimal.ONE) > 0) {
        throw new IllegalArgumentException(
            "each alert threshold is a fraction above 0 and at most 1, not "
                + threshold.toPlainString());
      }
    }
  }
}
