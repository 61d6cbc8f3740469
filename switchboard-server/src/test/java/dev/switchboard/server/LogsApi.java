package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URLEncoder;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** Reads the request log of a gateway under test through its HTTP API, as a dashboard would. */
final class LogsApi {
  private LogsApi() {}

  /**
   * The records {@code GET /v1/logs?<query>} answers once it holds at least {@code count} of them
   * (the request log writes in the background: it polls for up to ten seconds).
   */
  static List<JsonNode> awaitRecords(
      GatewayUnderTest gateway, String query, int count, String... headers) {
    long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
    while (true) {
      HttpResponse<String> response = gateway.get("/v1/logs?" + query, headers);
      if (response.statusCode() != 200) {
        throw new AssertionError("GET /v1/logs?" + query + " answered " + response.body());
      }
      List<JsonNode> records = new ArrayList<>();
      GatewayUnderTest.json(response).path("data").forEach(records::add);
      if (records.size() >= count || System.nanoTime() > deadline) {
        return records;
      }
      try {
        Thread.sleep(25);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  /** The one record of trace {@code traceId}, once written. */
  static JsonNode awaitRecord(GatewayUnderTest gateway, String traceId, String... headers) {
    List<JsonNode> records = awaitRecords(gateway, "trace_id=" + encode(traceId), 1, headers);
    if (records.size() != 1) {
      throw new AssertionError("expected one record of trace " + traceId + ": " + records);
    }
    return records.get(0);
  }

  static String encode(String value) {
    return URLEncoder.encode(value, StandardCharsets.UTF_8);
  }
}
