package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAutoDetect;
import com.fasterxml.jackson.annotation.PropertyAccessor;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.ObjectReader;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;
import java.io.IOException;

/**
 * The one JSON mapper for the wire model. Thread-safe; share it.
 *
 * <p>Unknown fields never fail a read: the records keep them in their {@code extras}. A field sent
 * as {@code null} is kept too, and written back as {@code null} (see {@link ExplicitNulls}).
 *
 * <p>What a client sends is read strictly ({@link #readStrictly}, {@link #strictTree}): a document
 * with a duplicate key (at any depth) or anything but whitespace after its value is malformed.
 * Readers disagree on which of two keys wins and on where a document ends, so a check (a key's
 * model scope) could see one thing and the provider another; the gateway reads only the one shape
 * they agree on. What a provider answers is read leniently: the gateway is not its validator.
 */
public final class WireJson {
  private static final ObjectMapper MAPPER =
      JsonMapper.builder()
          .disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
          .disable(SerializationFeature.FAIL_ON_EMPTY_BEANS)
          .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
          // The records' convenience methods (isStreaming()) are not wire fields.
          .visibility(PropertyAccessor.IS_GETTER, JsonAutoDetect.Visibility.NONE)
          .addModule(new ExplicitNulls())
          .build();

  private static final ObjectReader STRICT =
      MAPPER
          .reader()
          .with(StreamReadFeature.STRICT_DUPLICATE_DETECTION.mappedFeature())
          .with(DeserializationFeature.FAIL_ON_TRAILING_TOKENS);

  private WireJson() {}

  /**
   * Reads what a client sent as {@code type}, strictly: a duplicate key or trailing content is a
   * malformed document ({@link WireFormatException}).
   */
  public static <T> T readStrictly(byte[] json, Class<T> type) {
    try {
      return STRICT.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    } catch (IOException e) {
      throw undecodable(e);
    }
  }

  /**
   * Reads what a client sent as the record {@code type}, as {@link #readStrictly} does, and keeps
   * {@code json}: as long as the record returned is not replaced by a changed one, {@link #write}
   * writes these very bytes, so a request the gateway does not change reaches the provider as the
   * client sent it (its key order, number formats, escapes and nulls). Records only: a record
   * cannot change under its bytes, a tree could.
   */
  public static <T extends Record> T readStrictlyKeepingSource(byte[] json, Class<T> type) {
    T value = readStrictly(json, type);
    SourceBytes.remember(value, json);
    return value;
  }

  /** Parses what a client sent into a tree, strictly (see {@link #readStrictly}). */
  public static JsonNode strictTree(String json) {
    try {
      return STRICT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    }
  }

  /** Parses what a client sent into a tree, strictly (see {@link #readStrictly}). */
  public static JsonNode strictTree(byte[] json) {
    try {
      return STRICT.readTree(json);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    } catch (IOException e) {
      throw undecodable(e);
    }
  }

  /** The shared mapper, configured for the wire model. */
  public static ObjectMapper mapper() {
    return MAPPER;
  }

  /**
   * Reads {@code json} as {@code type}; a malformed document throws {@link WireFormatException}.
   */
  public static <T> T read(byte[] json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    } catch (IOException e) {
      throw undecodable(e);
    }
  }

  /**
   * Reads {@code json} as {@code type}; a malformed document throws {@link WireFormatException}.
   */
  public static <T> T read(String json, Class<T> type) {
    try {
      return MAPPER.readValue(json, type);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    }
  }

  /**
   * Reads what a provider answered as {@code type}, as {@link #read(byte[], Class)} does, and keeps
   * {@code json}: as long as the record returned is not replaced by a changed one, {@link #write}
   * writes these very bytes (the provider's key order, number formats, escapes and nulls).
   */
  public static <T> T readKeepingSource(byte[] json, Class<T> type) {
    T value = read(json, type);
    SourceBytes.remember(value, json);
    return value;
  }

  /** {@link #readKeepingSource(byte[], Class)} of a document already in a string. */
  public static <T> T readKeepingSource(String json, Class<T> type) {
    T value = read(json, type);
    SourceBytes.remember(value, json.getBytes(java.nio.charset.StandardCharsets.UTF_8));
    return value;
  }

  /** Converts an already parsed tree into {@code type}. */
  public static <T> T convert(JsonNode tree, Class<T> type) {
    try {
      return MAPPER.treeToValue(tree, type);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    }
  }

  /**
   * Writes {@code value} as compact JSON bytes (UTF-8); a record read with {@link
   * #readKeepingSource} and not replaced since is written as the bytes it was read from (not to be
   * modified).
   */
  public static byte[] write(Object value) {
    byte[] source = SourceBytes.of(value);
    if (source != null) {
      return source;
    }
    try {
      return MAPPER.writeValueAsBytes(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the wire model failed to serialise", e);
    }
  }

  /** Writes {@code value} as a JSON string, as {@link #write} writes it. */
  public static String writeString(Object value) {
    byte[] source = SourceBytes.of(value);
    if (source != null) {
      return new String(source, java.nio.charset.StandardCharsets.UTF_8);
    }
    try {
      return MAPPER.writeValueAsString(value);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException("the wire model failed to serialise", e);
    }
  }

  /** Parses a JSON document into a tree. */
  public static JsonNode tree(String json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    }
  }

  /** Parses a JSON document into a tree. */
  public static JsonNode tree(byte[] json) {
    try {
      return MAPPER.readTree(json);
    } catch (JsonProcessingException e) {
      throw new WireFormatException(describe(e), e);
    } catch (IOException e) {
      throw undecodable(e);
    }
  }

  /**
   * Bytes in memory fail to read only when they cannot be decoded: Jackson guesses the encoding
   * from the first bytes, and takes some garbage for UTF-16 or UTF-32. JSON between systems is
   * UTF-8 (RFC 8259, section 8.1), so that is a malformed document like any other.
   */
  private static WireFormatException undecodable(IOException e) {
    return new WireFormatException(
        "not a JSON document in UTF-8: " + e.getClass().getSimpleName(), e);
  }

  /** A one-line reason without Jackson's source excerpt (which would echo the client's body). */
  private static String describe(JsonProcessingException e) {
    String message = e.getOriginalMessage();
    var location = e.getLocation();
    return location == null
        ? message
        : message + " (line " + location.getLineNr() + ", column " + location.getColumnNr() + ")";
  }
}
