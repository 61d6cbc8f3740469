package dev.switchboard.examples.springboot;

import dev.switchboard.springai.SwitchboardSpringChatModel;
import dev.switchboard.transport.GatewayFacts;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.springframework.ai.chat.client.ChatClient;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.tool.annotation.Tool;
import org.springframework.ai.tool.annotation.ToolParam;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * A Spring Boot app with {@code switchboard-spring-boot-starter}: the starter makes Spring AI's
 * {@code ChatModel} from {@code application.yml}'s {@code switchboard.*} (here the engine in this
 * JVM with a saved fallback config, metadata and the model), and the app asks it one question with
 * a tool, through Spring AI's {@code ChatClient}. With {@code SWITCHBOARD_BASE_URL} set, the same
 * app talks to that gateway server instead (which must know the config {@code travel}).
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples-spring-boot -am compile exec:java}
 * </pre>
 */
@SpringBootApplication
public class SpringBootAgent {
  /** The tool the model may call; it records its calls. */
  static final class WeatherTools {
    final List<String> calls = new CopyOnWriteArrayList<>();

    @Tool(description = "The current weather in a city")
    String weather(@ToolParam(description = "the city") String city) {
      calls.add("weather(" + city + ")");
      return "18C and sunny in " + city;
    }
  }

  /**
   * What the app did.
   *
   * @param toolsRun the tool calls Java ran, with their arguments
   * @param answer the model's final answer
   * @param gateway what the gateway said about that answer
   */
  public record Outcome(List<String> toolsRun, String answer, GatewayFacts gateway) {}

  public static void main(String[] args) {
    try (ConfigurableApplicationContext app = start(System.getenv("SWITCHBOARD_BASE_URL"))) {
      Outcome outcome = run(app);
      System.out.println(outcome.answer());
      System.out.println("tools run: " + outcome.toolsRun());
      System.out.println(
          "answered by: "
              + outcome.gateway().provider()
              + " at "
              + outcome.gateway().lastUsedOptionIndex());
    }
  }

  /**
   * Starts the app (no web server of its own): on the gateway server at {@code baseUrl}, or with
   * {@code application.yml}'s in-process engine when that is null or blank.
   */
  static ConfigurableApplicationContext start(String baseUrl) {
    var app = new SpringApplicationBuilder(SpringBootAgent.class).web(WebApplicationType.NONE);
    if (baseUrl != null && !baseUrl.isBlank()) {
      app.properties("switchboard.mode=remote", "switchboard.base-url=" + baseUrl);
    }
    return app.run();
  }

  /** Asks the app's {@code ChatModel} about the weather, offering the tool. */
  static Outcome run(ConfigurableApplicationContext app) {
    WeatherTools tools = new WeatherTools();
    ChatResponse response =
        ChatClient.create(app.getBean(ChatModel.class))
            .prompt()
            .user("What is the weather in Paris?")
            .tools(tools)
            .call()
            .chatResponse();
    return new Outcome(
        List.copyOf(tools.calls),
        response.getResult().getOutput().getText(),
        SwitchboardSpringChatModel.gatewayFacts(response).orElseThrow());
  }
}
