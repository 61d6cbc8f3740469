package dev.switchboard.engine.providers.google;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The Gemini translators on their own, without HTTP: the cases the fakes do not reach. */
class GeminiTranslatorsTest {
  static ChatRequest request(String json) {
    return WireJson.read(json, ChatRequest.class);
  }

  static JsonNode translate(String json) {
    return GeminiRequestTranslator.toGenerateContent(request(json));
  }

  @Test
  void thinkingEffortModalitiesAudioAndBareBase64() {
    JsonNode body =
        translate(
            """
            {"model":"gemini-2.5-pro","messages":[{"role":"user","content":[
              {"type":"input_audio","input_audio":{"data":"UklGRg==","format":"wav"}},
              {"type":"image_url","image_url":{"url":"/9j/4AAQ"}}]}],
             "stop":["a","b"],"thinking":{"type":"enabled","budget_tokens":1024},
             "modalities":["text"],"logprobs":true,"top_logprobs":3}\
            """);

    assertThat(body.at("/contents/0/parts"))
        .isEqualTo(
            WireJson.tree(
                """
                [{"inlineData":{"mimeType":"audio/wav","data":"UklGRg=="}},
                 {"inlineData":{"mimeType":"image/jpeg","data":"/9j/4AAQ"}}]\
                """));
    assertThat(body.path("generationConfig"))
        .isEqualTo(
            WireJson.tree(
                """
                {"stopSequences":["a","b"],"responseLogprobs":true,"logprobs":3,
                 "thinkingConfig":{"includeThoughts":true,"thinkingBudget":1024},
                 "responseModalities":["TEXT"]}\
                """));
    assertThat(
            translate(
                    "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}],"
                        + "\"reasoning_effort\":\"low\"}")
                .at("/generationConfig/thinkingConfig/thinkingLevel")
                .asText())
        .isEqualTo("low");
  }

  @Test
  void aToolResultWhoseCallIsUnknownTakesPortkeysFillerName() {
    JsonNode body =
        translate(
            """
            {"model":"m","messages":[{"role":"user","content":"x"},
              {"role":"tool","tool_call_id":"nowhere","content":"42"},
              {"role":"function","name":"legacy","content":"7"}]}\
            """);

    assertThat(body.at("/contents/0/parts/1/functionResponse/name").asText())
        .isEqualTo("gateway-tool-filler-name");
    assertThat(body.at("/contents/0/parts/2/functionResponse/name").asText()).isEqualTo("legacy");
  }

  @Test
  void refusesArgumentsThatAreNotJsonAndUnknownParts() {
    assertThatThrownBy(() ->
            translate(
                """
                {"model":"m","messages":[{"role":"assistant","content":null,"tool_calls":[
                  {"id":"c","type":"function","function":{"name":"f","arguments":"{oops"}}]}]}\
                """))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("not valid JSON");
    assertThatThrownBy(() ->
            translate(
                """
                {"model":"m","messages":[{"role":"user","content":[
                  {"type":"file","file":{"file_id":"f"}}]}]}\
                """))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("'file'");
  }

