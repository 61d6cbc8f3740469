package dev.switchboard.examples;

import dev.langchain4j.agent.tool.P;
import dev.langchain4j.agent.tool.Tool;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.SystemMessage;
import dev.langchain4j.service.TokenStream;
import dev.switchboard.client.config.PortkeyConfig;
import dev.switchboard.langchain4j.SwitchboardChatResponseMetadata;
import dev.switchboard.langchain4j.SwitchboardStreamingChatModel;
import dev.switchboard.transport.GatewayFacts;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * A LangChain4j agent ({@code AiServices}) with two {@code @Tool} methods that the model calls in
 * one answer (run concurrently), streaming its final answer ({@code TokenStream}), through a
 * fallback config whose first target cannot be reached. It talks HTTP to a gateway ({@link
 * ExampleGateway}); {@link InProcessTravelAgent} runs the same agent on the engine in this JVM.
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples -am compile exec:java -Dexample=TravelAgent}
 * </pre>
 */
public final class TravelAgent {
  /**
   * Fallback: OpenAI at an address where nothing listens (the connection is refused at once), then
   * the offline {@code mock} provider, scripted (its {@code mock_script}, docs/providers.md) to
   * call both tools in its first answer, with Paris's arguments; past the script it answers with
   * the tools' results, so the loop ends.
   */
  static final String CONFIG =
      PortkeyConfig.fallback(
              PortkeyConfig.target("openai")
                  .apiKey("sk-not-used")
                  .customHost("http://127.0.0.1:9/v1")
                  .build(),
              PortkeyConfig.target("mock")
                  .overrideParam(
                      "mock_script",
                      List.of(
                          Map.of(
                              "tool_calls",
                              List.of(
                                  Map.of("name", "weather", "arguments", Map.of("city", "Paris")),
                                  Map.of(
                                      "name",
                                      "time",
                                      "arguments",
                                      Map.of("zone", "Europe/Paris"))))))
                  .build())
          .build()
          .toJson();

  /** What the agent is asked. */
  static final String QUESTION = "What is the weather in Paris, and the time there?";

  /** The agent: LangChain4j implements it, the tools run when the model calls them. */
  interface Assistant {
    @SystemMessage("You are a travel assistant. Answer with the tools' results.")
    TokenStream chat(String question);
  }

  /** The tools the model may call; each records its call. */
  public static final class TravelTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool("The weather in a city")
    public String weather(@P(name = "city", value = "the city") String city) {
      calls.add("weather(" + city + ")");
      return "18C and sunny in " + city;
    }

    @Tool("The local time in a time zone")
    public String time(
        @P(name = "zone", value = "an IANA time zone, e.g. Europe/Paris") String zone) {
      calls.add("time(" + zone + ")");
      return "14:05 in " + zone;
    }
  }

  /**
   * What the agent did.
   *
   * @param toolsAskedForAtOnce the tools the model asked for in its first answer
   * @param toolsRun the tool calls Java ran, with their arguments, in the order they ended
   * @param answer the streamed answer, whole
   * @param gateway what the gateway said about the last call (provider, target, trace id, …)
   */
  public record Outcome(
      List<String> toolsAskedForAtOnce,
      List<String> toolsRun,
      String answer,
      GatewayFacts gateway) {}

  private TravelAgent() {}

  public static void main(String[] args) {
    try (ExampleGateway gateway = ExampleGateway.fromEnvironment()) {
      print(run(model(gateway.baseUrl()), System.out::print));
    }
  }

  /**
   * The streaming model on the gateway at {@code baseUrl}, every request through {@link #CONFIG}.
   */
  static StreamingChatModel model(String baseUrl) {
    return SwitchboardStreamingChatModel.builder()
        .baseUrl(baseUrl)
        .config(CONFIG)
        .modelName("gpt-4o-mini")
        .build();
  }

  /**
   * Asks the agent {@link #QUESTION} through {@code model}, handing each piece of the streamed
   * answer to {@code onText} as it arrives, and waits for the end.
   */
  public static Outcome run(StreamingChatModel model, Consumer<String> onText) {
    TravelTools tools = new TravelTools();
    Assistant assistant =
        AiServices.builder(Assistant.class)
            .streamingChatModel(model)
            .tools(tools)
            .executeToolsConcurrently()
            .build();
    List<ChatResponse> toolAnswers = new CopyOnWriteArrayList<>();
    StringBuilder answer = new StringBuilder();
    CompletableFuture<ChatResponse> done = new CompletableFuture<>();
    assistant
        .chat(QUESTION)
        .onPartialResponse(text -> {
          answer.append(text);
          onText.accept(text);
        })
        .onIntermediateResponse(toolAnswers::add)
        .onCompleteResponse(done::complete)
        .onError(done::completeExceptionally)
        .start();
    ChatResponse last = await(done);
    List<String> askedAtOnce =
        toolAnswers.isEmpty()
            ? List.of()
            : toolAnswers.getFirst().aiMessage().toolExecutionRequests().stream()
                .map(request -> request.name())
                .toList();
    return new Outcome(
        askedAtOnce,
        List.copyOf(tools.calls),
        answer.toString(),
        SwitchboardChatResponseMetadata.of(last).orElseThrow());
  }

  static void print(Outcome outcome) {
    System.out.println();
    System.out.println("tools asked for in one answer: " + outcome.toolsAskedForAtOnce());
    System.out.println("tools run: " + outcome.toolsRun());
    System.out.println(
        "answered by: "
            + outcome.gateway().provider()
            + " at "
            + outcome.gateway().lastUsedOptionIndex());
  }

  private static ChatResponse await(CompletableFuture<ChatResponse> done) {
    try {
      return done.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException e) {
      throw new IllegalStateException("the agent failed: " + e.getCause(), e.getCause());
    } catch (TimeoutException e) {
      throw new IllegalStateException("the agent did not answer within 60 s", e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException("interrupted", e);
    }
  }
}
