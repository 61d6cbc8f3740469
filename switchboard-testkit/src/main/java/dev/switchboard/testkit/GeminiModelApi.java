package dev.switchboard.testkit;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.regex.Pattern;

/**
 * Gemini's {@code generateContent} API as the fakes serve it, wherever it is served (Google AI's
 * Gemini API, Vertex AI): request validation with Google's wording where it is known, and the
 * answer, a {@code GenerateContentResponse}
 * (https://ai.google.dev/api/generate-content#generatecontentresponse) or its stream of them. It
 * knows nothing of HTTP connections, authentication or faults in delivery.
 *
 * <p>Unscripted, a model answers as {@link FakeOpenAi} does: it calls every function declared (or
 * those {@code allowedFunctionNames} allows) with sample arguments, all in one turn, when the last
 * turn is the user's; after function responses it answers {@code Tool results received: <outputs
 * joined by "; ">}; otherwise {@code Hello from Gemini. You said: <last user text>}.
 */
final class GeminiModelApi {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final SecureRandom RANDOM = new SecureRandom();
  private static final Pattern FUNCTION_NAME = Pattern.compile("[a-zA-Z_][a-zA-Z0-9_.:-]{0,63}");
  private static final Set<String> REQUEST_FIELDS =
      Set.of(
          "contents",
          "tools",
          "toolConfig",
          "tool_config",
          "safetySettings",
          "safety_settings",
          "systemInstruction",
          "system_instruction",
          "generationConfig",
          "generation_config",
          "cachedContent",
          "cached_content",
          "labels",
          "model");
  private static final Set<String> GENERATION_FIELDS =
      Set.of(
          "stopSequences",
          "responseMimeType",
          "responseSchema",
          "responseJsonSchema",
          "responseModalities",
          "candidateCount",
          "maxOutputTokens",
          "temperature",
          "topP",
          "topK",
          "seed",
          "presencePenalty",
          "frequencyPenalty",
          "responseLogprobs",
          "logprobs",
          "enableEnhancedCivicAnswers",
          "speechConfig",
          "thinkingConfig",
          "imageConfig",
          "mediaResolution");
  private static final Set<String> PART_DATA =
      Set.of(
          "text",
          "inlineData",
          "fileData",
          "functionCall",
          "functionResponse",
          "executableCode",
          "codeExecutionResult");
  private static final Set<String> MODES = Set.of("AUTO", "ANY", "NONE", "VALIDATED");

  private final ConcurrentLinkedQueue<GeminiReply> scripted = new ConcurrentLinkedQueue<>();

  /**
   * The clock of Vertex AI's {@code createTime}, which Vertex sends on every answer and stream
   * event (cloud.google.com/vertex-ai/docs/reference/rest/v1/GenerateContentResponse) and the
   * Gemini API does not; {@code null} for the Gemini API.
   */
  private final Clock createTimes;

  /** The Gemini API's answers. */
  GeminiModelApi() {
    this(null);
  }

  /** Vertex AI's answers: the Gemini API's, with the time each response was created. */
  GeminiModelApi(Clock createTimes) {
    this.createTimes = createTimes;
  }

  void enqueue(GeminiReply reply) {
    scripted.add(reply);
  }

  /** A response id as Gemini gives one: 22 characters of URL-safe base64. */
  static String responseId() {
    byte[] bytes = new byte[16];
    RANDOM.nextBytes(bytes);
    return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
  }

  static ObjectNode body(RecordedRequest request) {
    JsonNode body;
    try {
      body = JSON.readTree(request.body());
    } catch (JsonProcessingException e) {
      throw GoogleError.reject("Invalid JSON payload received. Unexpected token.");
    }
    if (body == null || !body.isObject()) {
      throw GoogleError.reject("Invalid JSON payload received. Expected an object.");
    }
    return (ObjectNode) body;
  }

