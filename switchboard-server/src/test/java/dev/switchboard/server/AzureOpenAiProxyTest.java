package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.testkit.FakeAzureOpenAi;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * {@code azure-openai} through HTTP against {@link FakeAzureOpenAi}: the deployment URL with its
 * {@code api-version}, the key as {@code api-key} or an Entra ID token as a bearer, Azure's filter
 * results passed on, its errors in OpenAI's shape, and fallbacks on them.
 */
class AzureOpenAiProxyTest {
  static final String CHAT =
      """
      {"model":"gpt-4o","messages":[{"role":"user","content":"Hello Azure"}]}\
      """;
  static final String[] AZURE = {
    "x-portkey-provider", "azure-openai",
    "authorization", "Bearer azure-key",
    "x-portkey-azure-deployment-id", "gpt4o-prod",
    "x-portkey-azure-api-version", "2024-10-21"
  };

  static FakeAzureOpenAi azure;
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    azure = FakeAzureOpenAi.start();
    openai = FakeOpenAi.start();
    gateway =
        GatewayUnderTest.withProviders(
            Map.of("azure-openai", azure.baseUrl(), "openai", openai.baseUrl()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
    azure.close();
  }

  @BeforeEach
  void reset() throws InterruptedException {
    azure.requireApiKey(null);
    azure.filterPromptsContaining(null);
    while (azure.takeRequest(Duration.ZERO) != null) {}
    while (openai.takeRequest(Duration.ZERO) != null) {}
  }

  static RecordedRequest received() throws InterruptedException {
    RecordedRequest request = azure.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static String[] with(String[] base, String... more) {
    String[] all = java.util.Arrays.copyOf(base, base.length + more.length);
    System.arraycopy(more, 0, all, base.length, more.length);
    return all;
  }

  @Test
  void chatGoesToTheDeploymentUrlWithTheKeyInApiKey() throws InterruptedException {
    azure.requireApiKey("azure-key");

    HttpResponse<String> response = gateway.postJson("/v1/chat/completions", CHAT, AZURE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.path()).isEqualTo("/openai/deployments/gpt4o-prod/chat/completions");
    assertThat(sent.query()).isEqualTo("api-version=2024-10-21");
    assertThat(sent.header("api-key")).isEqualTo("azure-key");
    assertThat(sent.header("authorization")).isNull();
    assertThat(sent.json().path("messages")).isEqualTo(WireJson.tree(CHAT).path("messages"));
    JsonNode body = json(response);
    assertThat(body.at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake OpenAI. You said: Hello Azure");
    assertThat(body.at("/prompt_filter_results/0/content_filter_results/hate/filtered").asBoolean())
        .isFalse();
    assertThat(body.at("/choices/0/content_filter_results/violence/severity").asText())
        .isEqualTo("safe");
    assertThat(response.headers().firstValue("x-portkey-provider")).hasValue("azure-openai");
  }

  @Test
  void theModelListIsTheResourcesWithoutADeployment() throws InterruptedException {
    HttpResponse<String> response =
        gateway.get(
            "/v1/models",
            "x-portkey-provider",
            "azure-openai",
            "authorization",
            "Bearer azure-key",
            "x-portkey-azure-api-version",
            "2024-10-21");

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.method()).isEqualTo("GET");
    assertThat(sent.path()).isEqualTo("/openai/models");
    assertThat(sent.query()).isEqualTo("api-version=2024-10-21");
    JsonNode models = json(response);
    assertThat(models.path("object").asText()).isEqualTo("list");
    assertThat(models.path("data"))
        .extracting(m -> m.path("id").asText())
        .contains("gpt-4o-2024-08-06");
  }

  @Test
  void anEntraIdTokenIsSentAsABearerInsteadOfTheKey() throws InterruptedException {
    azure.requireBearerToken("entra-token");

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            with(AZURE, "x-portkey-azure-ad-token", "Bearer entra-token"));

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.header("authorization")).isEqualTo("Bearer entra-token");
    assertThat(sent.header("api-key")).isNull();
    azure.requireBearerToken(null);
  }

  @Test
  void configTargetFieldsNameTheDeploymentAndVersion() throws InterruptedException {
    String config =
        """
        {"provider":"azure-openai","api_key":"k1","deployment_id":"embed-small",\
        "api_version":"2024-06-01"}\
        """;

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"a\",\"b\"]}",
            "x-portkey-config",
            config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    RecordedRequest sent = received();
    assertThat(sent.path()).isEqualTo("/openai/deployments/embed-small/embeddings");
    assertThat(sent.query()).isEqualTo("api-version=2024-06-01");
    assertThat(sent.header("api-key")).isEqualTo("k1");
    assertThat(json(response).path("data")).hasSize(2);
  }

