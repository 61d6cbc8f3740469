package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.state.configs.SavedConfigSettings;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumSet;
import java.util.List;
import java.util.UUID;
import java.util.function.Predicate;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved configs edited while gateways run, every call HTTP: two gateways share a real PostgreSQL
 * schema; a config created, edited, rolled back or deleted through A's admin API routes B's
 * requests within B's refresh bound; every change is audited with its config; an invalid config is
 * a 400 naming the field and is not stored; a gateway key cannot manage configs; the settings
 * file's configs are saved by {@code settings} once, and an edit through the admin API wins until
 * the file's config itself changes. The embedded default store serves the same operations.
 */
class SavedConfigsTest {
  static final String ADMIN = "admin-token-saved-configs";

  /** B's refresh: the bound within which A's change routes B's requests. */
  static final Duration REFRESH = Duration.ofMillis(300);

  static String store;
  static GatewayUnderTest a;
  static GatewayUnderTest b;

  @BeforeAll
  static void start() {
    store = TestPostgres.freshSchemaUrl();
    a =
        GatewayUnderTest.withSettings(
            settings("from-file-1")
                .withAccess(AccessSettings.inMemory())
                .withSavedConfigs(SavedConfigSettings.storedAt(store, REFRESH)),
            engine -> {});
    b =
        GatewayUnderTest.withSettings(
            settings("from-file-1").withSavedConfigs(SavedConfigSettings.storedAt(store, REFRESH)),
            engine -> {});
  }

  @AfterAll
  static void stop() {
    a.close();
    b.close();
  }

