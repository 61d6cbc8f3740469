package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.Observability;
import dev.switchboard.observe.analytics.Analytics;
import dev.switchboard.observe.analytics.AnalyticsQuery;
import dev.switchboard.observe.analytics.FeedbackLog;
import dev.switchboard.observe.analytics.LiveTail;
import dev.switchboard.observe.analytics.LogExport;
import dev.switchboard.observe.analytics.LogQuery;
import dev.switchboard.observe.analytics.LogSearch;
import dev.switchboard.observe.analytics.RecordJson;
import dev.switchboard.observe.store.LogStore;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.eclipse.jetty.util.Fields;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The request logs' HTTP routes: {@code GET /v1/logs} (search), {@code GET /v1/logs/{id}}, {@code
 * GET /v1/logs/export}, {@code GET /v1/logs/tail} (server-sent events), {@code GET /v1/analytics}
 * and {@code POST /v1/feedback} (Portkey's feedback API). The logic is in the observe module's
 * {@code analytics} package; here are the query string, the status codes and the bodies. Bad
 * parameters are 400 in OpenAI's error shape, naming the parameter, through {@link ErrorResponses}.
 * Each route names the method that serves it ({@link Endpoint}); the method was checked by the
 * route table, and each route here has one.
 */
final class LogsRoutes {
  private static final Logger log = LoggerFactory.getLogger(LogsRoutes.class);

  /** The live tail's comment line when nothing happened for a while, so proxies keep it open. */
  static final Duration HEARTBEAT = Duration.ofSeconds(15);

  /** How often a waiting live tail checks whether the server is stopping. */
  private static final Duration TAIL_WAKE = Duration.ofMillis(250);

  /** The largest feedback body read. */
  private static final int MAX_FEEDBACK_BYTES = 1024 * 1024;

  private static final byte[] HEARTBEAT_LINE = ": heartbeat\n\n".getBytes(StandardCharsets.UTF_8);

  private final LiveTail liveTail;
  private final LogSearch search;
  private final Analytics analytics;
  private final FeedbackLog feedback;
  private final Clock clock;

  LogsRoutes(Observability observability, Clock clock) {
    this.clock = clock;
    this.liveTail = observability.liveTail();
    LogStore store = observability.requestLog() == null ? null : observability.requestLog().store();
    this.feedback = store == null ? null : new FeedbackLog(store, clock);
    this.search = store == null ? null : new LogSearch(store, feedback);
    this.analytics = store == null ? null : new Analytics(store);
  }

  /** What serves one of its routes: a method of this class. */
  @FunctionalInterface
  interface Endpoint {
    void serve(
        LogsRoutes logs, Route.Match match, Request request, Response response, Callback callback)
        throws SQLException;
  }

  /**
   * Serves {@code match}, one of its routes, with {@code endpoint}.
   *
   * @param readsStore whether the route reads the request log's store: 404 while logs are off
   */
  void handle(
      Endpoint endpoint,
      boolean readsStore,
      Route.Match match,
      Request request,
      Response response,
      Callback callback) {
    String path = match.path();
    try {
      if (readsStore && search == null) {
        writeError(
            response,
            callback,
            ErrorResponses.gateway(
                404,
                "The request log is off (logs.enabled is false), so there is nothing to show or"
                    + " attach feedback to.",
                "invalid_request_error",
                null));
        return;
      }
      endpoint.serve(this, match, request, response, callback);
    } catch (GatewayException error) {
      writeError(response, callback, ErrorResponses.of(error));
    } catch (SQLException storeFailure) {
      log.warn("the request log store failed on {}: {}", path, storeFailure.toString());
      writeError(
          response,
          callback,
          ErrorResponses.gateway(
              503, "The request log store is unavailable; try again.", "api_error", null));
    } catch (RuntimeException unexpected) {
      log.error("unexpected failure on {}", path, unexpected);
      writeError(
          response,
          callback,
          ErrorResponses.gateway(500, "Something went wrong in the gateway.", "api_error", null));
    }
  }

  void search(Route.Match match, Request request, Response response, Callback callback)
      throws SQLException {
    writeJson(response, callback, 200, search.search(LogQuery.parse(query(request))).toJson());
  }

  void analytics(Route.Match match, Request request, Response response, Callback callback)
      throws SQLException {
    writeJson(response, callback, 200, analytics.run(AnalyticsQuery.parse(query(request), clock)));
  }

  /** {@code GET /v1/logs/{id}}: one record, or 404. */
  void find(Route.Match match, Request request, Response response, Callback callback)
      throws SQLException {
    String id = match.parameter("id");
    Optional<ObjectNode> record = search.find(id);
    if (record.isEmpty()) {
      writeError(
          response,
          callback,
          ErrorResponses.gateway(
              404, "No request log record has id '" + id + "'.", "invalid_request_error", "id"));
    } else {
      writeJson(response, callback, 200, record.get());
    }
  }

  void saveFeedback(Route.Match match, Request request, Response response, Callback callback)
      throws SQLException {
    byte[] bytes = RequestBodies.read(request, MAX_FEEDBACK_BYTES);
    if (bytes.length == 0) {
      throw new InvalidRequestException("The request body is empty; a JSON object is required.");
    }
    JsonNode body;
    try {
      body = WireJson.strictTree(bytes);
    } catch (WireFormatException e) {
      throw new InvalidRequestException("Invalid JSON in request body: " + e.getMessage(), null, e);
    }
    List<String> ids =
        feedback.save(body, (String) request.getAttribute(RouteGate.FEEDBACK_WORKSPACE));
    ObjectNode answer = JsonNodeFactory.instance.objectNode();
    answer.put("status", "success");
    answer.put("message", "Feedback successfully saved");
    ids.forEach(answer.putArray("feedback_ids")::add);
    writeJson(response, callback, 200, answer);
  }

  void export(Route.Match match, Request request, Response response, Callback callback)
      throws SQLException {
    LogExport.Request export = LogExport.Request.parse(query(request));
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, export.format().contentType());
    response
        .getHeaders()
        .put(
            "Content-Disposition",
            "attachment; filename=\"switchboard-requests." + export.format().extension() + "\"");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-store");
    try (OutputStream out =
        new java.io.BufferedOutputStream(Content.Sink.asOutputStream(response), 64 * 1024)) {
      LogExport.write(search, export, out);
    } catch (IOException clientGone) {
      callback.failed(clientGone);
      return;
    } catch (SQLException | RuntimeException failure) {
      if (response.isCommitted()) {
        // The file is cut short; the client sees the response end abnormally, not a short file.
        log.warn("the export failed after it began: {}", failure.toString());
        callback.failed(failure);
        return;
      }
      throw failure;
    }
    callback.succeeded();
  }

  /**
   * Streams each finished request's record as {@code data: <record json>}, and a comment every
   * {@link #HEARTBEAT} of silence, until the client leaves or the server stops.
   */
  void tail(Route.Match match, Request request, Response response, Callback callback) {
    LiveTail.Subscription subscription;
    try {
      subscription = liveTail.subscribe();
    } catch (IllegalStateException full) {
      writeError(
          response,
          callback,
          ErrorResponses.gateway(
              503, "Too many live tails are open; close one and retry.", "api_error", null));
      return;
    }
    response.setStatus(200);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
    response.getHeaders().put(HttpHeader.CACHE_CONTROL, "no-cache");
    try (subscription;
        OutputStream out = Content.Sink.asOutputStream(response)) {
      out.write(": switchboard live tail\n\n".getBytes(StandardCharsets.UTF_8));
      out.flush();
      long quietSince = System.nanoTime();
      while (!request.getConnectionMetaData().getConnector().getServer().isStopping()) {
        RequestRecord record = subscription.poll(TAIL_WAKE);
        if (record != null) {
          out.write("data: ".getBytes(StandardCharsets.UTF_8));
          out.write(RecordJson.write(RecordJson.of(record)));
          out.write("\n\n".getBytes(StandardCharsets.UTF_8));
          out.flush();
          quietSince = System.nanoTime();
        } else if (System.nanoTime() - quietSince >= HEARTBEAT.toNanos()) {
          out.write(HEARTBEAT_LINE);
          out.flush();
          quietSince = System.nanoTime();
        }
      }
    } catch (IOException clientGone) {
      callback.failed(clientGone);
      return;
    } catch (InterruptedException stopping) {
      Thread.currentThread().interrupt();
    }
    callback.succeeded();
  }

  /** The query string's parameters, decoded (UTF-8), in order, by name. */
  private static Map<String, List<String>> query(Request request) {
    Map<String, List<String>> query = new LinkedHashMap<>();
    for (Fields.Field field : queryFields(request)) {
      query.put(field.getName(), field.getValues());
    }
    return query;
  }

  /** The query string's parameters, decoded (UTF-8); 400 for one that is not URL encoding. */
  static Fields queryFields(Request request) {
    try {
      return Request.extractQueryParameters(request, StandardCharsets.UTF_8);
    } catch (RuntimeException malformed) {
      throw new InvalidRequestException(
          "The query string is not valid URL encoding.", null, malformed);
    }
  }

  static void writeJson(Response response, Callback callback, int status, JsonNode body) {
    byte[] bytes = RecordJson.write(body);
    response.setStatus(status);
    response.getHeaders().put(HttpHeader.CONTENT_TYPE, "application/json");
    response.getHeaders().put(HttpHeader.CONTENT_LENGTH, bytes.length);
    response.write(true, ByteBuffer.wrap(bytes), callback);
  }

  static void writeError(Response response, Callback callback, ErrorResponses.ErrorResponse error) {
    if (response.isCommitted()) {
      callback.failed(new IOException("failed after the response was committed"));
      return;
    }
    error.headers().forEach((name, value) -> response.getHeaders().put(name, value));
    writeJson(response, callback, error.status(), error.body());
  }
}
