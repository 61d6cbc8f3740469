package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** FakeAzureOpenAi speaks Azure's paths, credentials, errors and filter annotations. */
class FakeAzureOpenAiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final HttpClient CLIENT =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  static final String CHAT = "{\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static FakeAzureOpenAi azure;

  @BeforeAll
  static void start() {
    azure = FakeAzureOpenAi.start();
    azure.requireApiKey("az-key");
    azure.deploy("prod", "gpt-4o-2024-08-06");
  }

  @AfterAll
  static void stop() {
    azure.close();
  }

  static HttpResponse<String> post(String pathAndQuery, String body, String... headers)
      throws Exception {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(URI.create(azure.origin() + pathAndQuery))
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return CLIENT.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void answersADeploymentsChatInOpenAisFormatWithFilterResults() throws Exception {
    HttpResponse<String> response =
        post(
            "/openai/deployments/prod/chat/completions?api-version=2024-10-21",
            CHAT,
            "api-key",
            "az-key");

    assertThat(response.statusCode()).isEqualTo(200);
    JsonNode body = JSON.readTree(response.body());
    assertThat(body.path("model").asText()).isEqualTo("gpt-4o-2024-08-06");
    assertThat(body.at("/prompt_filter_results/0/prompt_index").asInt()).isZero();
    assertThat(body.at("/choices/0/content_filter_results/hate/severity").asText())
        .isEqualTo("safe");
    assertThat(response.headers().firstValue("apim-request-id")).isPresent();
  }

  @Test
  void aStreamStartsWithThePromptFilterEventAndEndsWithDone() throws Exception {
    HttpResponse<String> response =
        post(
            "/openai/deployments/prod/chat/completions?api-version=2024-10-21",
            CHAT.replace("{\"messages\"", "{\"stream\":true,\"messages\""),
            "api-key",
            "az-key");

    String[] events = response.body().split("\n\n");
    JsonNode first = JSON.readTree(events[0].substring("data: ".length()));
    assertThat(first.path("choices")).isEmpty();
    assertThat(first.path("prompt_filter_results")).hasSize(1);
    assertThat(events[events.length - 1]).isEqualTo("data: [DONE]");
  }

  @Test
  void refusesAWrongKeyAMissingApiVersionAndAnUnknownDeployment() throws Exception {
    HttpResponse<String> wrongKey =
        post("/openai/deployments/prod/chat/completions?api-version=1", CHAT, "api-key", "no");
    HttpResponse<String> noVersion =
        post("/openai/deployments/prod/chat/completions", CHAT, "api-key", "az-key");
    HttpResponse<String> unknown =
        post("/openai/deployments/dev/chat/completions?api-version=1", CHAT, "api-key", "az-key");

    assertThat(wrongKey.statusCode()).isEqualTo(401);
    assertThat(JSON.readTree(wrongKey.body()).at("/error/code").asText()).isEqualTo("401");
    assertThat(noVersion.statusCode()).isEqualTo(404);
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(JSON.readTree(unknown.body()).at("/error/code").asText())
        .isEqualTo("DeploymentNotFound");
  }

  @Test
  void theContentFilterErrorHasItsInnerError() throws Exception {
    azure.enqueue(Fault.status(400));

    HttpResponse<String> response =
        post(
            "/openai/deployments/prod/chat/completions?api-version=2024-10-21",
            CHAT,
            "authorization",
            "Bearer entra-token");

    assertThat(response.statusCode()).isEqualTo(400);
    JsonNode error = JSON.readTree(response.body()).path("error");
    assertThat(error.path("code").asText()).isEqualTo("content_filter");
    assertThat(error.at("/innererror/code").asText()).isEqualTo("ResponsibleAIPolicyViolation");
  }
}
