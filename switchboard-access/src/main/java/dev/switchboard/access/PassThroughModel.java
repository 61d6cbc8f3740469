package dev.switchboard.access;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutionException;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.http.MultiPart;
import org.eclipse.jetty.http.MultiPartFormData;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.util.UrlEncoded;

/**
 * The model a passed-through body names, read from the exact bytes that are sent upstream, in the
 * one shape every reader agrees on or not at all. A key held to some models may only send a body
 * read here as naming one of them (or none): JSON (strict UTF-8, no byte-order mark, no duplicate
 * key at any depth, nothing after the value; its top-level {@code model}, a string), a form ({@code
 * application/x-www-form-urlencoded}, ASCII, at most one {@code model}) or a multipart form (at
 * most one {@code model} part, plain). Any other body, or one two readers could read differently,
 * is {@link Reading.Unreadable}.
 */
public final class PassThroughModel {
  private static final String MODEL = "model";

  /** {@code form-data; name="…"}, then at most a {@code filename="…"}: one reading only. */
  private static final java.util.regex.Pattern PLAIN_DISPOSITION =
      java.util.regex.Pattern.compile(
          "form-data; ?name=\"([^\"\\\\\\r\\n;]*)\"(?:; ?filename=\"[^\"\\\\\\r\\n]*\")?");

  private PassThroughModel() {}

  /** What the body names. */
  public sealed interface Reading {
    /** The body names this model. */
    record Named(String model) implements Reading {}

    /** The body is readable and names no model (or there is no body). */
    record Unnamed() implements Reading {}

    /** The body cannot be read with certainty; why, without quoting it. */
    record Unreadable(String reason) implements Reading {}
  }

  /**
   * Reads the model of a passed-through request.
   *
   * @param headers the request's headers as sent upstream (lower-case names)
   * @param body the body as sent upstream, or {@code null}
   */
  public static Reading read(List<Map.Entry<String, String>> headers, byte[] body) {
    List<String> contentTypes = new ArrayList<>();
    for (Map.Entry<String, String> header : headers) {
      String name = header.getKey().toLowerCase(Locale.ROOT);
      if (name.equals("content-encoding")) {
        return new Reading.Unreadable("a body with a content-encoding");
      }
      if (name.equals("content-type")) {
        contentTypes.add(header.getValue());
      }
    }
    if (body == null || body.length == 0) {
      return new Reading.Unnamed();
    }
    if (contentTypes.size() != 1) {
      return new Reading.Unreadable("a body needs exactly one content-type");
    }
    String contentType = contentTypes.getFirst();
    String mediaType = mediaType(contentType);
    if (mediaType.equals("application/json") || mediaType.endsWith("+json")) {
      return charsetIsUtf8(contentType) ? json(body) : unreadable("JSON in a charset not UTF-8");
    }
    if (mediaType.equals("application/x-www-form-urlencoded")) {
      return charsetIsUtf8(contentType) ? form(body) : unreadable("a form in a charset not UTF-8");
    }
    if (mediaType.equals("multipart/form-data")) {
      return multipart(contentType, body);
    }
    return unreadable("a body of type " + AccessStage.printable(mediaType));
  }

  private static Reading json(byte[] body) {
    String text;
    try {
      text = strictUtf8(body);
    } catch (CharacterCodingException e) {
      return unreadable("JSON that is not UTF-8");
    }
    if (text.startsWith("\uFEFF")) {
      return unreadable("JSON with a byte-order mark");
    }
    if (!unicodeEscapesAreAscii(text)) {
      // Jackson's reader from text takes the low byte of any character as a hex digit of \\u.
      return unreadable("JSON with a malformed \\u escape");
    }
    JsonNode tree;
    try {
      // From text, never bytes: Jackson would guess UTF-16 or UTF-32 from bytes.
      tree = WireJson.strictTree(text);
    } catch (WireFormatException e) {
      return unreadable("JSON that does not parse strictly: " + e.getMessage());
    }
    if (!tree.isObject()) {
      return unreadable("JSON that is not an object");
    }
    JsonNode model = tree.get(MODEL);
    if (model == null) {
      return new Reading.Unnamed();
    }
    return model.isTextual() ? named(model.asText()) : unreadable("a model that is not a string");
  }

