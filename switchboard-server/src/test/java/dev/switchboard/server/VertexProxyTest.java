package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeVertex;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.GeminiReply;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.InetSocketAddress;
import java.net.http.HttpResponse;
import java.security.KeyPair;
import java.security.KeyPairGenerator;
import java.security.NoSuchAlgorithmException;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The vertex-ai provider in front of a faithful fake of Vertex AI and its token endpoint: access
 * tokens minted from a service account by Google's auth library, Gemini and Claude models.
 */
class VertexProxyTest {
  static final String EMAIL = "gateway@switchboard-test.iam.gserviceaccount.com";
  static final String COUNTING_EMAIL = "counted@switchboard-test.iam.gserviceaccount.com";
  static final String CONFIG_EMAIL = "configured@switchboard-test.iam.gserviceaccount.com";
  static final String CLIENT_TOKEN = "ya29.client-supplied-token";

  static FakeVertex vertex;
  static GatewayUnderTest gateway;
  static String serviceAccount;
  static String countingAccount;
  static String configAccount;
  static String unknownAccount;

  @BeforeAll
  static void start() throws NoSuchAlgorithmException {
    KeyPair keys = rsa();
    KeyPair counting = rsa();
    KeyPair configured = rsa();
    vertex =
        FakeVertex.builder()
            .serviceAccount(EMAIL, keys.getPublic())
            .serviceAccount(COUNTING_EMAIL, counting.getPublic())
            .serviceAccount(CONFIG_EMAIL, configured.getPublic())
            .acceptAccessToken(CLIENT_TOKEN)
            .start();
    serviceAccount = vertex.serviceAccountJson(EMAIL, keys);
    countingAccount = vertex.serviceAccountJson(COUNTING_EMAIL, counting);
    configAccount = vertex.serviceAccountJson(CONFIG_EMAIL, configured);
    // Signed with a key the token endpoint does not know for that account.
    unknownAccount = vertex.serviceAccountJson(EMAIL, rsa());
    gateway = GatewayUnderTest.withProviders(Map.of("vertex-ai", vertex.origin()));
  }

  static KeyPair rsa() throws NoSuchAlgorithmException {
    KeyPairGenerator generator = KeyPairGenerator.getInstance("RSA");
    generator.initialize(2048);
    return generator.generateKeyPair();
  }

  @AfterAll
  static void stop() {
    gateway.close();
    vertex.close();
  }

  static String[] headers(String account) {
    return new String[] {
      "x-portkey-provider",
      "vertex-ai",
      "x-portkey-vertex-region",
      FakeVertex.DEFAULT_REGION,
      "x-portkey-vertex-service-account-json",
      account
    };
  }

  static HttpResponse<String> chat(String body, String... headers) {
    return gateway.postJson("/v1/chat/completions", body, headers);
  }

  static String streaming(String body) {
    return body.replaceFirst(
        "\\{", "{\"stream\":true,\"stream_options\":{\"include_usage\":true},");
  }

  static RecordedRequest lastApiRequest() {
    List<RecordedRequest> requests = vertex.apiRequests();
    assertThat(requests).isNotEmpty();
    return requests.getLast();
  }

  static final String HELLO =
      """
      {"model":"gemini-2.5-flash","messages":[{"role":"system","content":"Be brief."},
        {"role":"user","content":"Hello"}],"max_tokens":50}\
      """;

