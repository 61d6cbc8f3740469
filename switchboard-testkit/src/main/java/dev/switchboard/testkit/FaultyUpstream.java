package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A fake OpenAI-compatible upstream on a plain loopback socket that plays one {@link Kind} of fault
 * per call, chosen by the path: a client's base URL {@code <origin>/<route>/<kind>/v1} gets that
 * fault on each {@link Api} ({@code POST …/chat/completions}, {@code …/responses}, {@code
 * …/audio/transcriptions}), JSON or a stream as a JSON body's {@code stream} asks, framed as OpenAI
 * frames them (chunked {@code data:} events and {@code data: [DONE]} for chat, named {@code event:}
 * events ending in {@code response.completed} for responses). A body that is not JSON (an upload's
 * multipart form) is answered as JSON.
 *
 * <p>A socket server rather than a {@link FakeOpenAi}: Jetty reads a request before a fake sees it
 * and keeps its connections to itself, and these faults need the raw connection: reset it before or
 * after the request is read, stay silent, and see when the client closed it.
 *
 * <p>It counts deliveries (requests read in full) per route and keeps each {@link Call}: when it
 * began, when the upstream ended it, when the client closed it. Every answer closes its connection,
 * so a call is one connection. A route is the test's: one per target of one request keeps both the
 * counts and a gateway's per-upstream circuits apart.
 */
public final class FaultyUpstream implements AutoCloseable {
  /** Faults, named in the path in lower case with dashes. */
  public enum Kind {
    OK,
    RATE_LIMITED_SECONDS,
    RATE_LIMITED_DATE,
    STATUS_500,
    STATUS_502,
    STATUS_503,
    STATUS_529,
    /** Used with {@link #refusedOrigin()}: nothing listens there. */
    REFUSED,
    /** Used with {@link #resetOnAcceptOrigin()}: reset as soon as accepted, nothing read. */
    RESET_BEFORE_READ,
    RESET_AFTER_READ,
    SILENT,
    FIRST_BYTE_AFTER_45S,
    /** A stream cut after {@link #CUT_AFTER} of its {@link #EVENTS} events; JSON cut half-way. */
    CUT_STREAM,
    /** Stalls 40 s after the second event (JSON: after half the body). */
    STALL_40S,
    /** An in-band error event after the first event (JSON: a 500). */
    IN_BAND_ERROR,
    MALFORMED_JSON,
    MALFORMED_SSE,
    HTML_502,
    BODY_10MB,
    REDIRECT;

    /** The path segment naming it. */
    public String segment() {
      return name().toLowerCase(Locale.ROOT).replace('_', '-');
    }

    static Kind of(String segment) {
      return valueOf(segment.toUpperCase(Locale.ROOT).replace('-', '_'));
    }
  }

  /** The API a call's path names, which shapes its answers and its stream's events. */
  public enum Api {
    /** {@code …/chat/completions}: a {@code chat.completion}, or chunks then {@code [DONE]}. */
    CHAT("chat/completions", "chatcmpl-"),
    /**
     * {@code …/responses}: a {@code response} object, or {@code response.created}, text deltas and
     * {@code response.completed}, each an {@code event:} with its {@code data:} (no {@code
     * [DONE]}).
     */
    RESPONSES("responses", "resp_"),
    /** {@code …/audio/transcriptions}: {@code {"text": …, "usage": …}}. */
    TRANSCRIPTION("audio/transcriptions", "transcript-");

    private final String path;
    private final String idPrefix;

    Api(String path, String idPrefix) {
      this.path = path;
      this.idPrefix = idPrefix;
    }

    /** The path after {@code /v1/}. */
    public String path() {
      return path;
    }

    static Api of(String path) {
      for (Api api : values()) {
        if (api.path.equals(path)) {
          return api;
        }
      }
      return CHAT;
    }
  }

  /** Events of a full stream: a role event, four words, a finish event (then {@code [DONE]}). */
  public static final int EVENTS = 6;

  /** Events a {@link Kind#CUT_STREAM} sends before it cuts. */
  public static final int CUT_AFTER = 2;

  /** The pause between two events of a stream, so that a client can leave mid-way. */
  public static final Duration EVENT_GAP = Duration.ofMillis(200);

