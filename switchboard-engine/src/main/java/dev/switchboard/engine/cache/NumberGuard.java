package dev.switchboard.engine.cache;

import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A check the semantic cache makes besides similarity: two turns match only when they name the same
 * numbers in the same order. Sentence embeddings barely tell {@code sqrt(144)} from {@code
 * sqrt(169)} (cosine 0.84 on our labelled set), and a wrong number is a wrong answer.
 */
public final class NumberGuard {
  private static final Pattern NUMBER = Pattern.compile("\\d+(?:[.,]\\d+)*");

  private NumberGuard() {}

  /** The numbers in {@code text}, in order, as written. */
  public static List<String> numbers(String text) {
    List<String> numbers = new ArrayList<>();
    Matcher matcher = NUMBER.matcher(text);
    while (matcher.find()) {
      numbers.add(matcher.group());
    }
    return numbers;
  }

  /** Whether two turns name the same numbers in the same order. */
  public static boolean sameNumbers(String first, String second) {
    return numbers(first).equals(numbers(second));
  }
}
