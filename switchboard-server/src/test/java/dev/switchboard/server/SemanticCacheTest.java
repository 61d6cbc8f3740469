package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The semantic cache through HTTP, with the in-process sentence embedder the server ships: a
 * paraphrase of the last user turn is served the stored answer; anything else is a miss.
 */
class SemanticCacheTest {
  static final String SEMANTIC = "{\"mode\":\"semantic\"}";

  FakeOpenAi openai;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    gateway = GatewayUnderTest.withEngine(GatewaySettings.builder().build(), engine -> {});
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  static String ask(String... turns) {
    StringBuilder messages = new StringBuilder();
    for (int i = 0; i < turns.length; i++) {
      String role = i % 2 == 0 ? "user" : "assistant";
      messages
          .append(i == 0 ? "" : ",")
          .append("{\"role\":\"")
          .append(role)
          .append("\",\"content\":")
          .append(WireJson.writeString(turns[i]))
          .append("}");
    }
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[" + messages + "]}";
  }

  HttpResponse<String> chat(String body, String cache, String... headers) {
    String config =
        "{\"provider\":\"openai\",\"api_key\":\"sk-sem\",\"custom_host\":\""
            + openai.baseUrl()
            + "\",\"cache\":"
            + cache
            + "}";
    String[] all = new String[headers.length + 2];
    all[0] = "x-portkey-config";
    all[1] = config;
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.postJson("/v1/chat/completions", body, all);
  }

  static String status(HttpResponse<String> response) {
    return response.headers().firstValue("x-portkey-cache-status").orElse(null);
  }

  @Test
  void aParaphraseOfTheLastUserTurnIsASemanticHit() {
    var first = chat(ask("What is the capital of France?"), SEMANTIC);
    var paraphrase = chat(ask("Which city is the capital of France?"), SEMANTIC);

    assertThat(status(first)).isEqualTo("SEMANTIC MISS");
    assertThat(status(paraphrase)).isEqualTo("SEMANTIC HIT");
    assertThat(json(paraphrase)).isEqualTo(json(first));
    assertThat(openai.requestCount()).isEqualTo(1);
    assertThat(json(gateway.get("/v1/health")).at("/cache/semantic_hits").asLong()).isEqualTo(1);
  }

  @Test
  void theSameRequestInSemanticModeIsAnExactHit() {
    chat(ask("What is the capital of France?"), SEMANTIC);

    assertThat(status(chat(ask("What is the capital of France?"), SEMANTIC))).isEqualTo("HIT");
  }

  @Test
  void anotherQuestionIsASemanticMiss() {
    chat(ask("What is the capital of France?"), SEMANTIC);

    var other = chat(ask("How do I bake sourdough bread?"), SEMANTIC);
    var nearMiss = chat(ask("What is the capital of Germany?"), SEMANTIC);

    assertThat(status(other)).isEqualTo("SEMANTIC MISS");
    assertThat(status(nearMiss)).isEqualTo("SEMANTIC MISS");
    assertThat(openai.requestCount()).isEqualTo(3);
  }

  @Test
  void differentNumbersNeverMatch() {
    chat(ask("What is the square root of 144?"), SEMANTIC);

    assertThat(status(chat(ask("What is the square root of 169?"), SEMANTIC)))
        .isEqualTo("SEMANTIC MISS");
  }

  @Test
  void onlyTheLastUserTurnIsComparedTheEarlierTurnsMustMatchExactly() {
    chat(ask("I live in Lyon.", "Nice city!", "What is the capital of France?"), SEMANTIC);

    var sameHistory =
        chat(
            ask("I live in Lyon.", "Nice city!", "Which city is the capital of France?"), SEMANTIC);
    var otherHistory =
        chat(
            ask("I live in Berlin.", "Nice city!", "Which city is the capital of France?"),
            SEMANTIC);

    assertThat(status(sameHistory)).isEqualTo("SEMANTIC HIT");
    assertThat(status(otherHistory)).isEqualTo("SEMANTIC MISS");
  }

  @Test
  void aSemanticHitStaysWithinItsScope() {
    chat(ask("What is the capital of France?"), SEMANTIC, "x-portkey-api-key", "pk-one");

    var otherTenant =
        chat(ask("Which city is the capital of France?"), SEMANTIC, "x-portkey-api-key", "pk-two");

    assertThat(status(otherTenant)).isEqualTo("SEMANTIC MISS");
  }

  @Test
  void theSimilarityThresholdComesFromTheConfig() {
    String strict = "{\"mode\":\"semantic\",\"similarity_threshold\":0.99}";
    chat(ask("What is the capital of France?"), strict);

    assertThat(status(chat(ask("Which city is the capital of France?"), strict)))
        .isEqualTo("SEMANTIC MISS");
  }
}
