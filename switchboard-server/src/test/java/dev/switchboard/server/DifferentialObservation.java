package dev.switchboard.server;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.testkit.RecordedRequest;
import java.io.IOException;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * What one gateway did with one request of the differential test, flattened into fields that two
 * gateways' observations are compared by: the client's answer ({@code response.status}, {@code
 * response.header.<name>}, {@code response.body.<json path>} or, for a stream, {@code
 * response.event[i].data.<json path>} and {@code response.comments}) and each request the upstream
 * received ({@code upstream.<fake>[i].method}, {@code .path}, {@code .header.<name>}, {@code
 * .body.<json path>}). A JSON value is kept as written (a number's digits, a string quoted), after
 * ids and times are set aside: a string field named {@code id} becomes {@code "<id>"}, a number
 * named {@code created} or {@code created_at} {@code <time>}, a UUID anywhere {@code <uuid>}. When
 * two bodies' fields agree, their bytes (normalised the same way) are compared too, as {@code
 * ….body.bytes}: key order, number formats, escapes and spacing.
 */
final class DifferentialObservation {
  private static final JsonFactory JSON = new ObjectMapper().getFactory();
  private static final ObjectMapper MAPPER = new ObjectMapper();
  private static final Pattern UUID =
      Pattern.compile(
          "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}");
  private static final Pattern RAW_ID = Pattern.compile("\"(id|[a-z_]+_id)\"\\s*:\\s*\"[^\"]*\"");
  private static final Pattern RAW_TIME = Pattern.compile("\"(created|created_at)\"\\s*:\\s*\\d+");

  /** Values that differ from one answer to the next whatever the gateway: set aside. */
  private static final Set<String> VARYING_HEADERS =
      Set.of("x-request-id", "request-id", "openai-processing-ms", "anthropic-request-id");

  private final Map<String, String> fields = new LinkedHashMap<>();
  private final Map<String, String> rawBodies = new LinkedHashMap<>();

  /** One difference: the field and each gateway's value, {@code null} where it has none. */
  record Difference(String field, String portkey, String switchboard) {
    String portkeyClass() {
      return valueClass(portkey);
    }

    String switchboardClass() {
      return valueClass(switchboard);
    }

    @Override
    public String toString() {
      int from = 0;
      if (portkey != null && switchboard != null) {
        while (from < Math.min(portkey.length(), switchboard.length())
            && portkey.charAt(from) == switchboard.charAt(from)) {
          from++;
        }
        from = Math.max(0, from - 40); // show where they part
      }
      return field
          + ": Portkey "
          + shorten(portkey, from)
          + " | Switchboard "
          + shorten(switchboard, from);
    }
  }

  /**
   * The client's answer: {@code status}, headers (names in lower case, less {@code ignored}), and
   * the body, {@code truncated} when it ended in an error.
   */
  void response(
      int status,
      Map<String, List<String>> headers,
      Set<String> ignored,
      String body,
      boolean truncated) {
    fields.put("response.status", Integer.toString(status));
    headers(
        "response.header.",
        headers.entrySet().stream()
            .flatMap(h -> h.getValue().stream().map(v -> Map.entry(h.getKey(), v)))
            .toList(),
        ignored);
    String contentType = first(headers, "content-type");
    if (contentType != null && contentType.startsWith("text/event-stream")) {
      events("response", body);
    } else {
      body("response.body", body);
    }
    if (truncated) {
      fields.put("response.truncated", "true");
    }
  }

  /** The requests fake {@code name} received for this request. */
  void upstream(String name, List<RecordedRequest> requests, Set<String> ignored) {
    fields.put("upstream." + name + ".count", Integer.toString(requests.size()));
    for (int i = 0; i < requests.size(); i++) {
      RecordedRequest request = requests.get(i);
      String prefix = "upstream." + name + "[" + i + "]";
      fields.put(prefix + ".method", request.method());
      fields.put(
          prefix + ".path",
          request.path() + (request.query() == null ? "" : "?" + request.query()));
      headers(prefix + ".header.", request.headers(), ignored);
      if (!request.body().isEmpty()) {
        body(prefix + ".body", request.body());
      }
    }
  }

  /** The fields of this observation, in the order they were observed. */
  Map<String, String> fields() {
    return fields;
  }

  /** Every field whose value differs between the two (or that one of them lacks). */
  static List<Difference> compare(DifferentialObservation portkey, DifferentialObservation ours) {
    Set<String> names = new LinkedHashSet<>(portkey.fields.keySet());
    names.addAll(ours.fields.keySet());
    List<Difference> differences = new ArrayList<>();
    for (String name : names) {
      String theirs = portkey.fields.get(name);
      String mine = ours.fields.get(name);
      if (theirs == null || !theirs.equals(mine)) {
        differences.add(new Difference(name, theirs, mine));
      }
    }
    for (Map.Entry<String, String> raw : portkey.rawBodies.entrySet()) {
      String mine = ours.rawBodies.get(raw.getKey());
      boolean fieldsAgree =
          differences.stream().noneMatch(d -> d.field().startsWith(raw.getKey() + "."));
      if (mine != null && fieldsAgree && !raw.getValue().equals(mine)) {
        differences.add(new Difference(raw.getKey() + ".bytes", raw.getValue(), mine));
      }
    }
    return differences;
  }

