package dev.switchboard.wire;

import com.fasterxml.jackson.annotation.JsonAnyGetter;
import com.fasterxml.jackson.annotation.JsonAnySetter;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonInclude;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.annotation.JsonPropertyOrder;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.annotation.JsonDeserialize;
import com.fasterxml.jackson.databind.deser.std.StdDeserializer;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.util.List;
import java.util.Map;

/**
 * One message of a conversation, told apart by {@code role}. A role OpenAI does not accept is a
 * {@link WireFormatException}-class error when read, as OpenAI answers it with a 400.
 */
@JsonDeserialize(using = ChatMessage.Reader.class)
public sealed interface ChatMessage {

  /** The role, as written on the wire. */
  String role();

  /** The message's content; {@code null} where the message has none (an assistant's tool calls). */
  MessageContent content();

  /** {@code {"role":"system"}}: instructions. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "name"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record System(
      MessageContent content,
      String name,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public System {
      extras = Extras.of(extras);
    }

    public System(String text) {
      this(MessageContent.of(text), null, null);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "system";
    }
  }

  /** {@code {"role":"developer"}}: instructions, as newer OpenAI models name them. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "name"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record Developer(
      MessageContent content,
      String name,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public Developer {
      extras = Extras.of(extras);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "developer";
    }
  }

  /** {@code {"role":"user"}}: text, images, audio or files from the user. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "name"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record User(
      MessageContent content,
      String name,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public User {
      extras = Extras.of(extras);
    }

    public User(String text) {
      this(MessageContent.of(text), null, null);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "user";
    }
  }

  /**
   * {@code {"role":"assistant"}}: the model's reply, in a request's history or in a response. It
   * may carry tool calls and no content. {@code content} and {@code refusal} are written even when
   * null, as OpenAI writes them in responses.
   */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "refusal", "name", "tool_calls"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record Assistant(
      @JsonInclude(JsonInclude.Include.ALWAYS) MessageContent content,
      String refusal,
      String name,
      @JsonProperty("tool_calls") List<ToolCall> toolCalls,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public Assistant {
      toolCalls = toolCalls == null ? null : List.copyOf(toolCalls);
      extras = Extras.of(extras);
    }

    public Assistant(String text) {
      this(MessageContent.of(text), null, null, null, null);
    }

    /**
     * A reply as a response carries it: {@code refusal} is written even when the model did not
     * refuse, as {@code null}, since OpenAI's schema requires the key in a response message.
     */
    public static Assistant reply(
        MessageContent content,
        String refusal,
        List<ToolCall> toolCalls,
        Map<String, JsonNode> extras) {
      Map<String, JsonNode> written = new java.util.LinkedHashMap<>();
      if (refusal == null) {
        written.put("refusal", com.fasterxml.jackson.databind.node.NullNode.getInstance());
      }
      if (extras != null) {
        written.putAll(extras);
      }
      return new Assistant(content, refusal, null, toolCalls, written);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "assistant";
    }

    /** Whether the model asked for tools to be called. */
    public boolean hasToolCalls() {
      return toolCalls != null && !toolCalls.isEmpty();
    }
  }

  /** {@code {"role":"tool"}}: the result of one tool call, a string or an array of text parts. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "tool_call_id"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record Tool(
      MessageContent content,
      @JsonProperty("tool_call_id") String toolCallId,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public Tool {
      extras = Extras.of(extras);
    }

    public Tool(String toolCallId, String text) {
      this(MessageContent.of(text), toolCallId, null);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "tool";
    }
  }

  /** {@code {"role":"function"}}: a function result in OpenAI's deprecated function-calling API. */
  @JsonInclude(JsonInclude.Include.NON_NULL)
  @JsonPropertyOrder({"role", "content", "name"})
  @JsonDeserialize(using = JsonDeserializer.None.class)
  @JsonIgnoreProperties(value = "role", allowGetters = true)
  record Function(
      MessageContent content,
      String name,
      @JsonAnySetter @JsonAnyGetter Map<String, JsonNode> extras)
      implements ChatMessage {
    public Function {
      extras = Extras.of(extras);
    }

    @Override
    @JsonProperty("role")
    public String role() {
      return "function";
    }
  }

  final class Reader extends StdDeserializer<ChatMessage> {
    private final TreeReader trees = new TreeReader();

    Reader() {
      super(ChatMessage.class);
    }

    @Override
    public ChatMessage deserialize(JsonParser parser, DeserializationContext context)
        throws IOException {
      JsonNode node = trees.readTree(parser, context);
      if (!(node instanceof ObjectNode object)) {
        return context.reportInputMismatch(ChatMessage.class, "a message must be an object");
      }
      String role = object.path("role").asText("");
      Class<? extends ChatMessage> variant =
          switch (role) {
            case "system" -> System.class;
            case "developer" -> Developer.class;
            case "user" -> User.class;
            case "assistant" -> Assistant.class;
            case "tool" -> Tool.class;
            case "function" -> Function.class;
            default -> null;
          };
      if (variant == null) {
        return context.reportInputMismatch(
            ChatMessage.class,
            "Invalid value for 'role': '%s'. Supported values are: 'system', 'developer', 'user',"
                + " 'assistant', 'tool' and 'function'.",
            role);
      }
      return Discriminator.readVariant(trees, context, object, "role", variant);
    }
  }
}
