package dev.switchboard.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.EmbeddingRequest;
import java.net.URI;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The engine as a library: the same pipeline as the server, with no HTTP hop in front. */
class GatewayInProcessTest {
  static final Clock FIXED = Clock.fixed(Instant.parse("2026-01-01T00:00:00Z"), ZoneOffset.UTC);

  static ChatRequest hello(String model) {
    return new ChatRequest(
        model,
        List.of(new ChatMessage.User("Hello in process")),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }

  @Test
  void chatsWithTheOfflineProvider() {
    try (Gateway gateway = Gateway.builder().clock(FIXED).build()) {
      var answer =
          gateway.chat(hello("mock-chat"), RequestOptions.builder().provider("mock").build());

      assertThat(answer.provider()).isEqualTo("mock");
      assertThat(answer.body().created()).isEqualTo(FIXED.instant().getEpochSecond());
      assertThat(answer.body().message().content().text()).contains("Hello in process");
    }
  }

  @Test
  void streamsChunksThatAddUpToTheWholeReply() {
    try (Gateway gateway = Gateway.builder().build()) {
      var options = RequestOptions.builder().provider("mock").build();
      String whole = gateway.chat(hello("mock-chat"), options).body().message().content().text();

      StringBuilder streamed = new StringBuilder();
      List<String> finishes = new ArrayList<>();
      try (var stream = gateway.chatStream(hello("mock-chat"), options)) {
        for (ChatCompletionChunk chunk = stream.next(); chunk != null; chunk = stream.next()) {
          var choice = chunk.choices().getFirst();
          if (choice.delta().content() != null) {
            streamed.append(choice.delta().content());
          }
          if (choice.finishReason() != null) {
            finishes.add(choice.finishReason());
          }
        }
      }

      assertThat(streamed.toString()).isEqualTo(whole);
      assertThat(finishes).containsExactly("stop");
    }
  }

  @Test
  void callsOpenAiThroughTheSameOutboundClientAsTheServer() {
    try (FakeOpenAi openai = FakeOpenAi.start();
        Gateway gateway =
            Gateway.builder()
                .settings(
                    GatewaySettings.builder()
                        .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                        .build())
                .build()) {
      var options = RequestOptions.builder().provider("openai").apiKey("sk-in-process").build();

      var answer = gateway.chat(hello("gpt-4o-mini"), options);
      var embedding =
          gateway.embed(
              new EmbeddingRequest(
                  "text-embedding-3-small",
                  JsonNodeFactory.instance.textNode("hi"),
                  null,
                  null,
                  null,
                  null),
              options);
      openai.enqueue(Fault.status(500));

      assertThat(answer.body().message().content().text()).contains("Hello in process");
      assertThat(embedding.body().data()).hasSize(1);
      assertThatThrownBy(() -> gateway.chat(hello("gpt-4o-mini"), options))
          .isInstanceOfSatisfying(
              ProviderErrorException.class,
              e -> {
                assertThat(e.status()).isEqualTo(500);
                assertThat(e.provider()).isEqualTo("openai");
              });
    }
  }

  @Test
  void refusesAnUnknownProviderBeforeAnyCall() {
    try (Gateway gateway = Gateway.builder().build()) {
      assertThatThrownBy(
              () -> gateway.chat(hello("m"), RequestOptions.builder().provider("nosuch").build()))
          .isInstanceOf(InvalidRequestException.class)
          .hasMessageContaining("nosuch");
      assertThat(gateway.providerNames()).contains("openai", "mock");
    }
  }
}
