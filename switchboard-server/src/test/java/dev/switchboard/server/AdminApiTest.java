package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin API over HTTP, as an operator and as a key holder meet it: workspaces, keys (shown
 * once, rotated, revoked), virtual keys (never shown), usage, and its errors in OpenAI's shape.
 */
class AdminApiTest {
  static final String ADMIN_TOKEN = "admin-api-test-token-1";
  static final String PROVIDER_SECRET = "sk-stored-provider-secret-4711";
  static final String CHAT =
      """
      {"model":"gpt-4o-mini","messages":[{"role":"user","content":"Hello"}]}\
      """;
  static final String MOCK_CHAT =
      """
      {"model":"mock-chat","messages":[{"role":"user","content":"Hello"}]}\
      """;

  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    gateway =
        GatewayUnderTest.withSettings(
            settings(
                AccessSettings.inMemory()
                    .withMasterKeys(Base64.getEncoder().encodeToString(masterKey), List.of())),
            engine -> {});
  }

  static ServerSettings settings(AccessSettings access) {
    return new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.builder()
                .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                .build())
        .withAdminToken(ADMIN_TOKEN)
        .withAccess(access);
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @Test
  void everyAdminRouteIsNotFoundWhileNoAdminTokenIsSet() {
    try (GatewayUnderTest off =
        GatewayUnderTest.withSettings(
            settings(AccessSettings.inMemory()).withAdminToken(null), engine -> {})) {
      List<String> answered = new ArrayList<>();
      for (Route route : SwitchboardServer.routes()) {
        if (route.surface() != Route.Surface.ADMIN_API) {
          continue;
        }
        for (String method : route.methods()) {
          HttpResponse<String> response =
              off.send(
                  request(off, method, route.samplePath(), "{}")
                      .header("authorization", "Bearer " + ADMIN_TOKEN));
          assertThat(response.statusCode()).as("%s %s", method, route.path()).isEqualTo(404);
          assertThat(json(response).at("/error/message").asText())
              .isEqualTo("The admin API is off: set admin.token.");
          assertThat(json(response).at("/error/type").asText()).isEqualTo("invalid_request_error");
          answered.add(method + " " + route.path());
        }
      }
      // Not a route at all, in any method or case: the same answer.
      assertThat(off.send(request(off, "PUT", "/v1/admin/nothing", "{}")).statusCode())
          .isEqualTo(404);
      assertThat(off.send(request(off, "GET", "/v1/ADMIN/keys", null)).statusCode()).isEqualTo(404);
      System.out.println("admin API off: " + answered.size() + " routes answered 404");
    }
  }

  @Test
  void theAdminCreatesAWorkspaceAndAKeyWhoseSecretIsShownOnce() {
    HttpResponse<String> workspace =
        admin("POST", "/v1/admin/workspaces", "{\"id\":\"team-a\",\"name\":\"Team A\"}");
    assertThat(workspace.statusCode()).isEqualTo(201);
    assertThat(json(workspace).path("id").asText()).isEqualTo("team-a");

    HttpResponse<String> created =
        admin(
            "POST",
            "/v1/admin/keys",
            """
            {"workspace":"team-a","name":"ci",
             "scopes":{"permissions":["completions"],"providers":["mock"],"models":null,
                       "configs":null,"virtual_keys":null},
             "limits":{"requests_per_minute":60,"tokens_per_minute":null,
                       "budget":{"cost_usd":"1.00","tokens":null,"period":"month",
                                 "alert_thresholds":[0.5,0.8]}},
             "expires_at":null}\
            """);
    assertThat(created.statusCode()).isEqualTo(201);
    JsonNode key = json(created);
    String secret = key.path("key").asText();
    String id = key.path("id").asText();
    assertThat(secret).startsWith("sbk-");
    assertThat(key.path("workspace").asText()).isEqualTo("team-a");
    assertThat(secret).startsWith(key.path("display_prefix").asText());
    assertThat(key.at("/scopes/permissions").toString()).isEqualTo("[\"completions\"]");
    assertThat(key.at("/limits/budget/cost_usd").asText()).isEqualTo("1.00");
    assertThat(created.headers().firstValue("cache-control")).hasValue("no-store");

    HttpResponse<String> listed = admin("GET", "/v1/admin/keys?workspace=team-a", null);
    assertThat(listed.statusCode()).isEqualTo(200);
    assertThat(json(listed).path("object").asText()).isEqualTo("list");
    assertThat(json(listed).path("data")).hasSize(1);
    assertThat(listed.body()).doesNotContain(secret).doesNotContain("\"key\"");
    HttpResponse<String> one = admin("GET", "/v1/admin/keys/" + id, null);
    assertThat(one.statusCode()).isEqualTo(200);
    assertThat(one.body()).doesNotContain(secret);

    HttpResponse<String> call = chat(MOCK_CHAT, "x-portkey-api-key", secret);
    assertThat(call.statusCode()).isEqualTo(200);
    assertThat(call.headers().firstValue("x-ratelimit-limit-requests")).hasValue("60");
    HttpResponse<String> usage = admin("GET", "/v1/admin/usage?subject=key:" + id, null);
    assertThat(usage.statusCode()).isEqualTo(200);
    assertThat(json(usage).at("/subject/kind").asText()).isEqualTo("key");
    assertThat(json(usage).at("/subject/limits/requests_per_minute").asLong()).isEqualTo(60);
    assertThat(json(usage).at("/usage/requests_this_minute").asLong()).isEqualTo(1);
    assertThat(json(usage).at("/usage/spent_usd").isTextual()).isTrue();
    assertThat(json(usage).at("/usage/period_start").isTextual()).isTrue();
  }

  @Test
  void aRotatedKeysOldSecretStopsAtOnceAndARevokedKeyStops() {
    JsonNode key = json(admin("POST", "/v1/admin/keys", keyBody("default", "completions")));
    String old = key.path("key").asText();
    String id = key.path("id").asText();
    assertThat(chat(MOCK_CHAT, "authorization", "Bearer " + old).statusCode()).isEqualTo(200);

    HttpResponse<String> rotated = admin("POST", "/v1/admin/keys/" + id + "/rotate", null);
    assertThat(rotated.statusCode()).isEqualTo(200);
    String fresh = json(rotated).path("key").asText();
    assertThat(fresh).startsWith("sbk-").isNotEqualTo(old);
    assertThat(json(rotated).path("id").asText()).isEqualTo(id);

    HttpResponse<String> refused = chat(MOCK_CHAT, "x-portkey-api-key", old);
    assertThat(refused.statusCode()).isEqualTo(401);
    assertThat(refused.body()).doesNotContain(old);
    assertThat(chat(MOCK_CHAT, "x-portkey-api-key", fresh).statusCode()).isEqualTo(200);

    HttpResponse<String> revoked = admin("DELETE", "/v1/admin/keys/" + id, null);
    assertThat(revoked.statusCode()).isEqualTo(200);
    assertThat(json(revoked).path("revoked_at").isTextual()).isTrue();
    assertThat(revoked.body()).doesNotContain(fresh);
    assertThat(chat(MOCK_CHAT, "x-portkey-api-key", fresh).statusCode()).isEqualTo(401);
  }

  @Test
  void aKeyThatManagesKeysCannotMintAWiderOne() {
    admin("POST", "/v1/admin/workspaces", "{\"id\":\"team-m\"}");
    String manager =
        json(admin("POST", "/v1/admin/keys", keyBody("team-m", "completions", "keys.manage")))
            .path("key")
            .asText();

    HttpResponse<String> wider =
        asKey(
            manager,
            "POST",
            "/v1/admin/keys",
            keyBody("team-m", "completions", "keys.manage", "embeddings"));
    assertThat(wider.statusCode()).isEqualTo(403);
    assertThat(json(wider).at("/error/code").asText()).isEqualTo("permission_denied");

    HttpResponse<String> elsewhere =
        asKey(manager, "POST", "/v1/admin/keys", keyBody("default", "completions"));
    assertThat(elsewhere.statusCode()).isEqualTo(403);

    HttpResponse<String> narrower =
        asKey(manager, "POST", "/v1/admin/keys", keyBody("team-m", "completions"));
    assertThat(narrower.statusCode()).isEqualTo(201);
    assertThat(json(narrower).path("key").asText()).startsWith("sbk-");

    // Routes beyond its permissions: the workspaces are the admin's, usage needs usage.read.
    assertThat(asKey(manager, "GET", "/v1/admin/workspaces", null).statusCode()).isEqualTo(403);
    assertThat(asKey(manager, "GET", "/v1/admin/virtual-keys", null).statusCode()).isEqualTo(403);
    assertThat(asKey(manager, "GET", "/v1/admin/keys", null).statusCode()).isEqualTo(200);
  }

  @Test
  void aVirtualKeyIsNeverShownAndItsStoredCredentialReachesTheProvider() throws Exception {
    admin("POST", "/v1/admin/workspaces", "{\"id\":\"team-v\"}");
    HttpResponse<String> created =
        admin(
            "POST",
            "/v1/admin/virtual-keys",
            "{\"workspace\":\"team-v\",\"slug\":\"openai-prod\",\"provider\":\"openai\","
                + "\"credentials\":{\"api_key\":\""
                + PROVIDER_SECRET
                + "\"}}");
    assertThat(created.statusCode()).isEqualTo(201);
    assertThat(json(created).path("credential_names").toString()).isEqualTo("[\"api_key\"]");
    List<HttpResponse<String>> answers = new ArrayList<>(List.of(created));
    answers.add(admin("GET", "/v1/admin/virtual-keys?workspace=team-v", null));
    answers.add(admin("GET", "/v1/admin/virtual-keys/team-v/openai-prod", null));
    answers.add(
        admin(
            "PATCH",
            "/v1/admin/virtual-keys/team-v/openai-prod",
            "{\"limits\":{\"requests_per_minute\":100}}"));
    for (HttpResponse<String> answer : answers) {
      assertThat(answer.statusCode()).isBetween(200, 201);
      assertThat(answer.body())
          .doesNotContain(PROVIDER_SECRET)
          .doesNotContain(Base64.getEncoder().encodeToString(PROVIDER_SECRET.getBytes()));
    }
    assertThat(json(answers.get(1)).path("data")).hasSize(1);

    String key =
        json(admin("POST", "/v1/admin/keys", keyBody("team-v", "completions")))
            .path("key")
            .asText();
    int before = openai.requestCount();
    HttpResponse<String> answer =
        chat(CHAT, "x-portkey-api-key", key, "x-portkey-virtual-key", "openai-prod");
    assertThat(answer.statusCode()).isEqualTo(200);
    assertThat(openai.requestCount()).isEqualTo(before + 1);
    // The fake provider sends its own x-ratelimit-* headers (limit 10000); the gateway's, for the
    // virtual key held to 100 a minute, replace them rather than stand beside them.
    assertThat(answer.headers().allValues("x-ratelimit-limit-requests")).containsExactly("100");
    RecordedRequest upstream = openai.requests().getLast();
    assertThat(upstream.header("authorization")).isEqualTo("Bearer " + PROVIDER_SECRET);

    HttpResponse<String> usage =
        admin("GET", "/v1/admin/usage?subject=virtual_key:team-v/openai-prod", null);
    assertThat(usage.statusCode()).isEqualTo(200);
    assertThat(json(usage).at("/subject/id").asText()).isEqualTo("team-v/openai-prod");

    HttpResponse<String> reencrypted = admin("POST", "/v1/admin/virtual-keys/reencrypt", null);
    assertThat(reencrypted.statusCode()).isEqualTo(200);
    assertThat(json(reencrypted).has("reencrypted")).isTrue();
  }

  @Test
  void withoutAMasterKeyAVirtualKeyIsRefusedNamingTheSetting() {
    try (GatewayUnderTest noMasterKey =
        GatewayUnderTest.withSettings(settings(AccessSettings.inMemory()), engine -> {})) {
      HttpResponse<String> refused =
          noMasterKey.send(
              request(
                      noMasterKey,
                      "POST",
                      "/v1/admin/virtual-keys",
                      "{\"slug\":\"openai\",\"provider\":\"openai\","
                          + "\"credentials\":{\"api_key\":\""
                          + PROVIDER_SECRET
                          + "\"}}")
                  .header("authorization", "Bearer " + ADMIN_TOKEN));

      assertThat(refused.statusCode()).isEqualTo(400);
      assertThat(json(refused).at("/error/message").asText()).contains("access.master-key");
      assertThat(refused.body()).doesNotContain(PROVIDER_SECRET);
    }
  }

  @Test
  void callersWithoutTheAdminTokenOrAKeyAre401() {
    HttpResponse<String> none = gateway.send(request(gateway, "GET", "/v1/admin/keys", null));
    assertThat(none.statusCode()).isEqualTo(401);
    assertThat(json(none).at("/error/type").asText()).isEqualTo("authentication_error");
    HttpResponse<String> wrong =
        gateway.send(
            request(gateway, "GET", "/v1/admin/keys", null)
                .header("authorization", "Bearer not-the-token"));
    assertThat(wrong.statusCode()).isEqualTo(401);
    assertThat(wrong.body()).doesNotContain("not-the-token");
    HttpResponse<String> unknownKey = asKey("sbk-" + "A".repeat(43), "GET", "/v1/admin/keys", null);
    assertThat(unknownKey.statusCode()).isEqualTo(401);
    HttpResponse<String> basic =
        gateway.send(
            request(gateway, "GET", "/v1/admin/workspaces", null)
                .header(
                    "authorization",
                    "Basic "
                        + Base64.getEncoder().encodeToString(("admin:" + ADMIN_TOKEN).getBytes())));
    assertThat(basic.statusCode()).isEqualTo(200);
  }

  @Test
  void badRequestsAreAnsweredInOpenAisShape() {
    Map<String, Integer> cases =
        Map.of(
            "{not json", 400,
            "{\"id\":\"x\",\"limits\":{\"requests_per_minut\":5}}", 400,
            "{\"id\":\"x\",\"limits\":{\"requests_per_minute\":-5}}", 400,
            "[]", 400,
            "{\"name\":\"no id\"}", 400);
    cases.forEach((body, status) -> {
      HttpResponse<String> response = admin("POST", "/v1/admin/workspaces", body);
      assertThat(response.statusCode()).as(body).isEqualTo(status);
      JsonNode error = json(response).path("error");
      assertThat(error.path("type").asText()).as(body).isEqualTo("invalid_request_error");
      assertThat(error.path("message").asText()).as(body).isNotBlank();
    });
    HttpResponse<String> unknownField =
        admin(
            "POST", "/v1/admin/workspaces", "{\"id\":\"x\",\"limits\":{\"requests_per_minut\":5}}");
    assertThat(json(unknownField).at("/error/param").asText())
        .isEqualTo("limits.requests_per_minut");

    admin("POST", "/v1/admin/workspaces", "{\"id\":\"twice\"}");
    HttpResponse<String> conflict = admin("POST", "/v1/admin/workspaces", "{\"id\":\"twice\"}");
    assertThat(conflict.statusCode()).isEqualTo(409);
    assertThat(json(conflict).at("/error/code").asText()).isEqualTo("conflict");

    HttpResponse<String> missing = admin("GET", "/v1/admin/keys/key_nothing", null);
    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(json(missing).at("/error/code").asText()).isEqualTo("not_found");

    assertThat(admin("GET", "/v1/admin/usage?subject=nobody", null).statusCode()).isEqualTo(400);
    assertThat(admin("PUT", "/v1/admin/keys", "{}").statusCode()).isEqualTo(405);
  }

  static String keyBody(String workspace, String... permissions) {
    return "{\"workspace\":\""
        + workspace
        + "\",\"scopes\":{\"permissions\":["
        + String.join(",", java.util.Arrays.stream(permissions).map(p -> "\"" + p + "\"").toList())
        + "]}}";
  }

  static HttpRequest.Builder request(
      GatewayUnderTest target, String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target.server.adminUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (body != null) {
      request.header("content-type", "application/json");
    }
    return request;
  }

  static HttpResponse<String> admin(String method, String path, String body) {
    return gateway.send(
        request(gateway, method, path, body).header("authorization", "Bearer " + ADMIN_TOKEN));
  }

  static HttpResponse<String> asKey(String key, String method, String path, String body) {
    return gateway.send(request(gateway, method, path, body).header("x-portkey-api-key", key));
  }

  static HttpResponse<String> chat(String body, String... headers) {
    List<String> all = new ArrayList<>(List.of(headers));
    if (body.contains("mock-chat")) {
      all.addAll(List.of("x-portkey-provider", "mock"));
    }
    return gateway.postJson("/v1/chat/completions", body, all.toArray(String[]::new));
  }
}
