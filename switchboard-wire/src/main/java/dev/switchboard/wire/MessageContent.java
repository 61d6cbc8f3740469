package dev.switchboard.wire;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.annotation.JsonSerialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.ser.std.StdSerializer;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Collectors;

/** A message's content: a plain string, or an array of typed parts. */
@JsonSerialize(using = MessageContent.Writer.class)
@JsonDeserialize(using = MessageContent.Reader.class)
public sealed interface MessageContent {

  /** {@code "content": "..."} */
  record Text(String text) implements MessageContent {}

  /** {@code "content": [{"type":"text",...}, {"type":"image_url",...}]} */
  record Parts(List<ContentPart> parts) implements MessageContent {
    public Parts {
      parts = List.copyOf(parts);
    }
  }

  static MessageContent of(String text) {
    return new Text(text);
  }

  /** The text of this content: the string, or its text parts joined; other parts are skipped. */
  default String text() {
    return switch (this) {
      case Text t -> t.text();
      case Parts p ->
          p.parts().stream()
              .map(part ->
                  switch (part) {
                    case ContentPart.TextPart t -> t.text();
                    case ContentPart.ImagePart i -> "";
                    case ContentPart.OtherPart o -> "";
                  })
              .filter(s -> !s.isEmpty())
              .collect(Collectors.joining("\n"));
    };
  }

  final class Writer extends StdSerializer<MessageContent> {
    Writer() {
      super(MessageContent.class);
    }

    @Override
    public void serialize(MessageContent value, JsonGenerator gen, SerializerProvider provider)
        throws IOException {
      switch (value) {
        case Text t -> gen.writeString(t.text());
        case Parts p -> {
          gen.writeStartArray();
          for (ContentPart part : p.parts()) {
            provider.defaultSerializeValue(part, gen);
          }
          gen.writeEndArray();
        }
      }
    }
  }

  final class Reader extends StdDeserializer<MessageContent> {
    private final TreeReader trees = new TreeReader();

    Reader() {
      super(MessageContent.class);
    }

    @Override
    public MessageContent deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode node = trees.readTree(parser, context);
      if (node.isTextual()) {
        return new Text(node.asText());
      }
      if (node.isArray()) {
        List<ContentPart> parts = new ArrayList<>(node.size());
        for (JsonNode part : node) {
          parts.add(trees.readValue(part, ContentPart.class, context));
        }
        return new Parts(parts);
      }
      return context.reportInputMismatch(
          MessageContent.class, "content must be a string or an array of content parts");
    }
  }
}
