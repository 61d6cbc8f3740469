package dev.switchboard.testkit;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The fake's tokenizer: one whitespace-separated word is one token. Real token counts differ, but
 * these are deterministic and easy to predict in a test.
 */
final class WordTokens {
  private static final Pattern WORD_AND_TRAILING_SPACE = Pattern.compile("\\S+\\s*");

  private WordTokens() {}

  /** How many tokens {@code text} has. */
  static int count(String text) {
    int count = 0;
    for (Matcher words = WORD_AND_TRAILING_SPACE.matcher(text); words.find(); ) {
      count++;
    }
    return count;
  }

  /**
   * {@code text} as one piece per token, each word with the whitespace after it (leading whitespace
   * goes with the first): the pieces joined give {@code text} back exactly.
   */
  static List<String> pieces(String text) {
    List<String> pieces = new ArrayList<>();
    Matcher words = WORD_AND_TRAILING_SPACE.matcher(text);
    int start = 0;
    while (words.find()) {
      pieces.add(text.substring(start, words.end()));
      start = words.end();
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  /** The first {@code limit} tokens of {@code text}. */
  static String truncate(String text, int limit) {
    List<String> pieces = pieces(text);
    return pieces.size() <= limit ? text : String.join("", pieces.subList(0, limit));
  }
}
