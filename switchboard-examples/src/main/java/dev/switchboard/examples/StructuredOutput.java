package dev.switchboard.examples;

import com.openai.models.chat.completions.ChatCompletionCreateParams;
import com.openai.models.chat.completions.StructuredChatCompletion;
import dev.langchain4j.service.AiServices;
import dev.langchain4j.service.UserMessage;
import dev.switchboard.client.GatewayReply;
import dev.switchboard.client.SwitchboardClient;
import dev.switchboard.client.config.PortkeyConfig;
import dev.switchboard.langchain4j.SwitchboardChatModel;
import java.util.List;

/**
 * Structured output to a Java record, two ways, through a fallback config whose first target cannot
 * be reached: with {@link SwitchboardClient} (the OpenAI SDK generates the JSON schema from the
 * record and reads the answer into it), and with a LangChain4j {@code AiServices} method that
 * returns the record. The gateway sends OpenAI's {@code response_format: json_schema}; the offline
 * {@code mock} answers with a JSON value the schema accepts (strings {@code "mock"}, numbers {@code
 * 1}, lists of one item), so it runs with no key; a real model fills the same record.
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples -am compile exec:java -Dexample=StructuredOutput}
 * </pre>
 */
public final class StructuredOutput {
  /** What the model is asked to fill. */
  public record City(String name, String country, long population, List<String> landmarks) {}

  /** OpenAI where nothing listens, then the offline provider. */
  static final PortkeyConfig CONFIG =
      PortkeyConfig.fallback(
              PortkeyConfig.target("openai")
                  .apiKey("sk-not-used")
                  .customHost("http://127.0.0.1:9/v1")
                  .build(),
              PortkeyConfig.target("mock").build())
          .build();

  static final String QUESTION = "Describe Paris: its country, population and three landmarks.";

  /** A LangChain4j agent whose answer is a record: AiServices asks for its JSON schema. */
  interface CityGuide {
    @UserMessage("Describe {{it}}: its country, population and three landmarks.")
    City describe(String city);
  }

  /**
   * What the two ways returned.
   *
   * @param fromClient the record {@link SwitchboardClient} read from the answer
   * @param fromClientAnsweredBy the config target that answered the client
   * @param fromLangChain4j the record the LangChain4j agent returned
   */
  public record Outcome(City fromClient, String fromClientAnsweredBy, City fromLangChain4j) {}

  private StructuredOutput() {}

  public static void main(String[] args) {
    try (ExampleGateway gateway = ExampleGateway.fromEnvironment()) {
      Outcome outcome = run(gateway.baseUrl());
      System.out.println("SwitchboardClient: " + outcome.fromClient());
      System.out.println("answered by: " + outcome.fromClientAnsweredBy());
      System.out.println("LangChain4j AiServices: " + outcome.fromLangChain4j());
    }
  }

  /** Asks both ways, through the gateway at {@code baseUrl}. */
  public static Outcome run(String baseUrl) {
    try (SwitchboardClient client =
        SwitchboardClient.builder().baseUrl(baseUrl).config(CONFIG).build()) {
      GatewayReply<StructuredChatCompletion<City>> reply =
          client.chat(
              ChatCompletionCreateParams.builder()
                  .model("gpt-4o-mini")
                  .addUserMessage(QUESTION)
                  .responseFormat(City.class)
                  .build());
      City fromClient = reply.body().choices().getFirst().message().content().orElseThrow();

      CityGuide guide =
          AiServices.create(
              CityGuide.class,
              SwitchboardChatModel.builder()
                  .baseUrl(baseUrl)
                  .config(CONFIG.toJson())
                  .modelName("gpt-4o-mini")
                  .build());
      City fromLangChain4j = guide.describe("Paris");

      return new Outcome(
          fromClient, reply.facts().lastUsedOptionIndex().orElseThrow(), fromLangChain4j);
    }
  }
}
