package dev.switchboard.engine.guardrails;

import static dev.switchboard.engine.guardrails.TextChecks.data;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.guardrails.Check.CheckFailure;
import java.math.BigInteger;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code switchboard.pii}: finds personal data in the text with regular expressions and checksums,
 * deterministically (no model, no service), and by default redacts it, as a mutator: e-mail
 * addresses, phone numbers, payment card numbers (Luhn), IBANs (ISO 13616 mod-97), US social
 * security numbers, UK national insurance numbers and IPv4 addresses.
 *
 * <p>Parameters: {@code categories} (the kinds to look for, all by default: {@code email}, {@code
 * phone}, {@code credit_card}, {@code iban}, {@code us_ssn}, {@code uk_nino}, {@code ip_address}),
 * {@code redact} ({@code true}: each finding becomes {@code [EMAIL]}, {@code [PHONE]}, …), {@code
 * failOnDetection} ({@code false}). The verdict fails when something was found and it was not
 * redacted, or when {@code failOnDetection} is set.
 */
final class Pii {
  private Pii() {}

  private record Detector(String category, Pattern pattern, Validator valid) {}

  @FunctionalInterface
  private interface Validator {
    boolean test(String match);
  }

  /** In order: earlier kinds win where findings overlap (a card number is not also a phone). */
  private static final List<Detector> DETECTORS =
      List.of(
          new Detector(
              "email",
              Pattern.compile(
                  "[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\\.[A-Za-z0-9-]+)*\\.[A-Za-z]{2,}"),
              m -> true),
          new Detector(
              "iban",
              Pattern.compile("\\b[A-Z]{2}\\d{2}(?: ?[A-Z0-9]){11,30}\\b"),
              Pii::ibanChecksum),
          new Detector(
              "credit_card",
              Pattern.compile("(?<![\\d-])\\d(?:[ -]?\\d){12,18}(?![\\d-])"),
              Pii::luhn),
          new Detector(
              "us_ssn",
              Pattern.compile("\\b(?!000|666|9\\d\\d)\\d{3}-(?!00)\\d{2}-(?!0000)\\d{4}\\b"),
              m -> true),
          new Detector(
              "uk_nino",
              Pattern.compile(
                  "\\b(?!BG|GB|NK|KN|TN|NT|ZZ)[A-CEGHJ-PR-TW-Z][A-CEGHJ-NPR-TW-Z] ?\\d{2} ?\\d{2} ?\\d{2} ?[A-D]\\b"),
              m -> true),
          new Detector(
              "ip_address",
              Pattern.compile(
                  "\\b(?:(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\.){3}(?:25[0-5]|2[0-4]\\d|1\\d\\d|[1-9]?\\d)\\b"),
              m -> true),
          new Detector(
              "phone",
              Pattern.compile(
                  "(?<![\\w+])(?:\\+\\d{1,3}[ .-]?)?(?:\\(\\d{1,4}\\)[ .-]?)?\\d{2,4}(?:[ .-]?\\d{2,4}){1,4}(?![\\w])"),
              Pii::phoneLength));

  static final Set<String> CATEGORIES =
      DETECTORS.stream()
          .map(Detector::category)
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  /** A piece of personal data in a text. */
  record Finding(String category, int start, int end) {}

  static CheckResult check(CheckContext context, ObjectNode parameters) {
    Set<String> categories = categories(parameters.get("categories"));
    boolean redact = parameters.path("redact").asBoolean(true);
    boolean failOnDetection = parameters.path("failOnDetection").asBoolean(false);
    Map<String, Integer> counts = new TreeMap<>();
    List<String> redacted = new ArrayList<>();
    boolean found = false;
    for (String text : context.texts()) {
      List<Finding> findings = find(text, categories);
      found |= !findings.isEmpty();
      findings.forEach(f -> counts.merge(f.category(), 1, Integer::sum));
      redacted.add(redacted(text, findings));
    }
    boolean verdict = !found || (redact && !failOnDetection);
    ObjectNode data = data().put("verdict", verdict).put("redacted", found && redact);
    ObjectNode byCategory = data.putObject("detected");
    counts.forEach(byCategory::put);
    data.put(
        "explanation",
        !found
            ? "No personal data found."
            : redact
                ? "Personal data found and redacted: " + String.join(", ", counts.keySet()) + "."
                : "Personal data found: " + String.join(", ", counts.keySet()) + ".");
    return new CheckResult(verdict, null, data, found && redact ? redacted : null, null);
  }

