package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** {@code response_format}: {@code text}, {@code json_object} or {@code json_schema}. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ResponseFormat(
    String type,
    @JsonProperty("json_schema") JsonSchema jsonSchema,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
  public ResponseFormat {
    extras = Extras.of(extras);
  }

  /** A named JSON schema the reply must follow. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record JsonSchema(
      String name,
      String description,
      JsonNode schema,
      Boolean strict,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public JsonSchema {
      extras = Extras.of(extras);
    }
  }
}
