package dev.switchboard.observe.analytics;

import dev.switchboard.engine.RequestOptions;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Which request records a search, an export or an analytics query looks at. Every field is optional
 * ({@code null}: no condition); the conditions are joined with AND.
 *
 * @param traceId records of this trace: its {@code x-portkey-trace-id}, or, for a W3C trace id (32
 *     hex digits), also the records whose {@code traceparent} carries it (a model call's header, an
 *     MCP request's {@code _meta})
 * @param requestId the record with this id
 * @param status an exact status ({@code 429}), a class ({@code 2xx} … {@code 5xx}) or {@code error}
 *     (anything but 2xx)
 * @param provider records whose (last) provider is this one
 * @param model records whose model is this one
 * @param config records routed by this config ({@code inline:…} for an inline one)
 * @param cacheStatus records with this cache status ({@code HIT}, {@code MISS}, …)
 * @param metadata records whose {@code x-portkey-metadata} has each of these key/value pairs
 *     ({@code prompt_id} and {@code prompt_version} add the saved prompt's)
 * @param fromMs records started at or after this instant, in epoch milliseconds
 * @param toMs records started before this instant
 * @param shadowOf the shadow requests of the client's request with this id
 * @param shadows {@code exclude}: client requests only; {@code only}: shadow requests only; {@code
 *     null}: both
 * @param mcp {@code only}: the MCP requests' records only (path {@code /mcp} or {@code
 *     /mcp/<server>}: tool calls, prompts, resources); {@code exclude}: the others only; {@code
 *     null}: both
 */
