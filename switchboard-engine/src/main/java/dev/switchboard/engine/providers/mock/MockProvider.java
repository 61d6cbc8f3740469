package dev.switchboard.engine.providers.mock;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.Provider;
import dev.switchboard.engine.providers.ProviderFactory;
import dev.switchboard.engine.providers.Reply;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.MessageContent;
import dev.switchboard.wire.ModelList;
import dev.switchboard.wire.ResponseFormat;
import dev.switchboard.wire.Tool;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.ToolChoice;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The offline provider, {@code mock}: answers chat, streaming, legacy completions, embeddings and
 * models deterministically, with no network and no key, so that the gateway can be tried, and its
 * docs and benchmarks run, anywhere. It is a product feature, not a test double.
 *
 * <p>What it answers:
 *
 * <ul>
 *   <li>With tools offered, {@code tool_choice} not {@code "none"}, and the last message not a tool
 *       result: a call to the named tool, or to every tool offered (only the first when {@code
 *       parallel_tool_calls} is false), with arguments filled from the tool's JSON schema ({@link
 *       SampleJson}).
 *   <li>After tool results: a reply that quotes them.
 *   <li>Otherwise: a reply that quotes the last user message; with {@code response_format} {@code
 *       json_schema}, a JSON value the schema accepts instead, filled as tool arguments are; with
 *       {@code json_object}, the reply as {@code {"reply": "…"}}.
 *   <li>With a {@code mock_script} in the body (see {@link MockScript}): the scripted tool calls or
 *       text of the turn, before all of the above.
 *   <li>Embeddings: unit vectors derived from a hash of each input ({@code dimensions}, default
 *       16).
 *   <li>A chat without messages, or with none in its array: refused with 400, as OpenAI refuses it.
 * </ul>
 *
 * Usage counts words. Streams send one word per chunk.
 */
public final class MockProvider implements Provider {
  public static final String NAME = "mock";

  /** The mock: it calls nothing, so it takes only the clock. */
  public static final ProviderFactory FACTORY =
      context -> List.of(new MockProvider(context.clock()));

  private static final int DEFAULT_DIMENSIONS = 16;

  /**
   * The most choices a request may ask for: OpenAI's own bound on {@code n}. The mock builds every
   * choice in memory, so the bound keeps one request's answer small.
   */
  static final int MAX_CHOICES = 128;

  /**
   * The most dimensions an embedding may have: OpenAI's largest model's (text-embedding-3-large).
   */
  static final int MAX_DIMENSIONS = 3072;

  private final Clock clock;

  MockProvider(Clock clock) {
    this.clock = clock;
  }

