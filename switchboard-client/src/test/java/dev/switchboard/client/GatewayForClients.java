package dev.switchboard.client;

import dev.switchboard.client.config.PortkeyConfig;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.testkit.FakeOpenAi;
import java.net.URI;
import java.time.Duration;
import java.util.SplittableRandom;

/**
 * A running gateway server on an ephemeral loopback port, its {@code openai} provider pointed at a
 * {@link FakeOpenAi}, one config saved by id, load balancing with a seeded random so that weights
 * give the same split on every run.
 */
final class GatewayForClients implements AutoCloseable {
  /** A config saved in the gateway's settings: the mock, answering as model {@code saved-model}. */
  static final String SAVED_CONFIG_ID = "saved-mock";

  final FakeOpenAi openAi = FakeOpenAi.start();
  final SwitchboardServer server;

  GatewayForClients() {
    GatewaySettings gateway =
        GatewaySettings.builder()
            .providerBaseUrl("openai", URI.create(openAi.baseUrl()))
            .config(
                SAVED_CONFIG_ID,
                PortkeyConfig.target("mock")
                    .overrideParam("model", "saved-model")
                    .build()
                    .toJsonNode())
            .build();
    server =
        SwitchboardServer.start(
            new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                gateway),
            builder -> builder.random(new SplittableRandom(7)));
  }

  /** A client of this gateway; {@code provider} for calls without a config. */
  SwitchboardClient client(String provider) {
    return SwitchboardClient.builder()
        .baseUrl(server.baseUri().toString())
        .apiKey("sk-test")
        .provider(provider)
        .build();
  }

  @Override
  public void close() {
    try {
      server.close();
    } finally {
      openAi.close();
    }
  }
}
