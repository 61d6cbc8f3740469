package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonStreamContext;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.async.ByteArrayFeeder;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.util.TokenBuffer;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.PassThroughUsage;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.util.Locale;
import java.util.Set;
import java.util.function.BiConsumer;

/**
 * Reads the {@code usage} of a passed-through answer as its bytes go by to the client, holding
 * nothing of the body but the JSON value being parsed: a JSON answer's top-level {@code usage}, or
 * each event of a server-sent event stream parsed on its own, later events' counts replacing
 * earlier ones (OpenAI's chat chunk with {@code usage}; the Responses API's {@code
 * response.completed}, {@code response.incomplete} or {@code response.failed} with {@code
 * response.usage}; Anthropic's {@code message_start} with {@code message.usage}, then {@code
 * message_delta}'s cumulative {@code usage}).
 *
 * <p>Bounded: a single JSON value (a string) longer than {@value #MAX_VALUE_BYTES} bytes stops the
 * reading of that answer (of that event, in a stream), and a {@code usage} object of more than
 * {@value #MAX_USAGE_TOKENS} JSON tokens is not taken. What could not be read leaves the request
 * charged at its estimate.
 *
 * <p>An event stream its client closes before its end is reckoned as a modelled stream is: the text
 * of each event is counted as it goes by ({@link StreamedTokens}), and the usage is what was
 * delivered (the provider's counts so far where they are higher, its prompt count where it sent
 * one).
 */
final class UsageTap implements UpstreamResponse.BodyTap {
  /**
   * The longest JSON value (string or number) parsed, in bytes: the parser holds at most this much
   * of the body at a time.
   */
  static final int MAX_VALUE_BYTES = 1024 * 1024;

  private static final int MAX_USAGE_TOKENS = 512;
  private static final Set<String> WRAPPERS = Set.of("response", "message");
  private static final ObjectMapper MAPPER = WireJson.mapper();
  private static final JsonFactory JSON =
      JsonFactory.builder()
          .streamReadConstraints(
              StreamReadConstraints.builder()
                  .maxStringLength(MAX_VALUE_BYTES)
                  .maxNumberLength(1000)
                  .maxNestingDepth(200)
                  .build())
          .build();

  /** How an answer's body is written, as its headers say. */
  enum Framing {
    /** One JSON document. */
    JSON,
    /** Server-sent events, each {@code data} a JSON document. */
    EVENTS
  }

  private final Framing framing;
  private final BiConsumer<String, ObjectNode> found;
  private final StreamedTokens delivered;
  private final BiConsumer<String, Usage> closedEarly;
  private String model;
  private ObjectNode usage;

  // A JSON answer's document, or the current event's.
  private Document document;

  // Where the event-stream scanner stands in the current line.
  private final StringBuilder field = new StringBuilder(8);
  private LineKind line = LineKind.UNDECIDED;
  private boolean skipSpace;
  private boolean afterCarriageReturn;

  private enum LineKind {
    UNDECIDED,
    DATA,
    OTHER
  }

  /**
   * @param found given the answer's model (or {@code null}) and its usage, once the body was read
   *     to its end and a usage was found; not called otherwise
   */
  UsageTap(Framing framing, BiConsumer<String, ObjectNode> found) {
    this(framing, found, null, null);
  }

  /**
   * @param delivered counts the text of an event stream's events; {@code null}: not counted
   * @param closedEarly given the answer's model (or {@code null}) and the usage it delivered when
   *     its client closed an event stream before its end; not called otherwise
   */
  UsageTap(
      Framing framing,
      BiConsumer<String, ObjectNode> found,
      StreamedTokens delivered,
      BiConsumer<String, Usage> closedEarly) {
    this.framing = framing;
    this.found = found;
    this.delivered = framing == Framing.EVENTS ? delivered : null;
    this.closedEarly = closedEarly;
    if (framing == Framing.JSON) {
      document = new Document();
    }
  }

