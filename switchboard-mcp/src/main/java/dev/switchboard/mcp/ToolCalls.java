package dev.switchboard.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import dev.switchboard.engine.observe.ErrorTypes;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestIds;
import dev.switchboard.engine.observe.RequestRecord;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tool call as a {@link RequestRecord} for the same sinks as the model traffic (the request
 * log, metrics, traces): the server as its provider, the tool as its model, the namespaced name as
 * the model asked for, the caller's key and workspace, the status, the latency, and in its metadata
 * {@code mcp.server}, {@code mcp.tool} and {@code mcp.arguments_sha256}, a digest of the arguments
 * (never the arguments themselves). Status: 200 for an answer (a tool's own {@code isError} result
 * too, noted as {@code mcp.tool_error}), 404 for a tool outside the caller's scope, 502 for a
 * server that failed or was down, 500 for another MCP error.
 */
final class ToolCalls {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.mcp.calls");
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  private final List<RecordSink> sinks;
  private final Clock clock;
  private final RequestIds ids;

  ToolCalls(List<RecordSink> sinks, Clock clock) {
    this.sinks = List.copyOf(sinks);
    this.clock = clock;
    this.ids = new RequestIds(clock);
  }

  Call start(
      String path, String server, String tool, McpCaller caller, Map<String, Object> arguments) {
    return new Call(
        path, server, tool, caller, digest(arguments), clock.instant(), System.nanoTime());
  }

  /** One call in flight; each of its outcomes records it once. */
  final class Call {
    private final String path;
    private final String server;
    private final String tool;
    private final McpCaller caller;
    private final String argumentsDigest;
    private final Instant startedAt;
    private final long startNanos;

    private Call(
        String path,
        String server,
        String tool,
        McpCaller caller,
        String argumentsDigest,
        Instant startedAt,
        long startNanos) {
      this.path = path;
      this.server = server;
      this.tool = tool;
      this.caller = caller;
      this.argumentsDigest = argumentsDigest;
      this.startedAt = startedAt;
      this.startNanos = startNanos;
    }

    void answered(McpSchema.CallToolResult result) {
      record(200, null, Boolean.TRUE.equals(result.isError()));
    }

    void refused(McpError error) {
      record(404, ErrorTypes.FORBIDDEN, false);
    }

    void failed(McpError error) {
      boolean upstream =
          error.getJsonRpcError() != null
              && error.getJsonRpcError().code() == McpSchema.ErrorCodes.INTERNAL_ERROR
              && String.valueOf(error.getMessage()).startsWith("The MCP server '");
      record(
          upstream ? 502 : 500,
          upstream ? ErrorTypes.UPSTREAM_FAILURE : ErrorTypes.PROVIDER_ERROR,
          false);
    }

    private void record(int status, String errorType, boolean toolError) {
      double latencyMs = (System.nanoTime() - startNanos) / 1_000_000.0;
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put("mcp.server", server);
      metadata.put("mcp.tool", tool);
      metadata.put("mcp.arguments_sha256", argumentsDigest);
      if (toolError) {
        metadata.put("mcp.tool_error", "true");
      }
      String id = ids.next();
      RequestRecord record =
          new RequestRecord(
              id,
              id,
              null,
              startedAt,
              "POST",
              path,
              caller.workspace(),
              caller.keyId(),
              null,
              ToolNames.namespaced(server, tool),
              server,
              tool,
              null,
              0,
              false,
              null,
              null,
              status,
              errorType,
              null,
              null,
              null,
              null,
              null,
              latencyMs,
              null,
              false,
              null,
              metadata,
              null,
              List.of(),
              null,
              null,
              null,
              List.of(),
              null,
              null);
      log.info(
          "MCP tools/call {}__{} {} {} ms{}",
          server,
          tool,
          status,
          Math.round(latencyMs),
          toolError ? " (tool error)" : "");
      for (RecordSink sink : sinks) {
        try {
          sink.accept(record);
        } catch (RuntimeException failed) {
          log.warn("a record sink failed on a tool call: {}", failed.toString());
        }
      }
    }
  }

  /** SHA-256 of the arguments' canonical JSON (keys sorted), so equal arguments share a digest. */
  static String digest(Map<String, Object> arguments) {
    try {
      byte[] canonical =
          JSON.writeValueAsString(arguments == null ? Map.of() : arguments)
              .getBytes(StandardCharsets.UTF_8);
      return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(canonical));
    } catch (JsonProcessingException | NoSuchAlgorithmException e) {
      return "unhashable";
    }
  }
}
