package dev.switchboard.mcp;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.GuardrailDeniedException;
import dev.switchboard.engine.errors.LimitExceededException;
import dev.switchboard.engine.guardrails.ToolCallGuardrails;
import dev.switchboard.engine.observe.ErrorTypes;
import dev.switchboard.engine.observe.RecordSink;
import dev.switchboard.engine.observe.RequestIds;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.wire.WireJson;
import io.modelcontextprotocol.json.McpJsonMapper;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Each tool call, governed and recorded. Governed: held to its rate limits ({@link ToolPolicies},
 * through the access layer's limiter), its arguments through the input hooks and its result through
 * the output hooks ({@link ToolCallGuardrails}, the model traffic's checks); a call refused by
 * either is answered with a tool result whose {@code isError} is true (the MCP specification's
 * "tool execution error", which the model reads and can act on, SEP-1303), saying why, with {@code
 * _meta["dev.switchboard/refusal"]} telling a program the kind. Recorded: a {@link RequestRecord}
 * for the same sinks as the model traffic (the request log, metrics, traces): the server as its
 * provider, the tool as its model, the namespaced name as the model asked for, the caller's key and
 * workspace, the status, the latency, the guardrails' verdict, and in its metadata {@code
 * mcp.server}, {@code mcp.tool}, {@code mcp.outcome}, {@code mcp.session_id} and {@code
 * mcp.arguments_sha256}, a digest of the arguments (never the arguments themselves). Status: 200
 * for an answer (a tool's own {@code isError} result too, noted as {@code mcp.tool_error}), 246
 * when a hook flagged it, 446 when a hook denied it, 429 past a rate limit, 404 for a tool outside
 * the caller's scope, 502 for a server that failed or was down, 499 for a call its client cancelled
 * (the model traffic's status for a client that went away), 500 for another MCP error.
 */
final class ToolCalls {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.mcp.calls");
  private static final ObjectMapper JSON =
      new ObjectMapper().configure(SerializationFeature.ORDER_MAP_ENTRIES_BY_KEYS, true);

  /** The {@code _meta} key of a refused call's result. */
  static final String REFUSAL = "dev.switchboard/refusal";

  /** What became of a call ({@link ToolCallFacts#OUTCOME}), a closed set. */
  static final String OK = "ok";

  static final String TOOL_ERROR = "tool_error";
  static final String GUARDRAIL_DENIED = "guardrail_denied";
  static final String RATE_LIMITED = "rate_limited";
  static final String UNKNOWN_TOOL = "unknown_tool";
  static final String UPSTREAM_ERROR = "upstream_error";

  /** The client cancelled the call ({@code notifications/cancelled}) before its answer. */
  static final String CANCELLED = "cancelled";

  static final String ERROR = "error";

  private final List<RecordSink> sinks;
  private final Clock clock;
  private final RequestIds ids;
  private volatile ToolPolicies policies;
  private final ToolCallGuardrails guardrails;
  private final ToolCallLimiter limiter;
  private final McpJsonMapper json;

  ToolCalls(
      List<RecordSink> sinks,
      Clock clock,
      ToolPolicies policies,
      ToolCallGuardrails guardrails,
      ToolCallLimiter limiter,
      McpJsonMapper json) {
    this.sinks = List.copyOf(sinks);
    this.clock = clock;
    this.ids = new RequestIds(clock);
    this.policies = policies;
    this.guardrails = guardrails;
    this.limiter = limiter;
    this.json = json;
  }

  /** From now on, calls are governed by {@code policies} (a server was declared or changed). */
  void policies(ToolPolicies policies) {
    this.policies = policies;
  }

  Call start(
      String path,
      String server,
      String tool,
      McpCaller caller,
      String sessionId,
      McpSchema.CallToolRequest request) {
    // The MCP conventions carry the client's trace context in params._meta (SEP-414).
    Object traceparent = request.meta() == null ? null : request.meta().get("traceparent");
    return new Call(
        path,
        server,
        tool,
        caller,
        sessionId,
        traceparent instanceof String text ? text : null,
        digest(request.arguments()),
        clock.instant(),
        System.nanoTime());
  }

  /** One call in flight; each of its outcomes records it once. */
  final class Call {
    private final String path;
    private final String server;
    private final String tool;
    private final McpCaller caller;
    private final String sessionId;
    private final String traceparent;
    private final String argumentsDigest;
    private final Instant startedAt;
    private final long startNanos;

    private Call(
        String path,
        String server,
        String tool,
        McpCaller caller,
        String sessionId,
        String traceparent,
        String argumentsDigest,
        Instant startedAt,
        long startNanos) {
      this.path = path;
      this.server = server;
      this.tool = tool;
      this.caller = caller;
      this.sessionId = sessionId;
      this.traceparent = traceparent;
      this.argumentsDigest = argumentsDigest;
      this.startedAt = startedAt;
      this.startNanos = startNanos;
    }

    /**
     * Runs the call as its policy says: its rate limits, its input hooks, the upstream call with
     * the arguments as the hooks left them, its output hooks; and records it.
     *
     * @param upstream calls the upstream server with these arguments
     * @return the upstream's result (as the output hooks left it), or a refusal
     * @throws McpError from the upstream call (not recorded here: {@link #failed})
     */
    McpSchema.CallToolResult run(
        Map<String, Object> arguments,
        Function<Map<String, Object>, McpSchema.CallToolResult> upstream) {
      ToolPolicies.Policy policy = policies.of(server, tool, caller.keyId());
      List<ToolCallLimiter.Limit> limits = caller.limitsOn(server, policy.limits());
      if (!limits.isEmpty()) {
        try {
          limiter.admit(limits);
        } catch (LimitExceededException limited) {
          long seconds = limited.retryAfter() == null ? 60 : limited.retryAfter().toSeconds();
          record(429, ErrorTypes.RATE_LIMITED, RATE_LIMITED, null, List.of());
          return refusal(
              RATE_LIMITED,
              limited.getMessage() + " Try again in " + seconds + " s.",
              Map.of("retry_after_seconds", seconds));
        }
      }
      String name = ToolNames.namespaced(server, tool);
      Map<String, String> metadata = Map.of(ToolCallFacts.SERVER, server, ToolCallFacts.TOOL, tool);
      ObjectNode given = WireJson.mapper().valueToTree(arguments == null ? Map.of() : arguments);
      ToolCallGuardrails.Checked input =
          policy.input().isEmpty()
              ? ToolCallGuardrails.Checked.NONE
              : guardrails.arguments(policy.input(), server, name, given, metadata);
      GuardrailReport report =
          policy.input().isEmpty() && policy.output().isEmpty()
              ? null
              : new GuardrailReport(input.results(), input.failed(), true);
      if (input.denied()) {
        return denied(report, "its arguments", input);
      }
      ObjectNode sent = input.rewritten() == null ? given : input.rewritten();
      McpSchema.CallToolResult result =
          upstream.apply(
              input.rewritten() == null
                  ? arguments
                  : WireJson.mapper()
                      .convertValue(sent, new TypeReference<Map<String, Object>>() {}));
      if (!policy.output().isEmpty()) {
        ToolCallGuardrails.Checked output =
            guardrails.result(policy.output(), server, name, sent, tree(result), metadata);
        report.after(output.results(), output.failed());
        if (output.denied()) {
          return denied(report, "its result", output);
        }
        if (output.rewritten() != null) {
          result = json.convertValue(output.rewritten(), McpSchema.CallToolResult.class);
        }
      }
      boolean toolError = Boolean.TRUE.equals(result.isError());
      int status = GuardrailReport.successStatus(report);
      record(
          status,
          null,
          toolError ? TOOL_ERROR : OK,
          GuardrailReport.verdict(report, status),
          report == null ? List.of() : List.copyOf(report.failedOutputChecks()));
      return result;
    }

    private McpSchema.CallToolResult denied(
        GuardrailReport report, String side, ToolCallGuardrails.Checked checked) {
      List<String> hooks = new ArrayList<>();
      checked
          .results()
          .forEach(hook -> {
            if (hook.path("deny").asBoolean(false)) {
              hooks.add(hook.path("id").asText());
            }
          });
      int status = GuardrailDeniedException.STATUS;
      record(
          status,
          ErrorTypes.GUARDRAIL_DENIED,
          GUARDRAIL_DENIED,
          GuardrailReport.verdict(report, status),
          List.copyOf(report.failedOutputChecks()));
      return refusal(
          GUARDRAIL_DENIED,
          "The gateway's guardrails refused this call of "
              + ToolNames.namespaced(server, tool)
              + " for "
              + side
              + (hooks.isEmpty()
                  ? " (a mutator's rewrite of the arguments is no JSON object)."
                  : " (hook " + String.join(", ", hooks) + ")."),
          Map.of("hooks", hooks));
    }

    void refused(McpError error) {
      record(404, ErrorTypes.FORBIDDEN, UNKNOWN_TOOL, null, List.of(), code(error));
    }

    /**
     * The client cancelled the call before it was answered: its own outcome, {@code cancelled},
     * status 499 ({@link ErrorTypes#CLIENT_CLOSED}), as a model request whose client went away; not
     * a failure of the gateway or the server.
     */
    void cancelled() {
      record(ErrorTypes.CLIENT_CLOSED_STATUS, ErrorTypes.CLIENT_CLOSED, CANCELLED, null, List.of());
    }

    void failed(McpError error) {
      boolean upstream =
          error.getJsonRpcError() != null
              && error.getJsonRpcError().code() == McpSchema.ErrorCodes.INTERNAL_ERROR
              && String.valueOf(error.getMessage()).startsWith("The MCP server '");
      record(
          upstream ? 502 : 500,
          upstream ? ErrorTypes.UPSTREAM_FAILURE : ErrorTypes.PROVIDER_ERROR,
          upstream ? UPSTREAM_ERROR : ERROR,
          null,
          List.of(),
          code(error));
    }

    private void record(
        int status,
        String errorType,
        String outcome,
        String verdict,
        List<String> outputChecksFailed) {
      record(status, errorType, outcome, verdict, outputChecksFailed, null);
    }

    private void record(
        int status,
        String errorType,
        String outcome,
        String verdict,
        List<String> outputChecksFailed,
        Integer errorCode) {
      double latencyMs = (System.nanoTime() - startNanos) / 1_000_000.0;
      Map<String, String> metadata = new LinkedHashMap<>();
      metadata.put(ToolCallFacts.SERVER, server);
      metadata.put(ToolCallFacts.TOOL, tool);
      metadata.put(ToolCallFacts.OUTCOME, outcome);
      metadata.put(ToolCallFacts.ARGUMENTS_SHA256, argumentsDigest);
      if (sessionId != null) {
        metadata.put(ToolCallFacts.SESSION_ID, sessionId);
      }
      if (errorCode != null) {
        metadata.put(ToolCallFacts.ERROR_CODE, Integer.toString(errorCode));
      }
      if (TOOL_ERROR.equals(outcome)) {
        metadata.put(ToolCallFacts.TOOL_ERROR, "true");
      }
      String id = ids.next();
      RequestRecord record =
          new RequestRecord(
              id,
              id,
              traceparent,
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
              verdict,
              List.of(),
              null,
              null,
              null,
              outputChecksFailed,
              null,
              null);
      log.info(
          "MCP tools/call {}__{} {} {} ms{}{}",
          server,
          tool,
          status,
          Math.round(latencyMs),
          TOOL_ERROR.equals(outcome) ? " (tool error)" : "",
          verdict == null ? "" : " guardrails " + verdict);
      for (RecordSink sink : sinks) {
        try {
          sink.accept(record);
        } catch (RuntimeException failed) {
          log.warn("a record sink failed on a tool call: {}", failed.toString());
        }
      }
    }
  }

  /**
   * A refused call's answer: a tool result with {@code isError}, its text saying why, and {@code
   * _meta["dev.switchboard/refusal"]} the kind ({@code rate_limited}, {@code guardrail_denied}) and
   * its details. Never a check's findings, which quote the text checked.
   */
  private static McpSchema.CallToolResult refusal(
      String kind, String message, Map<String, Object> details) {
    Map<String, Object> refusal = new LinkedHashMap<>(details);
    refusal.put("type", kind);
    return McpSchema.CallToolResult.builder()
        .content(List.of(new McpSchema.TextContent(message)))
        .isError(true)
        .meta(Map.of(REFUSAL, refusal))
        .build();
  }

  private static Integer code(McpError error) {
    return error.getJsonRpcError() == null ? null : error.getJsonRpcError().code();
  }

  /** A result as JSON, for the output hooks. */
  private ObjectNode tree(McpSchema.CallToolResult result) {
    try {
      return (ObjectNode) WireJson.tree(json.writeValueAsString(result));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("a tool result could not be written as JSON", e);
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
