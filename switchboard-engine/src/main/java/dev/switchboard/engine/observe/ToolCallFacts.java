package dev.switchboard.engine.observe;

/**
 * How the record of an MCP request the gateway served says what it is, in its metadata: written by
 * the MCP gateway ({@code switchboard-mcp}), read by the metrics, traces and request log ({@code
 * switchboard-observe}), which neither module depends on the other for. A tool call's record has
 * the server as its provider, the tool as its model and {@code <server>__<tool>} as the model asked
 * for; a {@code prompts/get}'s the prompt likewise; a {@code resources/read}'s the resource's URI
 * as both; a listing's ({@code tools/list}, {@code prompts/list}, {@code resources/list}) the
 * server of its endpoint, or none at {@code /mcp}.
 */
public final class ToolCallFacts {
  /** The upstream server's name. */
  public static final String SERVER = "mcp.server";

  /** The tool's own name at its server. */
  public static final String TOOL = "mcp.tool";

  /**
   * The MCP method served: {@code tools/call} (also when absent, as in the records of earlier
   * versions), {@code prompts/get}, {@code resources/read}, {@code tools/list}, {@code
   * prompts/list}, {@code resources/list}.
   */
  public static final String METHOD = "mcp.method";

  /** A {@code prompts/get}'s prompt, its own name at its server. */
  public static final String PROMPT = "mcp.prompt";

  /** A {@code resources/read}'s resource URI. */
  public static final String RESOURCE = "mcp.resource";

  public static final String TOOLS_CALL = "tools/call";
  public static final String PROMPTS_GET = "prompts/get";
  public static final String RESOURCES_READ = "resources/read";

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

  /** Whether {@code record} is the record of any MCP request the gateway served. */
  public static boolean isMcp(RequestRecord record) {
    return record.metadata().containsKey(OUTCOME)
        && (record.metadata().containsKey(METHOD) || isToolCall(record));
  }

  /** The MCP method of an MCP request's record ({@link #isMcp}). */
  public static String method(RequestRecord record) {
    return record.metadata().getOrDefault(METHOD, TOOLS_CALL);
  }

  /**
   * Whether {@code record} is a listing's ({@code tools/list}, …): timed and traced, not written to
   * the request log (a client lists on every connection).
   */
  public static boolean isListing(RequestRecord record) {
    return isMcp(record) && method(record).endsWith("/list");
  }
}