  /**
   * The answer to {@code generateContent} ({@code streaming} false) or {@code
   * streamGenerateContent}: with {@code sse}, a stream of responses; without, Google's default
   * streaming form, one JSON array of them.
   */
  Reply generate(ObjectNode request, String model, boolean streaming, boolean sse) {
    validate(request);
    GeminiReply reply = scripted.poll();
    if (reply == null) {
      reply = defaultReply(request);
    }
    String id = responseId();
    String created = createTimes == null ? null : Instant.now(createTimes).toString();
    int promptTokens =
        reply.promptTokens != null ? reply.promptTokens : WordTokens.count(allText(request));
    if (!streaming) {
      return Reply.Json.ok(response(reply, reply.parts, true, model, id, created, promptTokens));
    }
    List<JsonNode> events = new ArrayList<>();
    if (reply.blockReason != null) {
      events.add(response(reply, List.of(), true, model, id, created, promptTokens));
    } else {
      List<List<GeminiReply.Part>> pieces = streamPieces(reply.parts);
      for (int i = 0; i < pieces.size(); i++) {
        boolean last = i == pieces.size() - 1;
        events.add(response(reply, pieces.get(i), last, model, id, created, promptTokens));
      }
    }
    if (sse) {
      return new Reply.EventStream(events);
    }
    ArrayNode array = JSON.createArrayNode();
    events.forEach(array::add);
    return Reply.Json.ok(array);
  }

  /** The parts as Gemini streams them: text a few words per event, function calls whole. */
  private static List<List<GeminiReply.Part>> streamPieces(List<GeminiReply.Part> parts) {
    List<List<GeminiReply.Part>> events = new ArrayList<>();
    List<GeminiReply.Part> calls = new ArrayList<>();
    for (GeminiReply.Part part : parts) {
      switch (part) {
        case GeminiReply.Part.Text text -> {
          List<String> words = WordTokens.pieces(text.text());
          for (int i = 0; i < words.size(); i += 3) {
            String piece = String.join("", words.subList(i, Math.min(words.size(), i + 3)));
            events.add(List.of(new GeminiReply.Part.Text(piece, text.thought())));
          }
        }
        case GeminiReply.Part.FunctionCall call -> calls.add(call);
      }
    }
    if (!calls.isEmpty()) {
      events.add(calls);
    }
    if (events.isEmpty()) {
      events.add(List.of());
    }
    return events;
  }

  private static ObjectNode response(
      GeminiReply reply,
      List<GeminiReply.Part> parts,
      boolean last,
      String model,
      String id,
      String created,
      int promptTokens) {
    ObjectNode response = JSON.createObjectNode();
    int answered = 0;
    int thoughts = 0;
    for (GeminiReply.Part part : reply.parts) {
      if (part instanceof GeminiReply.Part.Text text) {
        if (text.thought()) {
          thoughts += WordTokens.count(text.text());
        } else {
          answered += WordTokens.count(text.text());
        }
      } else if (part instanceof GeminiReply.Part.FunctionCall call) {
        answered += 1 + WordTokens.count(call.args().toString().replace(',', ' '));
      }
    }
    if (reply.blockReason == null) {
      ObjectNode candidate = response.putArray("candidates").addObject();
      ObjectNode content = candidate.putObject("content");
      ArrayNode out = content.putArray("parts");
      for (GeminiReply.Part part : parts) {
        switch (part) {
          case GeminiReply.Part.Text text -> {
            ObjectNode p = out.addObject().put("text", text.text());
            if (text.thought()) {
              p.put("thought", true);
            }
          }
          case GeminiReply.Part.FunctionCall call -> {
            ObjectNode functionCall = out.addObject().putObject("functionCall");
            functionCall.put("name", call.name());
            functionCall.set("args", call.args());
          }
        }
      }
      content.put("role", "model");
      if (last) {
        candidate.put("finishReason", reply.finishReason != null ? reply.finishReason : "STOP");
        if (reply.finishReason != null && reply.finishReason.equals("SAFETY")) {
          candidate
              .putArray("safetyRatings")
              .addObject()
              .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
              .put("probability", "HIGH")
              .put("blocked", true);
        }
      }
      candidate.put("index", 0);
    } else {
      ObjectNode feedback = response.putObject("promptFeedback");
      feedback.put("blockReason", reply.blockReason);
      feedback
          .putArray("safetyRatings")
          .addObject()
          .put("category", "HARM_CATEGORY_DANGEROUS_CONTENT")
          .put("probability", "HIGH");
    }
    ObjectNode usage = response.putObject("usageMetadata");
    usage.put("promptTokenCount", promptTokens);
    int candidates = reply.candidatesTokens != null ? reply.candidatesTokens : answered;
    int thoughtCount = reply.thoughtsTokens != null ? reply.thoughtsTokens : thoughts;
    if (last && reply.blockReason == null) {
      usage.put("candidatesTokenCount", candidates);
    }
    int total = promptTokens + (last ? candidates + thoughtCount : 0);
    usage.put("totalTokenCount", total);
    if (reply.cachedTokens != null && reply.cachedTokens > 0) {
      usage.put("cachedContentTokenCount", reply.cachedTokens);
    }
    if (last && thoughtCount > 0) {
      usage.put("thoughtsTokenCount", thoughtCount);
    }
    usage
        .putArray("promptTokensDetails")
        .addObject()
        .put("modality", "TEXT")
        .put("tokenCount", promptTokens);
    response.put("modelVersion", model);
    if (created != null) {
      response.put("createTime", created);
    }
    response.put("responseId", id);
    return response;
  }