  @Test
  void geminiOnVertexWithATokenFromTheServiceAccount() {
    var response = chat(HELLO, headers(serviceAccount));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = lastApiRequest();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/switchboard-test/locations/us-central1/publishers/google/models/"
                + "gemini-2.5-flash:generateContent");
    assertThat(sent.header("authorization")).startsWith("Bearer ya29.fake-");
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                """
                {"contents":[{"role":"user","parts":[{"text":"Hello"}]}],
                 "systemInstruction":{"parts":[{"text":"Be brief."}]},
                 "generationConfig":{"maxOutputTokens":50}}\
                """));
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("Hello from Gemini. You said: Hello");
  }

  @Test
  void theModelListIsGooglesPublisherModelsFromTheModelGarden() {
    var response = gateway.get("/v1/models", headers(serviceAccount));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = lastApiRequest();
    assertThat(sent.method()).isEqualTo("GET");
    assertThat(sent.path()).isEqualTo("/v1beta1/publishers/google/models");
    assertThat(sent.header("authorization")).startsWith("Bearer ya29.fake-");
    assertThat(json(response).path("object").asText()).isEqualTo("list");
    assertThat(json(response).path("data"))
        .extracting(m -> m.path("id").asText())
        .contains("gemini-2.5-flash", "text-embedding-005");
  }

  @Test
  void theTokenIsMintedOnceAndReused() {
    int before = vertex.tokenRequests();

    assertThat(chat(HELLO, headers(countingAccount)).statusCode()).isEqualTo(200);
    String first = lastApiRequest().header("authorization");
    assertThat(chat(HELLO, headers(countingAccount)).statusCode()).isEqualTo(200);
    assertThat(chat(streaming(HELLO), headers(countingAccount)).statusCode()).isEqualTo(200);

    assertThat(vertex.tokenRequests() - before).isEqualTo(1);
    assertThat(lastApiRequest().header("authorization")).isEqualTo(first);
  }

  @Test
  void aStreamedGeminiAnswerReassemblesToTheWholeOne() {
    GeminiReply reply =
        GeminiReply.builder()
            .text("Here are both.")
            .functionCall("get_weather", "{\"city\":\"Rome\"}")
            .functionCall("get_time", "{\"city\":\"Rome\"}")
            .build();
    String ask =
        """
        {"model":"gemini-2.5-flash","messages":[{"role":"user","content":"Rome?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object"}}},
                  {"type":"function","function":{"name":"get_time","parameters":{"type":"object"}}}]}\
        """;
    vertex.enqueue(reply);
    JsonNode whole = json(chat(ask, headers(serviceAccount)));
    vertex.enqueue(reply);
    var streamed = chat(streaming(ask), headers(serviceAccount));

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(lastApiRequest().path()).endsWith(":streamGenerateContent");
    assertThat(lastApiRequest().query()).isEqualTo("alt=sse");
    ObjectNode assembled = StreamAssembly.assemble(GatewayUnderTest.sseData(streamed.body()));
    assertThat(assembled.get("message")).isEqualTo(StreamAssembly.of(whole).get("message"));
    assertThat(assembled.get("finish_reason").asText()).isEqualTo("tool_calls");
  }

  @Test
  void optionsComeFromAConfigTargetWithTheServiceAccountAsAnObject() {
    ObjectNode target = WireJson.mapper().createObjectNode();
    target.put("provider", "vertex-ai");
    target.put("vertex_region", FakeVertex.DEFAULT_REGION);
    target.put("vertex_project_id", "ignored-when-the-key-names-one");
    target.set("vertex_service_account_json", WireJson.tree(configAccount));
    ObjectNode config = WireJson.mapper().createObjectNode();
    config.putObject("strategy").put("mode", "single");
    config.putArray("targets").add(target);

    var response =
        gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-config", config.toString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(lastApiRequest().path()).startsWith("/v1/projects/switchboard-test/");
  }

  @Test
  void aClientsAccessTokenIsPassedOn() {
    var response =
        chat(
            HELLO,
            "x-portkey-provider",
            "vertex-ai",
            "x-portkey-vertex-region",
            FakeVertex.DEFAULT_REGION,
            "x-portkey-vertex-project-id",
            FakeVertex.DEFAULT_PROJECT,
            "authorization",
            "Bearer " + CLIENT_TOKEN);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(lastApiRequest().header("authorization")).isEqualTo("Bearer " + CLIENT_TOKEN);
  }

  @Test
  void claudeOnVertexGoesThroughRawPredictWithTheVertexAnthropicVersion() {
    vertex.enqueue(AnthropicReply.builder().text("Bonjour!").build());

    var response =
        chat(
            """
            {"model":"claude-sonnet-4-5@20250929","messages":[{"role":"system","content":"Be brief."},
              {"role":"user","content":"Hello"}],"max_tokens":50}\
            """,
            headers(serviceAccount));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = lastApiRequest();
    assertThat(sent.path())
        .isEqualTo(
            "/v1/projects/switchboard-test/locations/us-central1/publishers/anthropic/models/"
                + "claude-sonnet-4-5@20250929:rawPredict");
    JsonNode body = WireJson.tree(sent.body());
    assertThat(body.has("model")).isFalse();
    assertThat(body.path("anthropic_version").asText()).isEqualTo("vertex-2023-10-16");
    assertThat(body.at("/system/0/text").asText()).isEqualTo("Be brief.");
    assertThat(json(response).at("/choices/0/message/content").asText()).isEqualTo("Bonjour!");
  }

  @Test
  void streamedClaudeOnVertexUsesStreamRawPredict() {
    String ask =
        """
        {"model":"anthropic.claude-sonnet-4-5@20250929","messages":[{"role":"user","content":"Hi"}],
         "max_tokens":50}\
        """;
    vertex.enqueue(AnthropicReply.builder().text("Hello there, friend.").build());
    JsonNode whole = json(chat(ask, headers(serviceAccount)));
    vertex.enqueue(AnthropicReply.builder().text("Hello there, friend.").build());
    var streamed = chat(streaming(ask), headers(serviceAccount));

    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(lastApiRequest().path()).endsWith("claude-sonnet-4-5@20250929:streamRawPredict");
    assertThat(WireJson.tree(lastApiRequest().body()).path("stream").asBoolean()).isTrue();
    ObjectNode assembled = StreamAssembly.assemble(GatewayUnderTest.sseData(streamed.body()));
    assertThat(assembled.get("message")).isEqualTo(StreamAssembly.of(whole).get("message"));
  }

  @Test
  void claudesOwnErrorsComeBackAsAnthropicsAndVertexsAsGoogles() {
    var refused =
        chat(
            "{\"model\":\"claude-sonnet-4-5@20250929\",\"temperature\":1.5,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}",
            headers(serviceAccount));
    vertex.enqueue(Fault.status(429));
    var throttled =
        chat(
            "{\"model\":\"claude-sonnet-4-5@20250929\",\"messages\":[{\"role\":\"user\","
                + "\"content\":\"Hi\"}]}",
            headers(serviceAccount));

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).at("/error/type").asText()).isEqualTo("invalid_request_error");
    assertThat(throttled.statusCode()).isEqualTo(429);
    assertThat(json(throttled).at("/error/type").asText()).isEqualTo("RESOURCE_EXHAUSTED");
  }

  @Test
  void embedsThroughPredict() {
    var response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-005\",\"input\":[\"one two\",\"three\"],\"dimensions\":8}",
            headers(serviceAccount));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = lastApiRequest();
    assertThat(sent.path()).endsWith("/publishers/google/models/text-embedding-005:predict");
    assertThat(WireJson.tree(sent.body()))
        .isEqualTo(
            WireJson.tree(
                "{\"instances\":[{\"content\":\"one two\"},{\"content\":\"three\"}],"
                    + "\"parameters\":{\"outputDimensionality\":8}}"));
    JsonNode answer = json(response);
    assertThat(answer.path("data")).hasSize(2);
    assertThat(answer.at("/data/1/embedding")).hasSize(8);
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
  }

  @Test
  void aRegionIsRequired() {
    var response =
        chat(
            HELLO,
            "x-portkey-provider",
            "vertex-ai",
            "x-portkey-vertex-service-account-json",
            serviceAccount);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText()).contains("region");
  }

  @Test
  void aTokenUriOutsideTheTrustedHostsIsRefused() {
    ObjectNode account = (ObjectNode) WireJson.tree(serviceAccount);
    account.put("token_uri", "https://token.example.net/token");

    var response = chat(HELLO, headers(account.toString()));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText()).contains("token_uri");
  }

  @Test
  void aTokenEndpointsRedirectIsNeverFollowed() throws Exception {
    // The token endpoint is on a trusted host and answers 302 to another host; the signed
    // assertion must not be delivered there (it was, through Google's own HTTP transport).
    List<String> delivered = new java.util.concurrent.CopyOnWriteArrayList<>();
    HttpServer sink = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    sink.createContext(
        "/",
        exchange -> {
          delivered.add(new String(exchange.getRequestBody().readAllBytes()));
          exchange.sendResponseHeaders(500, -1);
          exchange.close();
        });
    HttpServer redirector = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    redirector.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange
              .getResponseHeaders()
              .add("location", "http://localhost:" + sink.getAddress().getPort() + "/token");
          exchange.sendResponseHeaders(302, -1);
          exchange.close();
        });
    sink.start();
    redirector.start();
    try {
      ObjectNode account = (ObjectNode) WireJson.tree(serviceAccount);
      account.put("token_uri", "http://127.0.0.1:" + redirector.getAddress().getPort() + "/token");

      var response = chat(HELLO, headers(account.toString()));

      assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
      assertThat(json(response).at("/error/message").asText()).contains("access token");
      assertThat(delivered).isEmpty();
    } finally {
      redirector.stop(0);
      sink.stop(0);
    }
  }

  @Test
  void aKeyTheTokenEndpointRefusesIsA401WithoutTheKeyInIt() {
    var response = chat(HELLO, headers(unknownAccount));

    assertThat(response.statusCode()).isEqualTo(401);
    assertThat(response.body()).doesNotContain("PRIVATE KEY").doesNotContain("private_key");
    assertThat(json(response).at("/error/message").asText()).contains("access token");
  }

  @Test
  void aThrottledVertexFallsBackInAConfig() {
    vertex.enqueue(Fault.status(429));
    ObjectNode target = WireJson.mapper().createObjectNode();
    target.put("provider", "vertex-ai");
    target.put("vertex_region", FakeVertex.DEFAULT_REGION);
    target.put("vertex_service_account_json", serviceAccount);
    ObjectNode config = WireJson.mapper().createObjectNode();
    config.putObject("strategy").put("mode", "fallback").putArray("on_status_codes").add(429);
    config.putArray("targets").add(target).addObject().put("provider", "mock");

    var response =
        gateway.postJson("/v1/chat/completions", HELLO, "x-portkey-config", config.toString());

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("mock");
  }

  @Test
  void vertexsErrorKeepsItsStatusAndMessage() {
    vertex.enqueue(Fault.status(429));

    var response = chat(HELLO, headers(serviceAccount));

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("RESOURCE_EXHAUSTED");
  }
}
