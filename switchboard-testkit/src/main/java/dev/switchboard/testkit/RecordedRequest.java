package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.UncheckedIOException;
import java.time.Instant;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * A request as a fake ({@link FakeOpenAi}, {@link FakeAnthropic}, {@link FakeBedrock}) received it.
 *
 * @param method the HTTP method, e.g. {@code POST}
 * @param path the path as sent, e.g. {@code /v1/chat/completions}
 * @param query the raw query string, or {@code null} when there was none
 * @param headers every header field in the order received, names in lower case; a header sent
 *     several times appears several times
 * @param body the body decoded as UTF-8, empty when there was none
 * @param receivedAt when the fake had read the request, on the system clock
 */
public record RecordedRequest(
    String method,
    String path,
    String query,
    List<Map.Entry<String, String>> headers,
    String body,
    Instant receivedAt) {

  /** A request received now. */
  public RecordedRequest(
      String method,
      String path,
      String query,
      List<Map.Entry<String, String>> headers,
      String body) {
    this(method, path, query, headers, body, Instant.now());
  }

  private static final ObjectMapper JSON = new ObjectMapper();

  public RecordedRequest {
    headers =
        headers.stream()
            .map(h -> Map.entry(h.getKey().toLowerCase(Locale.ROOT), h.getValue()))
            .toList();
  }

  /** The first value of header {@code name} (any case), or {@code null} when it was not sent. */
  public String header(String name) {
    List<String> values = headerValues(name);
    return values.isEmpty() ? null : values.getFirst();
  }

  /** Every value of header {@code name} (any case), in the order received. */
  public List<String> headerValues(String name) {
    String lower = name.toLowerCase(Locale.ROOT);
    return headers.stream().filter(h -> h.getKey().equals(lower)).map(Map.Entry::getValue).toList();
  }

  /**
   * The body parsed as JSON.
   *
   * @throws UncheckedIOException when the body is not JSON
   */
  public JsonNode json() {
    try {
      return JSON.readTree(body);
    } catch (JsonProcessingException e) {
      throw new UncheckedIOException(e);
    }
  }
}
