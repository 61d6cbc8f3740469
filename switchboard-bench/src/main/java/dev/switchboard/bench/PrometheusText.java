package dev.switchboard.bench;

import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads a counter out of Prometheus's text exposition format, as the gateway's {@code /metrics}
 * serves it. Prometheus's Java client writes this format but does not read it, and a soak run needs
 * one sum, so this reads only sample lines: {@code name{label="value",…} number}.
 */
final class PrometheusText {
  private PrometheusText() {}

  /**
   * Sums the samples of {@code metric} by the value of its label {@code label}, e.g. the requests
   * answered by status.
   */
  static Map<String, Double> sumBy(String exposition, String metric, String label) {
    Pattern labelValue = Pattern.compile("[{,]" + Pattern.quote(label) + "=\"([^\"]*)\"");
    Map<String, Double> sums = new TreeMap<>();
    for (String line : exposition.lines().toList()) {
      if (!line.startsWith(metric + "{")) {
        continue;
      }
      int labelsEnd = line.lastIndexOf('}');
      Matcher matcher = labelValue.matcher(line.substring(0, labelsEnd + 1));
      String key = matcher.find() ? matcher.group(1) : "";
      String[] rest = line.substring(labelsEnd + 1).trim().split("\\s+");
      sums.merge(key, Double.parseDouble(rest[0]), Double::sum);
    }
    return sums;
  }
}
