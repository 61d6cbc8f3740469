package dev.switchboard.testkit;

import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Google AI's Gemini API (https://ai.google.dev/api) on 127.0.0.1: {@code POST
 * /v1beta/models/{model}:generateContent}, {@code :streamGenerateContent} (server-sent events with
 * {@code ?alt=sse}, framed as Google frames them; a JSON array without), {@code :embedContent},
 * {@code :batchEmbedContents} and {@code GET /v1beta/models}. It checks the API key ({@code
 * x-goog-api-key} header or {@code ?key=}), validates requests as Gemini does and answers Google's
 * error shape; {@link GeminiReply} scripts answers (text, parallel function calls, a safety block,
 * usage) and {@link Fault} injects faults.
 */
public final class FakeGemini implements AutoCloseable {
  /** The key the fake accepts unless {@link Builder#apiKey} sets another. */
  public static final String DEFAULT_API_KEY = "AIzaSyFakeGeminiKey0000000000000000000";

  private static final Pattern MODEL_METHOD =
      Pattern.compile("/v1beta/models/([^/:]+):([A-Za-z]+)");

  private final GeminiModelApi api = new GeminiModelApi();
  private final FakeServer<Fault> server;
  private final String apiKey;

  private FakeGemini(Builder builder) {
    this.apiKey = builder.apiKey;
    this.server = new FakeServer<>("Gemini", builder.port, builder.recordRequests, this::answer);
  }

  public static FakeGemini start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  public static final class Builder {
    private int port;
    private boolean recordRequests = true;
    private String apiKey = DEFAULT_API_KEY;

    private Builder() {}

    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /** The API key the fake accepts. */
    public Builder apiKey(String apiKey) {
      this.apiKey = Objects.requireNonNull(apiKey);
      return this;
    }

    public FakeGemini start() {
      FakeGemini fake = new FakeGemini(this);
      fake.server.start();
      return fake;
    }
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}: the base URL of the API, before {@code /v1beta}. */
  public String origin() {
    return server.origin();
  }

  public void enqueue(Fault fault) {
    server.enqueueFault(fault);
  }

  public void enqueue(GeminiReply reply) {
    api.enqueue(Objects.requireNonNull(reply));
  }

  public List<RecordedRequest> requests() {
    return server.requests();
  }

  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  public int requestCount() {
    return server.requestCount();
  }

  public int abortedStreams() {
    return server.streams().aborted();
  }

  @Override
  public void close() {
    server.close();
  }

  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    Fault fault = server.nextFault();
    new GeminiExchange(request, response, callback, server.streams())
        .play(fault, error -> reply(recorded, error));
  }

  private Reply reply(RecordedRequest request, Fault.Status forced) {
    String key = request.header("x-goog-api-key");
    if (key == null) {
      key = query(request.query(), "key");
    }
    if (key == null || key.isEmpty()) {
      return new GoogleError(
              403,
              "PERMISSION_DENIED",
              "Method doesn't allow unregistered callers (callers without established identity)."
                  + " Please use API Key or other form of API consumer identity to call this API.")
          .reply(Map.of());
    }
    if (!key.equals(apiKey)) {
      return GoogleError.invalidArgument("API key not valid. Please pass a valid API key.")
          .reply(Map.of());
    }
    if (forced != null) {
      return GoogleError.forStatus(forced.status()).reply(forced.headers());
    }
    try {
      if (request.method().equals("GET") && request.path().equals("/v1beta/models")) {
        return GeminiModelApi.models();
      }
      Matcher route = MODEL_METHOD.matcher(request.path());
      if (!route.matches() || !request.method().equals("POST")) {
        return notFound(request);
      }
      String model = route.group(1);
      return switch (route.group(2)) {
        case "generateContent" -> api.generate(GeminiModelApi.body(request), model, false, false);
        case "streamGenerateContent" ->
            api.generate(
                GeminiModelApi.body(request),
                model,
                true,
                "sse".equals(query(request.query(), "alt")));
        case "embedContent" -> GeminiModelApi.embedContent(GeminiModelApi.body(request));
        case "batchEmbedContents" ->
            GeminiModelApi.batchEmbedContents(GeminiModelApi.body(request), model);
        default -> notFound(request);
      };
    } catch (GoogleError.Rejection rejection) {
      return rejection.error().reply(Map.of());
    }
  }

  private static Reply notFound(RecordedRequest request) {
    return new GoogleError(
            404,
            "NOT_FOUND",
            "The requested URL " + request.path() + " was not found on this server.")
        .reply(Map.of());
  }

  /** A query parameter's decoded value, or {@code null}. */
  static String query(String query, String name) {
    if (query == null) {
      return null;
    }
    for (String pair : query.split("&")) {
      int equals = pair.indexOf('=');
      String key = equals < 0 ? pair : pair.substring(0, equals);
      if (key.equals(name)) {
        return equals < 0
            ? ""
            : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
      }
    }
    return null;
  }
}