  /** What an unscripted model answers; see the class comment. */
  private static GeminiReply defaultReply(ObjectNode request) {
    JsonNode contents = request.path("contents");
    JsonNode lastTurn = contents.get(contents.size() - 1);
    List<String> outputs = new ArrayList<>();
    for (JsonNode part : lastTurn.path("parts")) {
      if (part.has("functionResponse")) {
        JsonNode response = part.path("functionResponse").path("response");
        JsonNode output = response.has("output") ? response.get("output") : response;
        outputs.add(output.isTextual() ? output.asText() : output.toString());
      }
    }
    if (!outputs.isEmpty()) {
      return GeminiReply.text("Tool results received: " + String.join("; ", outputs));
    }
    JsonNode calling = toolConfig(request).path("functionCallingConfig");
    if (calling.isMissingNode()) {
      calling = toolConfig(request).path("function_calling_config");
    }
    String mode = calling.path("mode").asText("AUTO");
    List<String> allowed = new ArrayList<>();
    calling.path("allowedFunctionNames").forEach(n -> allowed.add(n.asText()));
    calling.path("allowed_function_names").forEach(n -> allowed.add(n.asText()));
    GeminiReply.Builder calls = GeminiReply.builder();
    boolean called = false;
    if (!mode.equals("NONE")) {
      for (JsonNode tool : request.path("tools")) {
        for (JsonNode function : tool.path("functionDeclarations")) {
          String name = function.path("name").asText();
          if (allowed.isEmpty() || allowed.contains(name)) {
            calls.functionCall(name, sampleArguments(function.path("parameters")).toString());
            called = true;
          }
        }
      }
    }
    if (called) {
      return calls.build();
    }
    return GeminiReply.text("Hello from Gemini. You said: " + lastUserText(contents));
  }

  private static JsonNode toolConfig(ObjectNode request) {
    return request.has("toolConfig") ? request.get("toolConfig") : request.path("tool_config");
  }

  private static ObjectNode sampleArguments(JsonNode schema) {
    ObjectNode arguments = JSON.createObjectNode();
    for (Map.Entry<String, JsonNode> property : schema.path("properties").properties()) {
      switch (property.getValue().path("type").asText().toLowerCase(java.util.Locale.ROOT)) {
        case "string" -> arguments.put(property.getKey(), "sample");
        case "number", "integer" -> arguments.put(property.getKey(), 1);
        case "boolean" -> arguments.put(property.getKey(), true);
        default -> arguments.putNull(property.getKey());
      }
    }
    return arguments;
  }

