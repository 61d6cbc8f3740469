package dev.switchboard.observe;

import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.engine.observe.ToolCallFacts;

/**
 * How the MCP requests the gateway serves (tool calls, prompts, resources, listings) are named in
 * OpenTelemetry's semantic conventions for the Model Context Protocol
 * (https://opentelemetry.io/docs/specs/semconv/gen-ai/mcp/), shared by the metrics and the traces:
 * the gateway is the MCP server its clients call.
 */
public final class McpConventions {
  public static final String METHOD_NAME = "mcp.method.name";
  public static final String SESSION_ID = "mcp.session.id";
  public static final String TOOL_NAME = "gen_ai.tool.name";
  public static final String RESPONSE_STATUS_CODE = "rpc.response.status_code";
  public static final String PROMPT_NAME = "gen_ai.prompt.name";
  public static final String RESOURCE_URI = "mcp.resource.uri";

  public static final String TOOLS_CALL = ToolCallFacts.TOOLS_CALL;

  /** The conventions' {@code gen_ai.operation.name} of a tool call. */
  public static final String EXECUTE_TOOL = "execute_tool";

  private McpConventions() {}

  /** The conventions' {@code gen_ai.operation.name}: {@code execute_tool} for a tool call only. */
  public static String operationName(String method) {
    return TOOLS_CALL.equals(method) ? EXECUTE_TOOL : "";
  }

  /**
   * The conventions' span name, {@code {mcp.method.name} {target}}: the tool or prompt as the
   * client named it; the method alone for a resource (its URI is no low-cardinality name) and a
   * listing.
   */
  public static String spanName(RequestRecord record) {
    String method = ToolCallFacts.method(record);
    boolean named = TOOLS_CALL.equals(method) || ToolCallFacts.PROMPTS_GET.equals(method);
    return named && record.requestModel() != null ? method + " " + record.requestModel() : method;
  }

  /**
   * The conventions' {@code error.type} of a tool call: the JSON-RPC error code the client got
   * ({@code -32602}), {@code tool_error} for a tool's own {@code isError} result, the kind of the
   * gateway's refusal ({@code guardrail_denied}, {@code rate_limited}, an {@code isError} result
   * too), or empty for a call that succeeded.
   */
  public static String errorType(RequestRecord record) {
    String code = record.metadata().get(ToolCallFacts.ERROR_CODE);
    if (code != null) {
      return code;
    }
    String outcome = record.metadata().getOrDefault(ToolCallFacts.OUTCOME, "");
    return outcome.equals("ok") ? "" : outcome;
  }
}
