package dev.switchboard.langchain4j;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.agent.tool.ToolSpecification;
import dev.langchain4j.data.image.Image;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.data.message.Content;
import dev.langchain4j.data.message.ImageContent;
import dev.langchain4j.data.message.SystemMessage;
import dev.langchain4j.data.message.TextContent;
import dev.langchain4j.data.message.ToolExecutionResultMessage;
import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.exception.UnsupportedFeatureException;
import dev.langchain4j.internal.JsonSchemaElementUtils;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.request.ResponseFormatType;
import dev.langchain4j.model.chat.request.json.JsonSchema;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.output.FinishReason;
import dev.langchain4j.model.output.TokenUsage;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.transport.GatewayFacts;
import dev.switchboard.transport.RequestOverrides;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.ContentPart;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ResponseFormat;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.ToolChoice;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * LangChain4j's chat request to OpenAI's wire format (what the gateway takes from either transport)
 * and the gateway's answer back: the one translation both models share.
 */
final class ChatTranslation {
  private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

  private ChatTranslation() {}

  /** The wire request for LangChain4j's {@code request} (its parameters already merged). */
  static ChatRequest toWire(dev.langchain4j.model.chat.request.ChatRequest request) {
    ChatRequestParameters parameters = request.parameters();
    if (parameters.modelName() == null) {
      throw new dev.langchain4j.exception.InvalidRequestException(
          "modelName is required: set it on the model or on the request");
    }
    List<ChatMessage> messages = new ArrayList<>();
    for (dev.langchain4j.data.message.ChatMessage message : request.messages()) {
      messages.add(toWire(message));
    }
    List<Tool> tools = null;
    if (parameters.toolSpecifications() != null && !parameters.toolSpecifications().isEmpty()) {
      tools = new ArrayList<>();
      for (ToolSpecification tool : parameters.toolSpecifications()) {
        tools.add(toWire(tool));
      }
    }
    ToolChoice toolChoice =
        tools == null || parameters.toolChoice() == null
            ? null
            : switch (parameters.toolChoice()) {
              case AUTO -> ToolChoice.auto();
              case REQUIRED -> ToolChoice.required();
              case NONE -> ToolChoice.none();
            };
    Map<String, JsonNode> extras = new LinkedHashMap<>();
    if (parameters.frequencyPenalty() != null) {
      extras.put("frequency_penalty", NODES.numberNode(parameters.frequencyPenalty()));
    }
    if (parameters.presencePenalty() != null) {
      extras.put("presence_penalty", NODES.numberNode(parameters.presencePenalty()));
    }
    if (parameters.topK() != null) {
      extras.put("top_k", NODES.numberNode(parameters.topK()));
    }
    JsonNode stop =
        parameters.stopSequences() == null || parameters.stopSequences().isEmpty()
            ? null
            : WireJson.mapper().valueToTree(parameters.stopSequences());
    return new ChatRequest(
        parameters.modelName(),
        messages,
        null,
        null,
        tools,
        toolChoice,
        null,
        toWire(parameters.responseFormat()),
        parameters.maxOutputTokens(),
        null,
        parameters.temperature(),
        parameters.topP(),
        null,
        stop,
        null,
        null,
        null,
        null,
        extras);
  }

  /** The gateway options: the model's, with the request's Switchboard parameters over them. */
  static RequestOptions options(RequestOptions base, ChatRequestParameters parameters) {
    if (!(parameters instanceof SwitchboardChatRequestParameters gateway)) {
      return base;
    }
    return new RequestOverrides(
            gateway.provider(),
            gateway.config(),
            gateway.traceId(),
            gateway.metadata(),
            gateway.cacheNamespace(),
            gateway.cacheForceRefresh())
        .over(base);
  }

  private static ChatMessage toWire(dev.langchain4j.data.message.ChatMessage message) {
    return switch (message) {
      case SystemMessage system -> new ChatMessage.System(system.text());
      case UserMessage user -> new ChatMessage.User(userContent(user), user.name(), null);
      case AiMessage ai -> {
        List<ToolCall> calls = null;
        if (ai.hasToolExecutionRequests()) {
          calls = new ArrayList<>();
          for (ToolExecutionRequest call : ai.toolExecutionRequests()) {
            calls.add(ToolCall.function(call.id(), call.name(), call.arguments()));
          }
        }
        yield new ChatMessage.Assistant(
            ai.text() == null ? null : MessageContent.of(ai.text()), null, null, calls, null);
      }
      case ToolExecutionResultMessage result -> new ChatMessage.Tool(result.id(), result.text());
      default ->
          throw new UnsupportedFeatureException(
              "the gateway takes system, user, AI and tool-result messages, not " + message.type());
    };
  }