  /**
   * A value's class, as the list of deliberate differences names it: {@code absent}, {@code null},
   * {@code string}, {@code number}, {@code boolean}, {@code object}, {@code array}, or {@code text}
   * (a header, a status, a body that is not JSON).
   */
  static String valueClass(String value) {
    if (value == null) {
      return "absent";
    }
    if (value.equals("null")) {
      return "null";
    }
    if (value.startsWith("\"")) {
      return "string";
    }
    if (value.equals("true") || value.equals("false")) {
      return "boolean";
    }
    if (value.equals("{}")) {
      return "object";
    }
    if (value.equals("[]")) {
      return "array";
    }
    if (value.startsWith("<time>") || value.matches("-?\\d+(\\.\\d+)?([eE][-+]?\\d+)?")) {
      return "number";
    }
    return "text";
  }

  private void headers(
      String prefix, List<Map.Entry<String, String>> headers, Set<String> ignored) {
    Map<String, String> joined = new LinkedHashMap<>();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (ignored.contains(name) || name.startsWith(":")) {
        continue;
      }
      String value = VARYING_HEADERS.contains(name) ? "<id>" : normalise(header.getValue());
      joined.merge(name, value, (a, b) -> a + ", " + b);
    }
    joined.keySet().stream().sorted().forEach(name -> fields.put(prefix + name, joined.get(name)));
  }

  private void events(String prefix, String body) {
    List<String> comments = new ArrayList<>();
    int index = 0;
    for (String event : body.replace("\r\n", "\n").split("\n\n")) {
      if (event.isBlank()) {
        continue;
      }
      StringBuilder data = new StringBuilder();
      String name = null;
      for (String line : event.split("\n")) {
        if (line.startsWith(":")) {
          comments.add(line);
        } else if (line.startsWith("event:")) {
          name = line.substring(6).trim();
        } else if (line.startsWith("data:")) {
          data.append(data.isEmpty() ? "" : "\n").append(line.substring(5).stripLeading());
        } else {
          fields.put(prefix + ".event[" + index + "].line", line);
        }
      }
      if (name == null && data.isEmpty()) {
        continue; // only comments
      }
      String eventPrefix = prefix + ".event[" + index + "]";
      if (name != null) {
        fields.put(eventPrefix + ".event", name);
      }
      if (!data.isEmpty()) {
        body(eventPrefix + ".data", data.toString());
      }
      index++;
    }
    fields.put(prefix + ".comments", String.join(" | ", comments));
  }

  private void body(String prefix, String body) {
    if (!flattenJson(prefix, body)) {
      fields.put(prefix, "text:" + normalise(body));
      return;
    }
    rawBodies.put(
        prefix,
        normalise(
            RAW_TIME
                .matcher(RAW_ID.matcher(body).replaceAll("\"$1\":\"<id>\""))
                .replaceAll("\"$1\":<time>")));
  }

  /** Flattens {@code body} into fields under {@code prefix}; false when it is not JSON. */
  private boolean flattenJson(String prefix, String body) {
    Map<String, String> flat = new LinkedHashMap<>();
    try (JsonParser parser = JSON.createParser(body)) {
      Deque<String> path = new ArrayDeque<>();
      Deque<Integer> indexes = new ArrayDeque<>();
      JsonToken token = parser.nextToken();
      if (token == null) {
        return false;
      }
      String name = null;
      while (token != null) {
        switch (token) {
          case FIELD_NAME -> name = parser.currentName();
          case START_OBJECT, START_ARRAY -> {
            String here = childPath(path, indexes, name, prefix);
            JsonToken next = parser.nextToken();
            if (next == JsonToken.END_OBJECT || next == JsonToken.END_ARRAY) {
              flat.put(here, token == JsonToken.START_OBJECT ? "{}" : "[]");
              advance(indexes);
            } else {
              path.push(here);
              indexes.push(token == JsonToken.START_ARRAY ? 0 : -1);
              name = null;
              token = next;
              continue;
            }
          }
          case END_OBJECT, END_ARRAY -> {
            path.pop();
            indexes.pop();
            advance(indexes);
          }
          default -> {
            String here = childPath(path, indexes, name, prefix);
            flat.put(here, scalar(parser, token, name));
            advance(indexes);
          }
        }
        token = parser.nextToken();
      }
    } catch (IOException notJson) {
      return false;
    }
    fields.putAll(flat);
    return true;
  }

  private static String childPath(
      Deque<String> path, Deque<Integer> indexes, String name, String prefix) {
    if (path.isEmpty()) {
      return prefix;
    }
    int index = indexes.peek();
    return index >= 0 ? path.peek() + "[" + index + "]" : path.peek() + "." + name;
  }

  private static void advance(Deque<Integer> indexes) {
    if (!indexes.isEmpty() && indexes.peek() >= 0) {
      indexes.push(indexes.pop() + 1);
    }
  }

  private static String scalar(JsonParser parser, JsonToken token, String name) throws IOException {
    return switch (token) {
      case VALUE_STRING ->
          "id".equals(name) || (name != null && name.endsWith("_id"))
              ? "\"<id>\""
              : normalise(MAPPER.writeValueAsString(parser.getText()));
      case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT ->
          "created".equals(name) || "created_at".equals(name) ? "<time>" : parser.getText();
      default -> parser.getText();
    };
  }

  private static String normalise(String text) {
    return UUID.matcher(text).replaceAll("<uuid>");
  }

  private static String first(Map<String, List<String>> headers, String name) {
    List<String> values = headers.get(name);
    return values == null || values.isEmpty() ? null : values.getFirst();
  }

  private static String shorten(String value, int from) {
    if (value == null) {
      return "(absent)";
    }
    String shown = from > 0 ? "…" + value.substring(from) : value;
    return shown.length() > 160 ? shown.substring(0, 160) + "…" : shown;
  }
}