  /** Settings whose file holds {@code pc-seeded}, answered by the mock as {@code model}. */
  static ServerSettings settings(String model) {
    return new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.builder().config("pc-seeded", WireJson.tree(mock(model))).build())
        .withAdminToken(ADMIN);
  }

  /** A config of one target, the mock, answering as {@code model}. */
  static String mock(String model) {
    return """
    {"provider":"mock","override_params":{"model":"%s"}}\
    """
        .formatted(model);
  }

  static HttpResponse<String> admin(
      GatewayUnderTest gateway, String method, String path, String body, String... headers) {
    return gateway.sendJson(
        method,
        path,
        body,
        headers.length == 0 ? new String[] {"authorization", "Bearer " + ADMIN} : headers);
  }

  static HttpResponse<String> admin(
      GatewayUnderTest gateway, String method, String path, String body) {
    return admin(gateway, method, path, body, new String[0]);
  }

  static String fresh() {
    return "pc-" + UUID.randomUUID().toString().substring(0, 8);
  }

  static void create(GatewayUnderTest gateway, String id, String model) {
    HttpResponse<String> created =
        admin(
            gateway,
            "POST",
            "/v1/admin/configs",
            "{\"id\":\"%s\",\"config\":%s}".formatted(id, mock(model)));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
  }

  static HttpResponse<String> edit(GatewayUnderTest gateway, String id, String config) {
    return admin(
        gateway, "POST", "/v1/admin/configs/" + id + "/versions", "{\"config\":" + config + "}");
  }

  static HttpResponse<String> chat(GatewayUnderTest gateway, String config) {
    return gateway.postJson(
        "/v1/chat/completions",
        "{\"model\":\"asked\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
        "x-portkey-config",
        config);
  }

  /**
   * Sends requests through {@code gateway} naming {@code config} until one's answer passes {@code
   * seen}; fails when none has within {@code bound} and a second more (a request's own time).
   */
  static HttpResponse<String> awaitAnswer(
      GatewayUnderTest gateway, String config, Predicate<HttpResponse<String>> seen)
      throws InterruptedException {
    Instant start = Instant.now();
    Instant deadline = start.plus(REFRESH).plusSeconds(1);
    HttpResponse<String> answer = chat(gateway, config);
    while (!seen.test(answer) && Instant.now().isBefore(deadline)) {
      Thread.sleep(20);
      answer = chat(gateway, config);
    }
    assertThat(seen).as("within %s: %s", REFRESH, answer.body()).accepts(answer);
    System.out.printf(
        "routed by the change after %d ms (refresh %d ms)%n",
        Duration.between(start, Instant.now()).toMillis(), REFRESH.toMillis());
    return answer;
  }

  static Predicate<HttpResponse<String>> answeredBy(String model) {
    return answer ->
        answer.statusCode() == 200
            && GatewayUnderTest.json(answer).path("model").asText().equals(model);
  }

  @Test
  void aConfigCreatedEditedAndRolledBackOnARoutesBWithinTheRefreshBound()
      throws InterruptedException {
    String id = fresh();
    assertThat(chat(b, id).statusCode()).isEqualTo(400);

    create(a, id, "first");
    awaitAnswer(b, id, answeredBy("first"));
    // A sees its own change at once.
    assertThat(answeredBy("first")).accepts(chat(a, id));

    HttpResponse<String> edited = edit(a, id, mock("second"));
    assertThat(edited.statusCode()).as(edited.body()).isEqualTo(201);
    assertThat(GatewayUnderTest.json(edited).path("version").asInt()).isEqualTo(2);
    awaitAnswer(b, id, answeredBy("second"));

    HttpResponse<String> rolledBack =
        admin(a, "POST", "/v1/admin/configs/" + id + "/rollback", "{\"version\":1}");
    assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(201);
    JsonNode version3 = GatewayUnderTest.json(rolledBack);
    assertThat(version3.path("version").asInt()).isEqualTo(3);
    assertThat(version3.path("config")).isEqualTo(WireJson.tree(mock("first")));
    awaitAnswer(b, id, answeredBy("first"));

    HttpResponse<String> shown = admin(b, "GET", "/v1/admin/configs/" + id, null);
    assertThat(GatewayUnderTest.json(shown).path("latest_version").asInt()).isEqualTo(3);
    assertThat(GatewayUnderTest.json(shown).path("versions")).hasSize(3);
    HttpResponse<String> listed = admin(b, "GET", "/v1/admin/configs", null);
    assertThat(GatewayUnderTest.json(listed).path("data").findValuesAsText("id")).contains(id);
  }

  @Test
  void everyChangeIsAuditedWithWhoWhenTheVersionAndItsConfig() throws InterruptedException {
    String id = fresh();
    Instant before = Instant.now().minusSeconds(1);
    create(a, id, "one");
    edit(a, id, mock("two"));
    admin(a, "POST", "/v1/admin/configs/" + id + "/rollback", "{\"version\":1}");
    HttpResponse<String> deleted = admin(a, "DELETE", "/v1/admin/configs/" + id, null);
    assertThat(deleted.statusCode()).as(deleted.body()).isEqualTo(200);

    awaitAnswer(b, id, answer -> answer.statusCode() == 400);
    assertThat(admin(a, "GET", "/v1/admin/configs/" + id, null).statusCode()).isEqualTo(404);

    HttpResponse<String> history = admin(b, "GET", "/v1/admin/configs/" + id + "/history", null);
    assertThat(history.statusCode()).as(history.body()).isEqualTo(200);
    JsonNode rows = GatewayUnderTest.json(history).path("data");
    assertThat(rows.findValuesAsText("action"))
        .containsExactly("create", "version", "rollback", "delete");
    assertThat(rows.findValuesAsText("actor")).containsOnly("admin");
    assertThat(rows.findValues("version").stream().map(JsonNode::asInt))
        .containsExactly(1, 2, 3, 3);
    assertThat(rows.get(2).path("rolled_back_to").asInt()).isEqualTo(1);
    assertThat(rows.get(1).path("config")).isEqualTo(WireJson.tree(mock("two")));
    assertThat(rows.get(2).path("config")).isEqualTo(WireJson.tree(mock("one")));
    for (JsonNode row : rows) {
      assertThat(Instant.parse(row.path("at").asText())).isAfter(before);
    }

    // Saving it again brings it back, as its next version.
    create(a, id, "again");
    awaitAnswer(b, id, answeredBy("again"));
  }

  @Test
  void anInvalidConfigIsA400NamingTheFieldAndIsNotStored() {
    String id = fresh();
    HttpResponse<String> refused =
        admin(
            a,
            "POST",
            "/v1/admin/configs",
            """
            {"id":"%s","config":{"strategy":{"mode":"sideways"},"targets":[{"provider":"mock"}]}}\
            """
                .formatted(id));
    assertThat(refused.statusCode()).as(refused.body()).isEqualTo(400);
    JsonNode error = GatewayUnderTest.json(refused).path("error");
    assertThat(error.path("message").asText()).contains("config.strategy.mode");
    assertThat(error.path("param").asText()).isEqualTo("config.strategy.mode");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(admin(a, "GET", "/v1/admin/configs/" + id, null).statusCode()).isEqualTo(404);

    create(a, id, "good");
    HttpResponse<String> badEdit = edit(a, id, "{\"provider\":\"no-such-provider\"}");
    assertThat(badEdit.statusCode()).as(badEdit.body()).isEqualTo(400);
    assertThat(GatewayUnderTest.json(badEdit).path("error").path("message").asText())
        .contains("provider");
    assertThat(edit(a, id, "[1]").statusCode()).isEqualTo(400);
    assertThat(
            GatewayUnderTest.json(admin(a, "GET", "/v1/admin/configs/" + id, null))
                .path("latest_version")
                .asInt())
        .isEqualTo(1);
  }

  @Test
  void theAdminApiNeverShowsACredentialHeldInAConfig() {
    String id = fresh();
    String secret = "sk-secret-" + UUID.randomUUID();
    HttpResponse<String> created =
        admin(
            a,
            "POST",
            "/v1/admin/configs",
            """
            {"id":"%s","config":{"strategy":{"mode":"fallback"},"targets":[
              {"provider":"mock","api_key":"%s"},
              {"provider":"bedrock","aws_access_key_id":"AKIAEXAMPLE",
               "awsSecretAccessKey":"%s","aws_region":"us-east-1"}]}}\
            """
                .formatted(id, secret, secret));
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    assertThat(answeredBy("asked")).accepts(chat(a, id));

    for (String path :
        List.of(
            "/v1/admin/configs/" + id,
            "/v1/admin/configs",
            "/v1/admin/configs/" + id + "/versions/1",
            "/v1/admin/configs/" + id + "/history")) {
      HttpResponse<String> shown = admin(a, "GET", path, null);
      assertThat(shown.statusCode()).isEqualTo(200);
      assertThat(shown.body()).doesNotContain(secret).contains("AKIAEXAMPLE");
    }
    JsonNode targets =
        GatewayUnderTest.json(admin(a, "GET", "/v1/admin/configs/" + id, null))
            .path("config")
            .path("targets");
    assertThat(targets.get(0).path("api_key").asText()).isEqualTo("***");
    assertThat(targets.get(1).path("awsSecretAccessKey").asText()).isEqualTo("***");
  }

  @Test
  void aGatewayKeyOrNoTokenCannotManageConfigs() {
    String key =
        a.server
            .access()
            .admin()
            .createKey(
                Principal.ADMIN,
                new AccessAdmin.KeyRequest(
                    "default",
                    "every permission",
                    new KeyScopes(EnumSet.allOf(Permission.class), null, null, null, null),
                    null,
                    null))
            .secret();
    String body = "{\"id\":\"%s\",\"config\":%s}".formatted(fresh(), mock("x"));
    for (String[] credentials :
        List.of(
            new String[] {"x-portkey-api-key", key},
            new String[] {"authorization", "Bearer " + key})) {
      HttpResponse<String> refused = admin(a, "POST", "/v1/admin/configs", body, credentials);
      assertThat(refused.statusCode()).as(refused.body()).isEqualTo(403);
      assertThat(GatewayUnderTest.json(refused).path("error").path("message").asText())
          .contains("admin token");
      assertThat(admin(a, "GET", "/v1/admin/configs", null, credentials).statusCode())
          .isEqualTo(403);
    }
    HttpResponse<String> anonymous =
        admin(a, "POST", "/v1/admin/configs", body, "accept", "application/json");
    assertThat(anonymous.statusCode()).isEqualTo(401);
    HttpResponse<String> wrongToken =
        admin(a, "GET", "/v1/admin/configs", null, "authorization", "Bearer not-the-token");
    assertThat(wrongToken.statusCode()).isEqualTo(401);
  }

  @Test
  void theSettingsFilesConfigIsSavedOnceAndAnAdminEditWinsUntilTheFileChanges()
      throws InterruptedException {
    // A and B started with the same file: one version, by settings.
    HttpResponse<String> history = admin(a, "GET", "/v1/admin/configs/pc-seeded/history", null);
    JsonNode rows = GatewayUnderTest.json(history).path("data");
    assertThat(rows.get(0).path("actor").asText()).isEqualTo("settings");
    assertThat(rows.get(0).path("action").asText()).isEqualTo("create");
    assertThat(answeredBy("from-file-1")).accepts(chat(b, "pc-seeded"));

    assertThat(edit(a, "pc-seeded", mock("edited")).statusCode()).isEqualTo(201);
    awaitAnswer(b, "pc-seeded", answeredBy("edited"));

    // A gateway started with the file unchanged keeps the edit.
    try (GatewayUnderTest c =
        GatewayUnderTest.withSettings(
            settings("from-file-1").withSavedConfigs(SavedConfigSettings.storedAt(store, REFRESH)),
            engine -> {})) {
      assertThat(answeredBy("edited")).accepts(chat(c, "pc-seeded"));
    }
    // One whose file changed saves the file's config as the next version.
    try (GatewayUnderTest d =
        GatewayUnderTest.withSettings(
            settings("from-file-2").withSavedConfigs(SavedConfigSettings.storedAt(store, REFRESH)),
            engine -> {})) {
      assertThat(answeredBy("from-file-2")).accepts(chat(d, "pc-seeded"));
    }
    awaitAnswer(b, "pc-seeded", answeredBy("from-file-2"));
    JsonNode after =
        GatewayUnderTest.json(admin(a, "GET", "/v1/admin/configs/pc-seeded/history", null))
            .path("data");
    assertThat(after.get(after.size() - 1).path("actor").asText()).isEqualTo("settings");
    assertThat(after.get(after.size() - 1).path("config"))
        .isEqualTo(WireJson.tree(mock("from-file-2")));
  }

  @Test
  void theEmbeddedDefaultStoreKeepsVersionsAcrossARestart(@TempDir Path data) {
    SavedConfigSettings embedded =
        new SavedConfigSettings(true, SavedConfigSettings.EMBEDDED, data, null);
    String id = fresh();
    try (GatewayUnderTest one =
        GatewayUnderTest.withSettings(settings("file").withSavedConfigs(embedded), e -> {})) {
      create(one, id, "kept");
      assertThat(edit(one, id, mock("kept-2")).statusCode()).isEqualTo(201);
      assertThat(answeredBy("kept-2")).accepts(chat(one, id));
    }
    try (GatewayUnderTest again =
        GatewayUnderTest.withSettings(settings("file").withSavedConfigs(embedded), e -> {})) {
      assertThat(answeredBy("kept-2")).accepts(chat(again, id));
      assertThat(
              admin(again, "POST", "/v1/admin/configs/" + id + "/rollback", "{\"version\":1}")
                  .statusCode())
          .isEqualTo(201);
      assertThat(answeredBy("kept")).accepts(chat(again, id));
      assertThat(
              admin(again, "POST", "/v1/admin/configs/" + id + "/rollback", "{\"version\":3}")
                  .statusCode())
          .isEqualTo(400);
    }
  }
}