  @Test
  void aMissingDeploymentIsA400NamingItsHeader() {
    int before = azure.requestCount();
    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT,
            "x-portkey-provider",
            "azure-openai",
            "authorization",
            "Bearer k",
            "x-portkey-azure-api-version",
            "2024-10-21");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("x-portkey-azure-deployment-id");
    assertThat(azure.requestCount()).isEqualTo(before);
  }

  @Test
  void streamedAnswersReassembleToTheWholeOneWithTheFilterEventPassedOn() {
    HttpResponse<String> whole = gateway.postJson("/v1/chat/completions", CHAT, AZURE);
    HttpResponse<String> streamed =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("{\"model\"", "{\"stream\":true,\"model\""),
            AZURE);

    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    List<String> data = GatewayUnderTest.sseData(streamed.body());
    assertThat(data).last().isEqualTo("[DONE]");
    assertThat(WireJson.tree(data.getFirst()).path("prompt_filter_results")).hasSize(1);
    assertThat(WireJson.tree(data.getFirst()).path("choices")).isEmpty();
    assertThat(StreamAssembly.assemble(data).get("message"))
        .isEqualTo(StreamAssembly.of(json(whole)).get("message"));
  }

  @Test
  void parallelToolCallsComeBackAsOpenAiSendsThem() throws InterruptedException {
    String tools =
        """
        {"model":"gpt-4o","messages":[{"role":"user","content":"weather and time?"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}},
                  {"type":"function","function":{"name":"get_time","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}\
        """;

    HttpResponse<String> response = gateway.postJson("/v1/chat/completions", tools, AZURE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    JsonNode calls = json(response).at("/choices/0/message/tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.get(1).at("/function/name").asText()).isEqualTo("get_time");
    assertThat(json(response).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(received().json().path("tools")).hasSize(2);
  }

  @Test
  void theContentFilterErrorComesBackInOpenAiShapeWithItsInnerError() {
    azure.filterPromptsContaining("forbidden");

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions", CHAT.replace("Hello Azure", "something forbidden"), AZURE);

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = json(response).path("error");
    assertThat(error.path("code").asText()).isEqualTo("content_filter");
    assertThat(error.path("param").asText()).isEqualTo("prompt");
    assertThat(error.has("type")).isTrue();
    assertThat(error.path("message").asText()).contains("content management policy");
    assertThat(error.at("/innererror/code").asText()).isEqualTo("ResponsibleAIPolicyViolation");
    assertThat(error.at("/innererror/content_filter_result/violence/filtered").asBoolean())
        .isTrue();
  }

  @Test
  void aWrongKeyIsAzures401InOpenAiShape() {
    azure.requireApiKey("right-key");

    HttpResponse<String> response = gateway.postJson("/v1/chat/completions", CHAT, AZURE);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
    JsonNode error = json(response).path("error");
    assertThat(error.path("code").asText()).isEqualTo("401");
    // Azure's error has no type; OpenAI's schema requires one, so the status gives it.
    assertThat(error.path("type").asText()).isEqualTo("authentication_error");
    assertThat(error.path("message").asText()).contains("Access denied");
    assertThat(response.body()).doesNotContain("azure-key");
  }

  @Test
  void aRateLimitedDeploymentFallsBackToOpenAi() throws InterruptedException {
    azure.enqueue(Fault.status(429));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"azure-openai","api_key":"k","deployment_id":"d1","api_version":"2024-10-21"},
          {"provider":"openai","api_key":"sk-openai"}]}\
        """
            .replace("\n", "");

    HttpResponse<String> response =
        gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-config", config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(received().path()).isEqualTo("/openai/deployments/d1/chat/completions");
    assertThat(openai.takeRequest(Duration.ofSeconds(5)).header("authorization"))
        .isEqualTo("Bearer sk-openai");
  }

  @Test
  void aContentFilterErrorFallsBackWhenTheConfigSaysSo() {
    azure.filterPromptsContaining("forbidden");
    String config =
        """
        {"strategy":{"mode":"fallback","on_status_codes":[400]},"targets":[
          {"provider":"azure-openai","api_key":"k","deployment_id":"d1","api_version":"2024-10-21"},
          {"provider":"openai","api_key":"sk-openai"}]}\
        """
            .replace("\n", "");

    HttpResponse<String> response =
        gateway.postJson(
            "/v1/chat/completions",
            CHAT.replace("Hello Azure", "forbidden"),
            "x-portkey-config",
            config);

    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText()).contains("forbidden");
  }
}