  /** How long a {@link Kind#FIRST_BYTE_AFTER_45S} waits before it answers. */
  public static final Duration FIRST_BYTE_DELAY = Duration.ofSeconds(45);

  /** How long a {@link Kind#STALL_40S} stalls after its second event (JSON: half its body). */
  public static final Duration STALL = Duration.ofSeconds(40);

  /**
   * One call: a connection whose request was read.
   *
   * @param id the answer's {@code id}: {@code chatcmpl-}, {@code resp_} or {@code transcript-},
   *     then {@code <route>-<delivery>}
   */
  public static final class Call {
    public final String route;
    public final Kind kind;
    public final Api api;
    public final String id;
    public final long startedNanos = System.nanoTime();
    volatile long endedNanos;
    volatile long clientClosedNanos;
    volatile boolean completed;

    Call(String route, Kind kind, Api api, String id) {
      this.route = route;
      this.kind = kind;
      this.api = api;
      this.id = id;
    }

    /** When the upstream ended it (answered, cut, reset), 0 while it has not. */
    public long endedNanos() {
      return endedNanos;
    }

    /** When the client closed its connection before the upstream ended it, 0 if it did not. */
    public long clientClosedNanos() {
      return clientClosedNanos;
    }

    /**
     * Whether the answer went out in full: a stream's finish event and {@code [DONE]} too (the
     * chunked body's terminator need not have).
     */
    public boolean completed() {
      return completed;
    }

    /** Neither ended by the upstream nor left by its client. */
    public boolean running() {
      return endedNanos == 0 && clientClosedNanos == 0;
    }
  }

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final byte[] DONE = "data: [DONE]\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final String HTML_502 =
      "<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
          + "<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
          + "</body>\r\n</html>\r\n";

  private final ServerSocket listener;
  private final ServerSocket resetOnAccept;
  private final int refusedPort;
  // Platform threads: the upstream stands for another machine, and on virtual threads it would
  // share carriers with a gateway in the same JVM, so that a busy gateway would delay when the
  // upstream sees a call closed (measured: 1 s with 10 MB answers streaming on 2 cores).
  private final ExecutorService threads =
      Executors.newThreadPerTaskExecutor(Thread.ofPlatform().daemon().factory());
  private final Map<String, AtomicInteger> deliveries = new ConcurrentHashMap<>();
  private final List<Call> calls = new CopyOnWriteArrayList<>();
  private final AtomicInteger resets = new AtomicInteger();

  private FaultyUpstream() throws IOException {
    InetAddress loopback = InetAddress.getLoopbackAddress();
    listener = new ServerSocket(0, 1024, loopback);
    resetOnAccept = new ServerSocket(0, 1024, loopback);
    try (ServerSocket closed = new ServerSocket(0, 1, loopback)) {
      refusedPort = closed.getLocalPort();
    }
    threads.execute(() -> accept(listener, this::serve));
    threads.execute(() -> accept(resetOnAccept, this::resetAtOnce));
  }

  /** Starts one on ephemeral loopback ports. */
  public static FaultyUpstream start() {
    try {
      return new FaultyUpstream();
    } catch (IOException e) {
      throw new IllegalStateException("the faulty upstream could not bind", e);
    }
  }

  /** {@code http://127.0.0.1:<port>/<route>/<kind>/v1}, where {@code kind} is played. */
  public String baseUrl(String route, Kind kind) {
    int port =
        switch (kind) {
          case REFUSED -> refusedPort;
          case RESET_BEFORE_READ -> resetOnAccept.getLocalPort();
          default -> listener.getLocalPort();
        };
    return "http://127.0.0.1:" + port + "/" + route + "/" + kind.segment() + "/v1";
  }

  /** Requests of {@code route} read in full. */
  public int deliveries(String route) {
    AtomicInteger count = deliveries.get(route);
    return count == null ? 0 : count.get();
  }

  /** Every call of {@code route}, oldest first. */
  public List<Call> calls(String route) {
    List<Call> of = new ArrayList<>();
    for (Call call : calls) {
      if (call.route.equals(route)) {
        of.add(call);
      }
    }
    return of;
  }

  /** The call that answered with this {@code id}, or {@code null}. */
  public Call call(String id) {
    for (Call call : calls) {
      if (call.id.equals(id)) {
        return call;
      }
    }
    return null;
  }

