package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.server.DifferentialObservation.Difference;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * The committed list of the ways Switchboard's answers and upstream requests differ from Portkey's
 * on purpose ({@code differential/deliberate-differences.json}), read by {@link
 * PortkeyDifferentialTest}: a difference it finds that no entry explains fails the build. Each
 * entry names the cases ({@code case}, a glob where {@code *} is any run of characters), the field
 * (a glob over {@link DifferentialObservation}'s field names), each side's value class ({@code
 * absent}, {@code null}, {@code string}, …; {@code *} for any), the reason class and a one-line
 * reason. An entry that no longer matches anything fails the test so that it is deleted. Section
 * {@code ignored} names headers that are not compared at all.
 */
final class DeliberateDifferences {
  static final String RESOURCE = "/differential/deliberate-differences.json";

  /** Why Switchboard differs; the classes issue 17 names. */
  static final Map<String, String> REASON_CLASSES =
      Map.of(
          "portkey-is-wrong", "Portkey crashes or is wrong",
          "openai-schema", "OpenAI's schema says otherwise",
          "security", "Security",
          "we-add-a-field", "We add a field");

  /** One entry of the list. */
  record Entry(
      String caseGlob,
      String field,
      String portkey,
      String switchboard,
      String reasonClass,
      String reason) {
    boolean explains(String caseId, Difference difference) {
      return glob(caseGlob).matcher(caseId).matches()
          && glob(field).matcher(difference.field()).matches()
          && (portkey.equals("*") || portkey.equals(difference.portkeyClass()))
          && (switchboard.equals("*") || switchboard.equals(difference.switchboardClass()));
    }
  }

  final List<Entry> entries;
  final Map<String, String> ignoredResponseHeaders;
  final Map<String, String> ignoredUpstreamHeaders;

  private DeliberateDifferences(
      List<Entry> entries,
      Map<String, String> ignoredResponseHeaders,
      Map<String, String> ignoredUpstreamHeaders) {
    this.entries = entries;
    this.ignoredResponseHeaders = ignoredResponseHeaders;
    this.ignoredUpstreamHeaders = ignoredUpstreamHeaders;
  }

  static DeliberateDifferences load() {
    try (InputStream in = DeliberateDifferences.class.getResourceAsStream(RESOURCE)) {
      JsonNode root = new ObjectMapper().readTree(in);
      List<Entry> entries = new ArrayList<>();
      for (JsonNode each : root.path("deliberate")) {
        Entry entry =
            new Entry(
                each.path("case").asText(),
                each.path("field").asText(),
                each.path("portkey").asText("*"),
                each.path("switchboard").asText("*"),
                each.path("reason_class").asText(),
                each.path("reason").asText());
        if (!REASON_CLASSES.containsKey(entry.reasonClass())
            || entry.reason().isBlank()
            || entry.caseGlob().isBlank()
            || entry.field().isBlank()) {
          throw new IllegalStateException("an entry of " + RESOURCE + " is incomplete: " + each);
        }
        entries.add(entry);
      }
      return new DeliberateDifferences(
          List.copyOf(entries),
          strings(root.path("ignored").path("response_headers")),
          strings(root.path("ignored").path("upstream_headers")));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /**
   * The first entry, in the list's order, that explains {@code difference} in case {@code caseId}.
   */
  Optional<Entry> explain(String caseId, Difference difference) {
    return entries.stream().filter(e -> e.explains(caseId, difference)).findFirst();
  }

  Set<String> ignoredResponseHeaderNames() {
    return ignoredResponseHeaders.keySet();
  }

  Set<String> ignoredUpstreamHeaderNames() {
    return ignoredUpstreamHeaders.keySet();
  }

  /**
   * The table of docs/headers.md's section on the differences the differential test allows, one row
   * per entry, in the list's order.
   */
  String markdownTable() {
    StringBuilder table = new StringBuilder();
    table.append("| Cases | Field | Portkey | Switchboard | Reason class | Why |\n");
    table.append("| --- | --- | --- | --- | --- | --- |\n");
    for (Entry entry : entries) {
      table
          .append("| `")
          .append(entry.caseGlob())
          .append("` | `")
          .append(entry.field())
          .append("` | ")
          .append(entry.portkey())
          .append(" | ")
          .append(entry.switchboard())
          .append(" | ")
          .append(REASON_CLASSES.get(entry.reasonClass()))
          .append(" | ")
          .append(entry.reason().replace("|", "\\|"))
          .append(" |\n");
    }
    return table.toString();
  }

  private static Map<String, String> strings(JsonNode object) {
    Map<String, String> map = new LinkedHashMap<>();
    object.properties().forEach(e -> map.put(e.getKey(), e.getValue().asText()));
    return map;
  }

  private static Pattern glob(String glob) {
    return Pattern.compile(
        java.util.Arrays.stream(glob.split("\\*", -1))
            .map(Pattern::quote)
            .collect(java.util.stream.Collectors.joining(".*")));
  }
}
