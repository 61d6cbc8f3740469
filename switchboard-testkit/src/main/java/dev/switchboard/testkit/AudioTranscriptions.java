package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /v1/audio/transcriptions}: a {@code multipart/form-data} upload with a {@code file}
 * and a {@code model} part, answered in the default {@code json} format, {@code {"text": ...}}
 * (https://platform.openai.com/docs/api-reference/audio/createTranscription). The text names the
 * file and its size, so a test sees which upload was heard.
 */
final class AudioTranscriptions {
  private static final Pattern BOUNDARY =
      Pattern.compile("boundary=(?:\"([^\"]+)\"|([^;\\s]+))", Pattern.CASE_INSENSITIVE);
  private static final Pattern NAME = Pattern.compile("\\bname=\"([^\"]*)\"");
  private static final Pattern FILENAME = Pattern.compile("\\bfilename=\"([^\"]*)\"");

  /** One form field: its value, and the file name when it is an upload. */
  private record Part(String value, String filename) {}

  Reply answer(RecordedRequest request) {
    String contentType = String.valueOf(request.header("content-type"));
    Matcher boundary = BOUNDARY.matcher(contentType);
    if (!contentType.toLowerCase(Locale.ROOT).startsWith("multipart/form-data")
        || !boundary.find()) {
      throw ApiError.invalidRequest(
              "Invalid Content-Type header (" + contentType + "), expected multipart/form-data.",
              null,
              null)
          .rejection();
    }
    String delimiter = "--" + (boundary.group(1) != null ? boundary.group(1) : boundary.group(2));
    Map<String, Part> parts = parts(request.body(), delimiter);
    Part file = parts.get("file");
    if (file == null || file.filename() == null) {
      throw ApiError.missingParameter("file").rejection();
    }
    Part model = parts.get("model");
    if (model == null || model.value().isEmpty()) {
      throw ApiError.missingModel().rejection();
    }
    ObjectNode response = JsonNodeFactory.instance.objectNode();
    response.put(
        "text",
        "The fake OpenAI heard "
            + file.filename()
            + " ("
            + file.value().length()
            + " characters).");
    return Reply.Json.ok(response);
  }

  /** The form's parts by name, as RFC 7578 frames them. */
  private static Map<String, Part> parts(String body, String delimiter) {
    Map<String, Part> parts = new LinkedHashMap<>();
    String[] sections = body.split(Pattern.quote(delimiter), -1);
    // The preamble comes before the first delimiter; the last delimiter is followed by "--".
    for (int i = 1; i < sections.length; i++) {
      String section = sections[i];
      if (section.startsWith("--")) {
        break;
      }
      int headersEnd = section.indexOf("\r\n\r\n");
      if (!section.startsWith("\r\n") || headersEnd < 0) {
        throw ApiError.invalidRequest("The multipart body is malformed.", null, null).rejection();
      }
      String headers = section.substring(2, headersEnd);
      String value = section.substring(headersEnd + 4);
      if (value.endsWith("\r\n")) {
        value = value.substring(0, value.length() - 2);
      }
      Matcher name = NAME.matcher(headers);
      if (name.find()) {
        Matcher filename = FILENAME.matcher(headers);
        parts.put(name.group(1), new Part(value, filename.find() ? filename.group(1) : null));
      }
    }
    return parts;
  }
}
