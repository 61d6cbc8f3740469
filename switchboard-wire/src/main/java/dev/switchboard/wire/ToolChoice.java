package dev.switchboard.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;

/**
 * {@code tool_choice}: a mode ({@code "auto"}, {@code "none"}, {@code "required"}), one named
 * function, or a form this model does not know yet (kept as sent).
 */
@JsonSerialize(using = ToolChoice.Writer.class)
@JsonDeserialize(using = ToolChoice.Reader.class)
public sealed interface ToolChoice {

  /** {@code "auto"}, {@code "none"} or {@code "required"}. */
  record Mode(String mode) implements ToolChoice {}

  /** {@code {"type":"function","function":{"name":...}}}: the model must call this function. */
  record Function(String name) implements ToolChoice {}

  /** Any other form, forwarded as it came. */
  record Other(JsonNode json) implements ToolChoice {}

  static ToolChoice auto() {
    return new Mode("auto");
  }

  static ToolChoice none() {
    return new Mode("none");
  }

  static ToolChoice required() {
    return new Mode("required");
  }

  /** The JSON form of this choice. */
  default JsonNode toJson() {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    return switch (this) {
      case Mode m -> nodes.textNode(m.mode());
      case Function f -> {
        ObjectNode node = nodes.objectNode().put("type", "function");
        node.putObject("function").put("name", f.name());
        yield node;
      }
      case Other o -> o.json();
    };
  }

  /** Reads the JSON form of a choice. */
  static ToolChoice fromJson(JsonNode json) {
    if (json.isTextual()) {
      return new Mode(json.asText());
    }
    JsonNode name = json.path("function").path("name");
    if ("function".equals(json.path("type").asText()) && name.isTextual() && json.size() == 2) {
      return new Function(name.asText());
    }
    return new Other(json);
  }

  final class Writer extends StdSerializer<ToolChoice> {
    Writer() {
      super(ToolChoice.class);
    }

    @Override
    public void serialize(ToolChoice value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      gen.writeTree(value.toJson());
    }
  }

  final class Reader extends StdDeserializer<ToolChoice> {
    private final TreeReader trees = new TreeReader();

    Reader() {
      super(ToolChoice.class);
    }

    @Override
    public ToolChoice deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      return fromJson(trees.readTree(parser, context));
    }
  }
}
