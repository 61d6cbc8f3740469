package dev.switchboard.server;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A strict reader of Prometheus's text exposition format 0.0.4
 * (https://prometheus.io/docs/instrumenting/exposition_formats/#text-based-format), written from
 * the format's grammar and independent of the library that writes it, so a test reads the scrape as
 * Prometheus would and fails on anything Prometheus would refuse: a malformed line, a bad escape, a
 * sample outside its declared family, a family split in two, a series repeated, a histogram whose
 * buckets are not cumulative or whose {@code +Inf} bucket is not its count.
 */
final class PrometheusExposition {
  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_]*");
  private static final Pattern HELP = Pattern.compile("# HELP (" + NAME + ") (.*)");
  private static final Pattern TYPE =
      Pattern.compile("# TYPE (" + NAME + ") (counter|gauge|histogram|summary|untyped)");
  private static final Pattern SAMPLE = Pattern.compile("(" + NAME + ")(\\{.*})? (\\S+)( -?\\d+)?");
  private static final Set<String> HISTOGRAM_SUFFIXES = Set.of("_bucket", "_sum", "_count");

  /** One series' value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  /** A metric family: its TYPE, HELP and samples in order. */
  record Family(String name, String type, String help, List<Sample> samples) {
    /** The sum of the values of the samples named {@code name} whose labels match. */
    double sum(String name, Predicate<Map<String, String>> labels) {
      return samples.stream()
          .filter(s -> s.name().equals(name) && labels.test(s.labels()))
          .mapToDouble(Sample::value)
          .sum();
    }
  }

  private PrometheusExposition() {}

  /** The families of a scrape, by name; throws {@link AssertionError} on anything malformed. */
  static Map<String, Family> parse(String text) {
    if (!text.isEmpty() && !text.endsWith("\n")) {
      throw new AssertionError("the exposition must end with a line feed");
    }
    Map<String, Family> families = new LinkedHashMap<>();
    Map<String, String> helps = new LinkedHashMap<>();
    Set<String> series = new java.util.HashSet<>();
    Family current = null;
    int number = 0;
    for (String line : text.split("\n", -1)) {
      number++;
      if (line.isEmpty()) {
        continue;
      }
      Matcher help = HELP.matcher(line);
      Matcher type = TYPE.matcher(line);
      if (help.matches()) {
        helps.put(help.group(1), unescapeHelp(help.group(2), number));
        continue;
      }
      if (type.matches()) {
        String name = type.group(1);
        if (families.containsKey(name)) {
          throw new AssertionError("line " + number + ": a second TYPE for " + name);
        }
        current = new Family(name, type.group(2), helps.get(name), new ArrayList<>());
        families.put(name, current);
        continue;
      }
      if (line.startsWith("#")) {
        continue; // a comment
      }
      Matcher sample = SAMPLE.matcher(line);
      if (!sample.matches()) {
        throw new AssertionError("line " + number + " is not a sample: " + line);
      }
      String name = sample.group(1);
      if (current == null || !belongsTo(name, current)) {
        throw new AssertionError(
            "line " + number + ": " + name + " outside the family declared before it");
      }
      Map<String, String> labels =
          sample.group(2) == null ? Map.of() : labels(sample.group(2), number);
      if (!series.add(name + new TreeMap<>(labels))) {
        throw new AssertionError("line " + number + ": series repeated: " + line);
      }
      current.samples().add(new Sample(name, labels, value(sample.group(3), number)));
    }
    families.values().stream()
        .filter(f -> f.type().equals("histogram"))
        .forEach(PrometheusExposition::checkHistogram);
    return families;
  }

  private static boolean belongsTo(String sample, Family family) {
    if (sample.equals(family.name())) {
      return !family.type().equals("histogram");
    }
    if (family.type().equals("histogram") && sample.startsWith(family.name())) {
      return HISTOGRAM_SUFFIXES.contains(sample.substring(family.name().length()));
    }
    return false;
  }

  /** {@code {a="x",b="y\"z"}}: label names by the grammar, values with \\ \" \n escapes only. */
  private static Map<String, String> labels(String block, int number) {
    Map<String, String> labels = new LinkedHashMap<>();
    int i = 1;
    int end = block.length() - 1;
    while (i < end) {
      int equals = block.indexOf('=', i);
      if (equals < 0) {
        throw new AssertionError("line " + number + ": a label without a value: " + block);
      }
      String name = block.substring(i, equals);
      if (!LABEL_NAME.matcher(name).matches()) {
        throw new AssertionError("line " + number + ": bad label name " + name);
      }
      if (block.charAt(equals + 1) != '"') {
        throw new AssertionError("line " + number + ": label value not quoted: " + block);
      }
      StringBuilder value = new StringBuilder();
      int j = equals + 2;
      for (; ; j++) {
        if (j >= end) {
          throw new AssertionError("line " + number + ": unterminated label value: " + block);
        }
        char c = block.charAt(j);
        if (c == '"') {
          break;
        }
        if (c == '\\') {
          char escaped = block.charAt(++j);
          switch (escaped) {
            case '\\' -> value.append('\\');
            case '"' -> value.append('"');
            case 'n' -> value.append('\n');
            default -> throw new AssertionError("line " + number + ": bad escape \\" + escaped);
          }
        } else {
          value.append(c);
        }
      }
      if (labels.put(name, value.toString()) != null) {
        throw new AssertionError("line " + number + ": label " + name + " repeated");
      }
      i = j + 1;
      if (i < end) {
        if (block.charAt(i) != ',') {
          throw new AssertionError("line " + number + ": labels not separated by a comma");
        }
        i++;
      }
    }
    return labels;
  }

  private static double value(String text, int number) {
    return switch (text) {
      case "+Inf" -> Double.POSITIVE_INFINITY;
      case "-Inf" -> Double.NEGATIVE_INFINITY;
      case "NaN" -> Double.NaN;
      default -> {
        try {
          yield Double.parseDouble(text);
        } catch (NumberFormatException e) {
          throw new AssertionError("line " + number + ": not a value: " + text);
        }
      }
    };
  }

  private static String unescapeHelp(String text, int number) {
    StringBuilder help = new StringBuilder();
    for (int i = 0; i < text.length(); i++) {
      char c = text.charAt(i);
      if (c == '\\') {
        char escaped = text.charAt(++i);
        switch (escaped) {
          case '\\' -> help.append('\\');
          case 'n' -> help.append('\n');
          default -> throw new AssertionError("line " + number + ": bad escape in HELP");
        }
      } else {
        help.append(c);
      }
    }
    return help.toString();
  }

  /** Per series: buckets ascending by {@code le}, cumulative, {@code +Inf} last and = count. */
  private static void checkHistogram(Family family) {
    Map<Map<String, String>, List<Sample>> buckets = new LinkedHashMap<>();
    Map<Map<String, String>, Double> counts = new LinkedHashMap<>();
    for (Sample sample : family.samples()) {
      if (sample.name().endsWith("_bucket")) {
        Map<String, String> rest = new TreeMap<>(sample.labels());
        if (rest.remove("le") == null) {
          throw new AssertionError(family.name() + ": a bucket without le");
        }
        buckets.computeIfAbsent(rest, k -> new ArrayList<>()).add(sample);
      } else if (sample.name().endsWith("_count")) {
        counts.put(new TreeMap<>(sample.labels()), sample.value());
      }
    }
    buckets.forEach((labels, series) -> {
      double previousBound = Double.NEGATIVE_INFINITY;
      double previousCount = 0;
      for (Sample bucket : series) {
        double bound = value(bucket.labels().get("le"), 0);
        if (bound <= previousBound || bucket.value() < previousCount) {
          throw new AssertionError(family.name() + labels + ": buckets not cumulative");
        }
        previousBound = bound;
        previousCount = bucket.value();
      }
      if (previousBound != Double.POSITIVE_INFINITY) {
        throw new AssertionError(family.name() + labels + ": no +Inf bucket");
      }
      Double count = counts.get(labels);
      if (count == null || count != previousCount) {
        throw new AssertionError(family.name() + labels + ": +Inf bucket is not the count");
      }
    });
  }
}
