package dev.switchboard.access;

import java.time.DayOfWeek;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.temporal.TemporalAdjusters;

/** How often a budget starts afresh: calendar days, ISO weeks or months in UTC, or never. */
public enum Period {
  DAY,
  WEEK,
  MONTH,
  NEVER;

  /** The start of the period {@code now} falls in; {@link Instant#EPOCH} for {@link #NEVER}. */
  public Instant start(Instant now) {
    LocalDate day = LocalDate.ofInstant(now, ZoneOffset.UTC);
    LocalDate first =
        switch (this) {
          case DAY -> day;
          case WEEK -> day.with(TemporalAdjusters.previousOrSame(DayOfWeek.MONDAY));
          case MONTH -> day.withDayOfMonth(1);
          case NEVER -> null;
        };
    return first == null ? Instant.EPOCH : first.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /** The start of the next period after the one {@code now} falls in; {@code null} for never. */
  public Instant next(Instant now) {
    LocalDate start = LocalDate.ofInstant(start(now), ZoneOffset.UTC);
    LocalDate next =
        switch (this) {
          case DAY -> start.plusDays(1);
          case WEEK -> start.plusWeeks(1);
          case MONTH -> start.plusMonths(1);
          case NEVER -> null;
        };
    return next == null ? null : next.atStartOfDay(ZoneOffset.UTC).toInstant();
  }

  /**
   * The name used in JSON and settings: {@code day}, {@code week}, {@code month}, {@code never}.
   */
  public String wireName() {
    return name().toLowerCase(java.util.Locale.ROOT);
  }

  /** The period named so in JSON. */
  public static Period of(String name) {
    for (Period period : values()) {
      if (period.wireName().equals(name)) {
        return period;
      }
    }
    throw new IllegalArgumentException(
        "period must be one of day, week, month, never, not '" + name + "'");
  }
}
