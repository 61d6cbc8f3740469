package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Where Portkey 1.15.2's answer is the right one, the gateway gives the same: methods, error
 * bodies, the content type a passed-through request carries upstream (each checked against
 * Portkey's gateway run in a private network namespace).
 */
class PortkeyParityTest {
  static final String NO_SUCH_ROUTE =
      """
      {"error":{"message":"Invalid URL (DELETE /v1/chat/completions)","type":"invalid_request_error",\
      "param":null,"code":null}}\
      """;

  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.start(openai.baseUrl());
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void headOnTheRootAndHealthAnswers200AsLoadBalancersExpect() {
    for (String path : List.of("/", "/v1/health")) {
      var response =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri(path))
                  .method("HEAD", HttpRequest.BodyPublishers.noBody()));
      assertThat(response.statusCode()).as(path).isEqualTo(200);
      assertThat(response.body()).isEmpty();
    }
  }

  @Test
  void theRootAnswersPortkeysBareGreetingWithoutATraceId() {
    var response = gateway.get("/", "x-portkey-trace-id", "probe-1");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(response.body()).isEqualTo("AI Gateway says hey!");
    assertThat(response.headers().firstValue("x-portkey-trace-id")).isEmpty();
  }

  @Test
  void otherMethodsOfTheChatRouteAre405WithAllow() {
    for (String method : List.of("PUT", "OPTIONS", "PATCH")) {
      var response =
          gateway.send(
              HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                  .method(method, HttpRequest.BodyPublishers.noBody()));
      assertThat(response.statusCode()).as(method).isEqualTo(405);
      assertThat(response.headers().firstValue("allow")).contains("POST, GET, DELETE");
    }
  }

  @Test
  void deleteOnTheChatRouteIsPassedUpstreamAsPortkeyPassesIt() throws Exception {
    drain();
    openai.enqueue(Fault.verbatim(404, "application/json", NO_SUCH_ROUTE));

    var response =
        gateway.send(
            HttpRequest.newBuilder(gateway.uri("/v1/chat/completions"))
                .headers("x-portkey-provider", "openai", "authorization", "Bearer sk-test")
                .DELETE());

    // The provider's own answer, relayed; the gateway's refusal would carry its mark.
    assertThat(response.statusCode()).isEqualTo(404);
    assertThat(response.body()).isEqualTo(NO_SUCH_ROUTE);
    assertThat(response.headers().firstValue("x-portkey-gateway-exception")).isEmpty();
    RecordedRequest sent = last();
    assertThat(sent.method()).isEqualTo("DELETE");
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
  }

  @Test
  void getOnTheChatRouteListsStoredCompletionsUpstream() throws Exception {
    drain();
    var response =
        gateway.get(
            "/v1/chat/completions?limit=2",
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-test");

    // Whatever the provider answers is relayed; the gateway's own refusal would carry its mark.
    assertThat(response.headers().firstValue("x-portkey-gateway-exception")).isEmpty();
    RecordedRequest sent = last();
    assertThat(sent.method()).isEqualTo("GET");
    assertThat(sent.path()).isEqualTo("/v1/chat/completions");
    assertThat(sent.query()).isEqualTo("limit=2");
  }

  @Test
  void aPassedThroughGetCarriesNoContentTypeAndADeleteCarriesJson() throws Exception {
    drain();
    gateway.get(
        "/v1/files",
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-test",
        "content-type",
        "application/json");
    RecordedRequest get = last();
    gateway.send(
        HttpRequest.newBuilder(gateway.uri("/v1/files/file-1"))
            .headers("x-portkey-provider", "openai", "authorization", "Bearer sk-test")
            .DELETE());
    RecordedRequest delete = last();

    assertThat(get.method()).isEqualTo("GET");
    assertThat(get.header("content-type")).isNull();
    assertThat(delete.method()).isEqualTo("DELETE");
    assertThat(delete.header("content-type")).isEqualTo("application/json");
  }

  @Test
  void anEmbeddingsErrorIsTheProvidersBodyAsItCame() {
    String error =
        """
        {"error": {"message": "bad input", "type": "invalid_request_error", "param": "input", \
        "code": null}}\
        """;
    openai.enqueue(Fault.verbatim(400, "application/json", error));

    var response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":\"x\"}",
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-test");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).isEqualTo(error);
  }

  @Test
  void aProvidersHtmlErrorPageBecomesAnErrorEverySdkReads() {
    String page = "<html><body><h1>502 Bad Gateway</h1></body></html>";
    openai.enqueue(Fault.verbatim(502, "text/html", page));

    var response =
        chat("{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}");

    assertThat(response.statusCode()).isEqualTo(502);
    assertThat(json(response).at("/error/message").asText()).isEqualTo("openai error: " + page);
    assertThat(json(response).has("html-message")).isFalse();
  }

  @Test
  void aRequestTimeoutIsPortkeys408Body() {
    openai.enqueue(Fault.slowFirstByte(Duration.ofSeconds(3)));

    var response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "x-portkey-provider",
            "openai",
            "authorization",
            "Bearer sk-test",
            "x-portkey-request-timeout",
            "300");

    assertThat(response.statusCode()).isEqualTo(408);
    assertThat(response.body())
        .isEqualTo(
            """
            {"error":{"message":"Request exceeded the timeout sent in the request: 300ms",\
            "type":"timeout_error","param":null,"code":null}}\
            """);
  }

  @Test
  void anInvalidProviderListsTheProvidersInTheSameOrderEveryTime() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}",
            "x-portkey-provider",
            "nosuch");

    assertThat(response.statusCode()).isEqualTo(400);
    String message = json(response).path("message").asText();
    List<String> listed =
        List.of(message.substring(message.indexOf("Supported providers: ") + 21).split(", "));
    assertThat(listed).hasSizeGreaterThan(3).isSorted();
  }

  private static HttpResponse<String> chat(String body) {
    return gateway.postJson(
        "/v1/chat/completions",
        body,
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-test");
  }

  private static void drain() throws InterruptedException {
    while (openai.takeRequest(Duration.ZERO) != null) {
      // the requests of earlier tests
    }
  }

  private static RecordedRequest last() throws InterruptedException {
    List<RecordedRequest> taken = new ArrayList<>();
    for (var request = openai.takeRequest(Duration.ofSeconds(2));
        request != null;
        request = openai.takeRequest(Duration.ZERO)) {
      taken.add(request);
    }
    assertThat(taken).isNotEmpty();
    return taken.getLast();
  }
}