  /** Connections reset as soon as accepted. */
  public int resetsOnAccept() {
    return resets.get();
  }

  @Override
  public void close() {
    try {
      listener.close();
      resetOnAccept.close();
    } catch (IOException e) {
      throw new IllegalStateException(e);
    } finally {
      threads.shutdownNow();
    }
  }

  private interface Connection {
    void handle(Socket socket) throws IOException;
  }

  private void accept(ServerSocket server, Connection connection) {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException closed) {
        return;
      }
      threads.execute(() -> {
        try (socket) {
          connection.handle(socket);
        } catch (IOException clientGone) {
          // the client closed it, as a call's record says
        }
      });
    }
  }

  private void resetAtOnce(Socket socket) throws IOException {
    resets.incrementAndGet();
    socket.setSoLinger(true, 0);
  }

  private void serve(Socket socket) throws IOException {
    InputStream in = socket.getInputStream();
    String head = readHead(in);
    if (head == null) {
      return;
    }
    String[] lines = head.split("\r\n");
    String[] path = lines[0].split(" ")[1].split("/");
    int length = 0;
    boolean chunked = false;
    for (String line : lines) {
      String lower = line.toLowerCase(Locale.ROOT);
      if (lower.startsWith("content-length:")) {
        length = Integer.parseInt(lower.substring(15).trim());
      } else if (lower.startsWith("transfer-encoding:") && lower.contains("chunked")) {
        chunked = true;
      }
    }
    byte[] body = chunked ? readChunked(in) : in.readNBytes(length);
    String route = path.length > 1 ? path[1] : "";
    Kind kind = path.length > 2 ? Kind.of(path[2]) : Kind.OK;
    Api api =
        Api.of(path.length > 4 ? String.join("/", List.of(path).subList(4, path.length)) : "");
    int delivery = deliveries.computeIfAbsent(route, r -> new AtomicInteger()).incrementAndGet();
    Call call = new Call(route, kind, api, api.idPrefix + route + "-" + delivery);
    calls.add(call);
    boolean stream =
        body.length > 0 && body[0] == '{' && JSON.readTree(body).path("stream").asBoolean(false);
    threads.execute(() -> watch(in, call));
    try {
      play(socket, socket.getOutputStream(), kind, stream, call, lines[0]);
    } finally {
      if (call.endedNanos == 0) {
        call.endedNanos = System.nanoTime();
      }
    }
  }

  /** Sees the client close the connection: it sends nothing more on it while it waits. */
  private static void watch(InputStream in, Call call) {
    try {
      while (in.read() >= 0) {
        // a client sends nothing after its request; read on to see it leave
      }
    } catch (IOException closed) {
      // closed by us or by the client, told apart below
    }
    if (call.endedNanos == 0) {
      call.clientClosedNanos = System.nanoTime();
    }
  }

  private void play(
      Socket socket, OutputStream out, Kind kind, boolean stream, Call call, String requestLine)
      throws IOException {
    switch (kind) {
      case OK, REFUSED, RESET_BEFORE_READ -> answer(out, stream, call, EVENTS, null);
      case RATE_LIMITED_SECONDS -> error(out, 429, Map.of("retry-after", "1"));
      case RATE_LIMITED_DATE ->
          error(
              out,
              429,
              Map.of(
                  "retry-after",
                  DateTimeFormatter.RFC_1123_DATE_TIME.format(
                      ZonedDateTime.now(ZoneOffset.UTC).plusSeconds(2))));
      case STATUS_500 -> error(out, 500, Map.of());
      case STATUS_502 -> error(out, 502, Map.of());
      case STATUS_503 -> error(out, 503, Map.of());
      case STATUS_529 -> error(out, 529, Map.of());
      case RESET_AFTER_READ -> {
        call.endedNanos = System.nanoTime();
        socket.setSoLinger(true, 0);
      }
      case SILENT -> {
        sleep(Duration.ofMinutes(10));
      }
      case FIRST_BYTE_AFTER_45S -> {
        sleep(FIRST_BYTE_DELAY);
        answer(out, stream, call, EVENTS, null);
      }
      case CUT_STREAM -> answer(out, stream, call, CUT_AFTER, null);
      case STALL_40S -> answer(out, stream, call, EVENTS, STALL);
      case IN_BAND_ERROR -> {
        if (stream) {
          streamHead(out, 200);
          chunk(out, event(call, 0));
          chunk(out, inBandError(call));
          endChunks(out);
        } else {
          error(out, 500, Map.of());
        }
      }
      case MALFORMED_JSON -> {
        if (stream) {
          streamHead(out, 200);
          String first = new String(event(call, 0), StandardCharsets.UTF_8).strip();
          chunk(
              out,
              (first.substring(0, first.length() / 2) + "\n\n").getBytes(StandardCharsets.UTF_8));
          endChunks(out);
        } else {
          byte[] whole = JSON.writeValueAsBytes(whole(call, "Hello from the faulty upstream."));
          fixed(out, 200, "application/json", java.util.Arrays.copyOf(whole, whole.length / 2));
        }
      }
      case MALFORMED_SSE ->
          fixed(
              out,
              200,
              "text/event-stream; charset=utf-8",
              "dat {\"id\":1}\r\rnot an event\nevent\n: \n\n".getBytes(StandardCharsets.UTF_8));
      case HTML_502 -> fixed(out, 502, "text/html", HTML_502.getBytes(StandardCharsets.US_ASCII));
      case BODY_10MB -> tenMegabytes(out, stream, call);
      case REDIRECT -> {
        String target = requestLine.split(" ")[1].replace("/redirect/", "/ok/");
        out.write(
            ("HTTP/1.1 307 Temporary Redirect\r\nlocation: "
                    + target
                    + "\r\ncontent-length: 0\r\nconnection: close\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII));
        out.flush();
      }
    }
    call.endedNanos = System.nanoTime();
  }

  /** A chat answer: JSON, or {@code events} of a stream with {@code stall} after the second. */
  private void answer(OutputStream out, boolean stream, Call call, int events, Duration stall)
      throws IOException {
    if (!stream) {
      byte[] body = JSON.writeValueAsBytes(whole(call, "Hello from the faulty upstream."));
      if (stall != null) {
        head(out, 200, "application/json", body.length);
        out.write(body, 0, body.length / 2);
        out.flush();
        sleep(stall);
        out.write(body, body.length / 2, body.length - body.length / 2);
        out.flush();
      } else if (events < EVENTS) {
        head(out, 200, "application/json", body.length);
        out.write(body, 0, body.length / 2);
        out.flush();
        return;
      } else {
        fixed(out, 200, "application/json", body);
      }
      call.completed = true;
      return;
    }
    streamHead(out, 200);
    for (int i = 0; i < events; i++) {
      if (i > 0) {
        sleep(i == 2 && stall != null ? stall : EVENT_GAP);
      }
      chunk(out, event(call, i));
    }
    if (events == EVENTS) {
      if (call.api == Api.CHAT) {
        chunk(out, DONE);
      }
      // Before the chunked body's terminator: a client may close the call once it has read the
      // last event, and the terminator's write then fails.
      call.completed = true;
      endChunks(out);
    }
  }

  private void tenMegabytes(OutputStream out, boolean stream, Call call) throws IOException {
    String block = "word ".repeat(64 * 1024 / 5);
    if (!stream) {
      fixed(out, 200, "application/json", JSON.writeValueAsBytes(whole(call, block.repeat(160))));
    } else {
      streamHead(out, 200);
      chunk(out, event(call, 0));
      for (int i = 0; i < 160; i++) {
        chunk(out, delta(call, 1 + i, block));
      }
      chunk(out, event(call, EVENTS - 1));
      if (call.api == Api.CHAT) {
        chunk(out, DONE);
      }
      call.completed = true;
      endChunks(out);
    }
    call.completed = true;
  }

  /** The whole answer of a call's API, with {@code content} as its text. */
  private static Map<String, Object> whole(Call call, String content) {
    return switch (call.api) {
      case CHAT -> completion(call, content);
      case RESPONSES -> response(call, "completed", content);
      case TRANSCRIPTION -> {
        Map<String, Object> transcript = new java.util.LinkedHashMap<>();
        transcript.put("text", content);
        transcript.put("usage", usage(call));
        yield transcript;
      }
    };
  }

  private static Map<String, Object> usage(Call call) {
    return call.api == Api.CHAT
        ? Map.of("prompt_tokens", 9, "completion_tokens", 5, "total_tokens", 14)
        : Map.of("input_tokens", 9, "output_tokens", 5, "total_tokens", 14);
  }

  /** A Responses API {@code response} object; {@code content} null while it is in progress. */
  private static Map<String, Object> response(Call call, String status, String content) {
    Map<String, Object> response = new java.util.LinkedHashMap<>();
    response.put("id", call.id);
    response.put("object", "response");
    response.put("created_at", System.currentTimeMillis() / 1000);
    response.put("status", status);
    response.put("model", "gpt-4o-mini-2024-07-18");
    if (content == null) {
      response.put("output", List.of());
      response.put("usage", null);
    } else {
      Map<String, Object> text = new java.util.LinkedHashMap<>();
      text.put("type", "output_text");
      text.put("text", content);
      text.put("annotations", List.of());
      Map<String, Object> message = new java.util.LinkedHashMap<>();
      message.put("type", "message");
      message.put("id", "msg_" + call.id.substring(Api.RESPONSES.idPrefix.length()));
      message.put("status", "completed");
      message.put("role", "assistant");
      message.put("content", List.of(text));
      response.put("output", List.of(message));
      response.put("usage", usage(call));
    }
    return response;
  }

  private static Map<String, Object> completion(Call call, String content) {
    Map<String, Object> message = new java.util.LinkedHashMap<>();
    message.put("role", "assistant");
    message.put("content", content);
    message.put("refusal", null);
    Map<String, Object> choice = new java.util.LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("message", message);
    choice.put("logprobs", null);
    choice.put("finish_reason", "stop");
    Map<String, Object> answer = new java.util.LinkedHashMap<>();
    answer.put("id", call.id);
    answer.put("object", "chat.completion");
    answer.put("created", System.currentTimeMillis() / 1000);
    answer.put("model", "gpt-4o-mini-2024-07-18");
    answer.put("choices", List.of(choice));
    answer.put("usage", Map.of("prompt_tokens", 9, "completion_tokens", 5, "total_tokens", 14));
    answer.put("system_fingerprint", "fp_faulty");
    return answer;
  }

  /** Event {@code i} of a full stream, framed. */
  private static byte[] event(Call call, int i) throws IOException {
    if (call.api == Api.RESPONSES) {
      if (i == 0) {
        return named(
            "response.created", i, Map.of("response", response(call, "in_progress", null)));
      }
      if (i == EVENTS - 1) {
        String text = "word1 word2 word3 word4 ";
        return named(
            "response.completed", i, Map.of("response", response(call, "completed", text)));
      }
      return delta(call, i, "word" + i + " ");
    }
    if (i == 0) {
      return frame(chunkEvent(call, Map.of("role", "assistant", "content", ""), null));
    }
    if (i == EVENTS - 1) {
      return frame(chunkEvent(call, Map.of(), "stop"));
    }
    return delta(call, i, "word" + i + " ");
  }

  /** A text delta of a stream, framed. */
  private static byte[] delta(Call call, int sequence, String text) throws IOException {
    if (call.api == Api.RESPONSES) {
      Map<String, Object> delta = new java.util.LinkedHashMap<>();
      delta.put("item_id", "msg_" + call.id.substring(Api.RESPONSES.idPrefix.length()));
      delta.put("output_index", 0);
      delta.put("content_index", 0);
      delta.put("delta", text);
      return named("response.output_text.delta", sequence, delta);
    }
    return frame(chunkEvent(call, Map.of("content", text), null));
  }

  /** OpenAI's error in the middle of a stream: a {@code data:} event, or Responses' error event. */
  private static byte[] inBandError(Call call) throws IOException {
    if (call.api == Api.RESPONSES) {
      Map<String, Object> error = new java.util.LinkedHashMap<>();
      error.put("code", "server_error");
      error.put("message", "The server had an error while processing your request.");
      error.put("param", null);
      return named("error", 1, error);
    }
    return frame(ApiError.forStatus(500, "gpt-4o-mini", null).body());
  }

  /** A Responses API event: {@code event: <type>} and its {@code data:} with the type in it. */
  private static byte[] named(String type, int sequence, Map<String, Object> fields)
      throws IOException {
    Map<String, Object> event = new java.util.LinkedHashMap<>();
    event.put("type", type);
    event.put("sequence_number", sequence);
    event.putAll(fields);
    return ("event: " + type + "\ndata: " + JSON.writeValueAsString(event) + "\n\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  private static Map<String, Object> chunkEvent(
      Call call, Map<String, Object> delta, String finishReason) {
    Map<String, Object> choice = new java.util.LinkedHashMap<>();
    choice.put("index", 0);
    choice.put("delta", delta);
    choice.put("logprobs", null);
    choice.put("finish_reason", finishReason);
    Map<String, Object> event = new java.util.LinkedHashMap<>();
    event.put("id", call.id);
    event.put("object", "chat.completion.chunk");
    event.put("created", System.currentTimeMillis() / 1000);
    event.put("model", "gpt-4o-mini-2024-07-18");
    event.put("system_fingerprint", "fp_faulty");
    event.put("choices", List.of(choice));
    return event;
  }

  private static byte[] frame(Object event) throws IOException {
    return ("data: " + JSON.writeValueAsString(event) + "\n\n").getBytes(StandardCharsets.UTF_8);
  }

  private static void error(OutputStream out, int status, Map<String, String> headers)
      throws IOException {
    StringBuilder extra = new StringBuilder();
    headers.forEach((name, value) -> extra.append(name).append(": ").append(value).append("\r\n"));
    byte[] body = JSON.writeValueAsBytes(ApiError.forStatus(status, "gpt-4o-mini", null).body());
    out.write(
        (statusLine(status)
                + "content-type: application/json\r\ncontent-length: "
                + body.length
                + "\r\n"
                + extra
                + "connection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.write(body);
    out.flush();
  }

  private static void fixed(OutputStream out, int status, String type, byte[] body)
      throws IOException {
    head(out, status, type, body.length);
    out.write(body);
    out.flush();
  }

  private static void head(OutputStream out, int status, String type, int length)
      throws IOException {
    out.write(
        (statusLine(status)
                + "content-type: "
                + type
                + "\r\ncontent-length: "
                + length
                + "\r\nx-request-id: req_faulty\r\nconnection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
  }

  private static void streamHead(OutputStream out, int status) throws IOException {
    out.write(
        (statusLine(status)
                + "content-type: text/event-stream; charset=utf-8\r\n"
                + "transfer-encoding: chunked\r\nx-request-id: req_faulty\r\n"
                + "connection: close\r\n\r\n")
            .getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String statusLine(int status) {
    return "HTTP/1.1 " + status + " " + (status < 400 ? "OK" : "Error") + "\r\n";
  }

  private static void chunk(OutputStream out, byte[] data) throws IOException {
    out.write((Integer.toHexString(data.length) + "\r\n").getBytes(StandardCharsets.US_ASCII));
    out.write(data);
    out.write(new byte[] {'\r', '\n'});
    out.flush();
  }

  private static void endChunks(OutputStream out) throws IOException {
    out.write("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
    out.flush();
  }

  private static String readHead(InputStream in) throws IOException {
    ByteArrayOutputStream head = new ByteArrayOutputStream();
    int matched = 0;
    int b;
    while ((b = in.read()) >= 0) {
      head.write(b);
      matched = (b == '\r' || b == '\n') ? matched + 1 : 0;
      if (matched == 4) {
        return head.toString(StandardCharsets.ISO_8859_1);
      }
    }
    return null;
  }

  private static byte[] readChunked(InputStream in) throws IOException {
    ByteArrayOutputStream body = new ByteArrayOutputStream();
    while (true) {
      StringBuilder size = new StringBuilder();
      int b;
      while ((b = in.read()) >= 0 && b != '\n') {
        if (b != '\r') {
          size.append((char) b);
        }
      }
      int length = Integer.parseInt(size.toString().split(";")[0].trim(), 16);
      if (length == 0) {
        in.readNBytes(2);
        return body.toByteArray();
      }
      body.write(in.readNBytes(length));
      in.readNBytes(2);
    }
  }

  private static void sleep(Duration delay) throws IOException {
    try {
      Thread.sleep(delay);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted", e);
    }
  }
}
