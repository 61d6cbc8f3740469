package dev.switchboard.engine.shadow;

import java.math.BigDecimal;

/**
 * The bounds on shadow traffic (a config's {@code shadow}: requests replayed against another target
 * once the client was answered), whatever the configs ask.
 *
 * @param enabled whether shadows run at all; {@code false} is the kill switch, which the operator
 *     can also throw while the gateway runs ({@link ShadowTraffic#stop})
 * @param dailySpendCapUsd what this gateway's shadows may cost in one UTC day, in US dollars; once
 *     spent, no shadow starts until the next day. {@code null}: no cap
 * @param maxInFlight shadows running at once; a request whose shadow would be one more is not
 *     mirrored (counted as skipped)
 */
public record ShadowSettings(boolean enabled, BigDecimal dailySpendCapUsd, int maxInFlight) {

  /** On, at most 10 US dollars a day, 1,024 at once. */
  public static ShadowSettings defaults() {
    return new ShadowSettings(true, new BigDecimal("10"), 1024);
  }

  public ShadowSettings {
    if (dailySpendCapUsd != null && dailySpendCapUsd.signum() < 0) {
      throw new IllegalArgumentException("the shadows' spend cap must be 0 or more");
    }
    if (maxInFlight < 1) {
      throw new IllegalArgumentException("the shadows in flight must be at least 1");
    }
  }

  public ShadowSettings withEnabled(boolean on) {
    return new ShadowSettings(on, dailySpendCapUsd, maxInFlight);
  }

  public ShadowSettings withDailySpendCapUsd(BigDecimal cap) {
    return new ShadowSettings(enabled, cap, maxInFlight);
  }

  public ShadowSettings withMaxInFlight(int most) {
    return new ShadowSettings(enabled, dailySpendCapUsd, most);
  }
}
