package dev.switchboard.engine.providers.cohere;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.engine.sse.SseReader;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Cohere's v2 fixtures, shaped as Cohere documents them, through the translators. */
class CohereTranslatorsTest {

  static InputStream fixture(String name) {
    InputStream in = CohereTranslatorsTest.class.getResourceAsStream("/cohere/" + name);
    assertThat(in).as(name).isNotNull();
    return in;
  }

  static List<ChatCompletionChunk> translate(String name, boolean includeUsage) throws IOException {
    CohereStreamTranslator translator =
        new CohereStreamTranslator("command-a", 1700000000L, includeUsage);
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    try (InputStream in = fixture(name)) {
      SseReader reader = new SseReader(in);
      SseEvent event;
      while ((event = reader.next()) != null) {
        chunks.addAll(translator.translate(event.event(), WireJson.tree(event.data())));
      }
    }
    assertThat(translator.finished()).isTrue();
    return chunks;
  }

  static JsonNode tree(Object value) {
    return WireJson.mapper().valueToTree(value);
  }

  @Test
  void aToolCallResponseBecomesOpenAiToolCalls() throws IOException {
    JsonNode response;
    try (InputStream in = fixture("chat-tool-calls.json")) {
      response = WireJson.tree(in.readAllBytes());
    }

    JsonNode completion =
        tree(CohereResponseTranslator.toChatCompletion(response, "command-a", 1700000000L));

    assertThat(completion.at("/choices/0/message/content").isNull()).isTrue();
    assertThat(completion.at("/choices/0/message/tool_calls/1/id").asText())
        .isEqualTo("get_time_7pdnbw9kkm6m");
    assertThat(completion.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(completion.path("usage"))
        .isEqualTo(
            WireJson.tree(
                "{\"prompt_tokens\":1014,\"completion_tokens\":54,\"total_tokens\":1068}"));
  }

  @Test
  void aToolCallStreamGivesEachParallelCallItsOwnIndex() throws IOException {
    List<ChatCompletionChunk> chunks = translate("chat-stream-tool-calls.sse", true);

    List<JsonNode> toolDeltas = new ArrayList<>();
    for (ChatCompletionChunk chunk : chunks) {
      tree(chunk).at("/choices/0/delta/tool_calls").forEach(toolDeltas::add);
    }
    assertThat(toolDeltas).extracting(d -> d.path("index").asInt()).containsExactly(0, 0, 0, 1, 1);
    assertThat(toolDeltas.get(0).path("id").asText()).isEqualTo("get_weather_1byjy32y4hvq");
    assertThat(
            toolDeltas.get(1).at("/function/arguments").asText()
                + toolDeltas.get(2).at("/function/arguments").asText())
        .isEqualTo("{\"location\":\"Toronto\"}");
    JsonNode finish = tree(chunks.get(chunks.size() - 2));
    assertThat(finish.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode usage = tree(chunks.getLast());
    assertThat(usage.path("choices")).isEmpty();
    assertThat(usage.at("/usage/total_tokens").asInt()).isEqualTo(1068);
    assertThat(tree(chunks.getFirst()).path("id").asText())
        .isEqualTo("7b2ef7b4-3c7e-4f35-9c38-1f6a7d2b0c11");
  }

  @Test
  void aTextStreamGivesContentAndTheLengthFinishWithoutUsageUnlessAsked() throws IOException {
    List<ChatCompletionChunk> chunks = translate("chat-stream-text.sse", false);

    StringBuilder content = new StringBuilder();
    for (ChatCompletionChunk chunk : chunks) {
      content.append(tree(chunk).at("/choices/0/delta/content").asText(""));
    }
    assertThat(content.toString()).isEqualTo("Hello there!");
    assertThat(tree(chunks.getLast()).at("/choices/0/finish_reason").asText()).isEqualTo("length");
    assertThat(tree(chunks.getFirst()).at("/choices/0/delta/role").asText()).isEqualTo("assistant");
  }

  @Test
  void theRequestCarriesOnlyFieldsV2Knows() {
    ChatRequest request =
        WireJson.read(
            """
            {"model":"command-a","messages":[{"role":"user","content":[
              {"type":"text","text":"What is this?"},
              {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}],
             "top_p":0.5,"top_k":40,"n":2,"user":"u","store":true,"documents":[{"data":{"t":"x"}}],
             "response_format":{"type":"json_object"},"stop":["a","b"]}\
            """,
            ChatRequest.class);

    ObjectNode body = CohereRequestTranslator.toChat(request);

    assertThat(body)
        .isEqualTo(
            WireJson.tree(
                """
                {"model":"command-a","messages":[{"role":"user","content":[
                  {"type":"text","text":"What is this?"},
                  {"type":"image_url","image_url":{"url":"data:image/png;base64,AAAA","detail":"low"}}]}],
                 "stop_sequences":["a","b"],"p":0.5,"k":40,"documents":[{"data":{"t":"x"}}],
                 "response_format":{"type":"json_object"}}\
                """));
  }
}
