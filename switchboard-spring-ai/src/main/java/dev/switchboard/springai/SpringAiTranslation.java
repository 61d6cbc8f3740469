package dev.switchboard.springai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.transport.GatewayFacts;
import dev.switchboard.transport.RequestOverrides;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.ContentPart;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.ai.chat.messages.AssistantMessage;
import org.springframework.ai.chat.messages.Message;
import org.springframework.ai.chat.messages.SystemMessage;
import org.springframework.ai.chat.messages.ToolResponseMessage;
import org.springframework.ai.chat.messages.UserMessage;
import org.springframework.ai.chat.metadata.ChatGenerationMetadata;
import org.springframework.ai.chat.metadata.ChatResponseMetadata;
import org.springframework.ai.chat.metadata.DefaultUsage;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.model.Generation;
import org.springframework.ai.content.Media;
import org.springframework.ai.tool.definition.ToolDefinition;

/**
 * Spring AI's prompt to OpenAI's wire format (what the gateway takes from either transport) and the
 * gateway's answer back.
 */
final class SpringAiTranslation {
  /** The key of the {@link GatewayFacts} in a response's metadata. */
  static final String FACTS_KEY = "switchboard";

  private SpringAiTranslation() {}

  static ChatRequest toWire(
      List<Message> messages, SwitchboardChatOptions options, List<ToolDefinition> tools) {
    if (options.getModel() == null) {
      throw new IllegalArgumentException("a model is required: set it on the options");
    }
    List<ChatMessage> wire = new ArrayList<>();
    for (Message message : messages) {
      switch (message) {
        case SystemMessage system -> wire.add(new ChatMessage.System(system.getText()));
        case UserMessage user -> wire.add(new ChatMessage.User(userContent(user), null, null));
        case AssistantMessage assistant -> {
          List<ToolCall> calls = null;
          if (assistant.hasToolCalls()) {
            calls = new ArrayList<>();
            for (AssistantMessage.ToolCall call : assistant.getToolCalls()) {
              calls.add(ToolCall.function(call.id(), call.name(), call.arguments()));
            }
          }
          String text = assistant.getText();
          wire.add(
              new ChatMessage.Assistant(
                  text == null || (text.isEmpty() && calls != null)
                      ? null
                      : MessageContent.of(text),
                  null,
                  null,
                  calls,
                  null));
        }
        case ToolResponseMessage results -> {
          for (ToolResponseMessage.ToolResponse result : results.getResponses()) {
            wire.add(new ChatMessage.Tool(result.id(), result.responseData()));
          }
        }
        default ->
            throw new IllegalArgumentException(
                "the gateway takes system, user, assistant and tool messages, not "
                    + message.getMessageType());
      }
    }
    List<Tool> wireTools = null;
    if (!tools.isEmpty()) {
      wireTools = new ArrayList<>();
      for (ToolDefinition tool : tools) {
        wireTools.add(
            Tool.function(
                new Tool.FunctionDefinition(
                    tool.name(),
                    tool.description(),
                    WireJson.tree(tool.inputSchema()),
                    null,
                    null)));
      }
    }
    Map<String, JsonNode> extras = new LinkedHashMap<>();
    JsonNodeFactory nodes = JsonNodeFactory.instance;
    if (options.getFrequencyPenalty() != null) {
      extras.put("frequency_penalty", nodes.numberNode(options.getFrequencyPenalty()));
    }
    if (options.getPresencePenalty() != null) {
      extras.put("presence_penalty", nodes.numberNode(options.getPresencePenalty()));
    }
    if (options.getTopK() != null) {
      extras.put("top_k", nodes.numberNode(options.getTopK()));
    }
    JsonNode stop =
        options.getStopSequences() == null || options.getStopSequences().isEmpty()
            ? null
            : WireJson.mapper().valueToTree(options.getStopSequences());
    return new ChatRequest(
        options.getModel(),
        wire,
        null,
        null,
        wireTools,
        null,
        null,
        null,
        options.getMaxTokens(),
        null,
        options.getTemperature(),
        options.getTopP(),
        null,
        stop,
        null,
        null,
        null,
        null,
        extras);
  }

  private static MessageContent userContent(UserMessage user) {
    if (user.getMedia().isEmpty()) {
      return MessageContent.of(user.getText());
    }
    List<ContentPart> parts = new ArrayList<>();
    if (user.getText() != null && !user.getText().isEmpty()) {
      parts.add(new ContentPart.TextPart(user.getText()));
    }
    for (Media media : user.getMedia()) {
      String url =
          media.getData() instanceof String address
              ? address
              : "data:"
                  + media.getMimeType()
                  + ";base64,"
                  + Base64.getEncoder().encodeToString(media.getDataAsByteArray());
      parts.add(new ContentPart.ImagePart(new ContentPart.ImageUrl(url, null, null), null));
    }
    return new MessageContent.Parts(parts);
  }

  /** The gateway options: the model's, with the prompt's Switchboard options over them. */
  static RequestOptions options(RequestOptions base, SwitchboardChatOptions options) {
    return new RequestOverrides(
            options.getProvider(),
            options.getConfig(),
            options.getTraceId(),
            options.getMetadata(),
            null,
            null)
        .over(base);
  }

  /** Spring AI's response for the gateway's answer; {@code text} replaces the answer's text. */
  static ChatResponse fromWire(ChatCompletion completion, GatewayFacts facts, boolean withText) {
    ChatMessage.Assistant message = completion.message();
    List<AssistantMessage.ToolCall> calls = new ArrayList<>();
    if (message != null && message.hasToolCalls()) {
      for (ToolCall call : message.toolCalls()) {
        calls.add(
            new AssistantMessage.ToolCall(
                call.id(), "function", call.function().name(), call.function().arguments()));
      }
    }
    String text =
        !withText || message == null || message.content() == null ? "" : message.content().text();
    String finish =
        completion.choices().isEmpty() ? null : completion.choices().getFirst().finishReason();
    Generation generation =
        new Generation(
            AssistantMessage.builder().content(text).toolCalls(calls).build(),
            ChatGenerationMetadata.builder().finishReason(finish).build());
    return new ChatResponse(List.of(generation), metadata(completion, facts));
  }

  /** One piece of a streamed answer's text. */
  static ChatResponse textDelta(String id, String model, String text, GatewayFacts facts) {
    return new ChatResponse(
        List.of(new Generation(new AssistantMessage(text))),
        ChatResponseMetadata.builder().id(id).model(model).metadata(factsMap(facts)).build());
  }

  private static ChatResponseMetadata metadata(ChatCompletion completion, GatewayFacts facts) {
    ChatResponseMetadata.Builder metadata =
        ChatResponseMetadata.builder().id(completion.id()).model(completion.model());
    Usage usage = completion.usage();
    if (usage != null) {
      metadata.usage(
          new DefaultUsage(usage.promptTokens(), usage.completionTokens(), usage.totalTokens()));
    }
    return metadata.metadata(factsMap(facts)).build();
  }

  /** The facts under {@value #FACTS_KEY}, and each under {@code switchboard.<name>}. */
  private static Map<String, Object> factsMap(GatewayFacts facts) {
    Map<String, Object> map = new LinkedHashMap<>();
    if (facts != null) {
      map.put(FACTS_KEY, facts);
      facts.asMap().forEach((key, value) -> map.put(FACTS_KEY + "." + key, value));
    }
    return map;
  }
}