  @Override
  public Capabilities capabilities() {
    return new Capabilities(true, true, true, false, false, true, true, true, false, false, false);
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public Reply<ChatCompletion> chat(ChatRequest request, Target target) {
    Answer reply = answer(request);
    int n = request.n() == null ? 1 : request.n();
    if (n < 1 || n > MAX_CHOICES) {
      throw new InvalidRequestException(
          "Invalid 'n': must be between 1 and " + MAX_CHOICES + ".", "n", null);
    }
    List<ChatCompletion.Choice> choices = new ArrayList<>(n);
    for (int i = 0; i < n; i++) {
      var message =
          ChatMessage.Assistant.reply(
              reply.text() == null ? null : MessageContent.of(reply.text()),
              null,
              reply.toolCalls().isEmpty() ? null : reply.toolCalls(),
              reply.reasoningField());
      choices.add(new ChatCompletion.Choice(i, message, null, reply.finishReason(), null));
    }
    return Reply.of(
        new ChatCompletion(
            id("chatcmpl-mock-", request),
            "chat.completion",
            now(),
            model(request.model()),
            choices,
            usage(request, reply),
            null,
            null,
            null));
  }

  @Override
  public ResponseStream<ChatCompletionChunk> streamChat(ChatRequest request, Target target) {
    Answer reply = answer(request);
    String id = id("chatcmpl-mock-", request);
    long created = now();
    String model = model(request.model());
    List<ChatCompletionChunk> chunks = new ArrayList<>();
    chunks.add(
        chunk(
            id,
            created,
            model,
            new ChatCompletionChunk.Delta(
                "assistant", reply.text() == null ? null : "", null, null, null),
            null));
    for (String piece : reply.reasoning() == null ? List.<String>of() : words(reply.reasoning())) {
      Map<String, JsonNode> thinking =
          Map.of(REASONING_FIELD, JsonNodeFactory.instance.textNode(piece));
      chunks.add(
          chunk(
              id, created, model, new ChatCompletionChunk.Delta(null, null, null, null, thinking)));
    }
    for (String piece : reply.text() == null ? List.<String>of() : words(reply.text())) {
      chunks.add(
          chunk(id, created, model, new ChatCompletionChunk.Delta(null, piece, null, null, null)));
    }
    for (int i = 0; i < reply.toolCalls().size(); i++) {
      ToolCall call = reply.toolCalls().get(i);
      var opening =
          new ToolCall(
              i,
              call.id(),
              "function",
              new ToolCall.FunctionCall(call.function().name(), "", null),
              null);
      chunks.add(
          chunk(
              id,
              created,
              model,
              new ChatCompletionChunk.Delta(null, null, null, List.of(opening), null),
              null));
      var arguments =
          new ToolCall(
              i,
              null,
              null,
              new ToolCall.FunctionCall(null, call.function().arguments(), null),
              null);
      chunks.add(
          chunk(
              id,
              created,
              model,
              new ChatCompletionChunk.Delta(null, null, null, List.of(arguments), null),
              null));
    }
    chunks.add(
        chunk(
            id,
            created,
            model,
            new ChatCompletionChunk.Delta(null, null, null, null, null),
            reply.finishReason()));
    if (request.wantsStreamUsage()) {
      chunks.add(ChatCompletionChunk.ofUsage(id, created, model, usage(request, reply)));
    }
    return new ListStream<>(chunks);
  }

  @Override
  public Reply<Completion> complete(CompletionRequest request, Target target) {
    String text = completionText(request);
    return Reply.of(
        completion(
            id("cmpl-mock-", request),
            now(),
            model(request.model()),
            text,
            "stop",
            completionUsage(request, text)));
  }

  @Override
  public ResponseStream<Completion> streamCompletion(CompletionRequest request, Target target) {
    String id = id("cmpl-mock-", request);
    long created = now();
    String model = model(request.model());
    String text = completionText(request);
    List<Completion> events = new ArrayList<>();
    List<String> pieces = words(text);
    for (int i = 0; i < pieces.size(); i++) {
      String finish = i == pieces.size() - 1 ? "stop" : null;
      events.add(completion(id, created, model, pieces.get(i), finish, null));
    }
    if (request.wantsStreamUsage()) {
      events.add(
          new Completion(
              id,
              "text_completion",
              created,
              model,
              List.of(),
              completionUsage(request, text),
              null,
              null));
    }
    return new ListStream<>(events);
  }

  private static Completion completion(
      String id, long created, String model, String text, String finishReason, Usage usage) {
    return new Completion(
        id,
        "text_completion",
        created,
        model,
        List.of(new Completion.Choice(text, 0, null, finishReason, null)),
        usage,
        null,
        null);
  }

  private static Usage completionUsage(CompletionRequest request, String text) {
    return Usage.of(countWords(promptText(request.prompt())), countWords(text));
  }

  private static String promptText(JsonNode prompt) {
    if (prompt == null || prompt.isNull()) {
      throw new InvalidRequestException("'prompt' is a required property", "prompt", null);
    }
    return prompt.isTextual() ? prompt.asText() : prompt.path(0).asText(prompt.toString());
  }

  @Override
  public Reply<EmbeddingResponse> embed(EmbeddingRequest request, Target target) {
    JsonNode input = request.input();
    List<String> inputs = new ArrayList<>();
    if (input == null || input.isNull()) {
      throw new InvalidRequestException("'input' is a required property", "input", null);
    } else if (input.isArray()) {
      input.forEach(item -> inputs.add(item.isTextual() ? item.asText() : item.toString()));
    } else {
      inputs.add(input.isTextual() ? input.asText() : input.toString());
    }
    int dimensions = request.dimensions() == null ? DEFAULT_DIMENSIONS : request.dimensions();
    if (dimensions < 1 || dimensions > MAX_DIMENSIONS) {
      throw new InvalidRequestException(
          "Invalid 'dimensions': must be between 1 and " + MAX_DIMENSIONS + ".",
          "dimensions",
          null);
    }
    boolean base64 = "base64".equals(request.encodingFormat());
    List<EmbeddingResponse.Embedding> data = new ArrayList<>();
    int words = 0;
    for (int i = 0; i < inputs.size(); i++) {
      float[] vector = vector(inputs.get(i), dimensions);
      data.add(
          new EmbeddingResponse.Embedding(
              "embedding", i, base64 ? base64(vector) : floats(vector), null));
      words += countWords(inputs.get(i));
    }
    return Reply.of(
        new EmbeddingResponse(
            "list",
            data,
            model(request.model()),
            new Usage(words, null, words, null, null, null),
            null));
  }

  @Override
  public Reply<ModelList> models(Target target) {
    return Reply.of(
        new ModelList(
            "list",
            List.of(
                new ModelList.Model("mock-chat", "model", 0L, "switchboard", null),
                new ModelList.Model("mock-embedding", "model", 0L, "switchboard", null)),
            null));
  }

  /** What the mock answers a chat request with; {@code reasoning} only when scripted. */
  private record Answer(
      String text, List<ToolCall> toolCalls, String finishReason, String reasoning) {
    Answer(String text, List<ToolCall> toolCalls, String finishReason) {
      this(text, toolCalls, finishReason, null);
    }

    /** The reasoning as the message or delta's {@code reasoning_content}, or none. */
    Map<String, JsonNode> reasoningField() {
      return reasoning == null
          ? null
          : Map.of(REASONING_FIELD, JsonNodeFactory.instance.textNode(reasoning));
    }
  }

  /** Where reasoning models' OpenAI-compatible servers put the model's thinking. */
  private static final String REASONING_FIELD = "reasoning_content";

  private Answer answer(ChatRequest request) {
    requireMessages(request);
    MockScript.Turn scripted = MockScript.turn(request);
    if (scripted != null) {
      return new Answer(
          scripted.content(),
          scripted.toolCalls(),
          scripted.toolCalls().isEmpty() ? "stop" : "tool_calls",
          scripted.reasoning());
    }
    Answer unscripted = unscripted(request);
    return unscripted.text() == null ? unscripted : structured(request, unscripted);
  }

  /**
   * Refuses a chat without messages as OpenAI does: 400, {@code missing_required_parameter} when
   * there are none, {@code empty_array} when the array is empty, both with {@code param} {@code
   * messages}.
   */
  private static void requireMessages(ChatRequest request) {
    if (request.messages() == null) {
      throw InvalidRequestException.withCode(
          "Missing required parameter: 'messages'.", "messages", "missing_required_parameter");
    }
    if (request.messages().isEmpty()) {
      throw InvalidRequestException.withCode(
          "Invalid 'messages': empty array. Expected an array with minimum length 1, but got an"
              + " empty array instead.",
          "messages",
          "empty_array");
    }
  }

  /**
   * A text answer in the requested {@code response_format}: for {@code json_schema}, a JSON value
   * the schema accepts; for {@code json_object}, the text in an object.
   */
  private static Answer structured(ChatRequest request, Answer text) {
    ResponseFormat format = request.responseFormat();
    if (format == null || format.type() == null) {
      return text;
    }
    return switch (format.type()) {
      case "json_schema" -> {
        JsonNode schema = format.jsonSchema() == null ? null : format.jsonSchema().schema();
        JsonNode sample =
            schema == null
                ? JsonNodeFactory.instance.objectNode()
                : SampleJson.value(schema, schema, 0);
        yield new Answer(WireJson.writeString(sample), List.of(), "stop");
      }
      case "json_object" ->
          new Answer(
              WireJson.writeString(JsonNodeFactory.instance.objectNode().put("reply", text.text())),
              List.of(),
              "stop");
      default -> text;
    };
  }

  private Answer unscripted(ChatRequest request) {
    List<ChatMessage> messages = request.messages() == null ? List.of() : request.messages();
    ChatMessage last = messages.isEmpty() ? null : messages.getLast();
    if (last instanceof ChatMessage.Tool) {
      String results =
          messages.reversed().stream()
              .takeWhile(m -> m instanceof ChatMessage.Tool)
              .map(m -> m.content() == null ? "" : m.content().text())
              .toList()
              .reversed()
              .stream()
              .collect(Collectors.joining("; "));
      return new Answer("Mock reply. Tool results: " + results, List.of(), "stop");
    }
    List<Tool> calls = toolsToCall(request);
    if (!calls.isEmpty()) {
      List<ToolCall> toolCalls = new ArrayList<>();
      for (int i = 0; i < calls.size(); i++) {
        Tool tool = calls.get(i);
        String arguments = WireJson.writeString(SampleJson.object(tool.function().parameters()));
        toolCalls.add(
            ToolCall.function(
                "call_mock_" + i + "_" + tool.function().name(),
                tool.function().name(),
                arguments));
      }
      return new Answer(null, toolCalls, "tool_calls");
    }
    String said = "";
    for (ChatMessage message : messages.reversed()) {
      if (message instanceof ChatMessage.User user && user.content() != null) {
        said = user.content().text();
        break;
      }
    }
    return new Answer("Mock reply. You said: " + said, List.of(), "stop");
  }

  private static List<Tool> toolsToCall(ChatRequest request) {
    List<Tool> tools =
        request.tools() == null
            ? List.of()
            : request.tools().stream().filter(t -> t.function() != null).toList();
    if (tools.isEmpty()) {
      return List.of();
    }
    return switch (request.toolChoice()) {
      case null -> firstOrAll(request, tools);
      case ToolChoice.Mode mode when mode.mode().equals("none") -> List.of();
      case ToolChoice.Mode mode -> firstOrAll(request, tools);
      case ToolChoice.Function named ->
          tools.stream().filter(t -> named.name().equals(t.function().name())).limit(1).toList();
      case ToolChoice.Other other -> firstOrAll(request, tools);
    };
  }

  private static List<Tool> firstOrAll(ChatRequest request, List<Tool> tools) {
    return Boolean.FALSE.equals(request.parallelToolCalls()) ? tools.subList(0, 1) : tools;
  }

  private static Usage usage(ChatRequest request, Answer reply) {
    int prompt = 0;
    for (ChatMessage message :
        request.messages() == null ? List.<ChatMessage>of() : request.messages()) {
      prompt += message.content() == null ? 0 : countWords(message.content().text());
    }
    int completion =
        (reply.text() != null ? countWords(reply.text()) : 0) + reply.toolCalls().size();
    return Usage.of(prompt, completion);
  }

  private static String completionText(CompletionRequest request) {
    return "Mock completion of: " + promptText(request.prompt());
  }

  private static ChatCompletionChunk chunk(
      String id, long created, String model, ChatCompletionChunk.Delta delta, String finishReason) {
    return ChatCompletionChunk.ofDelta(id, created, model, delta, finishReason);
  }

  /** A chunk with a piece of the answer, before its end. */
  private static ChatCompletionChunk chunk(
      String id, long created, String model, ChatCompletionChunk.Delta delta) {
    return chunk(id, created, model, delta, null);
  }

  /** The text cut into words, each but the last with its following space. */
  private static List<String> words(String text) {
    List<String> pieces = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < text.length(); i++) {
      if (text.charAt(i) == ' ') {
        pieces.add(text.substring(start, i + 1));
        start = i + 1;
      }
    }
    if (start < text.length()) {
      pieces.add(text.substring(start));
    }
    return pieces;
  }