  /** The personal data in a text, in order, without overlaps. */
  static List<Finding> find(String text, Set<String> categories) {
    List<Finding> findings = new ArrayList<>();
    for (Detector detector : DETECTORS) {
      if (!categories.contains(detector.category())) {
        continue;
      }
      Matcher matcher = detector.pattern().matcher(Patterns.bounded(text));
      while (matcher.find()) {
        int start = matcher.start();
        int end = matcher.end();
        boolean overlaps = findings.stream().anyMatch(f -> f.start() < end && start < f.end());
        if (!overlaps && detector.valid().test(matcher.group())) {
          findings.add(new Finding(detector.category(), start, end));
        }
      }
    }
    findings.sort(Comparator.comparingInt(Finding::start));
    return findings;
  }

  static String redacted(String text, List<Finding> findings) {
    StringBuilder out = new StringBuilder(text.length());
    int at = 0;
    for (Finding finding : findings) {
      out.append(text, at, finding.start());
      out.append('[').append(finding.category().toUpperCase(Locale.ROOT)).append(']');
      at = finding.end();
    }
    return out.append(text.substring(at)).toString();
  }

  private static Set<String> categories(JsonNode value) {
    if (value == null || value.isNull()) {
      return CATEGORIES;
    }
    if (!value.isArray()) {
      throw new CheckFailure("categories must be an array of: " + String.join(", ", CATEGORIES));
    }
    Set<String> chosen = new LinkedHashSet<>();
    for (JsonNode category : value) {
      String name = category.asText().toLowerCase(Locale.ROOT);
      if (!CATEGORIES.contains(name)) {
        throw new CheckFailure("Unknown PII category: " + category.asText());
      }
      chosen.add(name);
    }
    return chosen;
  }

  /** The Luhn checksum of a card number (ISO/IEC 7812-1), 13 to 19 digits. */
  static boolean luhn(String candidate) {
    String digits = candidate.replaceAll("[ -]", "");
    if (digits.length() < 13 || digits.length() > 19) {
      return false;
    }
    int sum = 0;
    boolean doubled = false;
    for (int i = digits.length() - 1; i >= 0; i--) {
      int digit = digits.charAt(i) - '0';
      if (doubled) {
        digit *= 2;
        if (digit > 9) {
          digit -= 9;
        }
      }
      sum += digit;
      doubled = !doubled;
    }
    return sum % 10 == 0;
  }

  /** The IBAN check digits (ISO 13616): the rearranged number mod 97 is 1. */
  static boolean ibanChecksum(String candidate) {
    String iban = candidate.replace(" ", "");
    if (iban.length() < 15 || iban.length() > 34) {
      return false;
    }
    String rearranged = iban.substring(4) + iban.substring(0, 4);
    StringBuilder numeric = new StringBuilder();
    for (char c : rearranged.toCharArray()) {
      numeric.append(Character.isDigit(c) ? String.valueOf(c) : String.valueOf(c - 'A' + 10));
    }
    return new BigInteger(numeric.toString()).mod(BigInteger.valueOf(97)).intValue() == 1;
  }

  /**
   * A phone number has 7 to 15 digits (E.164), is not a bare run of digits shorter than 10, and is
   * not a date.
   */
  private static boolean phoneLength(String candidate) {
    String digits = candidate.replaceAll("\\D", "");
    boolean separated = !candidate.matches("\\d+");
    boolean date =
        candidate.matches("\\d{4}[-./]\\d{1,2}[-./]\\d{1,2}")
            || candidate.matches("\\d{1,2}[-./]\\d{1,2}[-./]\\d{2,4}");
    return !date
        && digits.length() >= 7
        && digits.length() <= 15
        && (separated || digits.length() >= 10);
  }
}