  /**
   * How the answer is framed, or {@code null} when it cannot be read: neither JSON nor an event
   * stream, or compressed.
   */
  static Framing framing(UpstreamResponse response) {
    String encoding = response.header("content-encoding");
    if (encoding != null && !encoding.isBlank() && !encoding.equalsIgnoreCase("identity")) {
      return null;
    }
    if (response.isEventStream()) {
      return Framing.EVENTS;
    }
    String type = response.header("content-type");
    return type == null || type.toLowerCase(Locale.ROOT).contains("json") ? Framing.JSON : null;
  }

  // Synchronized: a client's departure ends the tap on another thread than the reader's.
  @Override
  public synchronized void read(byte[] bytes, int offset, int length) {
    if (framing == Framing.JSON) {
      document.feed(bytes, offset, length);
    } else {
      scanEvents(bytes, offset, offset + length);
    }
  }

  @Override
  public synchronized void ended(UpstreamResponse.End end) {
    if (end == UpstreamResponse.End.CLOSED && delivered != null && closedEarly != null) {
      closedEarly.accept(model, delivered.usage(usage == null ? null : tokens(model, usage)));
    }
    if (end != UpstreamResponse.End.WHOLE) {
      return;
    }
    if (framing == Framing.JSON) {
      document.end();
      take(document);
    }
    if (usage != null) {
      found.accept(model, usage);
    }
  }

  /** The token counts of a usage in any of the formats read here. */
  static PassThroughUsage tokens(String model, JsonNode usage) {
    Integer prompt = count(usage, "prompt_tokens", "input_tokens");
    Integer completion = count(usage, "completion_tokens", "output_tokens");
    Integer cached = count(usage.path("prompt_tokens_details"), "cached_tokens", null);
    if (cached == null) {
      cached = count(usage.path("input_tokens_details"), "cached_tokens", null);
    }
    if (cached == null) {
      cached = count(usage, "cache_read_input_tokens", null);
    }
    return new PassThroughUsage(model, prompt, completion, cached);
  }

  private static Integer count(JsonNode node, String name, String otherName) {
    JsonNode value = node.get(name);
    if ((value == null || !value.canConvertToInt()) && otherName != null) {
      value = node.get(otherName);
    }
    return value == null || !value.canConvertToInt() ? null : value.asInt();
  }

  private void take(Document read) {
    if (read.failed) {
      return;
    }
    if (model == null) {
      model = read.model;
    }
    if (read.usage != null) {
      if (usage == null) {
        usage = read.usage;
      } else {
        usage.setAll(read.usage);
      }
    }
  }

  /**
   * Scans event-stream lines as the HTML standard frames them (CR, LF or CRLF; {@code data} lines
   * of one event joined with LF; a blank line ends the event), feeding each {@code data} value to
   * the event's document as it comes.
   */
  private void scanEvents(byte[] bytes, int from, int to) {
    int i = from;
    while (i < to) {
      byte b = bytes[i];
      if (b == '\n' || b == '\r') {
        boolean lineFeedOfCrLf = b == '\n' && afterCarriageReturn;
        afterCarriageReturn = b == '\r';
        i++;
        if (!lineFeedOfCrLf) {
          endLine();
        }
        continue;
      }
      afterCarriageReturn = false;
      if (line == LineKind.DATA) {
        if (skipSpace) {
          skipSpace = false;
          if (b == ' ') {
            i++;
            continue;
          }
        }
        int start = i;
        while (i < to && bytes[i] != '\n' && bytes[i] != '\r') {
          i++;
        }
        document.feed(bytes, start, i - start);
        continue;
      }
      if (line == LineKind.UNDECIDED) {
        decideLine(b);
      }
      i++;
    }
  }

  private void decideLine(byte b) {
    if (b != ':') {
      field.append((char) b);
      if (field.length() > 4) {
        line = LineKind.OTHER;
      }
      return;
    }
    if (field.toString().equals("data")) {
      startData();
    } else {
      line = LineKind.OTHER;
    }
  }

  private void startData() {
    line = LineKind.DATA;
    skipSpace = true;
    if (document == null) {
      document = new Document();
    } else {
      document.feed(new byte[] {'\n'}, 0, 1);
    }
  }

