package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** Bad input gets a clear 4xx in the shape both Portkey's and OpenAI's SDKs read; never a 500. */
class RequestValidationTest {
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    gateway =
        GatewayUnderTest.start(
            null,
            settings ->
                new ServerSettings(
                    settings.host(), 0, 1024, settings.drainTimeout(), settings.gateway()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  static final String HELLO =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "malformed JSON | {\"model\": | mock | | Invalid JSON",
        "no provider | " + "{\"model\":\"m\",\"messages\":[]} | | | x-portkey-provider",
        "unknown provider | {\"model\":\"m\",\"messages\":[]} | nosuch | | Invalid provider passed: nosuch",
        "unknown role | {\"model\":\"m\",\"messages\":[{\"role\":\"wizard\",\"content\":\"x\"}]} | mock | | 'wizard'",
        "content of the wrong type | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":5}]} | mock | | content",
        "empty body | '' | mock | | empty",
        "JSON array body | [] | mock | | Invalid JSON",
        "text after the JSON | {\"model\":\"m\",\"messages\":[]} {\"model\":\"n\"} | mock | | Invalid JSON",
        "a second model key | {\"model\":\"m\",\"messages\":[],\"model\":\"n\"} | mock | | Duplicate field 'model'",
        "a duplicate key nested | {\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"role\":\"system\",\"content\":\"x\"}]} | mock | | Duplicate field 'role'",
      })
  void answersBadRequestsWith400InPortkeyAndOpenAiShape(
      String name, String body, String provider, String ignored, String says) {
    var request = gateway.post("/v1/chat/completions", body);
    if (provider != null) {
      request.header("x-portkey-provider", provider);
    }

    HttpResponse<String> response = gateway.send(request);

    assertGatewayError(response, 400, says);
  }

  @ParameterizedTest(name = "{0}: {1}")
  @CsvSource(
      delimiter = '|',
      value = {
        "x-portkey-metadata | not json | must be a JSON object",
        "x-portkey-metadata | [1,2] | must be a JSON object",
        "x-portkey-request-timeout | soon | x-portkey-request-timeout",
        "x-portkey-request-timeout | -5 | x-portkey-request-timeout",
      })
  void answersABadHeaderValueWith400NamingTheHeader(String header, String value, String says) {
    var response =
        gateway.postJson(
            "/v1/chat/completions", HELLO, "x-portkey-provider", "mock", header, value);

    assertGatewayError(response, 400, says);
    assertThat(json(response).at("/error/param").asText()).isEqualTo(header);
  }

  /** Sends one byte every 2 s, 30 times, until the gateway closes the connection. */
  static Thread dribble(java.io.OutputStream out, char oneByte) {
    return Thread.ofVirtual()
        .start(() -> {
          try {
            for (int i = 0; i < 30; i++) {
              out.write(oneByte);
              out.flush();
              Thread.sleep(2_000);
            }
          } catch (java.io.IOException | InterruptedException cut) {
            // the gateway closed the connection: what the test waits for
          }
        });
  }

  @Test
  void aClientThatDribblesItsBodyIsCutOffWith408() throws Exception {
    // One byte every 2 s: each byte restarts the idle timeout, so only a minimum data rate ends it.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.server.port())) {
      socket.setSoTimeout(60_000);
      var out = socket.getOutputStream();
      out.write(
          ("POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                  + "Content-Type: application/json\r\nContent-Length: 1000\r\n"
                  + "x-portkey-provider: mock\r\n\r\n")
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      long started = System.nanoTime();
      var in = socket.getInputStream();
      Thread dribbler = dribble(out, ' ');
      String answer = new String(in.readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      dribbler.interrupt();

      assertThat(answer).startsWith("HTTP/1.1 408");
      assertThat(answer).contains("\"invalid_request_error\"").contains("bytes a second");
      assertThat(seconds).isLessThan(30);
    }
  }

  @Test
  void aClientThatDribblesItsHeadersIsCutOff() throws Exception {
    // A header byte every 2 s: each restarts the idle timeout, so only a deadline ends it.
    try (java.net.Socket socket = new java.net.Socket("127.0.0.1", gateway.server.port())) {
      socket.setSoTimeout(60_000);
      var out = socket.getOutputStream();
      out.write(
          "POST /v1/chat/completions HTTP/1.1\r\nHost: 127.0.0.1\r\nx-dribble: "
              .getBytes(java.nio.charset.StandardCharsets.US_ASCII));
      out.flush();
      long started = System.nanoTime();
      Thread dribbler = dribble(out, 'a');
      int read = socket.getInputStream().read();
      long seconds = (System.nanoTime() - started) / 1_000_000_000L;
      dribbler.interrupt();

      assertThat(read).isEqualTo(-1);
      assertThat(seconds).isLessThan(30);
    }
  }

  @ParameterizedTest(name = "{0}")
  @CsvSource(
      delimiter = '|',
      value = {
        "an array | [\"m1\",\"m2\"] | override_params.model",
        "an object | {\"name\":\"m1\"} | override_params.model",
      })
  void refusesAnOverrideParamOfTheWrongTypeWith400NamingIt(
      String name, String model, String param) {
    String config = "{\"provider\":\"mock\",\"override_params\":{\"model\":" + model + "}}";

    var response = gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-config", config);

    assertGatewayError(response, 400, param);
    assertThat(json(response).at("/error/param").asText()).isEqualTo(param);
  }

  @Test
  void refusesAnOverrideModelOfTheWrongTypeOnMessagesWith400() {
    String config = "{\"provider\":\"mock\",\"override_params\":{\"model\":[\"m1\"]}}";
    String messages =
        "{\"model\":\"m\",\"max_tokens\":5,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    var response = gateway.postJson("/v1/messages", messages, "x-portkey-config", config);

    assertGatewayError(response, 400, "override_params.model");
  }

  static final List<String> OVERLONG_OR_MALFORMED_UTF8_PATHS =
      List.of(
          "/v1/chat%C0%AFcompletions",
          "/v1%C0%AFchat/completions",
          "/v1/chat/completions%E0%80%AF",
          "/v1/files/%C0%AE%C0%AE/x",
          "/v1/files/%ED%A0%80",
          "/v1/files/%FF");

  @Test
  void refusesAPathThatIsNotWellFormedUtf8With400NeverDecodingItToASlash() {
    for (String path : OVERLONG_OR_MALFORMED_UTF8_PATHS) {
      var response = gateway.postJson(path, HELLO, "x-portkey-provider", "mock");

      // Jetty refuses these first today; the gate refuses them too whatever its URI compliance.
      assertGatewayError(response, 400, "");
      assertThat(RouteGate.canonical(path)).as(path).isFalse();
    }
    assertThat(RouteGate.canonical("/v1/files/caf%C3%A9")).isTrue();
  }

  @Test
  void refusesABodyOverTheLimitWith413() {
    String big =
        "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\""
            + "x".repeat(2000)
            + "\"}]}";

    var response = gateway.postJson("/v1/chat/completions", big, "x-portkey-provider", "mock");

    assertGatewayError(response, 413, "1024 bytes");
  }

  @Test
  void refusesANonJsonContentType() {
    var request =
        gateway
            .post("/v1/chat/completions", HELLO, "x-portkey-provider", "mock")
            .setHeader("content-type", "text/plain");

    assertGatewayError(gateway.send(request), 400, "Invalid content type passed");
  }

  @Test
  void answersHeadersTooLargeAsJsonNotHtml() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            HELLO,
            "x-portkey-provider",
            "mock",
            "x-big",
            "b".repeat(20_000));

    assertGatewayError(response, 431, "Request Header Fields Too Large");
  }

  @Test
  void answersTheWrongMethodOnAModelledPathWith405() {
    // GET (stored completions) and DELETE are passed through; PUT is no method of the path.
    var response =
        gateway.send(
            java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .header("x-portkey-provider", "mock")
                .PUT(java.net.http.HttpRequest.BodyPublishers.ofString("{}")));
    assertGatewayError(response, 405, "Method not allowed");
    assertThat(response.headers().firstValue("allow")).contains("POST, GET, DELETE");
  }

  @Test
  void answersAnUnknownPathOutsideV1With404() {
    assertGatewayError(gateway.get("/nowhere"), 404, "Not found");
  }

  @Test
  void echoesTheClientsTraceIdOnSuccessAndError() {
    var ok =
        gateway.postJson(
            "/v1/chat/completions",
            HELLO,
            "x-portkey-provider",
            "mock",
            "x-portkey-trace-id",
            "trace-abc");
    var bad =
        gateway.postJson(
            "/v1/chat/completions",
            "{",
            "x-portkey-provider",
            "mock",
            "x-portkey-trace-id",
            "trace-def");

    assertThat(ok.headers().firstValue("x-portkey-trace-id")).hasValue("trace-abc");
    assertThat(bad.headers().firstValue("x-portkey-trace-id")).hasValue("trace-def");
  }

  @Test
  void generatesATraceIdWhenTheClientSentNone() {
    var ok = gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-provider", "mock");
    var bad = gateway.postJson("/v1/chat/completions", "{", "x-portkey-provider", "mock");
    var health = gateway.get("/v1/health");

    for (var response : java.util.List.of(ok, bad, health)) {
      String traceId = response.headers().firstValue("x-portkey-trace-id").orElseThrow();
      assertThat(UUID.fromString(traceId).version()).isEqualTo(4);
    }
    assertThat(ok.headers().firstValue("x-portkey-trace-id"))
        .isNotEqualTo(bad.headers().firstValue("x-portkey-trace-id"));
  }

  @Test
  void answersHealthChecksAsPortkeyDoes() {
    var root = gateway.get("/");
    var health = gateway.get("/v1/health");

    assertThat(root.statusCode()).isEqualTo(200);
    assertThat(root.body()).isEqualTo("AI Gateway says hey!");
    assertThat(health.statusCode()).isEqualTo(200);
    assertThat(json(health).path("status").asText()).isEqualTo("success");
  }

  /** Portkey's 408 for a provider that took longer than the request's timeout. */
  static void assertRequestTimeout(HttpResponse<String> response, String timeout) {
    assertThat(response.statusCode()).isEqualTo(408);
    assertThat(response.body())
        .isEqualTo(
            "{\"error\":{\"message\":\"Request exceeded the timeout sent in the request: "
                + timeout
                + "\",\"type\":\"timeout_error\",\"param\":null,\"code\":null}}");
  }

  static void assertGatewayError(HttpResponse<String> response, int status, String says) {
    assertThat(response.statusCode()).isEqualTo(status);
    assertThat(response.headers().firstValue("x-portkey-gateway-exception")).hasValue("true");
    assertThat(response.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("application/json"));
    JsonNode body = json(response);
    assertThat(body.path("status").asText()).isEqualTo("failure");
    assertThat(body.path("message").asText()).contains(says);
    assertThat(body.at("/error/message").asText()).isEqualTo(body.path("message").asText());
    assertThat(body.at("/error/type").isTextual()).isTrue();
    assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ");
  }
}
