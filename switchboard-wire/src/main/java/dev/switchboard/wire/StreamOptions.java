package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.databind.JsonNode;
import java.util.Map;

/** {@code stream_options}: whether a stream ends with a usage chunk. */
@JsonInclude(JsonInclude.Include.NON_NULL)
public record StreamOptions(
    @JsonProperty("include_usage") Boolean includeUsage,
    @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
  public StreamOptions {
    extras = Extras.of(extras);
  }
}