  private void endLine() {
    if (line == LineKind.UNDECIDED) {
      if (field.isEmpty()) {
        if (document != null) {
          document.end();
          take(document);
          if (delivered != null) {
            delivered.addEvent(document.textBytes);
          }
          document = null;
        }
      } else if (field.toString().equals("data")) {
        startData(); // "data" alone is a data line with an empty value
      }
    }
    field.setLength(0);
    line = LineKind.UNDECIDED;
    skipSpace = false;
  }

  /**
   * One JSON document parsed as its bytes arrive: the model and the {@code usage} object at the top
   * level or under {@code response} or {@code message}.
   */
  private static final class Document {
    private final JsonParser parser;
    private final ByteArrayFeeder feeder;
    private boolean failed;
    private String model;
    private ObjectNode usage;
    private TokenBuffer capture;
    private int depth;
    private int captured;
    private long fed;
    private long lastTokenEnd;
    // The UTF-8 bytes of streamed text in the document (StreamedTokens.isText).
    private long textBytes;

    Document() {
      try {
        parser = JSON.createNonBlockingByteArrayParser();
      } catch (IOException e) {
        throw new IllegalStateException("Jackson makes a non-blocking parser without I/O", e);
      }
      feeder = (ByteArrayFeeder) parser.getNonBlockingInputFeeder();
    }

    void feed(byte[] bytes, int offset, int length) {
      if (failed || length == 0) {
        return;
      }
      try {
        feeder.feedInput(bytes, offset, offset + length);
        fed += length;
        drain();
        if (fed - lastTokenEnd > MAX_VALUE_BYTES) {
          // A value this long is not a count; the parser would hold it all.
          fail();
        }
      } catch (IOException | RuntimeException unreadable) {
        fail();
      }
    }

    private void fail() {
      failed = true;
      capture = null;
      try {
        parser.close();
      } catch (IOException ignored) {
        // closing releases the parser's buffers; nothing to report
      }
    }

    void end() {
      if (failed) {
        return;
      }
      try {
        feeder.endOfInput();
        drain();
      } catch (IOException | RuntimeException unreadable) {
        fail();
      }
    }

    private void drain() throws IOException {
      JsonToken token;
      while ((token = parser.nextToken()) != null && token != JsonToken.NOT_AVAILABLE) {
        lastTokenEnd = parser.currentLocation().getByteOffset();
        if (token == JsonToken.VALUE_STRING && parser.getTextLength() > MAX_VALUE_BYTES) {
          throw new IOException("a JSON string longer than " + MAX_VALUE_BYTES);
        }
        take(token);
      }
    }

    private void take(JsonToken token) throws IOException {
      if (capture != null) {
        capture.copyCurrentEvent(parser);
        captured++;
        if (token.isStructStart()) {
          depth++;
        } else if (token.isStructEnd()) {
          depth--;
        }
        if (depth == 0) {
          usage = (ObjectNode) MAPPER.readTree(capture.asParser(MAPPER));
          capture = null;
        } else if (captured > MAX_USAGE_TOKENS) {
          capture = null; // too large for a usage object: not taken
        }
        return;
      }
      if (token == JsonToken.START_OBJECT) {
        JsonStreamContext container = parser.getParsingContext().getParent();
        if (container != null
            && "usage".equals(container.getCurrentName())
            && holdsUsage(container)) {
          capture = new TokenBuffer(MAPPER, false);
          capture.copyCurrentEvent(parser);
          depth = 1;
          captured = 1;
        }
      } else if (token == JsonToken.VALUE_STRING) {
        JsonStreamContext container = parser.getParsingContext();
        if (model == null && "model".equals(container.getCurrentName()) && holdsUsage(container)) {
          model = parser.getText();
        } else if (StreamedTokens.isText(container)) {
          textBytes += parser.getText().getBytes(java.nio.charset.StandardCharsets.UTF_8).length;
        }
      }
    }

    /**
     * Whether {@code container} is the top-level object, or its {@code response} or {@code
     * message}.
     */
    private static boolean holdsUsage(JsonStreamContext container) {
      if (!container.inObject()) {
        return false;
      }
      JsonStreamContext parent = container.getParent();
      if (parent.inRoot()) {
        return true;
      }
      return parent.inObject()
          && parent.getParent().inRoot()
          && WRAPPERS.contains(parent.getCurrentName());
    }
  }
}