  private static String lastUserText(JsonNode contents) {
    for (int i = contents.size() - 1; i >= 0; i--) {
      JsonNode turn = contents.get(i);
      if (!turn.path("role").asText("user").equals("user")) {
        continue;
      }
      StringBuilder text = new StringBuilder();
      for (JsonNode part : turn.path("parts")) {
        if (part.has("text")) {
          text.append(text.isEmpty() ? "" : " ").append(part.get("text").asText());
        }
      }
      if (!text.isEmpty()) {
        return text.toString();
      }
    }
    return "";
  }

  private static String allText(ObjectNode request) {
    StringBuilder text = new StringBuilder();
    request
        .path("systemInstruction")
        .path("parts")
        .forEach(p -> text.append(p.path("text").asText()).append(' '));
    for (JsonNode turn : request.path("contents")) {
      for (JsonNode part : turn.path("parts")) {
        if (part.has("text")) {
          text.append(part.get("text").asText()).append(' ');
        } else if (part.has("functionResponse")) {
          text.append(part.get("functionResponse").toString().replace(',', ' ')).append(' ');
        } else if (part.has("functionCall")) {
          text.append(part.get("functionCall").toString().replace(',', ' ')).append(' ');
        }
      }
    }
    return text.toString();
  }

  // ---- validation, with Google's wording where it is known ----

  static void validate(ObjectNode request) {
    request
        .fieldNames()
        .forEachRemaining(name -> {
          if (!REQUEST_FIELDS.contains(name)) {
            throw GoogleError.reject(
                "Invalid JSON payload received. Unknown name \"" + name + "\": Cannot find field.");
          }
        });
    JsonNode contents = request.get("contents");
    if (contents == null || !contents.isArray() || contents.isEmpty()) {
      throw GoogleError.reject("* GenerateContentRequest.contents: contents is not specified\n");
    }
    JsonNode previous = null;
    for (int i = 0; i < contents.size(); i++) {
      JsonNode turn = contents.get(i);
      String role = turn.path("role").asText("user");
      if (!role.equals("user") && !role.equals("model")) {
        throw GoogleError.reject("Please use a valid role: user, model.");
      }
      JsonNode parts = turn.get("parts");
      if (parts == null || !parts.isArray() || parts.isEmpty()) {
        throw GoogleError.reject(
            "* GenerateContentRequest.contents["
                + i
                + "].parts: contents.parts must not be empty.\n");
      }
      int responses = 0;
      for (int j = 0; j < parts.size(); j++) {
        validatePart(parts.get(j), "contents[" + i + "].parts[" + j + "]");
        if (parts.get(j).has("functionResponse")) {
          responses++;
        }
      }
      if (responses > 0) {
        int calls = 0;
        if (previous != null && previous.path("role").asText().equals("model")) {
          for (JsonNode part : previous.path("parts")) {
            if (part.has("functionCall")) {
              calls++;
            }
          }
        }
        if (calls != responses) {
          throw GoogleError.reject(
              "Please ensure that the number of function response parts is equal to the number"
                  + " of function call parts of the function call turn.");
        }
      }
      if (i > 0 && turn.path("parts").get(0).has("functionCall") && !role.equals("model")) {
        throw GoogleError.reject(
            "Please ensure that function call turn comes immediately after"
                + " a user turn or after a function response turn.");
      }
      previous = turn;
    }
    JsonNode system =
        request.has("systemInstruction")
            ? request.get("systemInstruction")
            : request.get("system_instruction");
    if (system != null) {
      JsonNode parts = system.path("parts");
      if (!parts.isArray() || parts.isEmpty()) {
        throw GoogleError.reject(
            "* GenerateContentRequest.system_instruction.parts: must not be empty\n");
      }
      for (JsonNode part : parts) {
        if (!part.path("text").isTextual()) {
          throw GoogleError.reject(
              "* GenerateContentRequest.system_instruction: only text parts are supported.\n");
        }
      }
    }
    List<String> functions = validateTools(request.get("tools"));
    validateToolConfig(
        request.has("toolConfig") ? request.get("toolConfig") : request.get("tool_config"),
        functions);
    validateGenerationConfig(
        request.has("generationConfig")
            ? request.get("generationConfig")
            : request.get("generation_config"));
  }

