package dev.switchboard.observe.metrics;

import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The values one open-ended label (models, providers, upstreams) may take: the first {@link
 * #MAX_VALUES} seen are kept as they are (cut at {@link #MAX_LENGTH} characters), any later one is
 * reported as {@code other}. A client naming a new model in every request therefore adds at most a
 * bounded number of series, which keeps the scrape and Prometheus's memory bounded.
 */
final class LabelValues {
  static final int MAX_VALUES = 200;
  static final int MAX_LENGTH = 120;
  static final String OTHER = "other";

  private final Set<String> seen = ConcurrentHashMap.newKeySet();

  /** The label value for {@code value}: itself, {@code other} past the bound, "" for none. */
  String bounded(String value) {
    if (value == null || value.isEmpty()) {
      return "";
    }
    String cut = value.length() > MAX_LENGTH ? value.substring(0, MAX_LENGTH) : value;
    if (seen.contains(cut)) {
      return cut;
    }
    // A race may let a few more in than the bound; the bound is about order of magnitude.
    if (seen.size() < MAX_VALUES) {
      seen.add(cut);
      return cut;
    }
    return OTHER;
  }
}