  private static boolean unicodeEscapesAreAscii(String text) {
    for (int i = text.indexOf('\\'); i >= 0 && i + 1 < text.length(); i = text.indexOf('\\', i)) {
      if (text.charAt(i + 1) == 'u') {
        if (i + 6 > text.length() || !text.substring(i + 2, i + 6).matches("[0-9A-Fa-f]{4}")) {
          return false;
        }
      }
      i += 2;
    }
    return true;
  }

  private static Reading form(byte[] body) {
    for (byte b : body) {
      // Raw non-ASCII bytes are read as UTF-8 by some and as Latin-1 by others; ';' separates
      // fields for some readers and not for others.
      if (b < 0x20 || b == 0x7f || b == ';') {
        return unreadable("a form that is not plain ASCII, or has ';'");
      }
    }
    List<String> models = new ArrayList<>();
    try {
      UrlEncoded.decodeUtf8To(
          new String(body, StandardCharsets.US_ASCII),
          0,
          body.length,
          (name, value) -> {
            if (name.equals(MODEL)) {
              models.add(value);
            }
          },
          false,
          false,
          false);
    } catch (IllegalArgumentException e) {
      return unreadable("a form with a bad escape");
    }
    return single(models);
  }

  private static Reading multipart(String contentType, byte[] body) {
    String boundary = MultiPart.extractBoundary(contentType);
    if (boundary == null || boundary.isEmpty()) {
      return unreadable("a multipart body without a boundary");
    }
    MultiPartFormData.Parser parser = new MultiPartFormData.Parser(boundary);
    parser.setMaxMemoryFileSize(body.length + 1L);
    parser.setMaxParts(1000);
    List<String> models = new ArrayList<>();
    try (MultiPartFormData.Parts parts =
        parser.parse(Content.Source.from(ByteBuffer.wrap(body))).get()) {
      // Every delimiter in the bytes is one the parser took as a delimiter, and the body starts
      // with one: readers differ on delimiters in a preamble or not after a line break.
      byte[] delimiter = ("--" + boundary).getBytes(StandardCharsets.ISO_8859_1);
      if (!startsWith(body, delimiter)
          || occurrences(body, delimiter) != parts.size() + 1
          || !linesEndInCrlf(body, delimiter)) {
        return unreadable("a multipart body with a delimiter out of place");
      }
      for (MultiPart.Part part : parts) {
        String disposition = part.getHeaders().get(HttpHeader.CONTENT_DISPOSITION);
        java.util.regex.Matcher plain =
            disposition == null ? null : PLAIN_DISPOSITION.matcher(disposition);
        if (plain == null
            || !plain.matches()
            || headerCount(part, HttpHeader.CONTENT_DISPOSITION) != 1
            || !plain.group(1).equals(part.getName())) {
          // Parameters other readers parse otherwise (name*=, a second name, "-name=") are refused.
          return unreadable("a part without a plain content-disposition");
        }
        String name = part.getName();
        if (!name.equalsIgnoreCase(MODEL)) {
          continue;
        }
        if (!name.equals(MODEL)) {
          return unreadable("a model part named ambiguously");
        }
        if (part.getHeaders().contains(HttpHeader.CONTENT_TRANSFER_ENCODING)) {
          return unreadable("a model part with a transfer encoding");
        }
        try {
          models.add(strictUtf8(bytes(part)));
        } catch (CharacterCodingException e) {
          return unreadable("a model part that is not UTF-8");
        }
      }
    } catch (ExecutionException | RuntimeException e) {
      return unreadable("a multipart body that does not parse");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return unreadable("a multipart body not read");
    }
    return single(models);
  }