  private static void validatePart(JsonNode part, String at) {
    List<String> data = new ArrayList<>();
    part.fieldNames()
        .forEachRemaining(name -> {
          if (PART_DATA.contains(name)) {
            data.add(name);
          } else if (!Set.of("thought", "thoughtSignature", "videoMetadata", "partMetadata")
              .contains(name)) {
            throw GoogleError.reject(
                "Invalid JSON payload received. Unknown name \""
                    + name
                    + "\" at '"
                    + at
                    + "': Cannot find field.");
          }
        });
    if (data.size() != 1) {
      throw GoogleError.reject(
          "* GenerateContentRequest."
              + at
              + ".data: required oneof field 'data' must have one"
              + " initialized field\n");
    }
    JsonNode value = part.get(data.getFirst());
    switch (data.getFirst()) {
      case "text" -> {
        if (!value.isTextual()) {
          throw GoogleError.reject("Invalid value at '" + at + ".text' (TYPE_STRING), " + value);
        }
      }
      case "inlineData" -> {
        if (!value.path("mimeType").isTextual() || value.path("mimeType").asText().isEmpty()) {
          throw GoogleError.reject(
              "* GenerateContentRequest." + at + ".inline_data.mime_type: mime_type is required\n");
        }
        try {
          Base64.getDecoder().decode(value.path("data").asText());
        } catch (IllegalArgumentException e) {
          throw GoogleError.reject(
              "Invalid value at '"
                  + at
                  + ".inline_data.data' (TYPE_BYTES), Base64 decoding failed");
        }
      }
      case "fileData" -> {
        if (!value.path("fileUri").isTextual()) {
          throw GoogleError.reject(
              "* GenerateContentRequest." + at + ".file_data.file_uri: file_uri is required\n");
        }
      }
      case "functionCall" -> {
        if (!FUNCTION_NAME.matcher(value.path("name").asText()).matches()) {
          throw GoogleError.reject(
              "* GenerateContentRequest." + at + ".function_call.name: name is required\n");
        }
        if (value.has("args") && !value.get("args").isObject()) {
          throw GoogleError.reject(
              "Invalid value at '"
                  + at
                  + ".function_call.args' (type.googleapis.com/"
                  + "google.protobuf.Struct), "
                  + value.get("args"));
        }
      }
      case "functionResponse" -> {
        if (!FUNCTION_NAME.matcher(value.path("name").asText()).matches()) {
          throw GoogleError.reject(
              "* GenerateContentRequest."
                  + at
                  + ".function_response.name: Invalid function name."
                  + " Must start with a letter or an underscore.\n");
        }
        if (!value.path("response").isObject()) {
          throw GoogleError.reject(
              "* GenerateContentRequest."
                  + at
                  + ".function_response.response: response is"
                  + " required\n");
        }
      }
      default -> {}
    }
  }

  private static List<String> validateTools(JsonNode tools) {
    List<String> names = new ArrayList<>();
    if (tools == null) {
      return names;
    }
    if (!tools.isArray()) {
      throw GoogleError.reject(
          "Invalid JSON payload received. Unknown name \"tools\": Proto field is not repeating, cannot start list.");
    }
    for (int i = 0; i < tools.size(); i++) {
      JsonNode declarations = tools.get(i).get("functionDeclarations");
      if (declarations == null) {
        continue;
      }
      for (int j = 0; j < declarations.size(); j++) {
        JsonNode declaration = declarations.get(j);
        String name = declaration.path("name").asText("");
        if (!FUNCTION_NAME.matcher(name).matches()) {
          throw GoogleError.reject(
              "* GenerateContentRequest.tools["
                  + i
                  + "].function_declarations["
                  + j
                  + "].name: Invalid function name. Must start with a letter or an underscore."
                  + " Must be alphameric (a-z, A-Z, 0-9), underscores (_), dots (.), colons (:),"
                  + " or dashes (-), with a maximum length of 64.\n");
        }
        JsonNode parameters = declaration.get("parameters");
        if (parameters != null) {
          validateSchema(
              parameters, "tools[" + i + "].function_declarations[" + j + "].parameters");
        }
        names.add(name);
      }
    }
    return names;
  }

