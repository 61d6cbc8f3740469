package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * {@code switchboard.promptInjection}: a heuristic, deterministic score of how much a text reads
 * like an attempt to override the model's instructions (phrases such as "ignore all previous
 * instructions", role-play jailbreaks, requests for the system prompt, fake system or chat-template
 * markers). Each signal found adds its weight; the check fails when the score reaches {@code
 * threshold} (1.0 by default). A heuristic, not a classifier: it catches the common phrasings and
 * misses paraphrases; pair it with {@code deny} for the blatant ones.
 *
 * <p>The text is normalised first (NFKC, lower case, zero-width characters removed, whitespace
 * collapsed) so that look-alike letters and spacing do not hide a phrase.
 */
final class PromptInjection {
  private PromptInjection() {}

  private record Signal(String name, double weight, Pattern pattern) {}

  private static final List<Signal> SIGNALS =
      List.of(
          signal(
              "ignore_instructions",
              1.0,
              "\\b(ignore|disregard|forget|skip|override|bypass)\\b.{0,30}\\b(all|any|the|your|previous|prior|above|earlier|preceding|system)\\b.{0,30}\\b(instructions?|prompts?|rules|directions|guidelines|context)\\b"),
          signal(
              "new_instructions",
              0.6,
              "\\b(new|updated|real|actual)\\s+(instructions|rules|task)\\s*[:\\-]"),
          signal(
              "reveal_prompt",
              1.0,
              "\\b(reveal|print|show|repeat|output|display|tell me|give me|leak)\\b.{0,30}\\b(system|hidden|initial|original|secret|developer)\\s+(prompt|instructions|message|rules)"),
          signal(
              "role_override",
              0.7,
              "\\b(you are now|from now on you are|pretend (to be|you are)|act as|roleplay as)\\b.{0,40}\\b(dan|jailbroken|unrestricted|unfiltered|without (any )?(restrictions|limits|filters|rules)|evil|developer mode)"),
          signal(
              "dan", 1.0, "\\bdo anything now\\b|\\bdan mode\\b|\\bdeveloper mode (enabled|on)\\b"),
          signal(
              "no_restrictions",
              0.5,
              "\\b(no|without|free of)\\s+(restrictions|limitations|filters|censorship|guidelines|rules)\\b"),
          signal(
              "fake_markers",
              0.8,
              "(<\\|?/?(system|im_start|im_end|assistant)\\|?>|\\[/?(system|inst)\\]|###\\s*(system|instruction)|^\\s*system\\s*:)"),
          signal("jailbreak", 0.6, "\\bjail\\s?break"),
          signal(
              "safety_off",
              0.8,
              "\\b(disable|turn off|deactivate|remove)\\b.{0,20}\\b(safety|content|moderation|guard ?rails?|filters?)\\b"));

  private static Signal signal(String name, double weight, String regex) {
    return new Signal(name, weight, Pattern.compile(regex, Pattern.MULTILINE | Pattern.DOTALL));
  }

  private static final Pattern INVISIBLE =
      Pattern.compile("[\\u200B-\\u200F\\u2060\\uFEFF\\u00AD]");
  private static final Pattern SPACES = Pattern.compile("[ \\t\\x0B\\f\\r]+");

  static CheckResult check(CheckContext context, ObjectNode parameters) {
    double threshold = parameters.path("threshold").asDouble(1.0);
    String text = normalised(context.text());
    double score = 0;
    ObjectNode data = data();
    ArrayNode signals = data.putArray("signals");
    for (Signal signal : SIGNALS) {
      if (signal.pattern().matcher(Patterns.bounded(text)).find()) {
        score += signal.weight();
        signals.add(signal.name());
      }
    }
    boolean verdict = score < threshold;
    data.put("score", Math.round(score * 100) / 100.0);
    data.put("threshold", threshold);
    data.put("verdict", verdict);
    data.put(
        "explanation",
        verdict
            ? "No prompt injection detected (score below the threshold)."
            : "The text looks like a prompt injection attempt.");
    return CheckResult.of(verdict, data);
  }

  static String normalised(String text) {
    String folded = Normalizer.normalize(text, Normalizer.Form.NFKC).toLowerCase(Locale.ROOT);
    folded = INVISIBLE.matcher(folded).replaceAll("");
    return SPACES.matcher(folded).replaceAll(" ");
  }
}
