package dev.switchboard.engine.observe;

/**
 * How an MCP tool call's {@link RequestRecord} says what it is, in its metadata: written by the MCP
 * gateway ({@code switchboard-mcp}), read by the metrics and traces ({@code switchboard-observe}),
 * which neither module depends on the other for. A tool call's record has the server as its
 * provider, the tool as its model and {@code <server>__<tool>} as the model asked for.
 */
public final class ToolCallFacts {
  /** The upstream server's name. */
  public static final String SERVER = "mcp.server";

  /** The tool's own name at its server. */
  public static final String TOOL = "mcp.tool";

  /**
   * What became of the call, a closed set: {@code ok}, {@code tool_error} (the tool's own {@code
   * isError} result), {@code guardrail_denied}, {@code rate_limited}, {@code unknown_tool} (or
   * outside the caller's scope), {@code upstream_error}, {@code cancelled} (the client cancelled it
   * before its answer: status 499), {@code error}.
   */
  public static final String OUTCOME = "mcp.outcome";

  /** The JSON-RPC error code the client was answered with, when it was a JSON-RPC error. */
  public static final String ERROR_CODE = "mcp.error_code";

  /** The client's MCP session ({@code Mcp-Session-Id}), when it has one. */
  public static final String SESSION_ID = "mcp.session_id";

  /** SHA-256 of the arguments' canonical JSON: never the arguments. */
  public static final String ARGUMENTS_SHA256 = "mcp.arguments_sha256";

  /** {@code true} when the tool's own result says {@code isError}. */
  public static final String TOOL_ERROR = "mcp.tool_error";

  private ToolCallFacts() {}

  /** Whether {@code record} is an MCP tool call's. */
  public static boolean isToolCall(RequestRecord record) {
    return record.metadata().containsKey(SERVER)
        && record.metadata().containsKey(TOOL)
        && record.metadata().containsKey(OUTCOME);
  }
}
