package dev.switchboard.engine.cache;

import com.fasterxml.jackson.databind.JsonNode;
import java.time.Duration;
import java.util.Locale;

/**
 * What a config's {@code cache} field asks for: {@code {"mode": "simple" | "semantic", "max_age":
 * seconds}} (or {@code maxAge}), or just the mode as a string, as Portkey accepts. A child target's
 * {@code cache} replaces its parent's.
 *
 * @param mode how answers are matched
 * @param maxAge how long an answer is kept, or {@code null} for the gateway's default
 * @param deterministicOnly ours, {@code deterministic_only}: cache only requests that set {@code
 *     temperature} to 0, since a sampled answer is one draw among many
 * @param similarityThreshold ours, {@code similarity_threshold}: in semantic mode, the least cosine
 *     similarity of two last user turns for one's answer to serve the other; {@code null} for the
 *     default
 */
public record CacheDirective(
    Mode mode, Duration maxAge, boolean deterministicOnly, Double similarityThreshold) {

  /**
   * The default similarity threshold, chosen on the committed labelled set of paraphrases and
   * different prompts (switchboard-semantic's {@code semantic/pairs.tsv}; figures in
   * docs/caching.md): precision first, with a margin above the nearest different question but one.
   */
  public static final double DEFAULT_SIMILARITY_THRESHOLD = 0.88;

  /** How a request is matched to a stored answer. */
  public enum Mode {
    /** No caching: Portkey's {@code "DISABLED"}. */
    DISABLED,
    /** The same canonical request, exactly. */
    SIMPLE,
    /**
     * The same request, or one whose last user turn means the same (earlier turns and everything
     * else matching exactly); exactly as {@link #SIMPLE} when no {@link SentenceEmbedder} is
     * installed.
     */
    SEMANTIC
  }

  /**
   * Reads a config's {@code cache} value.
   *
   * @return the directive, or {@code null} when {@code cache} is absent
   * @throws IllegalArgumentException naming what is wrong, for an invalid value
   */
  public static CacheDirective parse(JsonNode cache) {
    if (cache == null || cache.isNull() || cache.isMissingNode()) {
      return null;
    }
    if (cache.isTextual()) {
      return new CacheDirective(mode(cache.asText()), null, false, null);
    }
    if (!cache.isObject()) {
      throw new IllegalArgumentException("must be an object with a mode, or a mode");
    }
    JsonNode mode = cache.get("mode");
    if (mode == null || !mode.isTextual()) {
      throw new IllegalArgumentException("needs a mode: \"simple\" or \"semantic\"");
    }
    JsonNode age = cache.has("max_age") ? cache.get("max_age") : cache.get("maxAge");
    Duration maxAge = age == null || age.isNull() ? null : seconds(age);
    JsonNode deterministic =
        cache.has("deterministic_only")
            ? cache.get("deterministic_only")
            : cache.get("deterministicOnly");
    if (deterministic != null && !deterministic.isBoolean() && !deterministic.isNull()) {
      throw new IllegalArgumentException("deterministic_only must be true or false");
    }
    JsonNode threshold =
        cache.has("similarity_threshold")
            ? cache.get("similarity_threshold")
            : cache.get("similarityThreshold");
    Double similarity = null;
    if (threshold != null && !threshold.isNull()) {
      if (!threshold.isNumber() || threshold.asDouble() <= 0 || threshold.asDouble() > 1) {
        throw new IllegalArgumentException(
            "similarity_threshold must be a number above 0 and at most 1");
      }
      similarity = threshold.asDouble();
    }
    return new CacheDirective(
        mode(mode.asText()),
        maxAge,
        deterministic != null && deterministic.asBoolean(),
        similarity);
  }

  /** The similarity threshold in force. */
  public double threshold() {
    return similarityThreshold != null ? similarityThreshold : DEFAULT_SIMILARITY_THRESHOLD;
  }

  /** Whether requests under this directive are cached at all. */
  public boolean enabled() {
    return mode != Mode.DISABLED;
  }

  private static Mode mode(String text) {
    return switch (text.strip().toLowerCase(Locale.ROOT)) {
      case "simple" -> Mode.SIMPLE;
      case "semantic" -> Mode.SEMANTIC;
      case "disabled" -> Mode.DISABLED;
      default ->
          throw new IllegalArgumentException(
              "mode must be \"simple\" or \"semantic\", not \"" + text + "\"");
    };
  }

  /**
   * Seconds, as Portkey documents {@code max_age}. Portkey's code reads it with {@code parseInt} of
   * its text, so a numeric string counts too and a fraction is cut to whole seconds; we do the
   * same, and refuse what is not a positive number.
   */
  private static Duration seconds(JsonNode age) {
    long seconds;
    if (age.isNumber()) {
      seconds = age.asLong();
    } else if (age.isTextual() && age.asText().strip().matches("\\d+(\\.\\d*)?")) {
      seconds = (long) Double.parseDouble(age.asText().strip());
    } else {
      throw new IllegalArgumentException("max_age must be a number of seconds");
    }
    if (seconds <= 0) {
      throw new IllegalArgumentException("max_age must be a positive number of seconds");
    }
    return Duration.ofSeconds(seconds);
  }
}
