package dev.switchboard.observe.analytics;

import dev.switchboard.engine.errors.InvalidRequestException;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A query string's parameters as the logs and analytics endpoints read them: each at most once, and
 * none unknown, so a misspelt filter is a 400 that names it instead of a silently wider answer.
 */
final class Parameters {
  private final Map<String, List<String>> values;
  private final Set<String> read = new LinkedHashSet<>();

  Parameters(Map<String, List<String>> values) {
    this.values = new LinkedHashMap<>(values);
  }

  /** The parameter's one value, or {@code null} when absent. */
  String get(String name) {
    read.add(name);
    List<String> given = values.get(name);
    if (given == null || given.isEmpty()) {
      return null;
    }
    if (given.size() > 1) {
      throw invalid(name, "'" + name + "' is given more than once.");
    }
    return given.get(0);
  }

  /** A non-empty parameter, or {@code null} when absent. */
  String text(String name) {
    String value = get(name);
    if (value != null && value.isBlank()) {
      throw invalid(name, "'" + name + "' must not be empty.");
    }
    return value;
  }

  /** The values of every parameter {@code prefix<key>}, by key. */
  Map<String, String> withPrefix(String prefix) {
    Map<String, String> found = new LinkedHashMap<>();
    for (String name : values.keySet()) {
      if (name.startsWith(prefix)) {
        String key = name.substring(prefix.length());
        if (key.isEmpty()) {
          throw invalid(name, "'" + name + "' names no key: use " + prefix + "<key>=<value>.");
        }
        found.put(key, get(name));
      }
    }
    return found;
  }

  /** An integer parameter between {@code min} and {@code max}, or {@code fallback} when absent. */
  int integer(String name, int fallback, int min, int max) {
    String value = get(name);
    if (value == null) {
      return fallback;
    }
    try {
      int parsed = Integer.parseInt(value.strip());
      if (parsed >= min && parsed <= max) {
        return parsed;
      }
    } catch (NumberFormatException e) {
      // refused below, with the range
    }
    throw invalid(name, "'" + name + "' must be an integer from " + min + " to " + max + ".");
  }

  /**
   * An instant as epoch milliseconds: given as epoch milliseconds ({@code 1767225600000}) or an
   * ISO-8601 instant ({@code 2026-01-01T00:00:00Z}); {@code null} when absent.
   */
  Long instant(String name) {
    String value = get(name);
    if (value == null) {
      return null;
    }
    String given = value.strip();
    if (given.matches("-?\\d{1,18}")) {
      return Long.parseLong(given);
    }
    try {
      return Instant.parse(given).toEpochMilli();
    } catch (DateTimeParseException | ArithmeticException e) {
      throw invalid(
          name,
          "'"
              + name
              + "' must be epoch milliseconds or an ISO-8601 instant such as"
              + " 2026-01-01T00:00:00Z.");
    }
  }

  /** Refuses any parameter that was not read. */
  void refuseOthers() {
    for (String name : values.keySet()) {
      if (!read.contains(name)) {
        throw invalid(name, "Unknown parameter '" + name + "'.");
      }
    }
  }

  static InvalidRequestException invalid(String param, String message) {
    return new InvalidRequestException(message, param, null);
  }
}
