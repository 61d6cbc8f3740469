package dev.switchboard.engine.guardrails;

import dev.switchboard.engine.guardrails.Check.CheckFailure;
import java.util.regex.Pattern;
import java.util.regex.PatternSyntaxException;

/**
 * Regular expressions from configs, which a client may write (a config can come in a header): a
 * malformed one is the check's error, and a match that backtracks without end stops when the
 * check's time is up, because the text it reads gives up once its thread is interrupted.
 */
final class Patterns {
  private Patterns() {}

  /** A pattern and whether JavaScript's {@code g} flag was set. */
  record Flagged(Pattern pattern, boolean global) {}

  static Pattern compile(String regex, int flags) {
    try {
      return Pattern.compile(regex, flags);
    } catch (PatternSyntaxException e) {
      throw new CheckFailure("Invalid regular expression: " + e.getDescription());
    }
  }

  /** A pattern as JavaScript writes it, {@code /body/flags}, or a bare pattern. */
  static Flagged jsLiteral(String input) {
    var literal = java.util.regex.Pattern.compile("^/(.+?)/([gimsuyd]*)$").matcher(input);
    if (!literal.matches()) {
      return new Flagged(compile(input, 0), false);
    }
    String flags = literal.group(2);
    int javaFlags = 0;
    if (flags.contains("i")) {
      javaFlags |= Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE;
    }
    if (flags.contains("m")) {
      javaFlags |= Pattern.MULTILINE;
    }
    if (flags.contains("s")) {
      javaFlags |= Pattern.DOTALL;
    }
    return new Flagged(compile(literal.group(1), javaFlags), flags.contains("g"));
  }

  /** The text, read so that a match stops when the check is cancelled. */
  static CharSequence bounded(String text) {
    return new Interruptible(text);
  }

  private record Interruptible(String text) implements CharSequence {
    @Override
    public int length() {
      return text.length();
    }

    @Override
    public char charAt(int index) {
      if (Thread.currentThread().isInterrupted()) {
        throw new CheckFailure("The check ran out of time.");
      }
      return text.charAt(index);
    }

    @Override
    public CharSequence subSequence(int start, int end) {
      return new Interruptible(text.substring(start, end));
    }

    @Override
    public String toString() {
      return text;
    }
  }
}
