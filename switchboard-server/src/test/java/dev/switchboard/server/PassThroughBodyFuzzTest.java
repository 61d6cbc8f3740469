package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.switchboard.access.PassThroughModel;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.PayloadTooLargeException;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * "The bytes scope-checked are the bytes sent": for any body, content type and content-encoding,
 * either the gateway refuses it (the body reader, or the model reader for a key held to models), or
 * the model the scope check saw is the one an independent, lenient reader finds in the bytes sent
 * upstream, and it finds no other. The lenient reader is what a provider might be: it guesses the
 * encoding from the bytes, keeps every {@code model} key it meets, splits forms and multipart
 * bodies by hand.
 *
 * <p>Input: the first byte picks the content type, the second the content-encoding (and whether the
 * rest is compressed by the test or sent as it is), the rest is the body. In an ordinary build
 * Jazzer replays the committed inputs under {@code src/test/resources/.../
 * PassThroughBodyFuzzTestInputs/}; with {@code JAZZER_FUZZ=1} it fuzzes.
 */
class PassThroughBodyFuzzTest {
  private static final String BOUNDARY = "b0undary";
  private static final List<String> CONTENT_TYPES =
      Arrays.asList(
          "application/json",
          "application/json; charset=utf-8",
          "application/x-www-form-urlencoded",
          "multipart/form-data; boundary=" + BOUNDARY,
          "text/plain",
          null,
          "application/vnd.api+json",
          "application/json; charset=utf-16");
  private static final List<String> ENCODINGS =
      Arrays.asList(null, "gzip", "deflate", "gzip", "deflate", "identity", "br");
  private static final long LIMIT = 1 << 16;

  @FuzzTest(maxDuration = "30s")
  void theModelCheckedIsTheOnlyModelTheProviderCanRead(byte[] input) {
    if (input.length < 2) {
      return;
    }
    String contentType = CONTENT_TYPES.get((input[0] & 0xff) % CONTENT_TYPES.size());
    int encodingChoice = (input[1] & 0xff) % ENCODINGS.size();
    String encoding = ENCODINGS.get(encodingChoice);
    byte[] body = Arrays.copyOfRange(input, 2, input.length);
    // Choices 1 and 2 compress the body here (so the fuzzer explores what is inside); 3 and 4 send
    // the fuzzer's bytes as if they were compressed.
    byte[] raw =
        encodingChoice == 1
            ? CompressedBodyTest.gzip(body)
            : encodingChoice == 2 ? CompressedBodyTest.deflate(body) : body;

    byte[] sent;
    try {
      sent = RequestBodies.decoded(raw, encoding, LIMIT);
    } catch (InvalidRequestException | PayloadTooLargeException refused) {
      return;
    }
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    if (contentType != null) {
      headers.add(Map.entry("content-type", contentType));
    }
    PassThroughModel.Reading reading = PassThroughModel.read(headers, sent);
    List<String> expected =
        switch (reading) {
          case PassThroughModel.Reading.Unreadable unreadable -> null;
          case PassThroughModel.Reading.Unnamed unnamed -> List.of();
          case PassThroughModel.Reading.Named named -> List.of(named.model());
        };
    if (expected == null) {
      return;
    }
    assertThat(lenientModels(contentType, sent))
        .as("the models a lenient reader finds in what is sent")
        .isEqualTo(expected);
  }

  /** Every model a lenient reader finds; it fails the property by throwing where it cannot read. */
  static List<String> lenientModels(String contentType, byte[] body) {
    if (body.length == 0) {
      return List.of();
    }
    String type = contentType == null ? "" : contentType.toLowerCase(Locale.ROOT);
    if (type.startsWith("multipart/")) {
      return multipartModels(body);
    }
    if (type.startsWith("application/x-www-form-urlencoded")) {
      return formModels(body);
    }
    return jsonModels(body);
  }

  private static List<String> jsonModels(byte[] body) {
    List<String> models = new ArrayList<>();
    // Bytes, not text: the encoding guessed from the first bytes, as a lenient server does.
    try (JsonParser parser = new JsonFactory().createParser(body)) {
      if (parser.nextToken() != JsonToken.START_OBJECT) {
        return models;
      }
      while (parser.nextToken() == JsonToken.FIELD_NAME) {
        String name = parser.currentName();
        JsonToken value = parser.nextToken();
        if (name.equals("model")) {
          models.add(
              value == JsonToken.VALUE_STRING
                  ? parser.getText()
                  : parser.readValueAsTree().toString());
        } else {
          parser.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new AssertionError("accepted JSON a lenient reader cannot read: " + e.getMessage(), e);
    }
    return models;
  }

  private static List<String> formModels(byte[] body) {
    List<String> models = new ArrayList<>();
    for (String pair : new String(body, StandardCharsets.ISO_8859_1).split("[&;]")) {
      int equals = pair.indexOf('=');
      String name =
          URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
      if (name.equals("model")) {
        models.add(
            URLDecoder.decode(
                equals < 0 ? "" : pair.substring(equals + 1), StandardCharsets.UTF_8));
      }
    }
    return models;
  }

  private static List<String> multipartModels(byte[] body) {
    List<String> models = new ArrayList<>();
    String text = new String(body, StandardCharsets.ISO_8859_1);
    String[] parts = text.split("--" + BOUNDARY, -1);
    for (int i = 1; i < parts.length; i++) {
      String part = parts[i];
      if (part.startsWith("--")) {
        break;
      }
      int headersEnd = part.indexOf("\r\n\r\n");
      if (headersEnd < 0) {
        continue;
      }
      String head = part.substring(0, headersEnd).toLowerCase(Locale.ROOT);
      if (head.matches("(?s).*content-disposition:[^\r\n]*\\bname=\"?model\"?([;\\s].*|$)")) {
        String content = part.substring(headersEnd + 4);
        content = content.endsWith("\r\n") ? content.substring(0, content.length() - 2) : content;
        models.add(
            new String(content.getBytes(StandardCharsets.ISO_8859_1), StandardCharsets.UTF_8));
      }
    }
    return models;
  }
}
