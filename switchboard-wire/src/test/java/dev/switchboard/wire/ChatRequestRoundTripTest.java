package dev.switchboard.wire;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.io.InputStream;
import org.junit.jupiter.api.Test;

class ChatRequestRoundTripTest {

  @Test
  void anAgentRequestWithEveryKindOfMessageRoundTripsUnchanged() throws IOException {
    byte[] original = fixture("openai/agent-request.json");

    ChatRequest request = WireJson.read(original, ChatRequest.class);

    assertThat(WireJson.tree(WireJson.write(request))).isEqualTo(WireJson.tree(original));
  }

  @Test
  void typedFieldsAreReadFromTheWireNames() throws IOException {
    ChatRequest request = WireJson.read(fixture("openai/agent-request.json"), ChatRequest.class);

    assertThat(request.isStreaming()).isTrue();
    assertThat(request.wantsStreamUsage()).isTrue();
    assertThat(request.toolChoice()).isEqualTo(ToolChoice.required());
    assertThat(request.maxCompletionTokens()).isEqualTo(256);
    assertThat(request.messages())
        .extracting(ChatMessage::role)
        .containsExactly("system", "developer", "user", "assistant", "tool", "tool");
    var assistant = (ChatMessage.Assistant) request.messages().get(3);
    assertThat(assistant.content()).isNull();
    assertThat(assistant.toolCalls()).extracting(ToolCall::id).containsExactly("call_1", "call_2");
    var user = (ChatMessage.User) request.messages().get(2);
    var parts = ((MessageContent.Parts) user.content()).parts();
    assertThat(parts.get(1)).isInstanceOf(ContentPart.ImagePart.class);
    assertThat(((ContentPart.ImagePart) parts.get(1)).imageUrl().extras()).containsKey("format");
    assertThat(parts.get(2)).isInstanceOf(ContentPart.OtherPart.class);
    assertThat(request.extras()).containsKeys("metadata", "reasoning_effort", "a_future_field");
  }

  @Test
  void emptyToolsAndANamedToolChoiceRoundTrip() {
    String json =
        """
        {"model":"m","messages":[{"role":"user","content":"hi"}],"tools":[],\
        "tool_choice":{"type":"function","function":{"name":"lookup"}}}\
        """;

    ChatRequest request = WireJson.read(json, ChatRequest.class);

    assertThat(request.tools()).isEmpty();
    assertThat(request.toolChoice()).isEqualTo(new ToolChoice.Function("lookup"));
    assertThat(WireJson.tree(WireJson.writeString(request))).isEqualTo(WireJson.tree(json));
  }

  @Test
  void anUnknownRoleIsAFormatErrorThatNamesTheRole() {
    String json = "{\"model\":\"m\",\"messages\":[{\"role\":\"wizard\",\"content\":\"hi\"}]}";

    assertThatThrownBy(() -> WireJson.read(json, ChatRequest.class))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("'wizard'");
  }

  @Test
  void malformedJsonIsAFormatErrorThatDoesNotEchoTheBody() {
    assertThatThrownBy(() -> WireJson.read("{\"model\": sk-secret", ChatRequest.class))
        .isInstanceOf(WireFormatException.class)
        .hasMessageContaining("line 1")
        .hasMessageNotContaining("sk-secret");
  }

  @Test
  void aResponseWritesNullContentAndFinishReasonAsOpenAiDoes() {
    var message =
        new ChatMessage.Assistant(
            null, null, null, java.util.List.of(ToolCall.function("call_1", "f", "{}")), null);
    var completion =
        new ChatCompletion(
            "chatcmpl-1",
            "chat.completion",
            1L,
            "m",
            java.util.List.of(new ChatCompletion.Choice(0, message, null, "tool_calls", null)),
            Usage.of(3, 1),
            null,
            null,
            null);

    JsonNode json = WireJson.tree(WireJson.write(completion));

    assertThat(json.at("/choices/0/message/content").isNull()).isTrue();
    assertThat(json.at("/choices/0/logprobs").isNull()).isTrue();
    assertThat(json.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(json.at("/choices/0/message/tool_calls/0/function/name").asText()).isEqualTo("f");
  }

  private static byte[] fixture(String name) throws IOException {
    try (InputStream in =
        ChatRequestRoundTripTest.class.getClassLoader().getResourceAsStream(name)) {
      return in.readAllBytes();
    }
  }
}