  /**
   * Gemini's {@code Schema} knows no {@code additionalProperties}, {@code $schema} or {@code $ref}.
   */
  private static void validateSchema(JsonNode schema, String at) {
    if (schema.isArray()) {
      schema.forEach(item -> validateSchema(item, at));
      return;
    }
    if (!schema.isObject()) {
      return;
    }
    for (String unknown : List.of("additionalProperties", "$schema", "$ref", "$defs")) {
      if (schema.has(unknown)) {
        throw GoogleError.reject(
            "Invalid JSON payload received. Unknown name \""
                + unknown
                + "\" at '"
                + at
                + "': Cannot find field.");
      }
    }
    schema.properties().forEach(field -> validateSchema(field.getValue(), at));
  }

  private static void validateToolConfig(JsonNode config, List<String> functions) {
    if (config == null) {
      return;
    }
    JsonNode calling =
        config.has("functionCallingConfig")
            ? config.get("functionCallingConfig")
            : config.path("function_calling_config");
    if (calling.isMissingNode()) {
      return;
    }
    String mode = calling.path("mode").asText("AUTO");
    if (!MODES.contains(mode)) {
      throw GoogleError.reject(
          "Invalid value at 'tool_config.function_calling_config.mode'"
              + " (type.googleapis.com/google.ai.generativelanguage.v1beta.FunctionCallingConfig.Mode),"
              + " \""
              + mode
              + "\"");
    }
    JsonNode allowed =
        calling.has("allowedFunctionNames")
            ? calling.get("allowedFunctionNames")
            : calling.get("allowed_function_names");
    if (allowed != null && !allowed.isEmpty()) {
      if (!mode.equals("ANY") && !mode.equals("VALIDATED")) {
        throw GoogleError.reject(
            "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names:"
                + " allowed_function_names is only allowed when mode is ANY.\n");
      }
      for (JsonNode name : allowed) {
        if (!functions.contains(name.asText())) {
          throw GoogleError.reject(
              "* GenerateContentRequest.tool_config.function_calling_config.allowed_function_names:"
                  + " function "
                  + name.asText()
                  + " is not declared.\n");
        }
      }
    }
  }

  private static void validateGenerationConfig(JsonNode config) {
    if (config == null) {
      return;
    }
    config
        .fieldNames()
        .forEachRemaining(name -> {
          if (!GENERATION_FIELDS.contains(name)) {
            throw GoogleError.reject(
                "Invalid JSON payload received. Unknown name \""
                    + name
                    + "\" at 'generation_config': Cannot find field.");
          }
        });
    JsonNode temperature = config.get("temperature");
    if (temperature != null && (temperature.asDouble() < 0 || temperature.asDouble() > 2)) {
      throw GoogleError.reject(
          "* GenerateContentRequest.generation_config.temperature: temperature must be between 0"
              + " and 2\n");
    }
    JsonNode max = config.get("maxOutputTokens");
    if (max != null && (!max.isIntegralNumber() || max.asInt() < 1)) {
      throw GoogleError.reject(
          "* GenerateContentRequest.generation_config.max_output_tokens: must be positive\n");
    }
    JsonNode stops = config.get("stopSequences");
    if (stops != null && (!stops.isArray() || stops.size() > 5)) {
      throw GoogleError.reject(
          stops.isArray()
              ? "* GenerateContentRequest.generation_config.stop_sequences: at most 5 stop"
                  + " sequences\n"
              : "Invalid JSON payload received. Unknown name \"stopSequences\" at"
                  + " 'generation_config': Proto field is not repeating, cannot start list.");
    }
    if (config.has("responseSchema")) {
      String mime = config.path("responseMimeType").asText("");
      if (!mime.equals("application/json") && !mime.equals("text/x.enum")) {
        throw GoogleError.reject(
            "* GenerateContentRequest.generation_config.response_mime_type: response_mime_type"
                + " must be application/json or text/x.enum when response_schema is set.\n");
      }
      validateSchema(config.get("responseSchema"), "generation_config.response_schema");
    }
  }

