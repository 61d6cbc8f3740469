package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.annotation.JsonValue;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.Map;

/**
 * One part of a message's content, told apart by {@code type}. Text and images are typed; audio,
 * files, refusals and future part types are kept whole as {@link OtherPart}.
 */
@JsonDeserialize(using = ContentPart.Reader.class)
public sealed interface ContentPart {

  /** {@code {"type":"text","text":...}} */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "text"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record TextPart(String text, @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ContentPart {
    public TextPart {
      extras = Extras.of(extras);
    }

    public TextPart(String text) {
      this(text, null);
    }

    @JsonProperty("type")
    String type() {
      return "text";
    }
  }

  /**
   * {@code {"type":"image_url","image_url":{"url":...,"detail":...}}}; the URL is an https address
   * or a {@code data:} URL with base64 bytes.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"type", "image_url"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  record ImagePart(
      @JsonProperty("image_url") ImageUrl imageUrl,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ContentPart {
    public ImagePart {
      extras = Extras.of(extras);
    }

    @JsonProperty("type")
    String type() {
      return "image_url";
    }
  }

  /** An image's address and detail level; extra keys (some SDKs send {@code format}) are kept. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  record ImageUrl(
      String url, String detail, @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras) {
    public ImageUrl {
      extras = Extras.of(extras);
    }
  }

  /** Any other part ({@code input_audio}, {@code file}, {@code refusal}, …), kept as sent. */
  record OtherPart(@JsonValue ObjectNode json) implements ContentPart {
    public String type() {
      return json.path("type").asText();
    }
  }

  final class Reader extends StdDeserializer<ContentPart> {
    private final TreeReader trees = new TreeReader();

    Reader() {
      super(ContentPart.class);
    }

    @Override
    public ContentPart deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode node = trees.readTree(parser, context);
      if (!(node instanceof ObjectNode object)) {
        return context.reportInputMismatch(ContentPart.class, "a content part must be an object");
      }
      String type = object.path("type").asText("");
      return switch (type) {
        case "text" -> Discriminator.readVariant(trees, context, object, "type", TextPart.class);
        case "image_url" ->
            Discriminator.readVariant(trees, context, object, "type", ImagePart.class);
        case "" ->
            context.reportInputMismatch(ContentPart.class, "a content part needs a \"type\"");
        default -> new OtherPart(object);
      };
    }
  }
}
