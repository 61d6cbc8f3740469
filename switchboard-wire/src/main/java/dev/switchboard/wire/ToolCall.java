package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/**
 * A call the model made to a tool. In a stream delta, {@code index} says which call a fragment
 * belongs to; the first fragment of each index carries {@code id}, {@code type} and the function's
 * name, later ones only pieces of {@code arguments}.
 */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ToolCall(
    Integer index,
    String id,
    String type,
    FunctionCall function,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
  public ToolCall {
    extras = Extras.of(extras);
  }

  /** A complete function call, as in a non-streamed message. */
  public static ToolCall function(String id, String name, String arguments) {
    return new ToolCall(null, id, "function", new FunctionCall(name, arguments, null), null);
  }

  /** The function's name and its arguments, a JSON object as a string. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionCall(
      String name, String arguments, @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public FunctionCall {
      extras = Extras.of(extras);
    }
  }
}
