package dev.switchboard.engine.routing;

import java.time.Duration;
import java.time.Instant;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;

/**
 * How long a provider asked the client to wait before trying again, read from its response headers:
 * {@code retry-after-ms} and {@code x-ms-retry-after-ms} (milliseconds, OpenAI's and Azure's), then
 * {@code retry-after} as delay-seconds or an HTTP-date (RFC 9110, section 10.2.3). The longest wait
 * any of them asks for wins: a retry is never earlier than a provider said.
 */
final class RetryAfter {
  private RetryAfter() {}

  /** The wait the headers ask for, measured from {@code now}; empty when none asks for one. */
  static Optional<Duration> from(List<Map.Entry<String, String>> headers, Instant now) {
    Duration longest = null;
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      Duration wait =
          switch (name) {
            case "retry-after-ms", "x-ms-retry-after-ms" -> milliseconds(header.getValue());
            case "retry-after" -> secondsOrDate(header.getValue(), now);
            default -> null;
          };
      if (wait != null && (longest == null || wait.compareTo(longest) > 0)) {
        longest = wait;
      }
    }
    return Optional.ofNullable(longest);
  }

  private static Duration milliseconds(String value) {
    try {
      double millis = Double.parseDouble(value.strip());
      return millis >= 0 && Double.isFinite(millis)
          ? Duration.ofNanos((long) (millis * 1_000_000))
          : null;
    } catch (NumberFormatException e) {
      return null;
    }
  }

  private static Duration secondsOrDate(String value, Instant now) {
    String text = value.strip();
    try {
      double seconds = Double.parseDouble(text);
      return seconds >= 0 && Double.isFinite(seconds)
          ? Duration.ofNanos((long) (seconds * 1_000_000_000L))
          : null;
    } catch (NumberFormatException notSeconds) {
      try {
        Instant at = ZonedDateTime.parse(text, DateTimeFormatter.RFC_1123_DATE_TIME).toInstant();
        Duration wait = Duration.between(now, at);
        return wait.isNegative() ? Duration.ZERO : wait;
      } catch (DateTimeParseException notADate) {
        return null;
      }
    }
  }
}
