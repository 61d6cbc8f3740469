package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.observe.ObservabilitySettings;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * With {@code admin.port} set, the admin API, request logs, analytics, dashboard and metrics listen
 * there only, on loopback, and the gateway's port answers 404 for them (and the other way round).
 */
class AdminPortTest {
  static final String ADMIN_TOKEN = "admin-port-test-token";
  @TempDir static Path data;
  static GatewayUnderTest gateway;

  /** The admin port's routes, one request each. */
  static final List<String> ADMIN_PATHS =
      List.of(
          "/v1/admin/workspaces",
          "/v1/admin/keys",
          "/v1/logs",
          "/v1/analytics",
          "/metrics",
          "/dashboard/");

  @BeforeAll
  static void start() throws IOException {
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.defaults())
            .withObservability(
                ObservabilitySettings.defaults()
                    .withDataDirectory(Files.createTempDirectory(data, "logs")))
            .withAdminToken(ADMIN_TOKEN)
            .withAccess(AccessSettings.inMemory())
            .withAdminPort(0);
    gateway = GatewayUnderTest.withSettings(settings, engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  @Test
  void theAdminRoutesAnswerOnTheAdminPortOnlyAndItListensOnLoopback() {
    SwitchboardServer server = gateway.server;
    assertThat(server.adminPort()).isPositive().isNotEqualTo(server.port());
    assertThat(server.adminUri().getHost()).isEqualTo("127.0.0.1");
    for (String path : ADMIN_PATHS) {
      assertThat(get(server.baseUri(), path).statusCode()).as("main port %s", path).isEqualTo(404);
      assertThat(get(server.adminUri(), path).statusCode())
          .as("admin port %s", path)
          .isEqualTo(200);
    }
    // The admin token is still required there.
    HttpResponse<String> anonymous =
        gateway.send(HttpRequest.newBuilder(server.adminUri().resolve("/v1/admin/keys")).GET());
    assertThat(anonymous.statusCode()).isEqualTo(401);
  }

  @Test
  void theGatewaysModelRoutesAreNotServedOnTheAdminPort() {
    SwitchboardServer server = gateway.server;
    String chat =
        """
        {"model":"mock-chat","messages":[{"role":"user","content":"Hello"}]}\
        """;
    HttpResponse<String> onAdmin =
        gateway.send(
            HttpRequest.newBuilder(server.adminUri().resolve("/v1/chat/completions"))
                .header("content-type", "application/json")
                .header("x-portkey-provider", "mock")
                .POST(HttpRequest.BodyPublishers.ofString(chat)));
    assertThat(onAdmin.statusCode()).isEqualTo(404);
    assertThat(
            gateway
                .postJson("/v1/chat/completions", chat, "x-portkey-provider", "mock")
                .statusCode())
        .isEqualTo(200);
    assertThat(get(server.adminUri(), "/v1/health").statusCode()).isEqualTo(200);
    assertThat(get(server.baseUri(), "/v1/health").statusCode()).isEqualTo(200);
  }

  @Test
  void aNonLoopbackAdminHostIsRefusedAtStart() {
    ServerSettings exposed =
        new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.defaults(),
            ObservabilitySettings.defaults().withLogsEnabled(false),
            ADMIN_TOKEN,
            "0.0.0.0",
            0,
            AccessSettings.disabled());

    assertThatThrownBy(() -> SwitchboardServer.start(exposed))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("admin.host 0.0.0.0 is not a loopback address");
  }

  private static HttpResponse<String> get(URI base, String path) {
    return gateway.send(
        HttpRequest.newBuilder(base.resolve(path))
            .timeout(Duration.ofSeconds(30))
            .header("authorization", "Bearer " + ADMIN_TOKEN)
            .GET());
  }
}