  @Test
  void thoughtSignaturesTravelBothWaysWithStrictComplianceOff() {
    JsonNode response =
        WireJson.tree(
            """
            {"candidates":[{"content":{"role":"model","parts":[
              {"functionCall":{"name":"f","args":{"a":1}},"thoughtSignature":"c2ln"}]},
              "finishReason":"STOP","groundingMetadata":{"webSearchQueries":["q"]}}],
             "usageMetadata":{"promptTokenCount":3,"candidatesTokenCount":2,"totalTokenCount":5}}\
            """);

    ChatCompletion loose = GeminiResponseTranslator.toChatCompletion(response, "m", false, 0, 1);
    ChatCompletion strict = GeminiResponseTranslator.toChatCompletion(response, "m", true, 0, 1);

    JsonNode looseJson = WireJson.mapper().valueToTree(loose);
    assertThat(looseJson.at("/choices/0/message/tool_calls/0/function/thought_signature").asText())
        .isEqualTo("c2ln");
    assertThat(looseJson.at("/choices/0/finish_reason").asText()).isEqualTo("STOP");
    assertThat(looseJson.at("/choices/0/groundingMetadata").isObject()).isTrue();
    JsonNode strictJson = WireJson.mapper().valueToTree(strict);
    assertThat(strictJson.at("/choices/0/message/tool_calls/0/function").has("thought_signature"))
        .isFalse();
    assertThat(strictJson.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");

    ChatRequest next =
        request(
            "{\"model\":\"m\",\"messages\":["
                + WireJson.writeString(looseJson.at("/choices/0/message"))
                + "]}");
    assertThat(
            GeminiRequestTranslator.toGenerateContent(next)
                .at("/contents/0/parts/0/thoughtSignature")
                .asText())
        .isEqualTo("c2ln");
  }

  @Test
  void geminisOwnCallIdIsKeptAndMadeUpIdsDependOnTheTurn() {
    JsonNode withId =
        WireJson.tree(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
                + "{\"id\":\"fc_1\",\"name\":\"f\",\"args\":{}}}]},\"finishReason\":\"STOP\"}]}");
    JsonNode withoutId =
        WireJson.tree(
            "{\"candidates\":[{\"content\":{\"parts\":[{\"functionCall\":"
                + "{\"name\":\"f\",\"args\":{}}}]},\"finishReason\":\"STOP\"}]}");

    assertThat(
            GeminiResponseTranslator.toChatCompletion(withId, "m", true, 0, 1)
                .message()
                .toolCalls()
                .getFirst()
                .id())
        .isEqualTo("fc_1");
    String turnOne =
        GeminiResponseTranslator.toChatCompletion(withoutId, "m", true, 0, 1)
            .message()
            .toolCalls()
            .getFirst()
            .id();
    String turnThree =
        GeminiResponseTranslator.toChatCompletion(withoutId, "m", true, 0, 3)
            .message()
            .toolCalls()
            .getFirst()
            .id();
    assertThat(turnOne).startsWith("portkey-").isNotEqualTo(turnThree);
  }

  @Test
  void aStreamReportsErrorsAndEndsOnlyAfterAFinish() {
    GeminiStreamTranslator translator =
        new GeminiStreamTranslator("google", "m", true, false, 0, 1);
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    chunks.addAll(
        translator.translate(
            WireJson.tree("{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"Hi\"}]}}]}")));

    assertThat(translator.finished()).isFalse();
    assertThat(chunks).hasSize(2); // the role, then the text
    chunks.addAll(
        translator.translate(
            WireJson.tree(
                "{\"candidates\":[{\"content\":{\"parts\":[{\"text\":\"!\"}]},"
                    + "\"finishReason\":\"MAX_TOKENS\"}],\"usageMetadata\":"
                    + "{\"promptTokenCount\":1,\"candidatesTokenCount\":2,\"totalTokenCount\":3}}")));
    assertThat(translator.finished()).isTrue();
    assertThat(chunks.getLast().choices().getFirst().finishReason()).isEqualTo("length");
    assertThat(translator.end()).as("no usage chunk unless asked").isEmpty();

    GeminiStreamTranslator failing = new GeminiStreamTranslator("google", "m", true, true, 0, 1);
    assertThatThrownBy(() ->
            failing.translate(
                WireJson.tree(
                    "{\"error\":{\"code\":429,\"message\":\"slow down\","
                        + "\"status\":\"RESOURCE_EXHAUSTED\"}}")))
        .isInstanceOfSatisfying(
            ProviderErrorException.class, e -> assertThat(e.status()).isEqualTo(429));
  }

  @Test
  void googleErrorsBareOrInAnArray() {
    byte[] wrapped =
        "[{\"error\":{\"code\":403,\"message\":\"denied\",\"status\":\"PERMISSION_DENIED\"}}]"
            .getBytes(StandardCharsets.UTF_8);
    JsonNode error = GoogleErrors.errorObject(wrapped);

    assertThat(error.path("message").asText()).isEqualTo("denied");
    assertThat(error.path("type").asText()).isEqualTo("PERMISSION_DENIED");
    assertThat(error.path("code").asText()).isEqualTo("403");
    assertThat(GoogleErrors.status(WireJson.tree("{\"status\":\"UNAVAILABLE\"}"))).isEqualTo(503);
    assertThat(
            GoogleErrors.errorObject("not json".getBytes(StandardCharsets.UTF_8))
                .path("message")
                .asText())
        .isEqualTo("not json");
  }
}