public record LogFilter(
    String traceId,
    String requestId,
    String status,
    String provider,
    String model,
    String config,
    String cacheStatus,
    Map<String, String> metadata,
    Long fromMs,
    Long toMs,
    String shadowOf,
    String shadows,
    String mcp) {
  /** The SQL condition of an MCP request's record, on {@code requests r}. */
  static final String MCP_ROW = "(r.path = '/mcp' OR r.path LIKE '/mcp/%')";

  private static final Pattern W3C_TRACE_ID = Pattern.compile("[0-9a-f]{32}");
  private static final Pattern STATUS = Pattern.compile("([1-5])xx|([1-5]\\d\\d)|error");

  public LogFilter {
    metadata = Map.copyOf(metadata);
    if (status != null && !STATUS.matcher(status).matches()) {
      throw Parameters.invalid(
          "status", "'status' must be a status code such as 429, a class such as 5xx, or error.");
    }
    if (shadows != null && !shadows.equals("exclude") && !shadows.equals("only")) {
      throw Parameters.invalid("shadows", "'shadows' must be exclude or only.");
    }
    if (mcp != null && !mcp.equals("exclude") && !mcp.equals("only")) {
      throw Parameters.invalid("mcp", "'mcp' must be exclude or only.");
    }
    if (fromMs != null && toMs != null && fromMs >= toMs) {
      throw Parameters.invalid("from", "'from' must be before 'to'.");
    }
  }

  /** No condition: every record. */
  public static LogFilter all() {
    return new LogFilter(
        null, null, null, null, null, null, null, Map.of(), null, null, null, null, null);
  }

  /** The record with this id. */
  public static LogFilter request(String id) {
    return new LogFilter(
        null, id, null, null, null, null, null, Map.of(), null, null, null, null, null);
  }

  /** The filter the query string's parameters give. */
  static LogFilter parse(Parameters parameters) {
    return new LogFilter(
        parameters.text("trace_id"),
        parameters.text("request_id"),
        lower(parameters.text("status")),
        parameters.text("provider"),
        parameters.text("model"),
        parameters.text("config"),
        parameters.text("cache_status"),
        withPrompt(parameters),
        parameters.instant("from"),
        parameters.instant("to"),
        parameters.text("shadow_of"),
        lower(parameters.text("shadows")),
        lower(parameters.text("mcp")));
  }

  /**
   * The {@code metadata.<key>} conditions, with {@code prompt_id} and {@code prompt_version}: the
   * saved prompt's metadata the gateway writes on a request made from a prompt.
   */
  private static Map<String, String> withPrompt(Parameters parameters) {
    Map<String, String> metadata =
        new java.util.LinkedHashMap<>(parameters.withPrefix("metadata."));
    String promptId = parameters.text("prompt_id");
    if (promptId != null) {
      metadata.put(RequestOptions.PROMPT_ID_METADATA, promptId);
    }
    String promptVersion = parameters.text("prompt_version");
    if (promptVersion != null) {
      metadata.put(RequestOptions.PROMPT_VERSION_METADATA, promptVersion);
    }
    return metadata;
  }

  private static String lower(String value) {
    return value == null ? null : value.toLowerCase(java.util.Locale.ROOT);
  }

  /** The same filter over another time range. */
  LogFilter between(long from, long to) {
    return with(from, to, shadows);
  }

  /** The same filter, with {@code which} ({@code exclude}, {@code only}) for the shadows. */
  LogFilter withShadows(String which) {
    return with(fromMs, toMs, which);
  }

  private LogFilter with(Long from, Long to, String which) {
    return new LogFilter(
        traceId,
        requestId,
        status,
        provider,
        model,
        config,
        cacheStatus,
        metadata,
        from,
        to,
        shadowOf,
        which,
        mcp);
  }

  /**
   * The SQL conditions on the {@code requests} table aliased {@code r}, each value added to {@code
   * binds} as a parameter (never written into the SQL): {@code "1 = 1"} when there are none.
   */
  String conditions(List<Object> binds) {
    StringBuilder sql = new StringBuilder("1 = 1");
    if (traceId != null && W3C_TRACE_ID.matcher(traceId).matches()) {
      sql.append(" AND (r.trace_id = ? OR r.traceparent LIKE ?)");
      binds.add(traceId);
      binds.add("__-" + traceId + "-%");
    } else {
      equal(sql, binds, "r.trace_id", traceId);
    }
    equal(sql, binds, "r.id", requestId);
    equal(sql, binds, "r.provider", provider);
    equal(sql, binds, "r.model", model);
    equal(sql, binds, "r.config", config);
    equal(sql, binds, "r.cache_status", cacheStatus);
    equal(sql, binds, "r.shadow_of", shadowOf);
    if ("exclude".equals(shadows)) {
      sql.append(" AND r.shadow_of IS NULL");
    } else if ("only".equals(shadows)) {
      sql.append(" AND r.shadow_of IS NOT NULL");
    }
    if ("only".equals(mcp)) {
      sql.append(" AND ").append(MCP_ROW);
    } else if ("exclude".equals(mcp)) {
      sql.append(" AND NOT ").append(MCP_ROW);
    }
    if (status != null) {
      Matcher matcher = STATUS.matcher(status);
      matcher.matches();
      if (matcher.group(1) != null) {
        int low = Integer.parseInt(matcher.group(1)) * 100;
        sql.append(" AND r.status >= ? AND r.status < ?");
        binds.add(low);
        binds.add(low + 100);
      } else if (matcher.group(2) != null) {
        sql.append(" AND r.status = ?");
        binds.add(Integer.parseInt(matcher.group(2)));
      } else {
        sql.append(" AND (r.status < ? OR r.status >= ?)");
        binds.add(200);
        binds.add(300);
      }
    }
    for (Map.Entry<String, String> entry : metadata.entrySet()) {
      sql.append(
          " AND EXISTS (SELECT 1 FROM request_metadata fm"
              + " WHERE fm.request_id = r.id AND fm.key = ? AND fm.value = ?)");
      binds.add(entry.getKey());
      binds.add(entry.getValue());
    }
    if (fromMs != null) {
      sql.append(" AND r.started_at_ms >= ?");
      binds.add(fromMs);
    }
    if (toMs != null) {
      sql.append(" AND r.started_at_ms < ?");
      binds.add(toMs);
    }
    return sql.toString();
  }

  private static void equal(StringBuilder sql, List<Object> binds, String column, String value) {
    if (value != null) {
      sql.append(" AND ").append(column).append(" = ?");
      binds.add(value);
    }
  }
}
