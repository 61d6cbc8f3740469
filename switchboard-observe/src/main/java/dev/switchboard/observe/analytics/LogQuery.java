package dev.switchboard.observe.analytics;

import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.List;
import java.util.Map;

/**
 * One page of a log search: the records a filter selects, newest first, at most {@code limit} of
 * them, after the record a cursor names.
 *
 * @param filter which records
 * @param limit the most records on the page
 * @param after the cursor of the previous page, or {@code null} for the first page
 */
public record LogQuery(LogFilter filter, int limit, Cursor after) {
  /** Records on a page when {@code limit} is not given. */
  public static final int DEFAULT_LIMIT = 50;

  /** The most records on a page. */
  public static final int MAX_LIMIT = 1000;

  /**
   * The query of {@code GET /v1/logs}: the filters of {@link LogFilter}, {@code limit} and {@code
   * cursor}.
   *
   * @throws dev.switchboard.engine.errors.InvalidRequestException naming the bad parameter
   */
  public static LogQuery parse(Map<String, List<String>> query) {
    Parameters parameters = new Parameters(query);
    LogFilter filter = LogFilter.parse(parameters);
    int limit = parameters.integer("limit", DEFAULT_LIMIT, 1, MAX_LIMIT);
    String cursor = parameters.text("cursor");
    parameters.refuseOthers();
    return new LogQuery(filter, limit, cursor == null ? null : Cursor.decode(cursor));
  }

  /**
   * Where a page ended: the last record's start and id. Records are ordered by both, newest first,
   * so the next page starts strictly after it even when records share a millisecond. Opaque to
   * clients (URL-safe base64).
   */
  public record Cursor(long startedAtMs, String id) {
    String encode() {
      return Base64.getUrlEncoder()
          .withoutPadding()
          .encodeToString((startedAtMs + ":" + id).getBytes(StandardCharsets.UTF_8));
    }

    static Cursor decode(String cursor) {
      try {
        String text = new String(Base64.getUrlDecoder().decode(cursor), StandardCharsets.UTF_8);
        int colon = text.indexOf(':');
        if (colon > 0 && colon < text.length() - 1) {
          return new Cursor(Long.parseLong(text.substring(0, colon)), text.substring(colon + 1));
        }
      } catch (IllegalArgumentException e) {
        // refused below
      }
      throw Parameters.invalid(
          "cursor", "'cursor' is not a cursor this API returned (take next_cursor as it is).");
    }
  }
}
