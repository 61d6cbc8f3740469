package dev.switchboard.engine.providers.bedrock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.UpstreamFailureException;
import dev.switchboard.wire.WireJson;
import java.util.Base64;
import org.junit.jupiter.api.Test;

/** Anthropic's Messages bodies as Bedrock's InvokeModel and CountTokens take them. */
class AnthropicOnBedrockTest {

  static ObjectNode body(String json) {
    return (ObjectNode) WireJson.tree(json);
  }

  @Test
  void theInvokeBodyIsTheClientsLessModelAndStreamWithBedrocksVersion() {
    ObjectNode request =
        body(
            "{\"model\":\"anthropic.claude-3-5-haiku-20241022-v1:0\",\"stream\":true,"
                + "\"max_tokens\":9,\"messages\":[],\"a_new_field\":{\"x\":1}}");

    ObjectNode invoke = AnthropicOnBedrock.invokeBody(request, null);

    assertThat(invoke)
        .isEqualTo(
            body(
                "{\"max_tokens\":9,\"messages\":[],\"a_new_field\":{\"x\":1},"
                    + "\"anthropic_version\":\"bedrock-2023-05-31\"}"));
    assertThat(request.has("model")).as("the client's body is left alone").isTrue();
  }

  @Test
  void theBetaHeaderReplacesTheBodysFlagsAsAList() {
    ObjectNode request = body("{\"anthropic_beta\":[\"old\"],\"anthropic_version\":\"v\"}");

    ObjectNode invoke = AnthropicOnBedrock.invokeBody(request, " a-1 ,b-2,");

    assertThat(invoke.get("anthropic_beta")).isEqualTo(WireJson.tree("[\"a-1\",\"b-2\"]"));
    assertThat(invoke.get("anthropic_version").asText()).isEqualTo("v");
    assertThat(AnthropicOnBedrock.invokeBody(body("{\"anthropic_beta\":\"x,y\"}"), null))
        .isEqualTo(
            body(
                "{\"anthropic_beta\":[\"x\",\"y\"],\"anthropic_version\":\"bedrock-2023-05-31\"}"));
  }

  @Test
  void countTokensSendsTheInvokeBodyBase64WithAMaxTokensAboveTheThinkingBudget() {
    ObjectNode request =
        body(
            "{\"model\":\"us.anthropic.claude-sonnet-4-5-20250929-v1:0\","
                + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":2048},\"messages\":[]}");

    ObjectNode count = AnthropicOnBedrock.countTokensBody(request, null);

    JsonNode invoke =
        WireJson.tree(Base64.getDecoder().decode(count.at("/input/invokeModel/body").asText()));
    assertThat(invoke.path("max_tokens").asInt()).isEqualTo(2049);
    assertThat(invoke.has("model")).isFalse();
    assertThat(count.path("input").size()).isEqualTo(1);
    assertThat(AnthropicOnBedrock.countTokensAnswer(WireJson.tree("{\"inputTokens\":12}")))
        .isEqualTo(body("{\"input_tokens\":12}"));
    assertThatThrownBy(() -> AnthropicOnBedrock.countTokensAnswer(WireJson.tree("{}")))
        .isInstanceOf(UpstreamFailureException.class);
  }

  @Test
  void onlyAnthropicModelsAreServed() {
    assertThat(AnthropicOnBedrock.model(body("{\"model\":\"eu.anthropic.claude-x-v1:0\"}")).id())
        .isEqualTo("eu.anthropic.claude-x-v1:0");
    assertThat(
            AnthropicOnBedrock.model(
                    body(
                        "{\"model\":\"arn:aws:bedrock:us-east-1::foundation-model/anthropic.claude-x\"}"))
                .vendor())
        .isEqualTo("anthropic");
    assertThatThrownBy(() -> AnthropicOnBedrock.model(body("{\"model\":\"meta.llama3-70b\"}")))
        .isInstanceOf(InvalidRequestException.class)
        .hasMessageContaining("Anthropic models only");
    assertThatThrownBy(() -> AnthropicOnBedrock.model(body("{\"max_tokens\":1}")))
        .isInstanceOf(InvalidRequestException.class);
  }
}
