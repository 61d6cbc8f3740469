package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.GatewayResponse;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.server.cli.SettingsLoader;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** One settings file drives the server and the embedded gateway to the same routing. */
class EmbeddedGatewayTest {
  static final String REQUEST =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Where does this go?"}]}\
      """;

  static String settings(FakeOpenAi openAi) {
    return """
    server:
      port: 0
    providers:
      openai:
        base-url: %s
    configs:
      support:
        strategy:
          mode: fallback
          on_status_codes: [503]
        targets:
          - provider: openai
          - provider: mock
            override_params:
              model: mock-fallback
    """
        .formatted(openAi.baseUrl());
  }

  @Test
  void routesAsTheServerDoesFromTheSameSettingsFile(@TempDir Path directory) throws Exception {
    try (FakeOpenAi openAi = FakeOpenAi.start()) {
      Path file = Files.writeString(directory.resolve("switchboard.yaml"), settings(openAi));
      try (SwitchboardServer server =
              SwitchboardServer.start(SettingsLoader.load(file, Map.of(), Map.of()));
          Gateway embedded = EmbeddedGateway.fromFile(file);
          HttpClient http = HttpClient.newHttpClient()) {
        RequestOptions options = RequestOptions.builder().config("support").build();
        ChatRequest request = WireJson.read(REQUEST, ChatRequest.class);

        openAi.enqueue(new Fault.Status(503, Map.of()));
        HttpResponse<String> overHttp = post(http, server.baseUri(), "support");
        openAi.enqueue(new Fault.Status(503, Map.of()));
        GatewayResponse<ChatCompletion> inProcess = embedded.chat(request, options);

        assertThat(overHttp.statusCode()).isEqualTo(200);
        assertThat(inProcess.provider()).isEqualTo("mock");
        assertThat(overHttp.headers().firstValue("x-portkey-provider")).hasValue("mock");
        assertThat(inProcess.facts().lastUsedOptionIndex()).isEqualTo("config.targets[1]");
        assertThat(overHttp.headers().firstValue("x-portkey-last-used-option-index"))
            .hasValue("config.targets[1]");
        JsonNode body = WireJson.tree(overHttp.body());
        assertThat(body.get("model").asText()).isEqualTo("mock-fallback");
        assertThat(inProcess.body().model()).isEqualTo("mock-fallback");
        assertThat(inProcess.body().choices().getFirst().message().content().text())
            .isEqualTo(body.at("/choices/0/message/content").asText());

        // Without the fault, both answer from the first target, the fake.
        GatewayResponse<ChatCompletion> direct = embedded.chat(request, options);
        HttpResponse<String> directOverHttp = post(http, server.baseUri(), "support");
        assertThat(direct.facts().lastUsedOptionIndex()).isEqualTo("config.targets[0]");
        assertThat(directOverHttp.headers().firstValue("x-portkey-last-used-option-index"))
            .hasValue("config.targets[0]");
        assertThat(openAi.requestCount()).isEqualTo(4);
      }
    }
  }

  @Test
  void refusesAnInvalidSettingNamingIt() {
    assertThatThrownBy(() -> EmbeddedGateway.fromYaml("routing:\n  max-attempts: many\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("routing.max-attempts");
    assertThatThrownBy(() -> EmbeddedGateway.fromYaml("no-such:\n  setting: 1\n"))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("no-such.setting");
  }

  @Test
  void aServerAddressInTheFileDoesNotHoldBackAGatewayThatDoesNotListen() {
    try (Gateway gateway = EmbeddedGateway.fromYaml("server:\n  host: 0.0.0.0\n")) {
      var answer =
          gateway.chat(
              WireJson.read(REQUEST, ChatRequest.class),
              RequestOptions.builder().provider("mock").build());

      assertThat(answer.facts().provider()).isEqualTo("mock");
    }
    assertThatThrownBy(
            () -> SettingsLoader.loadYaml("server:\n  host: 0.0.0.0\n", Map.of(), Map.of()))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("server.allow-unauthenticated");
  }

  private static HttpResponse<String> post(HttpClient http, URI base, String config)
      throws IOException, InterruptedException {
    return http.send(
        HttpRequest.newBuilder(base.resolve("/v1/chat/completions"))
            .header("content-type", "application/json")
            .header("x-portkey-config", config)
            .POST(HttpRequest.BodyPublishers.ofString(REQUEST))
            .build(),
        HttpResponse.BodyHandlers.ofString());
  }
}
