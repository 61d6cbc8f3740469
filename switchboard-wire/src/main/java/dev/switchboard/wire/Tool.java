package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** A tool the model may call: {@code {"type":"function","function":{...}}}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record Tool(
    String type,
    FunctionDefinition function,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
  public Tool {
    extras = Extras.of(extras);
  }

  /** A function tool. */
  public static Tool function(FunctionDefinition function) {
    return new Tool("function", function, null);
  }

  /** A function's name, description and JSON-schema parameters. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record FunctionDefinition(
      String name,
      String description,
      JsonNode parameters,
      Boolean strict,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public FunctionDefinition {
      extras = Extras.of(extras);
    }
  }
}
