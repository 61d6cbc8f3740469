package dev.switchboard.wire;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JavaType;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.util.ClassUtil;
import java.io.IOException;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reads a value as a tree, and a tree as one of the wire records, for a wire model's {@code
 * Reader}: what {@link DeserializationContext#readTree} and {@link
 * DeserializationContext#readTreeAsValue} do, with the root deserializer of each type looked up
 * once. Those two look it up on every call ({@link
 * DeserializationContext#findRootValueDeserializer}), and the lookup asks the class's annotations
 * for a type deserializer each time: 3 % of the gateway's CPU under load, its {@code
 * AnnotatedClass}es 2 % of the allocation (issue 18, docs/benchmarks.md). Jackson's own {@code
 * ObjectMapper} and {@code ObjectReader} keep their root deserializers the same way.
 *
 * <p>One per {@code Reader} instance: Jackson makes a {@code Reader} for one mapper, and a
 * deserializer looked up belongs to that mapper. Thread-safe: two threads may look one up at once
 * and keep either.
 */
final class TreeReader {
  private final Map<Class<?>, JsonDeserializer<Object>> deserializers = new ConcurrentHashMap<>();

  /** The value at the parser's token as a tree, as {@link DeserializationContext#readTree}. */
  JsonNode readTree(JsonParser parser, DeserializationContext context) throws IOException {
    JsonToken token = parser.currentToken();
    if (token == null) {
      token = parser.nextToken();
      if (token == null) {
        return context.getNodeFactory().missingNode();
      }
    }
    if (token == JsonToken.VALUE_NULL) {
      return context.getNodeFactory().nullNode();
    }
    return (JsonNode) deserializer(JsonNode.class, context).deserialize(parser, context);
  }

  /** A tree read as {@code type}, as {@link DeserializationContext#readTreeAsValue}. */
  <T> T readValue(JsonNode tree, Class<T> type, DeserializationContext context) throws IOException {
    if (tree == null || tree.isMissingNode()) {
      return null;
    }
    JsonParser source = context.getParser();
    try (JsonParser tokens = tree.traverse(source == null ? null : source.getCodec())) {
      tokens.nextToken();
      JsonDeserializer<Object> deserializer = deserializer(type, context);
      Object value =
          tokens.hasToken(JsonToken.VALUE_NULL)
              ? deserializer.getNullValue(context)
              : deserializer.deserialize(tokens, context);
      return type.cast(value);
    }
  }

  private JsonDeserializer<Object> deserializer(Class<?> type, DeserializationContext context)
      throws IOException {
    JsonDeserializer<Object> known = deserializers.get(type);
    if (known != null) {
      return known;
    }
    JsonDeserializer<Object> found = context.findRootValueDeserializer(context.constructType(type));
    if (found == null) {
      JavaType javaType = context.constructType(type);
      return context.reportBadDefinition(
          javaType,
          "Could not find JsonDeserializer for type " + ClassUtil.getTypeDescription(javaType));
    }
    deserializers.putIfAbsent(type, found);
    return found;
  }
}
