package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.observe.ObservabilitySettings;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** With {@code access.require-keys=true}, no gateway route answers a caller without a key. */
class RequireKeysTest {
  static final String CHAT =
      """
      {"model":"mock-chat","messages":[{"role":"user","content":"Hello"}]}\
      """;
  @TempDir static Path data;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws IOException {
    gateway = GatewayUnderTest.withSettings(settings("require-keys-admin-token"), engine -> {});
  }

  static ServerSettings settings(String adminToken) throws IOException {
    return new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.defaults())
        .withObservability(
            ObservabilitySettings.defaults()
                .withDataDirectory(Files.createTempDirectory(data, "logs")))
        .withAdminToken(adminToken)
        .withAccess(AccessSettings.inMemory().withRequireKeys(true));
  }

  @AfterAll
  static void stop() {
    gateway.close();
  }

  static String key(Permission... permissions) {
    return gateway
        .server
        .access()
        .admin()
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest(
                null,
                "test",
                new KeyScopes(Set.of(permissions), null, null, null, null),
                null,
                null))
        .secret();
  }

  @Test
  void aModelCallWithoutAKeyIs401AndWithOneIsServed() {
    HttpResponse<String> without =
        gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-provider", "mock");
    assertThat(without.statusCode()).isEqualTo(401);
    assertThat(json(without).at("/error/code").asText()).isEqualTo("missing_api_key");
    assertThat(without.headers().firstValue("www-authenticate")).isPresent();

    String key = key(Permission.COMPLETIONS);
    assertThat(
            gateway
                .postJson(
                    "/v1/chat/completions",
                    CHAT,
                    "x-portkey-provider",
                    "mock",
                    "x-portkey-api-key",
                    key)
                .statusCode())
        .isEqualTo(200);
    assertThat(
            gateway
                .postJson(
                    "/v1/chat/completions",
                    CHAT,
                    "x-portkey-provider",
                    "mock",
                    "authorization",
                    "Bearer " + key)
                .statusCode())
        .isEqualTo(200);
    HttpResponse<String> passThrough =
        gateway.postJson("/v1/files", "{}", "x-portkey-provider", "mock");
    assertThat(passThrough.statusCode()).isEqualTo(401);
  }

  @Test
  void feedbackNeedsAKeyWithTheFeedbackPermission() {
    String feedback = "{\"trace_id\":\"t-1\",\"value\":1}";
    assertThat(gateway.postJson("/v1/feedback", feedback).statusCode()).isEqualTo(401);
    HttpResponse<String> narrow =
        gateway.postJson(
            "/v1/feedback", feedback, "x-portkey-api-key", key(Permission.COMPLETIONS));
    assertThat(narrow.statusCode()).isEqualTo(403);
    assertThat(json(narrow).at("/error/code").asText()).isEqualTo("permission_denied");
    HttpResponse<String> allowed =
        gateway.postJson("/v1/feedback", feedback, "x-portkey-api-key", key(Permission.FEEDBACK));
    assertThat(allowed.statusCode()).isNotIn(401, 403);
  }

  @Test
  void aGatewayKeyIsNotTheAdminToken() {
    String key = key(Permission.values());
    for (String path : new String[] {"/v1/logs", "/v1/analytics", "/metrics", "/dashboard/"}) {
      assertThat(gateway.get(path, "authorization", "Bearer " + key).statusCode())
          .as(path)
          .isEqualTo(401);
      assertThat(gateway.get(path, "x-portkey-api-key", key).statusCode()).as(path).isEqualTo(401);
    }
  }

  @Test
  void withoutAnAdminTokenTheLogsAndMetricsAreClosedWhenKeysAreRequired() throws IOException {
    try (GatewayUnderTest noToken = GatewayUnderTest.withSettings(settings(null), engine -> {})) {
      for (String path : new String[] {"/v1/logs", "/v1/analytics", "/metrics", "/dashboard/"}) {
        assertThat(noToken.get(path).statusCode()).as(path).isEqualTo(401);
      }
      assertThat(noToken.get("/v1/health").statusCode()).isEqualTo(200);
    }
  }
}
