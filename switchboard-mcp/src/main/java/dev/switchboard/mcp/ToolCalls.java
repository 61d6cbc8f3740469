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
 * Each tool call, {@code prompts/get} and {@code resources/read}, governed and recorded (and each
 * listing, recorded for the metrics and traces). What follows says it of tool calls; a prompt's or
 * a resource's refusal is a JSON-RPC error ({@link #REFUSED}) instead, their results having no
 * {@code isError}; a call carrying a W3C {@code traceparent} in its {@code _meta} has its trace id
 * as the record's trace id. Governed: held to its rate limits ({@link ToolPolicies}, through the
 * access layer's limiter), its arguments through the input hooks and its result through the output
 * hooks ({@link ToolCallGuardrails}, the model traffic's checks); a call refused by either is
 * answered with a tool result whose {@code isError} is true (the MCP specification's "tool
 * execution error", which the model reads and can act on, SEP-1303), saying why, with {@code
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
    return named(
        ToolCallFacts.TOOLS_CALL,
        path,
        server,
        tool,
        caller,
        sessionId,
        request.meta(),
        request.arguments());
  }

  /** A {@code prompts/get} of {@code prompt} of {@code server}. */
  Call startPrompt(
      String path,
      String server,
      String prompt,
      McpCaller caller,
      String sessionId,
      McpSchema.GetPromptRequest request) {
    return named(
        ToolCallFacts.PROMPTS_GET,
        path,
        server,
        prompt,
        caller,
        sessionId,
        request.meta(),
        request.arguments());
  }

  /**
   * A call of something a server names (a tool, a prompt), namespaced as {@code <server>__<name>}.
   */
  private Call named(
      String method,
      String path,
      String server,
      String name,
      McpCaller caller,
      String sessionId,
      Map<String, Object> meta,
      Map<String, Object> arguments) {
    return new Call(
        method,
        path,
        server,
        name,
        ToolNames.namespaced(server, name),
        caller,
        sessionId,
        traceparent(meta),
        digest(arguments));
  }

  /** A {@code resources/read} of a resource of {@code server}. */
  Call startResource(
      String path,
      String server,
      McpCaller caller,
      String sessionId,
      McpSchema.ReadResourceRequest request) {
    return new Call(
        ToolCallFacts.RESOURCES_READ,
        path,
        server,
        request.uri(),
        request.uri(),
        caller,
        sessionId,
        traceparent(request.meta()),
        digest(Map.of("uri", request.uri())));
  }

  /**
   * Records a listing ({@code tools/list}, {@code prompts/list}, {@code resources/list}) the SDK's
   * server answered: for the metrics and traces (the request log and the live tail leave listings
   * out, {@link ToolCallFacts#isListing}).
   *
   * @param server the server of the endpoint, or {@code null} for {@code /mcp}
   * @param errorCode the JSON-RPC error code it was answered with, or {@code null}
   */
  void listed(
      String method,
      String path,
      String server,
      McpCaller caller,
      String sessionId,
      String traceparent,
      Instant startedAt,
      long startNanos,
      Integer errorCode) {
    Call listing = new Call(method, path, server, null, null, caller, sessionId, traceparent, null);
    listing.startedAt = startedAt;
    listing.startNanos = startNanos;
    listing.record(
        errorCode == null ? 200 : 500,
        errorCode == null ? null : ErrorTypes.PROVIDER_ERROR,
        errorCode == null ? OK : ERROR,
        null,
        List.of(),
        errorCode);
  }

  private static final java.util.regex.Pattern TRACEPARENT =
      java.util.regex.Pattern.compile("[0-9a-f]{2}-([0-9a-f]{32})-[0-9a-f]{16}-[0-9a-f]{2}");

  /**
   * The W3C trace id a {@code traceparent} carries, or {@code null} for none or an invalid one: the
   * record's trace id, so that a tool call is found with the model calls of its agent's trace.
   */
  static String traceId(String traceparent) {
    if (traceparent == null) {
      return null;
    }
    java.util.regex.Matcher matcher = TRACEPARENT.matcher(traceparent.strip());
    return matcher.matches() && !matcher.group(1).matches("0+") ? matcher.group(1) : null;
  }

  /** The client's trace context: the MCP conventions carry it in params._meta (SEP-414). */
  private static String traceparent(Map<String, Object> meta) {
    Object traceparent = meta == null ? null : meta.get("traceparent");
    return traceparent instanceof String text ? text : null;
  }

  /**
   * How a method's result is checked and refused: a tool call's result is read by the output hooks
   * as it is, and refused with an {@code isError} result; a prompt's or a resource's texts are read
   * as a tool result's text blocks, and refused with a JSON-RPC error (their results have no {@code
   * isError}).
   */
  private sealed interface Shape<R> {}

  private record ToolResult() implements Shape<McpSchema.CallToolResult> {}

  private record Texts<R>(Class<R> type, String list, String holder) implements Shape<R> {}

  private static final ToolResult TOOL_RESULT = new ToolResult();
  private static final Texts<McpSchema.GetPromptResult> PROMPT_TEXTS =
      new Texts<>(McpSchema.GetPromptResult.class, "messages", "content");
  private static final Texts<McpSchema.ReadResourceResult> RESOURCE_TEXTS =
      new Texts<>(McpSchema.ReadResourceResult.class, "contents", null);

  /** One call in flight; its first outcome records it, once. */
  final class Call {
    private final String method;
    private final String path;
    private final String server;
    private final String target;
    private final String name;
    private final McpCaller caller;
    private final String sessionId;
    private final String traceparent;
    private final String argumentsDigest;
    private Instant startedAt;
    private long startNanos;
    private boolean recorded;

    private Call(
        String method,
        String path,
        String server,
        String target,
        String name,
        McpCaller caller,
        String sessionId,
        String traceparent,
        String argumentsDigest) {
      this.method = method;
      this.path = path;
      this.server = server;
      this.target = target;
      this.name = name;
      this.caller = caller;
      this.sessionId = sessionId;
      this.traceparent = traceparent;
      this.argumentsDigest = argumentsDigest;
      this.startedAt = clock.instant();
      this.startNanos = System.nanoTime();
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
      return govern(policies.of(server, target, caller.keyId()), arguments, upstream, TOOL_RESULT);
    }

    /**
     * Runs a {@code prompts/get} as its policy says ({@code prompts.<name>}, else its server's); a
     * refusal is thrown as a JSON-RPC error, recorded.
     */
    McpSchema.GetPromptResult runPrompt(
        Map<String, Object> arguments,
        Function<Map<String, Object>, McpSchema.GetPromptResult> upstream) {
      return governOrFail(
          policies.ofPrompt(server, target, caller.keyId()), arguments, upstream, PROMPT_TEXTS);
    }

    /**
     * Runs a {@code resources/read} as its policy says ({@code resources}, else its server's), its
     * arguments {@code {"uri": …}} for the input hooks (a rewrite of the URI is what is read); a
     * refusal is thrown as a JSON-RPC error, recorded.
     */
    McpSchema.ReadResourceResult runResource(
        Function<String, McpSchema.ReadResourceResult> upstream) {
      return governOrFail(
          policies.ofResources(server, caller.keyId()),
          Map.of("uri", target),
          arguments -> upstream.apply(String.valueOf(arguments.get("uri"))),
          RESOURCE_TEXTS);
    }

    /**
     * {@link #govern}, recording an error thrown by the upstream (a refusal is recorded already).
     */
    private <R> R governOrFail(
        ToolPolicies.Policy policy,
        Map<String, Object> arguments,
        Function<Map<String, Object>, R> upstream,
        Shape<R> shape) {
      try {
        return govern(policy, arguments, upstream, shape);
      } catch (McpError failed) {
        failed(failed);
        throw failed;
      }
    }

    private <R> R govern(
        ToolPolicies.Policy policy,
        Map<String, Object> arguments,
        Function<Map<String, Object>, R> upstream,
        Shape<R> shape) {
      List<ToolCallLimiter.Limit> limits = caller.limitsOn(server, policy.limits());
      if (!limits.isEmpty()) {
        try {
          limiter.admit(limits);
        } catch (LimitExceededException limited) {
          long seconds = limited.retryAfter() == null ? 60 : limited.retryAfter().toSeconds();
          record(429, ErrorTypes.RATE_LIMITED, RATE_LIMITED, null, List.of());
          return refusal(
              shape,
              RATE_LIMITED,
              limited.getMessage() + " Try again in " + seconds + " s.",
              Map.of("retry_after_seconds", seconds));
        }
      }
      Map<String, String> metadata = checksMetadata();
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
        return denied(shape, report, "its arguments", input);
      }
      ObjectNode sent = input.rewritten() == null ? given : input.rewritten();
      R result =
          upstream.apply(
              input.rewritten() == null
                  ? arguments
                  : WireJson.mapper()
                      .convertValue(sent, new TypeReference<Map<String, Object>>() {}));
      if (!policy.output().isEmpty()) {
        ObjectNode tree = tree(result);
        List<ObjectNode> holders = holders(shape, tree);
        ToolCallGuardrails.Checked output =
            guardrails.result(
                policy.output(), server, name, sent, checked(shape, tree, holders), metadata);
        report.after(output.results(), output.failed());
        if (output.denied()) {
          return denied(shape, report, "its result", output);
        }
        if (output.rewritten() != null) {
          result = rewritten(shape, tree, holders, output.rewritten());
        }
      }
      boolean toolError =
          result instanceof McpSchema.CallToolResult called
              && Boolean.TRUE.equals(called.isError());
      int status = GuardrailReport.successStatus(report);
      record(
          status,
          null,
          toolError ? TOOL_ERROR : OK,
          GuardrailReport.verdict(report, status),
          report == null ? List.of() : List.copyOf(report.failedOutputChecks()));
      return result;
    }

    /** What the checks see as the request's metadata: the server and what is called. */
    private Map<String, String> checksMetadata() {
      return switch (method) {
        case ToolCallFacts.PROMPTS_GET ->
            Map.of(ToolCallFacts.SERVER, server, ToolCallFacts.PROMPT, target);
        case ToolCallFacts.RESOURCES_READ ->
            Map.of(ToolCallFacts.SERVER, server, ToolCallFacts.RESOURCE, target);
        default -> Map.of(ToolCallFacts.SERVER, server, ToolCallFacts.TOOL, target);
      };
    }

    private <R> R denied(
        Shape<R> shape, GuardrailReport report, String side, ToolCallGuardrails.Checked checked) {
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
          shape,
          GUARDRAIL_DENIED,
          "The gateway's guardrails refused this "
              + what()
              + " for "
              + side
              + (hooks.isEmpty()
                  ? " (a mutator's rewrite of the arguments is no JSON object)."
                  : " (hook " + String.join(", ", hooks) + ")."),
          Map.of("hooks", hooks));
    }

    /** The call as a refusal names it: {@code call of docs__search}, {@code read of file:///a}. */
    private String what() {
      return switch (method) {
        case ToolCallFacts.PROMPTS_GET -> "prompt " + name;
        case ToolCallFacts.RESOURCES_READ -> "read of " + name;
        default -> "call of " + name;
      };
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
      if (recorded) {
        return;
      }
      recorded = true;
      double latencyMs = (System.nanoTime() - startNanos) / 1_000_000.0;
      Map<String, String> metadata = new LinkedHashMap<>();
      if (server != null) {
        metadata.put(ToolCallFacts.SERVER, server);
      }
      metadata.put(ToolCallFacts.METHOD, method);
      switch (method) {
        case ToolCallFacts.TOOLS_CALL -> metadata.put(ToolCallFacts.TOOL, target);
        case ToolCallFacts.PROMPTS_GET -> metadata.put(ToolCallFacts.PROMPT, target);
        case ToolCallFacts.RESOURCES_READ -> metadata.put(ToolCallFacts.RESOURCE, target);
        default -> {}
      }
      metadata.put(ToolCallFacts.OUTCOME, outcome);
      if (argumentsDigest != null) {
        metadata.put(ToolCallFacts.ARGUMENTS_SHA256, argumentsDigest);
      }
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
      String traceId = traceId(traceparent);
      RequestRecord record =
          new RequestRecord(
              id,
              traceId == null ? id : traceId,
              traceparent,
              startedAt,
              "POST",
              path,
              caller.workspace(),
              caller.keyId(),
              null,
              name,
              server,
              target,
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
      if (name != null) {
        log.info(
            "MCP {} {} {} {} ms{}{}",
            method,
            name,
            status,
            Math.round(latencyMs),
            TOOL_ERROR.equals(outcome) ? " (tool error)" : "",
            verdict == null ? "" : " guardrails " + verdict);
      }
      for (RecordSink sink : sinks) {
        try {
          sink.accept(record);
        } catch (RuntimeException failed) {
          log.warn("a record sink failed on an MCP request: {}", failed.toString());
        }
      }
    }
  }

  /**
   * A refusal as the method answers it: a tool call's as an {@code isError} result; a prompt's or a
   * resource's thrown as a JSON-RPC error, {@link #REFUSED}, whose {@code data} is what a tool
   * call's {@code _meta["dev.switchboard/refusal"]} holds.
   */
  @SuppressWarnings("unchecked")
  private static <R> R refusal(
      Shape<R> shape, String kind, String message, Map<String, Object> details) {
    return switch (shape) {
      case ToolResult tool -> (R) refusal(kind, message, details);
      case Texts<R> texts -> {
        Map<String, Object> refusal = new LinkedHashMap<>(details);
        refusal.put("type", kind);
        throw McpError.builder(REFUSED).message(message).data(refusal).build();
      }
    };
  }

  /** The JSON-RPC error code of a refused prompt or resource (implementation-defined range). */
  static final int REFUSED = -32000;

  /** The objects whose {@code text} the output hooks read: none for a tool result (read whole). */
  private static List<ObjectNode> holders(Shape<?> shape, ObjectNode tree) {
    List<ObjectNode> holders = new ArrayList<>();
    if (shape instanceof Texts<?> texts) {
      for (com.fasterxml.jackson.databind.JsonNode item : tree.path(texts.list())) {
        com.fasterxml.jackson.databind.JsonNode holder =
            texts.holder() == null ? item : item.path(texts.holder());
        if (holder instanceof ObjectNode object && object.path("text").isTextual()) {
          holders.add(object);
        }
      }
    }
    return holders;
  }

  /** What the output hooks read: a tool result as it is; else the texts as its text blocks. */
  private static ObjectNode checked(Shape<?> shape, ObjectNode tree, List<ObjectNode> holders) {
    if (shape instanceof ToolResult) {
      return tree;
    }
    ObjectNode view = WireJson.mapper().createObjectNode();
    com.fasterxml.jackson.databind.node.ArrayNode content = view.putArray("content");
    for (ObjectNode holder : holders) {
      content.addObject().put("type", "text").put("text", holder.get("text").asText());
    }
    return view;
  }

  /** The result as the output mutators rewrote it (the texts put back where they were read). */
  @SuppressWarnings("unchecked")
  private <R> R rewritten(
      Shape<R> shape, ObjectNode tree, List<ObjectNode> holders, ObjectNode rewritten) {
    return switch (shape) {
      case ToolResult tool -> (R) json.convertValue(rewritten, McpSchema.CallToolResult.class);
      case Texts<R> texts -> {
        com.fasterxml.jackson.databind.JsonNode content = rewritten.path("content");
        for (int i = 0; i < holders.size() && i < content.size(); i++) {
          holders.get(i).put("text", content.get(i).path("text").asText());
        }
        yield json.convertValue(tree, texts.type());
      }
    };
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
  private ObjectNode tree(Object result) {
    try {
      return (ObjectNode) WireJson.tree(json.writeValueAsString(result));
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException("a result could not be written as JSON", e);
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
