package dev.switchboard.engine.guardrails;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.pipeline.Hook;
import dev.switchboard.wire.WireJson;
import java.util.List;
import java.util.Map;

/**
 * The guardrails on MCP tool calls: the same hooks, checks, runner and deny/flag semantics as the
 * model traffic's ({@link GuardrailStage}, whose runner, executor and statistics it shares), run on
 * a tool's arguments before the call (input hooks) and on its result after it (output hooks). The
 * text the checks read is described in {@link ContentParts}: the arguments as their JSON, the
 * result's text content blocks. A mutator's rewrite is what the upstream server (or the client)
 * receives. Built by the {@code Gateway} ({@code Gateway.toolCallGuardrails()}).
 */
public final class ToolCallGuardrails {
  private final GuardrailStage stage;

  ToolCallGuardrails(GuardrailStage stage) {
    this.stage = stage;
  }

  /**
   * What the hooks of one side decided.
   *
   * @param results Portkey's hook results of this side ({@code before_request_hooks} or {@code
   *     after_request_hooks} entries), each check's data included
   * @param failed whether a hook failed (flagged, or denied)
   * @param denied whether a failing hook says {@code deny}: the call is refused
   * @param rewritten the arguments or the result as mutators rewrote them, or {@code null} when no
   *     hook changed them
   */
  public record Checked(ArrayNode results, boolean failed, boolean denied, ObjectNode rewritten) {
    /** Nothing ran. */
    public static final Checked NONE =
        new Checked(WireJson.mapper().createArrayNode(), false, false, null);
  }

  /**
   * Runs the input hooks on a call's arguments.
   *
   * @param tool the tool's name as the client called it (the check's request {@code name})
   * @param server the server's name (the checks' {@code provider})
   * @param arguments the call's arguments; not changed
   * @param metadata what the checks see as the request's metadata
   * @return what the hooks decided; a rewrite that is no longer a JSON object denies the call
   */
  public Checked arguments(
      List<Hook> hooks,
      String server,
      String tool,
      ObjectNode arguments,
      Map<String, String> metadata) {
    if (hooks.isEmpty()) {
      return Checked.NONE;
    }
    ObjectNode call = call(tool, arguments);
    HookRunner.Subject subject =
        new HookRunner.Subject(
            RequestKind.TOOL_CALL, call, call, false, server, metadata, Map.of());
    Checked checked = run(hooks, HookEvent.BEFORE_REQUEST, subject, metadata);
    if (checked.rewritten() == null) {
      return checked;
    }
    JsonNode rewritten = subject.json.get("arguments");
    if (!(rewritten instanceof ObjectNode object)) {
      return new Checked(checked.results(), true, true, null);
    }
    return new Checked(checked.results(), checked.failed(), checked.denied(), object);
  }

  /**
   * Runs the output hooks on a call's result.
   *
   * @param arguments the arguments as they were sent (the checks' request)
   * @param result the result as JSON ({@code content}, {@code isError}, …); not changed
   */
  public Checked result(
      List<Hook> hooks,
      String server,
      String tool,
      ObjectNode arguments,
      ObjectNode result,
      Map<String, String> metadata) {
    if (hooks.isEmpty()) {
      return Checked.NONE;
    }
    HookRunner.Subject subject =
        new HookRunner.Subject(
            RequestKind.TOOL_CALL,
            result.deepCopy(),
            call(tool, arguments),
            false,
            server,
            metadata,
            Map.of());
    Checked checked = run(hooks, HookEvent.AFTER_REQUEST, subject, metadata);
    return checked.rewritten() == null
        ? checked
        : new Checked(checked.results(), checked.failed(), checked.denied(), subject.json);
  }

  private Checked run(
      List<Hook> hooks, HookEvent event, HookRunner.Subject subject, Map<String, String> metadata) {
    String cohort = GuardrailStatistics.cohort(metadata);
    stage.runAsync(GuardrailStage.partition(hooks, true), event, subject, cohort);
    HookRunner.Outcome outcome =
        stage.runner().run(GuardrailStage.partition(hooks, false), event, subject, cohort);
    return new Checked(
        outcome.results(),
        outcome.failed(),
        outcome.deny(),
        subject.transformed ? subject.json : null);
  }

  private static ObjectNode call(String tool, ObjectNode arguments) {
    ObjectNode call = WireJson.mapper().createObjectNode();
    call.put("name", tool);
    call.set(
        "arguments",
        arguments == null ? WireJson.mapper().createObjectNode() : arguments.deepCopy());
    return call;
  }
}
