package dev.switchboard.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.client.OpenAIClient;
import com.openai.client.okhttp.OpenAIOkHttpClient;
import com.openai.core.JsonValue;
import com.openai.core.http.HttpResponseFor;
import com.openai.core.http.StreamResponse;
import com.openai.models.FunctionDefinition;
import com.openai.models.FunctionParameters;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionChunk;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.ChatCompletionMessageToolCall;
import com.openai.models.chat.completions.ChatCompletionToolMessageParam;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;
import java.util.function.Function;

/**
 * An agent with two tools, called in parallel, that streams its answer, through a fallback config
 * whose first target cannot be reached, with OpenAI's Java SDK and no framework. The second target
 * is the offline {@code mock} provider, so it runs with no key:
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples -am compile exec:java -Dexample=ParallelToolsAgent}
 * </pre>
 *
 * <p>The agent loop: send the question with the tools; run every tool the model calls, in the order
 * it called them; send the results back and stream the answer.
 */
public final class ParallelToolsAgent {
  /**
   * Fallback: OpenAI at an address where nothing listens (the connection is refused at once), then
   * the offline provider. Portkey's config format (docs/routing.md), on one line as a header needs
   * it.
   */
  static final String CONFIG =
      "{\"strategy\": {\"mode\": \"fallback\"}, \"targets\": ["
          + "{\"provider\": \"openai\", \"api_key\": \"sk-not-used\","
          + " \"custom_host\": \"http://127.0.0.1:9/v1\"},"
          + " {\"provider\": \"mock\"}]}";

  private static final ObjectMapper JSON = new ObjectMapper();

  /** The tools: what the model sees, and the Java code that runs when it calls them. */
  private static final Map<String, Function<JsonNode, String>> TOOLS =
      Map.of(
          "get_weather", arguments -> "18C and sunny in " + arguments.path("city").asText(),
          "get_time", arguments -> "14:05 in " + arguments.path("zone").asText());

  /**
   * What the agent did.
   *
   * @param toolsCalled the tools the model called in its first answer, in order
   * @param answer the streamed answer, whole
   * @param answeredBy the config target that answered ({@code x-portkey-last-used-option-index})
   */
  public record Outcome(List<String> toolsCalled, String answer, String answeredBy) {}

  private ParallelToolsAgent() {}

  public static void main(String[] args) {
    try (ExampleGateway gateway = ExampleGateway.fromEnvironment()) {
      Outcome outcome = run(gateway.baseUrl(), System.out::print);
      System.out.println();
      System.out.println("tools called in parallel: " + outcome.toolsCalled());
      System.out.println("answered by: " + outcome.answeredBy());
    }
  }

  /**
   * Runs the agent against the gateway at {@code baseUrl}, handing each piece of the streamed
   * answer to {@code onText} as it arrives.
   */
  public static Outcome run(String baseUrl, Consumer<String> onText) {
    OpenAIClient openai =
        OpenAIOkHttpClient.builder()
            .baseUrl(baseUrl)
            .apiKey("no-key-needed")
            .putHeader("x-portkey-config", CONFIG)
            .build();
    try {
      var question =
          ChatCompletionCreateParams.builder()
              .model("gpt-4o-mini")
              .addSystemMessage("You answer with the tools' results.")
              .addUserMessage("What is the weather and the time in Paris?")
              .addFunctionTool(tool("get_weather", "The weather in a city", "city"))
              .addFunctionTool(tool("get_time", "The local time in a time zone", "zone"))
              .parallelToolCalls(true)
              .build();

      HttpResponseFor<ChatCompletion> response =
          openai.chat().completions().withRawResponse().create(question);
      String answeredBy = response.headers().values("x-portkey-last-used-option-index").getFirst();
      var message = response.parse().choices().getFirst().message();

      var followUp = question.toBuilder().addMessage(message);
      List<String> toolsCalled = new ArrayList<>();
      for (ChatCompletionMessageToolCall call : message.toolCalls().orElse(List.of())) {
        var function = call.asFunction().function();
        toolsCalled.add(function.name());
        followUp.addMessage(
            ChatCompletionToolMessageParam.builder()
                .toolCallId(call.asFunction().id())
                .content(TOOLS.get(function.name()).apply(parse(function.arguments())))
                .build());
      }

      StringBuilder answer = new StringBuilder();
      try (StreamResponse<ChatCompletionChunk> stream =
          openai.chat().completions().createStreaming(followUp.build())) {
        stream.stream()
            .flatMap(chunk -> chunk.choices().stream())
            .flatMap(choice -> choice.delta().content().stream())
            .forEach(text -> {
              answer.append(text);
              onText.accept(text);
            });
      }
      return new Outcome(List.copyOf(toolsCalled), answer.toString(), answeredBy);
    } finally {
      openai.close();
    }
  }

  /** A function tool taking one required string parameter. */
  private static FunctionDefinition tool(String name, String description, String parameter) {
    return FunctionDefinition.builder()
        .name(name)
        .description(description)
        .parameters(
            FunctionParameters.builder()
                .putAdditionalProperty("type", JsonValue.from("object"))
                .putAdditionalProperty(
                    "properties", JsonValue.from(Map.of(parameter, Map.of("type", "string"))))
                .putAdditionalProperty("required", JsonValue.from(List.of(parameter)))
                .build())
        .build();
  }

  private static JsonNode parse(String arguments) {
    try {
      return JSON.readTree(arguments);
    } catch (IOException e) {
      throw new UncheckedIOException("the model's arguments are not JSON: " + arguments, e);
    }
  }
}