  // ---- embeddings and models ----

  /** {@code embedContent}: {@code {"embedding":{"values":[…]}}}. */
  static Reply embedContent(ObjectNode request) {
    ObjectNode response = JSON.createObjectNode();
    response.putObject("embedding").set("values", embedding(request, "embedContent"));
    return Reply.Json.ok(response);
  }

  /** {@code batchEmbedContents}: each request names {@code models/<model>} of the URL. */
  static Reply batchEmbedContents(ObjectNode request, String model) {
    JsonNode requests = request.get("requests");
    if (requests == null || !requests.isArray() || requests.isEmpty()) {
      throw GoogleError.reject("* BatchEmbedContentsRequest.requests: requests is required\n");
    }
    ObjectNode response = JSON.createObjectNode();
    ArrayNode embeddings = response.putArray("embeddings");
    for (int i = 0; i < requests.size(); i++) {
      JsonNode one = requests.get(i);
      if (!one.path("model").asText().equals("models/" + model)) {
        throw GoogleError.reject(
            "* BatchEmbedContentsRequest.requests["
                + i
                + "].model: Model names should match the model of the batch request: models/"
                + model
                + "\n");
      }
      embeddings.addObject().set("values", embedding((ObjectNode) one, "requests[" + i + "]"));
    }
    return Reply.Json.ok(response);
  }

  private static ArrayNode embedding(ObjectNode request, String at) {
    JsonNode parts = request.path("content").path("parts");
    if (!parts.isArray() || parts.isEmpty()) {
      throw GoogleError.reject("* " + at + ".content.parts: content is required\n");
    }
    StringBuilder text = new StringBuilder();
    for (JsonNode part : parts) {
      if (!part.path("text").isTextual()) {
        throw GoogleError.reject("* " + at + ".content.parts: only text can be embedded\n");
      }
      text.append(part.get("text").asText());
    }
    int dimensions = request.path("outputDimensionality").asInt(768);
    return vector(text.toString(), dimensions);
  }

  /** A deterministic unit vector for {@code text}, from its SHA-256. */
  static ArrayNode vector(String text, int dimensions) {
    byte[] seed;
    try {
      seed = MessageDigest.getInstance("SHA-256").digest(text.getBytes(StandardCharsets.UTF_8));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
    double[] values = new double[dimensions];
    double norm = 0;
    for (int i = 0; i < dimensions; i++) {
      values[i] = (seed[i % seed.length] + (i / seed.length)) / 128.0;
      norm += values[i] * values[i];
    }
    norm = Math.sqrt(norm == 0 ? 1 : norm);
    ArrayNode vector = JSON.createArrayNode();
    for (double value : values) {
      vector.add((float) (value / norm));
    }
    return vector;
  }

  /** The models list as {@code GET /v1beta/models} answers it. */
  static Reply models() {
    ObjectNode response = JSON.createObjectNode();
    ArrayNode models = response.putArray("models");
    model(models, "gemini-2.5-flash", "Gemini 2.5 Flash", "generateContent", "countTokens");
    model(models, "gemini-2.5-pro", "Gemini 2.5 Pro", "generateContent", "countTokens");
    model(models, "gemini-embedding-001", "Gemini Embedding 001", "embedContent");
    model(models, "text-embedding-004", "Text Embedding 004", "embedContent");
    return Reply.Json.ok(response);
  }

  private static void model(ArrayNode models, String id, String name, String... methods) {
    ObjectNode model = models.addObject().put("name", "models/" + id);
    model.put("version", "001").put("displayName", name);
    model.put("inputTokenLimit", 1048576).put("outputTokenLimit", 65536);
    ArrayNode supported = model.putArray("supportedGenerationMethods");
    for (String method : methods) {
      supported.add(method);
    }
  }
}
