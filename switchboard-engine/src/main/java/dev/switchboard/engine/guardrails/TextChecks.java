package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Portkey's {@code default.*} checks on text (plugins/default in Portkey-AI/gateway): same
 * parameters, same text, same verdicts, the same fields in {@code data}. Each reads the text of the
 * event's side: the request's last message (or prompt, or input) before the request, the answer
 * after it.
 */
final class TextChecks {
  private TextChecks() {}

  static ObjectNode data() {
    return WireJson.mapper().createObjectNode();
  }

  static String excerpt(String text) {
    if (text == null || text.isEmpty()) {
      return "No text available";
    }
    return text.length() > 100 ? text.substring(0, 100) + "..." : text;
  }

  static boolean not(ObjectNode parameters) {
    return parameters.path("not").asBoolean(false);
  }

  /** {@code default.regexMatch}: {@code rule}, {@code not}. */
  static CheckResult regexMatch(CheckContext context, ObjectNode parameters) {
    String rule = parameters.path("rule").asText("");
    boolean not = not(parameters);
    String text = context.text();
    if (rule.isEmpty()) {
      throw new CheckFailure("Missing regex pattern");
    }
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to match");
    }
    Matcher match = Patterns.compile(rule, 0).matcher(Patterns.bounded(text));
    boolean matches = match.find();
    boolean verdict = not != matches;
    ObjectNode data = data().put("regexPattern", rule).put("not", not).put("verdict", verdict);
    data.put(
        "explanation",
        verdict
            ? not
                ? "The regex pattern '" + rule + "' did not match the text as expected."
                : "The regex pattern '" + rule + "' successfully matched the text."
            : not
                ? "The regex pattern '" + rule + "' matched the text when it should not have."
                : "The regex pattern '" + rule + "' did not match the text.");
    if (matches) {
      ObjectNode details = data.putObject("matchDetails");
      details.put("matchedText", match.group());
      details.put("index", match.start());
      ObjectNode groups = details.putObject("groups");
      for (Map.Entry<String, Integer> named : match.pattern().namedGroups().entrySet()) {
        groups.put(named.getKey(), match.group(named.getValue()));
      }
      ArrayNode captures = details.putArray("captures");
      for (int i = 1; i <= match.groupCount(); i++) {
        captures.add(match.group(i));
      }
    } else {
      data.putNull("matchDetails");
    }
    data.put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.sentenceCount}: {@code minSentences}, {@code maxSentences}, {@code not}. */
  static CheckResult sentenceCount(CheckContext context, ObjectNode parameters) {
    JsonNode min = parameters.get("minSentences");
    JsonNode max = parameters.get("maxSentences");
    boolean not = not(parameters);
    if (min == null || !min.isNumber() || max == null || !max.isNumber()) {
      throw new CheckFailure("Missing sentence count range");
    }
    String text = context.text();
    // As Portkey counts: the pieces between sentence marks, less one (an empty text has none).
    int count = text.split("[.!?]", -1).length - 1;
    boolean inRange = count >= min.asDouble() && count <= max.asDouble();
    boolean verdict = not != inRange;
    String range = number(min) + " to " + number(max);
    ObjectNode data =
        data()
            .put("sentenceCount", count)
            .put("minCount", min.asDouble())
            .put("maxCount", max.asDouble())
            .put("not", not)
            .put("verdict", verdict);
    data.set("minCount", min);
    data.set("maxCount", max);
    data.put(
        "explanation",
        verdict
            ? not
                ? "The sentence count ("
                    + count
                    + ") is outside the specified range of "
                    + range
                    + " as expected."
                : "The sentence count ("
                    + count
                    + ") is within the specified range of "
                    + range
                    + "."
            : not
                ? "The sentence count ("
                    + count
                    + ") is within the specified range of "
                    + range
                    + " when it should not be."
                : "The sentence count ("
                    + count
                    + ") is outside the specified range of "
                    + range
                    + ".");
    data.put("textExcerpt", text.length() > 100 ? text.substring(0, 100) + "..." : text);
    return CheckResult.of(verdict, data);
  }

  /** {@code default.wordCount}: {@code minWords}, {@code maxWords}, {@code not}. */
  static CheckResult wordCount(CheckContext context, ObjectNode parameters) {
    String text = context.text().strip();
    boolean not = not(parameters);
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    JsonNode min = parameters.get("minWords");
    JsonNode max = parameters.get("maxWords");
    if (!isInteger(min) || !isInteger(max)) {
      throw new CheckFailure("Invalid or missing word count range");
    }
    int count = text.split("\\s+").length;
    return range(count, min, max, not, "wordCount", "minWords", "maxWords", "words", text);
  }

  /** {@code default.characterCount}: {@code minCharacters}, {@code maxCharacters}, {@code not}. */
  static CheckResult characterCount(CheckContext context, ObjectNode parameters) {
    String text = context.text();
    boolean not = not(parameters);
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    JsonNode min = parameters.get("minCharacters");
    JsonNode max = parameters.get("maxCharacters");
    if (!isInteger(min) || !isInteger(max)) {
      throw new CheckFailure("Invalid or missing character count range");
    }
    return range(
        text.length(),
        min,
        max,
        not,
        "characterCount",
        "minCharacters",
        "maxCharacters",
        "characters",
        text);
  }

  private static CheckResult range(
      int count,
      JsonNode min,
      JsonNode max,
      boolean not,
      String countField,
      String minField,
      String maxField,
      String unit,
      String text) {
    boolean inRange = count >= min.asLong() && count <= max.asLong();
    boolean verdict = not != inRange;
    String span = min.asLong() + "-" + max.asLong() + " " + unit;
    ObjectNode data = data().put(countField, count);
    data.set(minField, min);
    data.set(maxField, max);
    data.put("not", not).put("verdict", verdict);
    String contains = "The text contains " + count + " " + unit + ", which is ";
    data.put(
        "explanation",
        verdict
            ? not
                ? contains + "outside the specified range of " + span + " as expected."
                : contains + "within the specified range of " + span + "."
            : not
                ? contains + "within the specified range of " + span + " when it should not be."
                : contains + "outside the specified range of " + span + ".");
    data.put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.contains}: {@code words}, {@code operator} (any, all, none). */
  static CheckResult contains(CheckContext context, ObjectNode parameters) {
    JsonNode words = parameters.get("words");
    if (words == null || !words.isArray()) {
      throw new CheckFailure("words must be an array of strings");
    }
    String operator = parameters.path("operator").asText("");
    String text = context.text();
    List<String> found = new ArrayList<>();
    List<String> missing = new ArrayList<>();
    for (JsonNode word : words) {
      (text.contains(word.asText()) ? found : missing).add(word.asText());
    }
    boolean verdict =
        switch (operator) {
          case "any" -> !found.isEmpty();
          case "all" -> missing.isEmpty();
          case "none" -> found.isEmpty();
          default -> false;
        };
    ObjectNode data = data();
    String explanation =
        "Check " + (verdict ? "passed" : "failed") + " for '" + operator + "' words.";
    explanation +=
        switch (operator) {
          case "any" -> verdict ? " At least one word was found." : " No words were found.";
          case "all" -> verdict ? " All words were found." : " Some words were missing.";
          case "none" -> verdict ? " No words were found." : " Some words were found.";
          default -> "";
        };
    data.put("explanation", explanation);
    found.forEach(data.putArray("foundWords")::add);
    if (found.isEmpty()) {
      data.putArray("foundWords");
    }
    ArrayNode missingJson = data.putArray("missingWords");
    missing.forEach(missingJson::add);
    data.put("operator", operator);
    return CheckResult.of(verdict, data);
  }

  private static final Map<String, String> LANGUAGES =
      Map.ofEntries(
          Map.entry("sql", "SQL"),
          Map.entry("py", "Python"),
          Map.entry("python", "Python"),
          Map.entry("gyp", "Python"),
          Map.entry("ts", "TypeScript"),
          Map.entry("tsx", "TypeScript"),
          Map.entry("typescript", "TypeScript"),
          Map.entry("js", "JavaScript"),
          Map.entry("jsx", "JavaScript"),
          Map.entry("javascript", "JavaScript"),
          Map.entry("java", "Java"),
          Map.entry("cs", "C#"),
          Map.entry("cpp", "C++"),
          Map.entry("c", "C"),
          Map.entry("rb", "Ruby"),
          Map.entry("php", "PHP"),
          Map.entry("swift", "Swift"),
          Map.entry("kt", "Kotlin"),
          Map.entry("go", "Go"),
          Map.entry("rs", "Rust"),
          Map.entry("scala", "Scala"),
          Map.entry("r", "R"),
          Map.entry("pl", "Perl"),
          Map.entry("sh", "Shell"),
          Map.entry("html", "HTML"),
          Map.entry("css", "CSS"),
          Map.entry("xml", "XML"),
          Map.entry("json", "JSON"),
          Map.entry("yml", "YAML"),
          Map.entry("md", "Markdown"),
          Map.entry("dockerfile", "Dockerfile"));

  private static final Pattern CODE_BLOCK = Pattern.compile("```(\\w+)\\n[\\s\\S]*?\\n```");

  /** {@code default.containsCode}: {@code format} (a language name such as Python), {@code not}. */
  static CheckResult containsCode(CheckContext context, ObjectNode parameters) {
    String format = parameters.path("format").asText("");
    boolean not = not(parameters);
    if (format.isEmpty()) {
      throw new CheckFailure("Missing required parameter: format");
    }
    String text = context.text();
    if (text.isEmpty()) {
      throw new CheckFailure("No text content to analyze");
    }
    List<String> languages = new ArrayList<>();
    Matcher blocks = CODE_BLOCK.matcher(text);
    while (blocks.find()) {
      String tag = blocks.group(1).toLowerCase(Locale.ROOT);
      languages.add(LANGUAGES.getOrDefault(tag, tag));
    }
    ObjectNode data = data();
    if (languages.isEmpty()) {
      data.put("explanation", "No code blocks found in the text")
          .put("searchedFormat", format)
          .put("not", not);
      data.putArray("foundFormats");
      data.put("textExcerpt", excerpt(text));
      return CheckResult.of(not, data);
    }
    boolean has = languages.contains(format);
    boolean verdict = not != has;
    data.put(
        "explanation",
        verdict
            ? not
                ? "No code blocks in " + format + " format found as expected"
                : "Found code block(s) in " + format + " format"
            : not
                ? "Found code block(s) in " + format + " format when none were expected"
                : "No code blocks in " + format + " format found");
    data.put("searchedFormat", format).put("not", not);
    languages.forEach(data.putArray("foundFormats")::add);
    data.put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.alluppercase}: {@code not}; only ASCII letters count, as Portkey's. */
  static CheckResult allUppercase(CheckContext context, ObjectNode parameters) {
    return letterCase(context, parameters, true);
  }

  /** {@code default.alllowercase}: {@code not}. */
  static CheckResult allLowercase(CheckContext context, ObjectNode parameters) {
    return letterCase(context, parameters, false);
  }

  private static CheckResult letterCase(
      CheckContext context, ObjectNode parameters, boolean upper) {
    String text = context.text();
    boolean not = not(parameters);
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    String letters = text.replaceAll("[^a-zA-Z]", "");
    boolean all =
        letters.equals(upper ? letters.toUpperCase(Locale.ROOT) : letters.toLowerCase(Locale.ROOT));
    boolean verdict = not != all;
    String cased = upper ? "uppercase" : "lowercase";
    String other = upper ? "lowercase" : "uppercase";
    ObjectNode data = data().put("verdict", verdict).put("not", not);
    data.put(
        "explanation",
        verdict
            ? not
                ? "The text contains " + other + " characters as expected."
                : "All alphabetic characters in the text are " + cased + "."
            : not
                ? "All alphabetic characters in the text are " + cased + " when they should not be."
                : "The text contains " + other + " characters.");
    data.put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.endsWith}: {@code suffix}, {@code not}; a final period is allowed after it. */
  static CheckResult endsWith(CheckContext context, ObjectNode parameters) {
    String suffix = parameters.path("suffix").asText("");
    boolean not = not(parameters);
    String text = context.text();
    if (text.isEmpty()) {
      throw new CheckFailure("Missing text to analyze");
    }
    if (suffix.isEmpty()) {
      throw new CheckFailure("Missing or empty suffix");
    }
    boolean ends = text.endsWith(suffix) || text.endsWith(suffix + ".");
    boolean verdict = not != ends;
    ObjectNode data = data().put("suffix", suffix).put("not", not).put("verdict", verdict);
    data.put(
        "explanation",
        verdict
            ? not
                ? "The text does not end with \"" + suffix + "\" as expected."
                : "The text ends with \""
                    + suffix
                    + "\""
                    + (text.endsWith(suffix) ? "." : " (followed by a period).")
            : not
                ? "The text ends with \"" + suffix + "\" when it should not."
                : "The text does not end with \"" + suffix + "\".");
    data.put("textExcerpt", excerpt(text));
    return CheckResult.of(verdict, data);
  }

  /** {@code default.notNull}: {@code not}; the content must exist and hold some text. */
  static CheckResult notNull(CheckContext context, ObjectNode parameters) {
    boolean not = not(parameters);
    boolean isNull = context.texts().stream().allMatch(t -> t == null || t.isBlank());
    boolean verdict = not ? isNull : !isNull;
    ObjectNode data = data().put("isNull", isNull).put("textArrayLength", context.texts().size());
    data.put(
        "explanation",
        isNull ? "Content is null, undefined, or empty." : "Content exists and is not null.");
    data.put("verdict", verdict ? "passed" : "failed");
    return CheckResult.of(verdict, data);
  }

  /**
   * {@code default.regexReplace} (a mutator): {@code rule} (a pattern, or {@code /pattern/flags}),
   * {@code redactText} ({@code [REDACTED]}), {@code failOnDetection}. As in JavaScript, only the
   * first match in each text is replaced unless the {@code g} flag is set.
   */
  static CheckResult regexReplace(CheckContext context, ObjectNode parameters) {
    String rule = parameters.path("rule").asText("");
    String redact = parameters.path("redactText").asText("[REDACTED]");
    boolean failOnDetection = parameters.path("failOnDetection").asBoolean(false);
    if (rule.isEmpty()) {
      throw new CheckFailure("Missing regex pattern");
    }
    if (context.texts().isEmpty()) {
      throw new CheckFailure("Missing text to match");
    }
    Patterns.Flagged regex = Patterns.jsLiteral(rule);
    boolean matched = false;
    List<String> replaced = new ArrayList<>();
    for (String text : context.texts()) {
      Matcher matcher = regex.pattern().matcher(Patterns.bounded(text));
      if (matcher.find()) {
        matched = true;
        matcher.reset();
        String quoted = Matcher.quoteReplacement(redact);
        replaced.add(regex.global() ? matcher.replaceAll(quoted) : matcher.replaceFirst(quoted));
      } else {
        replaced.add(text);
      }
    }
    boolean verdict = !(failOnDetection && matched);
    ObjectNode data = data().put("regexPattern", rule).put("verdict", verdict);
    data.put(
        "explanation",
        matched
            ? "Pattern '" + rule + "' matched and was replaced with '" + redact + "'"
            : "The regex pattern '" + rule + "' did not match any text.");
    return new CheckResult(verdict, null, data, matched ? replaced : null, null);
  }

  static boolean isInteger(JsonNode value) {
    return value != null
        && value.isNumber()
        && value.asDouble() == Math.rint(value.asDouble())
        && !Double.isInfinite(value.asDouble());
  }

  private static String number(JsonNode value) {
    return isInteger(value) ? Long.toString(value.asLong()) : value.asText();
  }
}
