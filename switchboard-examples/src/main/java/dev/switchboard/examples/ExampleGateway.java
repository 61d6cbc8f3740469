package dev.switchboard.examples;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;

/**
 * The gateway an example talks to: the one whose base URL is in {@code SWITCHBOARD_BASE_URL} (e.g.
 * {@code http://127.0.0.1:8787/v1}), or, when that is unset, one started in this JVM on a free
 * loopback port with the default settings and no request log, stopped when the example ends. Either
 * way the example talks HTTP to it, as an app talks to a remote gateway.
 */
public final class ExampleGateway implements AutoCloseable {
  /** The environment variable naming a running gateway's base URL. */
  public static final String BASE_URL_VARIABLE = "SWITCHBOARD_BASE_URL";

  private final String baseUrl;
  private final SwitchboardServer started;

  private ExampleGateway(String baseUrl, SwitchboardServer started) {
    this.baseUrl = baseUrl;
    this.started = started;
  }

  /** The gateway at {@code SWITCHBOARD_BASE_URL}, or a new one in this JVM. */
  public static ExampleGateway fromEnvironment() {
    String url = System.getenv(BASE_URL_VARIABLE);
    return url == null || url.isBlank() ? startInProcess() : new ExampleGateway(url, null);
  }

  /** A new gateway in this JVM, on 127.0.0.1 and a free port. */
  public static ExampleGateway startInProcess() {
    SwitchboardServer server =
        SwitchboardServer.start(
            new ServerSettings(
                ServerSettings.DEFAULT_HOST,
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                ServerSettings.DEFAULT_DRAIN_TIMEOUT,
                GatewaySettings.defaults()));
    return new ExampleGateway(server.baseUri().resolve("/v1").toString(), server);
  }

  /** The base URL with its {@code /v1}, as OpenAI's SDKs take it. */
  public String baseUrl() {
    return baseUrl;
  }

  /** Stops the gateway this started, if it started one. */
  @Override
  public void close() {
    if (started != null) {
      started.close();
    }
  }
}
