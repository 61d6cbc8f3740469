package dev.switchboard.engine.providers.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The translations, checked on fixtures shaped as AWS documents Converse. */
class BedrockTranslationTest {

  static byte[] fixture(String name) {
    try (InputStream in = BedrockTranslationTest.class.getResourceAsStream("/bedrock/" + name)) {
      assertThat(in).as(name).isNotNull();
      return in.readAllBytes();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  @Test
  void translatesAnAgentConversationForAnAnthropicModel() {
    ChatRequest request = WireJson.read(fixture("chat-request-agent.json"), ChatRequest.class);

    JsonNode converse =
        ConverseRequestTranslator.translateRequest(request, BedrockModel.of(request.model()), null);

    assertThat(WireJson.tree(WireJson.write(converse)))
        .isEqualTo(WireJson.tree(fixture("converse-request-agent.json")));
  }

  @Test
  void translatesAConverseAnswerWithReasoningParallelToolUsesAndCacheUsage() {
    JsonNode response = WireJson.tree(fixture("converse-response-reasoning-tool-use.json"));

    ChatCompletion completion =
        ConverseResponseTranslator.translateResponse(
            response, "m", "chatcmpl-1", 1_700_000_000L, true);
    JsonNode json = WireJson.tree(WireJson.write(completion));
    JsonNode loose =
        WireJson.tree(
            WireJson.write(
                ConverseResponseTranslator.translateResponse(
                    response, "m", "chatcmpl-1", 1_700_000_000L, false)));

    assertThat(json.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(json.at("/choices/0/message").has("content_blocks")).isFalse();
    assertThat(loose.at("/choices/0/finish_reason").asText()).isEqualTo("tool_use");
    assertThat(json.at("/choices/0/message/content").asText()).isEqualTo("I'll check both cities.");
    assertThat(json.at("/choices/0/message/tool_calls/1/id").asText())
        .isEqualTo("tooluse_aB3cD4eF5gH6iJ7kL8mN9o");
    assertThat(
            WireJson.tree(json.at("/choices/0/message/tool_calls/1/function/arguments").asText()))
        .isEqualTo(WireJson.tree("{\"city\":\"Rome\",\"units\":\"metric\"}"));
    assertThat(loose.at("/choices/0/message/content_blocks/0/type").asText()).isEqualTo("thinking");
    assertThat(loose.at("/choices/0/message/content_blocks/0/signature").asText())
        .isEqualTo("EqoBCkgIAxABGAIiQL");
    assertThat(loose.at("/choices/0/message/content_blocks/1/text").asText())
        .isEqualTo("I'll check both cities.");
    assertThat(json.at("/usage/prompt_tokens").asInt()).isEqualTo(1420);
    assertThat(json.at("/usage/completion_tokens").asInt()).isEqualTo(96);
    assertThat(json.at("/usage/total_tokens").asInt()).isEqualTo(1516);
    assertThat(json.at("/usage/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(800);
    assertThat(json.at("/usage/cache_creation_input_tokens").asInt()).isEqualTo(200);
  }

  @Test
  void modelIdsAreOnePercentEncodedPathSegmentAndNameTheirVendor() {
    assertThat(BedrockModel.of("anthropic.claude-3-haiku-20240307-v1:0").pathSegment())
        .isEqualTo("anthropic.claude-3-haiku-20240307-v1%3A0");
    assertThat(BedrockModel.of("us.anthropic.claude-3-haiku-20240307-v1:0").vendor())
        .isEqualTo("anthropic");
    assertThat(
            BedrockModel.of("arn:aws:bedrock:us-east-1::foundation-model/cohere.command-r-v1:0")
                .vendor())
        .isEqualTo("cohere");
    assertThat(BedrockModel.of("arn:aws:bedrock:us-east-1:1:inference-profile/x y").pathSegment())
        .isEqualTo("arn%3Aaws%3Abedrock%3Aus-east-1%3A1%3Ainference-profile%2Fx%20y");
  }

  @Test
  void errorNamesLoseTheirNamespaceAndKeepTheirStatus() {
    ProviderErrorException error =
        BedrockErrors.fromResponse(
            400,
            List.of(
                Map.entry(
                    "x-amzn-errortype",
                    "ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/")),
            "{\"message\":\"Rate exceeded\"}".getBytes());

    assertThat(error.status()).isEqualTo(429);
    assertThat(error.error().path("type").asText()).isEqualTo("ThrottlingException");
    assertThat(
            BedrockErrors.fromStreamException("modelStreamErrorException", "{}".getBytes())
                .status())
        .isEqualTo(424);
  }

  @Test
  void missingCredentialsNameTheHeaderAndNeverShowTheSecret() {
    Target target =
        new Target(
            "bedrock",
            null,
            null,
            List.of(),
            null,
            Map.of("aws_access_key_id", "AKIA1", "aws_secret_access_key", "s3cr3t-value"));

    assertThatThrownBy(() -> BedrockAccess.of(target))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("x-portkey-aws-region")
        .extracting(e -> ((InvalidRequestException) e).param())
        .isEqualTo("x-portkey-aws-region");
    BedrockAccess access = new BedrockAccess("AKIA1", "s3cr3t-value", "tok3n-value", "us-east-1");
    assertThat(access.toString()).doesNotContain("s3cr3t-value").doesNotContain("tok3n-value");
  }

  @Test
  void imagesTravelAsBytesWithConversesFormatNames() {
    ChatRequest request =
        WireJson.read(
            "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:image/jpg;base64,/9j/4AAQ\"}},"
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"data:application/pdf;base64,JVBERi0=\"}}]}]}",
            ChatRequest.class);

    JsonNode content =
        ConverseRequestTranslator.translateRequest(request, BedrockModel.of(request.model()), null)
            .at("/messages/0/content");

    assertThat(content.at("/0/image/format").asText()).isEqualTo("jpeg");
    assertThat(content.at("/0/image/source/bytes").asText()).isEqualTo("/9j/4AAQ");
    assertThat(content.at("/1/document/format").asText()).isEqualTo("pdf");
    assertThat(content.at("/1/document/name").asText()).isNotBlank();
  }

  @Test
  void refusesContentPartsConverseCannotTake() {
    ChatRequest audio =
        WireJson.read(
            "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"input_audio\",\"input_audio\":{\"data\":\"AAAA\",\"format\":\"wav\"}}]}]}",
            ChatRequest.class);

    assertThatThrownBy(() ->
            ConverseRequestTranslator.translateRequest(audio, BedrockModel.of(audio.model()), null))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("input_audio");
  }
}
