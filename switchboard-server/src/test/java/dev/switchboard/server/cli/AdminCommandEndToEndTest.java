package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.state.configs.SavedConfigSettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The admin command against a real gateway (a {@link SwitchboardServer} on 127.0.0.1 with its
 * access layer on an in-memory store), as an operator uses it: a workspace, a key that manages
 * keys, a narrower key it mints, a virtual key whose secret comes on stdin, a chat call through
 * them, usage, rotation and revocation; and what the gateway refuses, with exit code 1.
 */
class AdminCommandEndToEndTest {
  static final String ADMIN_TOKEN = "cli-e2e-admin-token-3";
  static final String PROVIDER_SECRET = "sk-canary-cli-e2e-provider-9c1";

  static FakeOpenAi openai;
  static SwitchboardServer server;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    byte[] masterKey = new byte[32];
    new SecureRandom().nextBytes(masterKey);
    server =
        SwitchboardServer.start(
            new ServerSettings(
                    "127.0.0.1",
                    0,
                    ServerSettings.DEFAULT_MAX_BODY_BYTES,
                    Duration.ofSeconds(5),
                    GatewaySettings.builder()
                        .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                        .build())
                .withAdminToken(ADMIN_TOKEN)
                .withAccess(
                    AccessSettings.inMemory()
                        .withMasterKeys(Base64.getEncoder().encodeToString(masterKey), List.of()))
                .withSavedConfigs(
                    SavedConfigSettings.storedAt(
                        "jdbc:h2:mem:configs-" + UUID.randomUUID(), Duration.ofSeconds(5))));
  }

  @AfterAll
  static void stop() {
    if (server != null) {
      server.close();
    }
    if (openai != null) {
      openai.close();
    }
  }

  record Run(int exitCode, String out, String err) {
    JsonNode json() {
      return WireJson.read(out, JsonNode.class);
    }
  }

  static Run admin(String token, String stdin, String... words) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        new AdminCommand(
                Map.of(
                    "SWITCHBOARD_ADMIN_URL",
                    server.baseUri().toString(),
                    "SWITCHBOARD_ADMIN_TOKEN",
                    token),
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                null,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .execute(List.of(words));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  static Run asAdmin(String... words) {
    return admin(ADMIN_TOKEN, "", words);
  }

  static HttpResponse<String> chat(String gatewayKey, String virtualKey)
      throws IOException, InterruptedException {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
            .header("content-type", "application/json")
            .header("x-portkey-api-key", gatewayKey)
            .POST(
                HttpRequest.BodyPublishers.ofString(
                    "{\"model\":\"gpt-4o-mini\",\"max_tokens\":16,"
                        + "\"messages\":[{\"role\":\"user\",\"content\":\"Hello\"}]}"));
    if (virtualKey != null) {
      request.header("x-portkey-virtual-key", virtualKey);
    }
    return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void anOperatorSetsUpATeamAndItsLeadMintsANarrowerKeyThatCallsThroughAVirtualKey()
      throws Exception {
    Run workspace =
        asAdmin("workspaces", "create", "--id", "team-e2e", "--name", "Team", "--rpm", "1000");
    assertThat(workspace.exitCode()).as(workspace.err()).isZero();
    assertThat(workspace.json().path("id").asText()).isEqualTo("team-e2e");

    Run lead =
        asAdmin(
            "keys",
            "create",
            "--workspace",
            "team-e2e",
            "--name",
            "lead",
            "--permissions",
            "completions,keys.manage,virtual_keys.manage,usage.read",
            "--rpm",
            "100",
            "--budget-usd",
            "10.00");
    assertThat(lead.exitCode()).as(lead.err()).isZero();
    String leadKey = lead.json().path("key").asText();
    assertThat(leadKey).startsWith("sbk-");

    // A key with keys.manage cannot mint a key wider than itself: the gateway refuses, exit 1.
    Run wider = admin(leadKey, "", "keys", "create", "--permissions", "completions,embeddings");
    assertThat(wider.exitCode()).isEqualTo(1);
    assertThat(wider.out()).isEmpty();
    assertThat(wider.err()).startsWith("switchboard admin: 403 permission_denied: ");
    assertThat(wider.err()).doesNotContain(leadKey);

    Run narrow =
        admin(
            leadKey,
            "",
            "keys",
            "create",
            "--name",
            "ci",
            "--permissions",
            "completions",
            "--virtual-keys",
            "openai-e2e",
            "--rpm",
            "10",
            "--budget-usd",
            "1.00");
    assertThat(narrow.exitCode()).as(narrow.err()).isZero();
    String narrowId = narrow.json().path("id").asText();
    String narrowKey = narrow.json().path("key").asText();
    assertThat(narrow.json().path("workspace").asText()).isEqualTo("team-e2e");

    // The provider's secret on stdin; no answer ever shows it.
    Run virtualKey =
        admin(
            leadKey,
            PROVIDER_SECRET + "\n",
            "virtual-keys",
            "create",
            "team-e2e/openai-e2e",
            "--provider",
            "openai",
            // A key holder's virtual key is held to limits no wider than the holder's own.
            "--rpm",
            "50",
            "--budget-usd",
            "5.00");
    assertThat(virtualKey.exitCode()).as(virtualKey.err()).isZero();
    assertThat(virtualKey.json().path("credential_names").toString()).contains("api_key");
    Run listed = asAdmin("virtual-keys", "list", "--workspace", "team-e2e");
    assertThat(listed.exitCode()).as(listed.err()).isZero();
    assertThat(virtualKey.out() + listed.out()).doesNotContain(PROVIDER_SECRET);

    HttpResponse<String> answer = chat(narrowKey, "openai-e2e");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(openai.requests().getLast().header("authorization"))
        .isEqualTo("Bearer " + PROVIDER_SECRET);

    Run keys = asAdmin("keys", "list", "--workspace", "team-e2e");
    assertThat(keys.exitCode()).as(keys.err()).isZero();
    assertThat(keys.out()).doesNotContain(leadKey).doesNotContain(narrowKey);
    assertThat(keys.out()).contains(narrowKey.substring(0, 8));

    Run usage = admin(leadKey, "", "usage", "--subject", "key:" + narrowId);
    assertThat(usage.exitCode()).as(usage.err()).isZero();
    assertThat(usage.json().path("subject").path("id").asText()).isEqualTo(narrowId);
    assertThat(usage.json().path("subject").path("limits").path("requests_per_minute").asLong())
        .isEqualTo(10);
    // The chat call above was settled against the key's budget.
    assertThat(new java.math.BigDecimal(usage.json().path("usage").path("spent_usd").asText()))
        .isPositive();

    Run rotated = admin(leadKey, "", "keys", "rotate", narrowId);
    assertThat(rotated.exitCode()).as(rotated.err()).isZero();
    String rotatedKey = rotated.json().path("key").asText();
    assertThat(rotatedKey).startsWith("sbk-").isNotEqualTo(narrowKey);
    assertThat(chat(narrowKey, "openai-e2e").statusCode()).isEqualTo(401);
    assertThat(chat(rotatedKey, "openai-e2e").statusCode()).isEqualTo(200);

    Run revoked = asAdmin("keys", "revoke", narrowId);
    assertThat(revoked.exitCode()).as(revoked.err()).isZero();
    assertThat(revoked.json().path("revoked_at").isNull()).isFalse();
    assertThat(chat(rotatedKey, "openai-e2e").statusCode()).isEqualTo(401);

    Run limits = asAdmin("workspaces", "limits", "team-e2e", "--unlimited");
    assertThat(limits.exitCode()).as(limits.err()).isZero();
    Run workspaces = asAdmin("workspaces", "list");
    assertThat(workspaces.json().path("data").toString()).contains("team-e2e");
  }

  static String modelRoutedBy(String config) throws IOException, InterruptedException {
    HttpResponse<String> answer =
        http.send(
            HttpRequest.newBuilder(server.baseUri().resolve("/v1/chat/completions"))
                .header("content-type", "application/json")
                .header("x-portkey-config", config)
                .POST(
                    HttpRequest.BodyPublishers.ofString(
                        "{\"model\":\"asked\",\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}"))
                .build(),
            HttpResponse.BodyHandlers.ofString());
    return answer.statusCode() == 200
        ? WireJson.read(answer.body(), JsonNode.class).path("model").asText()
        : String.valueOf(answer.statusCode());
  }

  @Test
  void anOperatorEditsRollsBackAndDeletesASavedConfigThatRoutesAtOnce() throws Exception {
    String first = "{\"provider\":\"mock\",\"override_params\":{\"model\":\"first\"}}";
    String second = "{\"provider\":\"mock\",\"override_params\":{\"model\":\"second\"}}";
    Run created = admin(ADMIN_TOKEN, first, "configs", "create", "pc-cli", "--file", "-");
    assertThat(created.exitCode()).as(created.err()).isZero();
    assertThat(modelRoutedBy("pc-cli")).isEqualTo("first");

    Run edited = admin(ADMIN_TOKEN, second, "configs", "edit", "pc-cli", "--file", "-");
    assertThat(edited.exitCode()).as(edited.err()).isZero();
    assertThat(edited.json().path("version").asInt()).isEqualTo(2);
    assertThat(modelRoutedBy("pc-cli")).isEqualTo("second");

    Run invalid =
        admin(
            ADMIN_TOKEN,
            "{\"strategy\":{\"mode\":\"fallback\"}}",
            "configs",
            "edit",
            "pc-cli",
            "--file",
            "-");
    assertThat(invalid.exitCode()).isEqualTo(1);
    assertThat(invalid.err()).contains("400").contains("config.targets");
    assertThat(modelRoutedBy("pc-cli")).isEqualTo("second");

    Run rolledBack = asAdmin("configs", "rollback", "pc-cli", "--version", "1");
    assertThat(rolledBack.exitCode()).as(rolledBack.err()).isZero();
    assertThat(modelRoutedBy("pc-cli")).isEqualTo("first");

    Run deleted = asAdmin("configs", "delete", "pc-cli");
    assertThat(deleted.exitCode()).as(deleted.err()).isZero();
    assertThat(modelRoutedBy("pc-cli")).isEqualTo("400");

    Run history = asAdmin("configs", "history", "pc-cli");
    assertThat(history.exitCode()).as(history.err()).isZero();
    assertThat(history.json().path("data").findValuesAsText("action"))
        .containsExactly("create", "version", "rollback", "delete");
  }

  @Test
  void whatTheGatewayRefusesExitsOneWithItsStatusAndMessage() {
    Run unknown = asAdmin("keys", "get", "key_does_not_exist");
    Run badToken = admin("not-the-admin-token", "", "workspaces", "list");

    assertThat(unknown.exitCode()).isEqualTo(1);
    assertThat(unknown.err()).startsWith("switchboard admin: 404 ");
    assertThat(badToken.exitCode()).isEqualTo(1);
    assertThat(badToken.err()).startsWith("switchboard admin: 401 ");
    assertThat(badToken.err()).doesNotContain("not-the-admin-token");
  }
}
