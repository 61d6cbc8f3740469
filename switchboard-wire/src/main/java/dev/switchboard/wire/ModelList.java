package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.List;
import java.util.Map;

/** The models a provider offers ({@code GET /v1/models}). */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record ModelList(
    String object, List<Model> data, @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {

  public ModelList {
    data = data == null ? List.of() : List.copyOf(data);
    extras = Extras.of(extras);
  }

  /** One model. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  public record Model(
      String id,
      String object,
      Long created,
      @JsonProperty("owned_by") String ownedBy,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public Model {
      extras = Extras.of(extras);
    }
  }
}
