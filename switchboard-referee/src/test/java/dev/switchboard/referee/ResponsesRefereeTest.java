package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.openai.models.responses.Response;
import com.openai.models.responses.ResponseStreamEvent;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.AnthropicReply;
import dev.switchboard.testkit.FakeAnthropic;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;

/**
 * OpenAI's Java SDK judges the gateway's translated Responses API answers ({@code POST
 * /v1/responses} over chat completions): a response object with text, one with two function calls
 * and one with a custom tool call, whole and as each of their stream's events, read into the SDK's
 * {@link Response} and {@link ResponseStreamEvent} and held to {@code validate()}, with no key the
 * SDK does not know where its schema is closed. From Anthropic's fake (scripted) and the offline
 * {@code mock} provider.
 */
class ResponsesRefereeTest {
  static final StainlessReferee OPENAI = StainlessReferee.openAi();
  static final HttpClient CLIENT = HttpClient.newHttpClient();
  static FakeAnthropic anthropic;
  static SwitchboardServer gateway;

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
    gateway =
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder()
                    .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                    .build()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    anthropic.close();
  }

  record Case(String name, String provider, String body, Runnable script) {
    @Override
    public String toString() {
      return name;
    }
  }

  static final String TOOLS =
      "\"tools\":[{\"type\":\"function\",\"name\":\"get_weather\",\"parameters\":{\"type\":"
          + "\"object\",\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}},"
          + "{\"type\":\"function\",\"name\":\"get_time\",\"parameters\":{\"type\":\"object\","
          + "\"properties\":{\"city\":{\"type\":\"string\"}},\"required\":[\"city\"]}}]";

  static final String PATCH =
      "\"tools\":[{\"type\":\"custom\",\"name\":\"apply_patch\",\"description\":\"Patch files.\"}]";

  static List<Case> cases() {
    String args = "{\"city\":\"Paris\"}";
    Runnable twoCalls =
        () ->
            anthropic.enqueue(
                AnthropicReply.builder()
                    .toolUse("toolu_01Weather", "get_weather", args)
                    .toolUse("toolu_02Time", "get_time", args)
                    .build());
    Runnable text = () -> anthropic.enqueue(AnthropicReply.builder().text("Sunny.").build());
    return List.of(
        new Case(
            "anthropic text",
            "anthropic",
            "{\"model\":\"claude-sonnet-4-5\",\"instructions\":\"Be brief.\",\"input\":\"hi\"}",
            text),
        new Case(
            "anthropic function calls",
            "anthropic",
            "{\"model\":\"claude-sonnet-4-5\",\"input\":\"weather and time in Paris\","
                + TOOLS
                + "}",
            twoCalls),
        new Case(
            "mock function calls",
            "mock",
            "{\"model\":\"mock-model\",\"input\":\"weather and time\"," + TOOLS + "}",
            () -> {}),
        new Case(
            "mock reasoning and text",
            "mock",
            "{\"model\":\"mock-model\",\"input\":\"warm?\",\"mock_script\":[{\"reasoning\":"
                + "\"June in Paris is warm.\",\"content\":\"Yes.\"}]}",
            () -> {}),
        new Case(
            "mock custom tool call",
            "mock",
            "{\"model\":\"mock-model\",\"input\":\"create hello.txt\"," + PATCH + "}",
            () -> {}),
        new Case(
            "mock text cut by max_output_tokens",
            "mock",
            "{\"model\":\"mock-model\",\"input\":\"say a long thing about the sea and the sky\","
                + "\"max_output_tokens\":3}",
            () -> {}));
  }

  @TestFactory
  Stream<DynamicTest> everyTranslatedResponsePassesOpenAisSdk() {
    return cases().stream().map(c -> DynamicTest.dynamicTest(c.name(), () -> judgeWhole(c)));
  }

  @TestFactory
  Stream<DynamicTest> everyEventOfATranslatedStreamPassesOpenAisSdk() {
    return cases().stream()
        .map(c -> DynamicTest.dynamicTest(c.name() + " stream", () -> judgeStream(c)));
  }

  static void judgeWhole(Case c) throws Exception {
    c.script().run();
    HttpResponse<String> response = post(c, c.body());
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    assertThat(OPENAI.judge(response.body(), Response.class)).as(response.body()).isEmpty();
  }

  static void judgeStream(Case c) throws Exception {
    c.script().run();
    HttpResponse<String> response =
        post(c, c.body().substring(0, c.body().length() - 1) + ",\"stream\":true}");
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<Sse.Event> events = Sse.events(response.body());
    assertThat(events).hasSizeGreaterThan(3);
    List<String> findings = new ArrayList<>();
    for (int i = 0; i < events.size(); i++) {
      int index = i;
      OPENAI
          .judge(events.get(i).data(), ResponseStreamEvent.class)
          .forEach(f -> findings.add("event " + index + " " + events.get(index).name() + ": " + f));
    }
    assertThat(findings).as(response.body()).isEmpty();
  }

  static HttpResponse<String> post(Case c, String body) throws Exception {
    HttpRequest request =
        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + gateway.port() + "/v1/responses"))
            .header("content-type", "application/json")
            .header("x-portkey-provider", c.provider())
            .header("x-api-key", "sk-ant-referee")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    return CLIENT.send(request, HttpResponse.BodyHandlers.ofString());
  }
}
