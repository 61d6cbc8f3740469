package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.state.prompts.PromptSettings;
import dev.switchboard.testkit.TestPostgres;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Saved prompts in a real PostgreSQL shared by two gateways, one with gateway keys required: a
 * prompt saved or relabelled through one is served by the other on its next request, rendering
 * needs the {@code prompts} permission and a completion {@code completions} too, and a gateway key
 * cannot manage prompts.
 */
class PromptsAccessAndSharingTest {
  static final String ADMIN = "admin-token-shared-prompts";

  static GatewayUnderTest keysRequired;
  static GatewayUnderTest open;
  static AccessAdmin admin;

  @BeforeAll
  static void start() {
    PromptSettings shared = PromptSettings.storedAt(TestPostgres.freshSchemaUrl());
    keysRequired =
        GatewayUnderTest.withSettings(
            settings()
                .withAccess(AccessSettings.inMemory().withRequireKeys(true))
                .withPrompts(shared),
            engine -> {});
    open = GatewayUnderTest.withSettings(settings().withPrompts(shared), engine -> {});
    admin = keysRequired.server.access().admin();
  }

  static ServerSettings settings() {
    return new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.builder().build())
        .withAdminToken(ADMIN);
  }

  @AfterAll
  static void stop() {
    keysRequired.close();
    open.close();
  }

  static String key(Permission... permissions) {
    return admin
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest(
                "default",
                "prompts",
                new KeyScopes(Set.of(permissions), null, null, null, null),
                null,
                null))
        .secret();
  }

  static HttpResponse<String> admin(
      GatewayUnderTest gateway, String method, String path, String body, String authorization) {
    return gateway.send(
        HttpRequest.newBuilder(gateway.uri(path))
            .header("authorization", authorization)
            .header("content-type", "application/json")
            .method(method, HttpRequest.BodyPublishers.ofString(body)));
  }

  static String version(String greeting) {
    return """
    {"messages":[{"role":"user","content":"%s {{name}}"}],
     "model":"mock-chat","config":{"provider":"mock"}}
    """
        .formatted(greeting);
  }

  static String firstContent(HttpResponse<String> rendered) {
    return GatewayUnderTest.json(rendered)
        .path("data")
        .path("messages")
        .get(0)
        .path("content")
        .asText();
  }

  static final String NAME = "{\"variables\":{\"name\":\"Ada\"}}";

  @Test
  void aPromptSavedOrRelabelledThroughOneGatewayIsServedByTheOther() {
    String id = "shared-" + UUID.randomUUID().toString().substring(0, 8);
    String bearer = "Bearer " + ADMIN;
    assertThat(
            admin(
                    keysRequired,
                    "POST",
                    "/v1/admin/prompts",
                    version("Hello").replaceFirst("\\{", "{\"id\":\"" + id + "\","),
                    bearer)
                .statusCode())
        .isEqualTo(201);
    assertThat(
            admin(open, "POST", "/v1/admin/prompts/" + id + "/versions", version("Bonjour"), bearer)
                .statusCode())
        .isEqualTo(201);
    assertThat(
            admin(
                    open,
                    "PUT",
                    "/v1/admin/prompts/" + id + "/labels/production",
                    "{\"version\":2}",
                    bearer)
                .statusCode())
        .isEqualTo(200);

    String caller = key(Permission.PROMPTS);
    HttpResponse<String> rendered =
        keysRequired.postJson("/v1/prompts/" + id + "/render", NAME, "x-portkey-api-key", caller);
    assertThat(rendered.statusCode()).as(rendered.body()).isEqualTo(200);
    assertThat(firstContent(rendered)).isEqualTo("Bonjour Ada");

    assertThat(
            admin(
                    keysRequired,
                    "POST",
                    "/v1/admin/prompts/" + id + "/rollback",
                    "{\"version\":1}",
                    bearer)
                .statusCode())
        .isEqualTo(200);
    assertThat(firstContent(open.postJson("/v1/prompts/" + id + "/render", NAME)))
        .isEqualTo("Hello Ada");
    assertThat(
            GatewayUnderTest.json(
                    admin(open, "GET", "/v1/admin/prompts/" + id + "/history", "", bearer))
                .path("data"))
        .hasSize(4);
  }

  @Test
  void renderingNeedsThePromptsPermissionAndACompletionNeedsCompletionsToo() {
    String id = "guarded-" + UUID.randomUUID().toString().substring(0, 8);
    admin(
        keysRequired,
        "POST",
        "/v1/admin/prompts",
        version("Hi").replaceFirst("\\{", "{\"id\":\"" + id + "\","),
        "Bearer " + ADMIN);
    String completionsOnly = key(Permission.COMPLETIONS);
    String promptsOnly = key(Permission.PROMPTS);
    String both = key(Permission.PROMPTS, Permission.COMPLETIONS);

    HttpResponse<String> withoutKey = keysRequired.postJson("/v1/prompts/" + id + "/render", NAME);
    HttpResponse<String> withoutPrompts =
        keysRequired.postJson(
            "/v1/prompts/" + id + "/render", NAME, "x-portkey-api-key", completionsOnly);
    HttpResponse<String> renderOnly =
        keysRequired.postJson(
            "/v1/prompts/" + id + "/render", NAME, "x-portkey-api-key", promptsOnly);
    HttpResponse<String> callWithoutCompletions =
        keysRequired.postJson(
            "/v1/prompts/" + id + "/completions", NAME, "x-portkey-api-key", promptsOnly);
    HttpResponse<String> call =
        keysRequired.postJson(
            "/v1/prompts/" + id + "/completions", NAME, "x-portkey-api-key", both);

    assertThat(withoutKey.statusCode()).isEqualTo(401);
    assertThat(withoutPrompts.statusCode()).isEqualTo(403);
    assertThat(GatewayUnderTest.json(withoutPrompts).path("error").path("message").asText())
        .contains("'prompts'");
    assertThat(renderOnly.statusCode()).isEqualTo(200);
    assertThat(callWithoutCompletions.statusCode()).isEqualTo(403);
    assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
    assertThat(
            GatewayUnderTest.json(call)
                .path("choices")
                .get(0)
                .path("message")
                .path("content")
                .asText())
        .contains("Hi Ada");
    assertThat(
            admin(keysRequired, "GET", "/v1/admin/prompts/" + id, "", "Bearer " + both)
                .statusCode())
        .isEqualTo(403);
  }
}