  /**
   * Whether each part's header lines (from its delimiter to the blank line) end in CRLF only: a
   * bare CR or LF ends a header line for some readers and not for others.
   */
  private static boolean linesEndInCrlf(byte[] body, byte[] delimiter) {
    for (int start = 0; start + delimiter.length <= body.length; start++) {
      if (!Arrays.equals(body, start, start + delimiter.length, delimiter, 0, delimiter.length)) {
        continue;
      }
      if (start > 0 && (start < 2 || body[start - 2] != '\r' || body[start - 1] != '\n')) {
        return false; // a delimiter comes after CRLF, or readers differ on where content ends
      }
      int i = start + delimiter.length;
      for (; i < body.length; i++) {
        boolean crlf = body[i] == '\r' && i + 1 < body.length && body[i + 1] == '\n';
        if (crlf && i + 3 < body.length && body[i + 2] == '\r' && body[i + 3] == '\n') {
          break; // the blank line: the part's content starts after it
        }
        if (crlf) {
          i++;
          if (i + 1 < body.length && !headerNameThenColon(body, i + 1)) {
            return false;
          }
        } else if (body[i] == '\r' || body[i] == '\n') {
          return false;
        }
      }
      start = i;
    }
    return true;
  }

  /** Whether a header line starts with a field name and its colon, no space between them. */
  private static boolean headerNameThenColon(byte[] body, int from) {
    int i = from;
    while (i < body.length && body[i] > ' ' && body[i] < 0x7f && body[i] != ':') {
      i++;
    }
    return i > from && i < body.length && body[i] == ':';
  }

  private static boolean startsWith(byte[] bytes, byte[] prefix) {
    return bytes.length >= prefix.length
        && Arrays.equals(bytes, 0, prefix.length, prefix, 0, prefix.length);
  }

  private static int occurrences(byte[] bytes, byte[] part) {
    int count = 0;
    for (int i = 0; i + part.length <= bytes.length; i++) {
      if (Arrays.equals(bytes, i, i + part.length, part, 0, part.length)) {
        count++;
        i += part.length - 1;
      }
    }
    return count;
  }

  private static int headerCount(MultiPart.Part part, HttpHeader header) {
    int count = 0;
    for (HttpField field : part.getHeaders()) {
      if (field.getHeader() == header) {
        count++;
      }
    }
    return count;
  }

  private static byte[] bytes(MultiPart.Part part) {
    try {
      ByteBuffer content = Content.Source.asByteBuffer(part.getContentSource());
      byte[] bytes = new byte[content.remaining()];
      content.get(bytes);
      return bytes;
    } catch (java.io.IOException e) {
      throw new IllegalStateException(e);
    }
  }

  private static Reading single(List<String> models) {
    return switch (models.size()) {
      case 0 -> new Reading.Unnamed();
      case 1 -> named(models.getFirst());
      default -> unreadable("more than one model");
    };
  }

  /**
   * A model name has no space or control character: one that has is where readers disagree on where
   * a value starts or ends (a multipart part's header lines, say), so it is not read.
   */
  private static Reading named(String model) {
    return MODEL_NAME.matcher(model).matches()
        ? new Reading.Named(model)
        : unreadable("a model name with spaces or control characters");
  }

  private static final java.util.regex.Pattern MODEL_NAME =
      java.util.regex.Pattern.compile("\\p{Graph}{1,256}");

  private static String mediaType(String contentType) {
    int semicolon = contentType.indexOf(';');
    return (semicolon < 0 ? contentType : contentType.substring(0, semicolon))
        .strip()
        .toLowerCase(Locale.ROOT);
  }

  /** Whether a content type says no charset, or UTF-8. */
  private static boolean charsetIsUtf8(String contentType) {
    for (String parameter : contentType.split(";")) {
      String[] pair = parameter.strip().split("=", 2);
      if (pair.length == 2 && pair[0].strip().equalsIgnoreCase("charset")) {
        String charset = pair[1].strip().replace("\"", "");
        if (!charset.equalsIgnoreCase("utf-8")) {
          return false;
        }
      }
    }
    return true;
  }

  private static String strictUtf8(byte[] bytes) throws CharacterCodingException {
    return StandardCharsets.UTF_8
        .newDecoder()
        .onMalformedInput(CodingErrorAction.REPORT)
        .onUnmappableCharacter(CodingErrorAction.REPORT)
        .decode(ByteBuffer.wrap(bytes))
        .toString();
  }

  private static Reading unreadable(String reason) {
    return new Reading.Unreadable(reason);
  }
}
