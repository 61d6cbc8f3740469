package dev.switchboard.examples;

import dev.langchain4j.model.chat.StreamingChatModel;
import dev.switchboard.engine.Gateway;
import dev.switchboard.langchain4j.SwitchboardStreamingChatModel;
import dev.switchboard.server.EmbeddedGateway;

/**
 * {@link TravelAgent}'s agent on the engine in this JVM: no server, no HTTP hop; the same routing,
 * retries, cache and guardrails. The engine is built ({@code EmbeddedGateway}) from the same
 * settings a server reads; here they save the agent's fallback config under the id {@code travel},
 * which the model names.
 *
 * <pre>
 * {@code ./mvnw -q -pl switchboard-examples -am compile exec:java -Dexample=InProcessTravelAgent}
 * </pre>
 */
public final class InProcessTravelAgent {
  /**
   * A settings file's text (docs/configuration.md): a saved config, {@link TravelAgent#CONFIG} (a
   * JSON value is YAML). An app would keep it in a file and call {@code
   * EmbeddedGateway.fromFile(path)}.
   */
  static final String SETTINGS = "configs:\n  travel: " + TravelAgent.CONFIG + "\n";

  private InProcessTravelAgent() {}

  public static void main(String[] args) {
    try (Gateway gateway = EmbeddedGateway.fromYaml(SETTINGS)) {
      TravelAgent.print(TravelAgent.run(model(gateway), System.out::print));
    }
  }

  /** The streaming model on {@code gateway}, every request through the saved config. */
  static StreamingChatModel model(Gateway gateway) {
    return SwitchboardStreamingChatModel.builder()
        .gateway(gateway)
        .config("travel")
        .modelName("gpt-4o-mini")
        .build();
  }
}