  /**
   * The words of {@code text}: its runs of characters other than the ASCII white space that a
   * regular expression's {@code \s} matches (space, tab, line feed, vertical tab, form feed,
   * carriage return), once stripped of white space at both ends. Counted in one pass: splitting
   * with that expression compiled it anew on every call, most of the mock's cost per request.
   */
  private static int countWords(String text) {
    String trimmed = text.strip();
    int words = 0;
    boolean inWord = false;
    for (int i = 0; i < trimmed.length(); i++) {
      char c = trimmed.charAt(i);
      boolean space = c == ' ' || (c >= '\t' && c <= '\r');
      if (!space && !inWord) {
        words++;
      }
      inWord = !space;
    }
    return words;
  }

  private String model(String requested) {
    return requested == null || requested.isBlank() ? "mock-chat" : requested;
  }

  private long now() {
    return clock.instant().getEpochSecond();
  }

  private static String id(String prefix, Object request) {
    return prefix + hex(sha256(WireJson.write(request))).substring(0, 24);
  }

  private static float[] vector(String input, int dimensions) {
    float[] vector = new float[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      byte[] digest = sha256(i + ":" + input);
      int bits = ((digest[0] & 0xff) << 8) | (digest[1] & 0xff);
      vector[i] = bits / 32768f - 1f;
      norm += vector[i] * vector[i];
    }
    float scale = norm == 0 ? 1 : (float) (1 / Math.sqrt(norm));
    for (int i = 0; i < dimensions; i++) {
      vector[i] *= scale;
    }
    return vector;
  }

  private static ArrayNode floats(float[] vector) {
    ArrayNode array = JsonNodeFactory.instance.arrayNode(vector.length);
    for (float v : vector) {
      array.add(v);
    }
    return array;
  }

  private static JsonNode base64(float[] vector) {
    var buffer =
        java.nio.ByteBuffer.allocate(vector.length * 4).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    for (float v : vector) {
      buffer.putFloat(v);
    }
    return JsonNodeFactory.instance.textNode(
        java.util.Base64.getEncoder().encodeToString(buffer.array()));
  }

  private static byte[] sha256(String text) {
    return sha256(text.getBytes(StandardCharsets.UTF_8));
  }

  private static byte[] sha256(byte[] bytes) {
    try {
      return MessageDigest.getInstance("SHA-256").digest(bytes);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String hex(byte[] bytes) {
    return java.util.HexFormat.of().formatHex(bytes);
  }

  /** A stream of events already computed. */
  private static final class ListStream<T> implements ResponseStream<T> {
    private final Iterator<T> events;

    ListStream(List<T> events) {
      this.events = events.iterator();
    }

    @Override
    public T next() {
      return events.hasNext() ? events.next() : null;
    }

    @Override
    public void close() {}
  }
}