  private static MessageContent userContent(UserMessage user) {
    if (user.hasSingleText()) {
      return MessageContent.of(user.singleText());
    }
    List<ContentPart> parts = new ArrayList<>();
    for (Content content : user.contents()) {
      switch (content) {
        case TextContent text -> parts.add(new ContentPart.TextPart(text.text()));
        case ImageContent image -> parts.add(imagePart(image));
        default ->
            throw new UnsupportedFeatureException(
                "the gateway's chat takes text and images, not " + content.type());
      }
    }
    return new MessageContent.Parts(parts);
  }

  private static ContentPart imagePart(ImageContent content) {
    Image image = content.image();
    String url =
        image.url() != null
            ? image.url().toString()
            : "data:" + image.mimeType() + ";base64," + image.base64Data();
    String detail =
        content.detailLevel() == null
            ? null
            : content.detailLevel().name().toLowerCase(java.util.Locale.ROOT);
    return new ContentPart.ImagePart(new ContentPart.ImageUrl(url, detail, null), null);
  }

  private static Tool toWire(ToolSpecification tool) {
    JsonNode parameters =
        tool.parameters() == null
            ? NODES.objectNode().put("type", "object").set("properties", NODES.objectNode())
            : schema(tool.parameters(), Boolean.TRUE.equals(tool.strict()));
    return Tool.function(
        new Tool.FunctionDefinition(
            tool.name(), tool.description(), parameters, tool.strict(), null));
  }

  private static ResponseFormat toWire(dev.langchain4j.model.chat.request.ResponseFormat format) {
    if (format == null || format.type() == ResponseFormatType.TEXT) {
      return null;
    }
    JsonSchema schema = format.jsonSchema();
    if (schema == null) {
      return new ResponseFormat("json_object", null, null);
    }
    return new ResponseFormat(
        "json_schema",
        new ResponseFormat.JsonSchema(
            schema.name() == null ? "response" : schema.name(),
            null,
            schema(schema.rootElement(), true),
            true,
            null),
        null);
  }

  /** LangChain4j's schema as JSON Schema; strict as OpenAI's strict mode wants it. */
  private static JsonNode schema(
      dev.langchain4j.model.chat.request.json.JsonSchemaElement element, boolean strict) {
    ObjectNode node = WireJson.mapper().valueToTree(JsonSchemaElementUtils.toMap(element, strict));
    return node;
  }

  /** LangChain4j's response for the gateway's answer. */
  static ChatResponse fromWire(ChatCompletion completion, GatewayFacts facts) {
    ChatMessage.Assistant message = completion.message();
    List<ToolExecutionRequest> calls = new ArrayList<>();
    if (message != null && message.hasToolCalls()) {
      for (ToolCall call : message.toolCalls()) {
        calls.add(
            ToolExecutionRequest.builder()
                .id(call.id())
                .name(call.function().name())
                .arguments(call.function().arguments())
                .build());
      }
    }
    String text = message == null || message.content() == null ? null : message.content().text();
    AiMessage ai = AiMessage.builder().text(text).toolExecutionRequests(calls).build();
    String finish =
        completion.choices().isEmpty() ? null : completion.choices().getFirst().finishReason();
    return ChatResponse.builder()
        .aiMessage(ai)
        .metadata(
            SwitchboardChatResponseMetadata.builder()
                .id(completion.id())
                .modelName(completion.model())
                .tokenUsage(tokenUsage(completion.usage()))
                .finishReason(finishReason(finish))
                .gateway(facts)
                .build())
        .build();
  }

  static TokenUsage tokenUsage(Usage usage) {
    return usage == null
        ? null
        : new TokenUsage(usage.promptTokens(), usage.completionTokens(), usage.totalTokens());
  }

  static FinishReason finishReason(String reason) {
    if (reason == null) {
      return null;
    }
    return switch (reason) {
      case "stop" -> FinishReason.STOP;
      case "length" -> FinishReason.LENGTH;
      case "tool_calls", "function_call" -> FinishReason.TOOL_EXECUTION;
      case "content_filter" -> FinishReason.CONTENT_FILTER;
      default -> FinishReason.OTHER;
    };
  }
}
