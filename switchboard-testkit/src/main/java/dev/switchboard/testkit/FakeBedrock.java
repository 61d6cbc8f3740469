package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.IOException;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.eclipse.jetty.http.UriCompliance;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * A fake of Amazon Bedrock's runtime API, for tests of code that calls Bedrock: it binds 127.0.0.1,
 * checks each request's SigV4 signature against the credentials and region it was given (refusing a
 * bad one with AWS's 403), records every request, and answers in Bedrock's published wire format
 * (https://docs.aws.amazon.com/bedrock/latest/APIReference/):
 *
 * <ul>
 *   <li>{@code POST /model/{modelId}/converse}: JSON; the request is validated as Converse
 *       validates it (alternating turns starting with a user turn, no empty blocks, tool results
 *       answering the previous turn's tool uses, a tool config when tools are used);
 *   <li>{@code POST /model/{modelId}/converse-stream}: {@code application/vnd.amazon.eventstream}
 *       frames ({@code messageStart}, {@code contentBlockStart}, {@code contentBlockDelta}, {@code
 *       contentBlockStop}, {@code messageStop}, {@code metadata});
 *   <li>{@code POST /model/{modelId}/invoke}: Titan text embeddings ({@code amazon.titan-embed-*}),
 *       Cohere Embed ({@code cohere.embed-*}) and Anthropic's Messages format ({@code
 *       anthropic.*});
 *   <li>{@code POST /model/{modelId}/invoke-with-response-stream}: Anthropic's stream events as
 *       {@code chunk} frames carrying base64 {@code bytes};
 *   <li>{@code POST /model/{modelId}/count-tokens}: {@code {"inputTokens": n}} for an InvokeModel
 *       body ({@code input.invokeModel.body}, base64) or a Converse one ({@code input.converse}) of
 *       an Anthropic model, a token being a word.
 * </ul>
 *
 * <p>Without a scripted {@link ConverseReply}, a chat answer says {@code Hello from the fake
 * Bedrock. You said: <last user text>} (or {@code The tool said: …} after tool results). A {@link
 * BedrockFault} queued with {@link #enqueue(BedrockFault)} is played for the next correctly signed
 * request. Thread-safe.
 */
public final class FakeBedrock implements AutoCloseable {
  /** The access key id a fake accepts unless the builder sets others. */
  public static final String DEFAULT_ACCESS_KEY_ID = "AKIAFAKEBEDROCK00001";

  /** The secret a fake verifies signatures with unless the builder sets another. */
  public static final String DEFAULT_SECRET_ACCESS_KEY =
      "fakeBedrockSecretKey/EXAMPLE0000000000000";

  /** The region a fake serves unless the builder sets another. */
  public static final String DEFAULT_REGION = "us-east-1";

  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Pattern ROUTE =
      Pattern.compile(
          "^/model/([^/]+)/(converse|converse-stream|invoke|invoke-with-response-stream|count-tokens)$");
  private static final String PADDING = "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0";

  private final FakeServer<BedrockFault> server;
  private final SigV4Verifier verifier;
  private final String region;
  private final ConcurrentLinkedQueue<ConverseReply> replies = new ConcurrentLinkedQueue<>();
  private final AtomicInteger refusedSignatures = new AtomicInteger();

  private FakeBedrock(Builder builder) {
    this.region = builder.region;
    this.verifier =
        new SigV4Verifier(
            builder.accessKeyId,
            builder.secretAccessKey,
            builder.sessionToken,
            builder.region,
            "bedrock",
            builder.clock);
    // Model ARNs travel as one path segment with their '/' and ':' percent-encoded, as AWS takes
    // them; Jetty's default compliance would refuse an encoded '/'.
    this.server =
        new FakeServer<>(
            "Bedrock", builder.port, builder.recordRequests, UriCompliance.UNSAFE, this::answer);
  }

  /** Starts a fake with the default credentials and region on an ephemeral port. */
  public static FakeBedrock start() {
    return builder().start();
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Settings of a {@link FakeBedrock}; defaults: an ephemeral port, {@link #DEFAULT_ACCESS_KEY_ID}
   * and {@link #DEFAULT_SECRET_ACCESS_KEY} without a session token, {@link #DEFAULT_REGION},
   * recording, the system clock.
   */
  public static final class Builder {
    private int port;
    private String accessKeyId = DEFAULT_ACCESS_KEY_ID;
    private String secretAccessKey = DEFAULT_SECRET_ACCESS_KEY;
    private String sessionToken;
    private String region = DEFAULT_REGION;
    private boolean recordRequests = true;
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    public Builder port(int port) {
      this.port = FakeServer.checkPort(port);
      return this;
    }

    /** The only credentials whose signatures it accepts. */
    public Builder credentials(String accessKeyId, String secretAccessKey) {
      this.accessKeyId = Objects.requireNonNull(accessKeyId);
      this.secretAccessKey = Objects.requireNonNull(secretAccessKey);
      return this;
    }

    /**
     * A session token every request must carry, signed, in {@code x-amz-security-token}; {@code
     * null} (the default) refuses requests that carry one.
     */
    public Builder sessionToken(String sessionToken) {
      this.sessionToken = sessionToken;
      return this;
    }

    /** The region signatures must be scoped to. */
    public Builder region(String region) {
      this.region = Objects.requireNonNull(region);
      return this;
    }

    public Builder recordRequests(boolean recordRequests) {
      this.recordRequests = recordRequests;
      return this;
    }

    /** The clock a signature's {@code x-amz-date} must be within 5 minutes of. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock);
      return this;
    }

    /**
     * Starts the fake.
     *
     * @throws IllegalStateException when it cannot bind its port
     */
    public FakeBedrock start() {
      FakeBedrock fake = new FakeBedrock(this);
      fake.server.start();
      return fake;
    }
  }

  public int port() {
    return server.port();
  }

  /** {@code http://127.0.0.1:<port>}: what a Bedrock client takes as its endpoint. */
  public String endpoint() {
    return server.origin();
  }

  /** The region signatures must be scoped to. */
  public String region() {
    return region;
  }

  /** The next correctly signed request gets {@code fault}; faults are used one per request. */
  public void enqueue(BedrockFault fault) {
    server.enqueueFault(fault);
  }

  /**
   * The next Converse, ConverseStream or Anthropic invoke call that is not faulted answers this.
   */
  public void enqueue(ConverseReply reply) {
    replies.add(Objects.requireNonNull(reply));
  }

  /** Every request received so far, oldest first, refused ones included. */
  public List<RecordedRequest> requests() {
    return server.requests();
  }

  /** The oldest request not taken yet, waiting up to {@code timeout}; {@code null} if none came. */
  public RecordedRequest takeRequest(Duration timeout) throws InterruptedException {
    return server.takeRequest(timeout);
  }

  public int requestCount() {
    return server.requestCount();
  }

  /** How many requests were refused for their signature or credentials. */
  public int refusedSignatures() {
    return refusedSignatures.get();
  }

  @Override
  public void close() {
    server.close();
  }

  private static final class Invalid extends RuntimeException {
    Invalid(String message) {
      super(message, null, false, false);
    }
  }

  /**
   * Checks the signature, routes the request and validates it, then answers it or plays its fault.
   */
  private void answer(
      RecordedRequest recorded, byte[] body, Request request, Response response, Callback callback)
      throws IOException {
    var exchange = new BedrockExchange(request, response, callback, server.streams());
    String path = recorded.path();
    var refusal =
        verifier.verify(recorded.method(), path, recorded.query(), recorded.headers(), body);
    if (refusal != null) {
      refusedSignatures.incrementAndGet();
      int status = refusal.errorType().equals("IncompleteSignatureException") ? 400 : 403;
      exchange.sendError(status, refusal.errorType(), refusal.message());
      return;
    }
    Matcher route = ROUTE.matcher(path);
    if (!recorded.method().equals("POST") || !route.matches()) {
      exchange.sendError(404, "UnknownOperationException", "Unknown operation");
      return;
    }
    String modelId = URLDecoder.decode(route.group(1).replace("+", "%2B"), StandardCharsets.UTF_8);
    String action = route.group(2);
    BedrockFault fault = server.nextFault();
    if (fault instanceof BedrockFault.Error error) {
      exchange.sendError(error.status(), error.errorType(), error.message());
      return;
    }
    JsonNode json;
    try {
      json = JSON.readTree(body);
      if (json == null || !json.isObject()) {
        throw new Invalid("The request body must be a JSON object.");
      }
    } catch (IOException e) {
      exchange.sendError(
          400, "SerializationException", "Could not parse the request body as JSON.");
      return;
    }
    try {
      switch (action) {
        case "converse" -> {
          validateConverse(json);
          exchange.sendJson(Map.of(), converseAnswer(nextReply(json)), fault);
        }
        case "converse-stream" -> {
          validateConverse(json);
          exchange.sendFrames(Map.of(), converseFrames(nextReply(json)), fault);
        }
        case "invoke" -> invoke(modelId, json, exchange, fault);
        case "count-tokens" ->
            exchange.sendJson(
                Map.of(),
                JSON.createObjectNode().put("inputTokens", countTokens(modelId, json)),
                fault);
        default -> {
          if (!vendor(modelId).equals("anthropic")) {
            throw new Invalid(
                "The model "
                    + modelId
                    + " does not support streaming with InvokeModelWithResponseStream in this fake.");
          }
          validateAnthropic(json);
          exchange.sendFrames(
              Map.of("X-Amzn-Bedrock-Content-Type", "application/json"),
              anthropicFrames(modelId, nextReply(anthropicAsConverse(json))),
              fault);
        }
      }
    } catch (Invalid invalid) {
      exchange.sendError(400, "ValidationException", invalid.getMessage());
    }
  }

  private ConverseReply nextReply(JsonNode converseRequest) {
    ConverseReply scripted = replies.poll();
    if (scripted != null) {
      return scripted;
    }
    String text = defaultAnswer(converseRequest.path("messages"));
    return ConverseReply.text(text).withUsage(inputTokens(converseRequest), WordTokens.count(text));
  }

  private static String defaultAnswer(JsonNode messages) {
    JsonNode last = messages.get(messages.size() - 1);
    List<String> said = new ArrayList<>();
    List<String> toolSaid = new ArrayList<>();
    for (JsonNode block : last.path("content")) {
      if (block.has("text")) {
        said.add(block.get("text").asText());
      }
      for (JsonNode inner : block.path("toolResult").path("content")) {
        toolSaid.add(inner.has("text") ? inner.get("text").asText() : inner.toString());
      }
    }
    if (!toolSaid.isEmpty()) {
      return "Hello from the fake Bedrock. The tool said: " + String.join(" | ", toolSaid);
    }
    return "Hello from the fake Bedrock. You said: " + (said.isEmpty() ? "" : said.getLast());
  }

  private static int inputTokens(JsonNode request) {
    int tokens = 0;
    for (JsonNode block : request.path("system")) {
      tokens += WordTokens.count(block.path("text").asText(""));
    }
    for (JsonNode message : request.path("messages")) {
      for (JsonNode block : message.path("content")) {
        tokens += WordTokens.count(block.path("text").asText(""));
      }
    }
    return Math.max(tokens, 1);
  }

  // --- Converse ---------------------------------------------------------------------------------

  /**
   * The checks Converse makes that a translator most easily gets wrong, with Bedrock's messages
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_Converse.html).
   */
  private static void validateConverse(JsonNode request) {
    JsonNode messages = request.get("messages");
    if (messages == null || !messages.isArray()) {
      throw new Invalid(
          "1 validation error detected: Value null at 'messages' failed to satisfy constraint: Member must not be null");
    }
    if (messages.isEmpty()) {
      throw new Invalid(
          "A conversation must start with a user message. Try again with a conversation that starts with a user message.");
    }
    boolean toolsUsed = false;
    List<String> previousToolUses = List.of();
    for (int i = 0; i < messages.size(); i++) {
      JsonNode message = messages.get(i);
      String role = message.path("role").asText();
      if (!role.equals("user") && !role.equals("assistant")) {
        throw new Invalid(
            "1 validation error detected: Value '"
                + role
                + "' at 'messages."
                + (i + 1)
                + ".member.role' failed to satisfy constraint: Member must satisfy enum value set: [user, assistant]");
      }
      if (i == 0 && !role.equals("user")) {
        throw new Invalid(
            "A conversation must start with a user message. Try again with a conversation that starts with a user message.");
      }
      if (i > 0 && role.equals(messages.get(i - 1).path("role").asText())) {
        throw new Invalid(
            "A conversation must alternate between user and assistant roles. Make sure the conversation alternates between user and assistant roles and try again.");
      }
      JsonNode content = message.path("content");
      if (!content.isArray() || content.isEmpty()) {
        throw new Invalid(
            "The content field in the Message object at messages."
                + i
                + " is empty. Add a ContentBlock object to the content field and try again.");
      }
      List<String> toolUses = new ArrayList<>();
      int toolResults = 0;
      for (int j = 0; j < content.size(); j++) {
        JsonNode block = content.get(j);
        if (block.size() != 1) {
          throw new Invalid(
              "The ContentBlock object at messages."
                  + i
                  + ".content."
                  + j
                  + " must set exactly one of its members.");
        }
        String kind = block.fieldNames().next();
        switch (kind) {
          case "text" -> {
            if (block.get("text").asText().isBlank()) {
              throw new Invalid(
                  "The text field in the ContentBlock object at messages."
                      + i
                      + ".content."
                      + j
                      + " is blank. Add text to the text field, and try again.");
            }
          }
          case "image" -> validateImage(block.get("image"), i, j);
          case "document", "video", "cachePoint", "guardContent" -> {}
          case "reasoningContent" -> {
            if (!role.equals("assistant")) {
              throw new Invalid(
                  "Reasoning content is only allowed in assistant messages (messages."
                      + i
                      + ".content."
                      + j
                      + ").");
            }
          }
          case "toolUse" -> {
            toolsUsed = true;
            if (!role.equals("assistant")) {
              throw new Invalid(
                  "A toolUse block is only allowed in assistant messages (messages."
                      + i
                      + ".content."
                      + j
                      + ").");
            }
            JsonNode use = block.get("toolUse");
            if (!use.path("toolUseId").isTextual()
                || !use.path("name").isTextual()
                || !use.has("input")) {
              throw new Invalid(
                  "The toolUse block at messages."
                      + i
                      + ".content."
                      + j
                      + " needs toolUseId, name and input.");
            }
            toolUses.add(use.get("toolUseId").asText());
          }
          case "toolResult" -> {
            toolsUsed = true;
            toolResults++;
            String id = block.get("toolResult").path("toolUseId").asText(null);
            if (!role.equals("user") || !previousToolUses.contains(id)) {
              throw new Invalid(
                  "The toolUseId "
                      + id
                      + " at messages."
                      + i
                      + ".content."
                      + j
                      + " does not match a toolUse block of the previous turn.");
            }
            if (!block.get("toolResult").path("content").isArray()) {
              throw new Invalid(
                  "The toolResult block at messages."
                      + i
                      + ".content."
                      + j
                      + " needs a content list.");
            }
          }
          default ->
              throw new Invalid(
                  "Unknown content block type '"
                      + kind
                      + "' at messages."
                      + i
                      + ".content."
                      + j
                      + ".");
        }
      }
      if (toolResults > previousToolUses.size()) {
        throw new Invalid(
            "The number of toolResult blocks at messages."
                + i
                + ".content exceeds the number of toolUse blocks of previous turn.");
      }
      if (!previousToolUses.isEmpty() && toolResults < previousToolUses.size()) {
        throw new Invalid(
            "Expected toolResult blocks at messages."
                + i
                + ".content for the following Ids: "
                + String.join(", ", previousToolUses));
      }
      previousToolUses = toolUses;
    }
    if (toolsUsed && !request.has("toolConfig")) {
      throw new Invalid(
          "The toolConfig field must be defined when using toolUse and toolResult content blocks.");
    }
    for (JsonNode block : request.path("system")) {
      if (block.has("text") && block.get("text").asText().isBlank()) {
        throw new Invalid(
            "The text field in the SystemContentBlock object is blank. Add text to the text field, and try again.");
      }
    }
    JsonNode inference = request.path("inferenceConfig");
    if (inference.has("maxTokens") && inference.get("maxTokens").asInt() < 1) {
      throw new Invalid(
          "1 validation error detected: Value '"
              + inference.get("maxTokens")
              + "' at 'inferenceConfig.maxTokens' failed to satisfy constraint: Member must have value greater than or equal to 1");
    }
    for (String unit : List.of("temperature", "topP")) {
      if (inference.has(unit)
          && (inference.get(unit).asDouble() < 0 || inference.get(unit).asDouble() > 1)) {
        throw new Invalid(
            "1 validation error detected: Value '"
                + inference.get(unit)
                + "' at 'inferenceConfig."
                + unit
                + "' failed to satisfy constraint: Member must have value less than or equal to 1");
      }
    }
    if (inference.has("stopSequences") && !inference.get("stopSequences").isArray()) {
      throw new Invalid(
          "1 validation error detected: 'inferenceConfig.stopSequences' must be a list.");
    }
    JsonNode toolConfig = request.get("toolConfig");
    if (toolConfig != null) {
      JsonNode tools = toolConfig.path("tools");
      if (!tools.isArray() || tools.isEmpty()) {
        throw new Invalid("The value at toolConfig.tools must contain at least one tool.");
      }
      for (JsonNode tool : tools) {
        if (tool.has("cachePoint")) {
          continue;
        }
        JsonNode spec = tool.path("toolSpec");
        if (!spec.path("name").isTextual() || !spec.path("inputSchema").path("json").isObject()) {
          throw new Invalid(
              "Each tool needs a toolSpec with a name and an inputSchema.json object.");
        }
      }
      JsonNode choice = toolConfig.get("toolChoice");
      if (choice != null
          && !(choice.has("auto")
              || choice.has("any")
              || choice.path("tool").path("name").isTextual())) {
        throw new Invalid("toolConfig.toolChoice must set one of auto, any or tool.");
      }
    }
  }

  private static void validateImage(JsonNode image, int i, int j) {
    String format = image.path("format").asText();
    if (!List.of("png", "jpeg", "gif", "webp").contains(format)) {
      throw new Invalid(
          "1 validation error detected: Value '"
              + format
              + "' at 'messages."
              + (i + 1)
              + ".member.content."
              + (j + 1)
              + ".member.image.format' failed to satisfy constraint: Member must satisfy enum value set: [png, jpeg, gif, webp]");
    }
    try {
      byte[] bytes = Base64.getDecoder().decode(image.path("source").path("bytes").asText(""));
      if (bytes.length == 0) {
        throw new Invalid("The image at messages." + i + ".content." + j + " has no bytes.");
      }
    } catch (IllegalArgumentException e) {
      throw new Invalid(
          "The image bytes at messages." + i + ".content." + j + " are not valid base64.");
    }
  }

  private ObjectNode converseAnswer(ConverseReply reply) {
    ObjectNode answer = JSON.createObjectNode();
    ObjectNode message = answer.putObject("output").putObject("message");
    message.put("role", "assistant");
    ArrayNode content = message.putArray("content");
    for (ConverseReply.Block block : reply.content()) {
      switch (block) {
        case ConverseReply.Text text -> content.addObject().put("text", text.text());
        case ConverseReply.ToolUse use -> {
          ObjectNode toolUse = content.addObject().putObject("toolUse");
          toolUse.put("toolUseId", use.toolUseId());
          toolUse.put("name", use.name());
          toolUse.set("input", parse(use.inputJson()));
        }
        case ConverseReply.Reasoning reasoning -> {
          ObjectNode text =
              content.addObject().putObject("reasoningContent").putObject("reasoningText");
          text.put("text", reasoning.text());
          text.put("signature", reasoning.signature());
        }
      }
    }
    answer.put("stopReason", reply.stopReason());
    answer.set("usage", usage(reply));
    answer.putObject("metrics").put("latencyMs", 42);
    return answer;
  }

  private static ObjectNode usage(ConverseReply reply) {
    ObjectNode usage = JSON.createObjectNode();
    usage.put("inputTokens", reply.inputTokens());
    usage.put("outputTokens", reply.outputTokens());
    usage.put(
        "totalTokens",
        reply.inputTokens()
            + reply.outputTokens()
            + reply.cacheReadInputTokens()
            + reply.cacheWriteInputTokens());
    if (reply.cacheReadInputTokens() > 0 || reply.cacheWriteInputTokens() > 0) {
      usage.put("cacheReadInputTokens", reply.cacheReadInputTokens());
      usage.put("cacheWriteInputTokens", reply.cacheWriteInputTokens());
    }
    return usage;
  }

  /**
   * ConverseStream's events for an answer
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_ConverseStreamOutput.html),
   * each payload padded with a {@code p} field as Bedrock pads them.
   */
  private List<byte[]> converseFrames(ConverseReply reply) {
    List<byte[]> frames = new ArrayList<>();
    frames.add(event("messageStart", JSON.createObjectNode().put("role", "assistant")));
    int index = 0;
    for (ConverseReply.Block block : reply.content()) {
      switch (block) {
        case ConverseReply.Text text -> {
          for (String piece : WordTokens.pieces(text.text())) {
            ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", index);
            delta.putObject("delta").put("text", piece);
            frames.add(event("contentBlockDelta", delta));
          }
        }
        case ConverseReply.ToolUse use -> {
          ObjectNode start = JSON.createObjectNode().put("contentBlockIndex", index);
          start
              .putObject("start")
              .putObject("toolUse")
              .put("toolUseId", use.toolUseId())
              .put("name", use.name());
          frames.add(event("contentBlockStart", start));
          String input = parse(use.inputJson()).toString();
          int half = input.length() / 2;
          for (String piece : List.of(input.substring(0, half), input.substring(half))) {
            ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", index);
            delta.putObject("delta").putObject("toolUse").put("input", piece);
            frames.add(event("contentBlockDelta", delta));
          }
        }
        case ConverseReply.Reasoning reasoning -> {
          for (String piece : WordTokens.pieces(reasoning.text())) {
            ObjectNode delta = JSON.createObjectNode().put("contentBlockIndex", index);
            delta.putObject("delta").putObject("reasoningContent").put("text", piece);
            frames.add(event("contentBlockDelta", delta));
          }
          ObjectNode signature = JSON.createObjectNode().put("contentBlockIndex", index);
          signature
              .putObject("delta")
              .putObject("reasoningContent")
              .put("signature", reasoning.signature());
          frames.add(event("contentBlockDelta", signature));
        }
      }
      frames.add(
          event("contentBlockStop", JSON.createObjectNode().put("contentBlockIndex", index)));
      index++;
    }
    frames.add(event("messageStop", JSON.createObjectNode().put("stopReason", reply.stopReason())));
    ObjectNode metadata = JSON.createObjectNode();
    metadata.set("usage", usage(reply));
    metadata.putObject("metrics").put("latencyMs", 42);
    frames.add(event("metadata", metadata));
    return frames;
  }

  private static byte[] event(String type, ObjectNode payload) {
    payload.put(
        "p",
        PADDING.substring(0, 1 + Math.floorMod(payload.toString().length(), PADDING.length() - 1)));
    return EventStreamEncoder.event(type, payload.toString().getBytes(StandardCharsets.UTF_8));
  }

  private static JsonNode parse(String json) {
    try {
      return JSON.readTree(json);
    } catch (IOException e) {
      throw new IllegalArgumentException("a scripted tool input is not JSON: " + json, e);
    }
  }

  // --- InvokeModel ------------------------------------------------------------------------------

  private static String vendor(String modelId) {
    String model = modelId;
    int foundation = model.indexOf("foundation-model/");
    if (foundation >= 0) {
      model = model.substring(foundation + "foundation-model/".length());
    }
    model = model.replaceFirst("^(us|eu|apac|au|ca|jp|global|us-gov)\\.", "");
    int dot = model.indexOf('.');
    return dot < 0 ? "" : model.substring(0, dot);
  }

  private void invoke(String modelId, JsonNode body, BedrockExchange exchange, BedrockFault fault)
      throws IOException {
    String vendor = vendor(modelId);
    if (vendor.equals("amazon") && modelId.contains("titan-embed")) {
      JsonNode text = body.get("inputText");
      if (text == null || !text.isTextual() || text.asText().isEmpty()) {
        throw new Invalid(
            "Malformed input request: #: required key [inputText] not found, please reformat your input and try again.");
      }
      int dimensions = body.path("dimensions").asInt(1024);
      if (!List.of(256, 512, 1024).contains(dimensions)) {
        throw new Invalid(
            "Malformed input request: #/dimensions: "
                + dimensions
                + " is not a valid enum value, please reformat your input and try again.");
      }
      ObjectNode answer = JSON.createObjectNode();
      answer.set("embedding", vector(text.asText(), dimensions));
      int tokens = WordTokens.count(text.asText());
      answer.put("inputTextTokenCount", tokens);
      exchange.sendJson(
          Map.of("X-Amzn-Bedrock-Input-Token-Count", Integer.toString(tokens)), answer, fault);
    } else if (vendor.equals("cohere") && modelId.contains("embed")) {
      JsonNode texts = body.get("texts");
      if (texts == null || !texts.isArray() || texts.isEmpty()) {
        throw new Invalid(
            "Malformed input request: #: required key [texts] not found, please reformat your input and try again.");
      }
      String inputType = body.path("input_type").asText("");
      if (!List.of("search_document", "search_query", "classification", "clustering", "image")
          .contains(inputType)) {
        throw new Invalid(
            "Malformed input request: #: required key [input_type] not found, please reformat your input and try again.");
      }
      ObjectNode answer = JSON.createObjectNode();
      ArrayNode embeddings = answer.putArray("embeddings");
      int tokens = 0;
      for (JsonNode text : texts) {
        embeddings.add(vector(text.asText(), 1024));
        tokens += WordTokens.count(text.asText());
      }
      answer.put("id", UUID.randomUUID().toString());
      answer.put("response_type", "embeddings_floats");
      answer.set("texts", texts);
      exchange.sendJson(
          Map.of("X-Amzn-Bedrock-Input-Token-Count", Integer.toString(tokens)), answer, fault);
    } else if (vendor.equals("anthropic")) {
      validateAnthropic(body);
      ConverseReply reply = nextReply(anthropicAsConverse(body));
      ObjectNode answer = anthropicMessage(modelId, reply);
      exchange.sendJson(
          Map.of(
              "X-Amzn-Bedrock-Input-Token-Count", Integer.toString(reply.inputTokens()),
              "X-Amzn-Bedrock-Output-Token-Count", Integer.toString(reply.outputTokens())),
          answer,
          fault);
    } else {
      throw new Invalid("The fake Bedrock does not serve InvokeModel for " + modelId + ".");
    }
  }

  /** A deterministic unit vector for a text. */
  private static ArrayNode vector(String text, int dimensions) {
    java.util.SplittableRandom random = new java.util.SplittableRandom(text.hashCode());
    double[] values = new double[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      values[i] = random.nextDouble(-1, 1);
      norm += values[i] * values[i];
    }
    ArrayNode vector = JSON.createArrayNode();
    for (double value : values) {
      vector.add((float) (value / Math.sqrt(norm)));
    }
    return vector;
  }

  // https://docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html
  private static void validateAnthropic(JsonNode body) {
    // The model is in the path and the action says whether to stream; Bedrock refuses both keys.
    for (String key : List.of("model", "stream")) {
      if (body.has(key)) {
        throw new Invalid(
            "Malformed input request: #: extraneous key ["
                + key
                + "] is not permitted, please reformat your input and try again.");
      }
    }
    if (!body.path("anthropic_version").isTextual()) {
      throw new Invalid(
          "Malformed input request: #: required key [anthropic_version] not found, please reformat your input and try again.");
    }
    if (!body.path("max_tokens").canConvertToInt()) {
      throw new Invalid(
          "Malformed input request: #: required key [max_tokens] not found, please reformat your input and try again.");
    }
    if (!body.path("messages").isArray() || body.path("messages").isEmpty()) {
      throw new Invalid(
          "Malformed input request: #: required key [messages] not found, please reformat your input and try again.");
    }
  }

  // https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_CountTokens.html
  private static int countTokens(String modelId, JsonNode request) {
    if (!vendor(modelId).equals("anthropic")) {
      throw new Invalid("The provided model doesn't support counting tokens.");
    }
    JsonNode input = request.path("input");
    if (input.size() != 1 || !(input.has("invokeModel") || input.has("converse"))) {
      throw new Invalid("The input must set exactly one of invokeModel and converse.");
    }
    if (input.has("converse")) {
      validateConverse(input.get("converse"));
      return inputTokens(input.get("converse"));
    }
    JsonNode body;
    try {
      body =
          JSON.readTree(
              Base64.getDecoder().decode(input.path("invokeModel").path("body").asText()));
    } catch (IOException | IllegalArgumentException e) {
      throw new Invalid("The invokeModel body must be base64-encoded JSON.");
    }
    validateAnthropic(body);
    int tokens = 0;
    JsonNode system = body.path("system");
    if (system.isTextual()) {
      tokens += WordTokens.count(system.asText());
    }
    for (JsonNode block : system) {
      tokens += WordTokens.count(block.path("text").asText(""));
    }
    return tokens + inputTokens(anthropicAsConverse(body));
  }

  /** An Anthropic Messages request in Converse's shape, for the default answer. */
  private static ObjectNode anthropicAsConverse(JsonNode body) {
    ObjectNode converse = JSON.createObjectNode();
    ArrayNode messages = converse.putArray("messages");
    for (JsonNode message : body.path("messages")) {
      ObjectNode turn = messages.addObject();
      turn.put("role", message.path("role").asText());
      ArrayNode content = turn.putArray("content");
      if (message.path("content").isTextual()) {
        content.addObject().put("text", message.get("content").asText());
      } else {
        for (JsonNode block : message.path("content")) {
          if (block.path("type").asText().equals("text")) {
            content.addObject().put("text", block.path("text").asText());
          } else if (block.path("type").asText().equals("tool_result")) {
            ObjectNode result = content.addObject().putObject("toolResult");
            result
                .putArray("content")
                .addObject()
                .put(
                    "text",
                    block.path("content").isTextual()
                        ? block.get("content").asText()
                        : block.path("content").toString());
          }
        }
      }
    }
    return converse;
  }

  private static ObjectNode anthropicMessage(String modelId, ConverseReply reply) {
    ObjectNode message = JSON.createObjectNode();
    message.put("id", "msg_bdrk_" + UUID.randomUUID().toString().replace("-", "").substring(0, 24));
    message.put("type", "message");
    message.put("role", "assistant");
    message.put("model", modelId);
    ArrayNode content = message.putArray("content");
    for (ConverseReply.Block block : reply.content()) {
      switch (block) {
        case ConverseReply.Text text ->
            content.addObject().put("type", "text").put("text", text.text());
        case ConverseReply.ToolUse use -> {
          ObjectNode toolUse =
              content
                  .addObject()
                  .put("type", "tool_use")
                  .put("id", use.toolUseId())
                  .put("name", use.name());
          toolUse.set("input", parse(use.inputJson()));
        }
        case ConverseReply.Reasoning reasoning ->
            content
                .addObject()
                .put("type", "thinking")
                .put("thinking", reasoning.text())
                .put("signature", reasoning.signature());
      }
    }
    message.put("stop_reason", reply.stopReason());
    message.putNull("stop_sequence");
    message
        .putObject("usage")
        .put("input_tokens", reply.inputTokens())
        .put("output_tokens", reply.outputTokens());
    return message;
  }

  /**
   * Anthropic's stream events, each in a {@code chunk} frame as {@code {"bytes": base64 of the
   * event's JSON}}
   * (https://docs.aws.amazon.com/bedrock/latest/APIReference/API_runtime_InvokeModelWithResponseStream.html).
   */
  private static List<byte[]> anthropicFrames(String modelId, ConverseReply reply) {
    List<ObjectNode> events = new ArrayList<>();
    ObjectNode start = JSON.createObjectNode().put("type", "message_start");
    ObjectNode message = anthropicMessage(modelId, reply);
    message.putArray("content");
    message.putNull("stop_reason");
    ((ObjectNode) message.get("usage")).put("output_tokens", 1);
    start.set("message", message);
    events.add(start);
    int index = 0;
    for (ConverseReply.Block block : reply.content()) {
      ObjectNode blockStart =
          JSON.createObjectNode().put("type", "content_block_start").put("index", index);
      switch (block) {
        case ConverseReply.Text text -> {
          blockStart.putObject("content_block").put("type", "text").put("text", "");
          events.add(blockStart);
          for (String piece : WordTokens.pieces(text.text())) {
            ObjectNode delta =
                JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
            delta.putObject("delta").put("type", "text_delta").put("text", piece);
            events.add(delta);
          }
        }
        case ConverseReply.ToolUse use -> {
          ObjectNode toolUse =
              blockStart
                  .putObject("content_block")
                  .put("type", "tool_use")
                  .put("id", use.toolUseId())
                  .put("name", use.name());
          toolUse.putObject("input");
          events.add(blockStart);
          ObjectNode delta =
              JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
          delta
              .putObject("delta")
              .put("type", "input_json_delta")
              .put("partial_json", parse(use.inputJson()).toString());
          events.add(delta);
        }
        case ConverseReply.Reasoning reasoning -> {
          blockStart.putObject("content_block").put("type", "thinking").put("thinking", "");
          events.add(blockStart);
          ObjectNode delta =
              JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
          delta.putObject("delta").put("type", "thinking_delta").put("thinking", reasoning.text());
          events.add(delta);
          ObjectNode signature =
              JSON.createObjectNode().put("type", "content_block_delta").put("index", index);
          signature
              .putObject("delta")
              .put("type", "signature_delta")
              .put("signature", reasoning.signature());
          events.add(signature);
        }
      }
      events.add(JSON.createObjectNode().put("type", "content_block_stop").put("index", index));
      index++;
    }
    ObjectNode messageDelta = JSON.createObjectNode().put("type", "message_delta");
    messageDelta.putObject("delta").put("stop_reason", reply.stopReason()).putNull("stop_sequence");
    messageDelta.putObject("usage").put("output_tokens", reply.outputTokens());
    events.add(messageDelta);
    ObjectNode stop = JSON.createObjectNode().put("type", "message_stop");
    stop.putObject("amazon-bedrock-invocationMetrics")
        .put("inputTokenCount", reply.inputTokens())
        .put("outputTokenCount", reply.outputTokens())
        .put("invocationLatency", 42)
        .put("firstByteLatency", 21);
    events.add(stop);
    List<byte[]> frames = new ArrayList<>();
    for (ObjectNode event : events) {
      ObjectNode chunk = JSON.createObjectNode();
      chunk.put(
          "bytes",
          Base64.getEncoder().encodeToString(event.toString().getBytes(StandardCharsets.UTF_8)));
      frames.add(event("chunk", chunk));
    }
    return frames;
  }
}
