package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.databind.node.TextNode;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;

/**
 * One exchange with a provider, kept as a file so a build can replay it: the client's request to
 * the gateway that caused it (OpenAI's format; credentials left out), the request the gateway sent
 * the provider, and the provider's answer with its body's bytes exactly as received (a stream's
 * server-sent events or AWS event-stream frames included). {@link FakeReplay} serves the answer.
 *
 * <p>A fixture says where it comes from in {@link #origin()}: {@code recorded <date> <upstream>}
 * when a recorder captured it from a live upstream, or {@code api-reference <url>} when it was
 * written by hand after the provider's published reference. The file is JSON; the answer's body is
 * the string {@code response.body} when it is UTF-8 text, else {@code response.body_base64}.
 *
 * @param provider the gateway's name of the provider, e.g. {@code anthropic}
 * @param scenario what the exchange shows, e.g. {@code chat-stream}
 * @param origin where the exchange comes from (above)
 * @param client the client's request to the gateway
 * @param request the gateway's request to the provider
 * @param response the provider's answer
 */
public record ReplayFixture(
    String provider,
    String scenario,
    String origin,
    ClientCall client,
    ProviderRequest request,
    ProviderResponse response) {

  private static final ObjectMapper JSON =
      new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

  public ReplayFixture {
    Objects.requireNonNull(provider, "provider");
    Objects.requireNonNull(scenario, "scenario");
    Objects.requireNonNull(origin, "origin");
    Objects.requireNonNull(client, "client");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(response, "response");
  }

  /**
   * The client's request to the gateway, as an app sends it.
   *
   * @param path the gateway's path, e.g. {@code /v1/chat/completions}
   * @param headers its headers but the credentials, which a replay supplies
   * @param body its JSON body
   */
  public record ClientCall(String path, Map<String, String> headers, JsonNode body) {
    public ClientCall {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }
  }

  /**
   * The gateway's request to the provider.
   *
   * @param method the HTTP method
   * @param path the path and, after {@code ?}, the query
   * @param headers its headers, in the order sent
   * @param body its body: JSON when it parsed as JSON, else its text, or {@code null} when empty
   */
  public record ProviderRequest(
      String method, String path, Map<String, String> headers, JsonNode body) {
    public ProviderRequest {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
    }

    /** The path without its query. */
    public String pathOnly() {
      int query = path.indexOf('?');
      return query < 0 ? path : path.substring(0, query);
    }

    /** The query after {@code ?}, or {@code null}. */
    public String query() {
      int query = path.indexOf('?');
      return query < 0 ? null : path.substring(query + 1);
    }
  }

  /**
   * The provider's answer.
   *
   * @param status its status code
   * @param headers its headers, in the order received
   * @param body its body's bytes, exactly as received
   */
  public record ProviderResponse(int status, Map<String, String> headers, byte[] body) {
    public ProviderResponse {
      headers = Collections.unmodifiableMap(new LinkedHashMap<>(headers));
      body = body.clone();
    }

    @Override
    public byte[] body() {
      return body.clone();
    }

    /** The value of header {@code name}, whatever its case, or {@code null}. */
    public String header(String name) {
      return headerOf(headers, name);
    }

    /** The body as UTF-8 text. */
    public String text() {
      return new String(body, StandardCharsets.UTF_8);
    }

    /** Whether the body is a stream: server-sent events or AWS event-stream frames. */
    public boolean isStream() {
      String type = Objects.requireNonNullElse(header("content-type"), "");
      return type.contains("text/event-stream") || type.contains("eventstream");
    }
  }

  /** The value of header {@code name} in {@code headers}, whatever its case, or {@code null}. */
  static String headerOf(Map<String, String> headers, String name) {
    for (Map.Entry<String, String> header : headers.entrySet()) {
      if (header.getKey().equalsIgnoreCase(name)) {
        return header.getValue();
      }
    }
    return null;
  }

  /**
   * A request body as a fixture keeps it: JSON when it parses, else text, {@code null} if empty.
   */
  public static JsonNode bodyOf(byte[] body) {
    if (body.length == 0) {
      return null;
    }
    String text = new String(body, StandardCharsets.UTF_8);
    try {
      return JSON.readTree(text);
    } catch (JsonProcessingException notJson) {
      return TextNode.valueOf(text);
    }
  }

  /** Reads a fixture file. */
  public static ReplayFixture read(Path file) {
    try {
      JsonNode root = JSON.readTree(file.toFile());
      JsonNode client = root.required("client");
      JsonNode request = root.required("request");
      JsonNode response = root.required("response");
      byte[] body =
          response.has("body_base64")
              ? Base64.getDecoder().decode(response.get("body_base64").asText())
              : response.path("body").asText("").getBytes(StandardCharsets.UTF_8);
      return new ReplayFixture(
          root.required("provider").asText(),
          root.required("scenario").asText(),
          root.required("origin").asText(),
          new ClientCall(
              client.required("path").asText(),
              headers(client.path("headers")),
              client.get("body")),
          new ProviderRequest(
              request.required("method").asText(),
              request.required("path").asText(),
              headers(request.path("headers")),
              nullIfJsonNull(request.get("body"))),
          new ProviderResponse(
              response.required("status").asInt(), headers(response.path("headers")), body));
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read the fixture " + file, e);
    }
  }

  /** Writes this fixture to {@code file} (its directories created), as {@link #read} reads it. */
  public void write(Path file) {
    try {
      Path parent = file.toAbsolutePath().getParent();
      Files.createDirectories(parent);
      Files.writeString(file, toJson() + "\n");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write the fixture " + file, e);
    }
  }

  /** The file's text. */
  public String toJson() {
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    ObjectNode root = nodes.objectNode();
    root.put("provider", provider);
    root.put("scenario", scenario);
    root.put("origin", origin);
    ObjectNode clientNode = root.putObject("client");
    clientNode.put("path", client.path());
    headersNode(clientNode.putObject("headers"), client.headers());
    clientNode.set("body", client.body());
    ObjectNode requestNode = root.putObject("request");
    requestNode.put("method", request.method());
    requestNode.put("path", request.path());
    headersNode(requestNode.putObject("headers"), request.headers());
    requestNode.set("body", request.body());
    ObjectNode responseNode = root.putObject("response");
    responseNode.put("status", response.status());
    headersNode(responseNode.putObject("headers"), response.headers());
    String text = utf8Text(response.body);
    if (text != null
        && !isBinaryType(response.header("content-type"))
        && response.header("content-encoding") == null) {
      responseNode.put("body", text);
    } else {
      responseNode.put("body_base64", Base64.getEncoder().encodeToString(response.body));
    }
    try {
      return JSON.writeValueAsString(root);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  private static JsonNode nullIfJsonNull(JsonNode node) {
    return node == null || node.isNull() ? null : node;
  }

  private static Map<String, String> headers(JsonNode node) {
    Map<String, String> headers = new LinkedHashMap<>();
    node.properties().forEach(entry -> headers.put(entry.getKey(), entry.getValue().asText()));
    return headers;
  }

  private static void headersNode(ObjectNode node, Map<String, String> headers) {
    headers.forEach(node::put);
  }

  /** {@code bytes} as text when they are valid UTF-8, else {@code null}. */
  static String utf8Text(byte[] bytes) {
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException binary) {
      return null;
    }
  }

  /** A content type whose bodies are bytes, not text, however they decode. */
  static boolean isBinaryType(String contentType) {
    String type = Objects.requireNonNullElse(contentType, "").toLowerCase(Locale.ROOT);
    return type.contains("eventstream") || type.contains("octet-stream");
  }
}
