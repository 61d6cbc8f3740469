package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.access.AccessSettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import org.junit.jupiter.api.Test;

/**
 * A gateway key sends to a custom host only one its workspace allows: none by default where keys
 * are required, any by default where they are optional; a workspace's list, set by the admin,
 * applies either way. Checked on the attempt's actual host, from the header or a config.
 */
class CustomHostAllowlistTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void refusesCustomHostForAKeyWhoseWorkspaceAllowsNoneWhereKeysAreRequired() {
    try (FakeOpenAi openai = FakeOpenAi.start();
        AccessGateway gateway = start(true)) {
      AccessGateway.CreatedKey key = gateway.createKey("default", "k", null, null);

      HttpResponse<String> byHeader = chatVia(gateway, key, "x-portkey-custom-host", openai);
      HttpResponse<String> byConfig =
          chat(
              gateway,
              key,
              "x-portkey-config",
              "{\"provider\":\"openai\",\"api_key\":\"sk-x\",\"custom_host\":\""
                  + openai.baseUrl()
                  + "\"}");

      assertThat(byHeader.statusCode()).isEqualTo(403);
      assertThat(WireJson.tree(byHeader.body()).at("/error/message").asText())
          .contains("does not allow the custom host '127.0.0.1'");
      assertThat(byConfig.statusCode()).isEqualTo(403);
      assertThat(openai.requestCount()).isZero();
    }
  }

  @Test
  void sendsToACustomHostTheWorkspaceAllowsAndNoOther() {
    try (FakeOpenAi openai = FakeOpenAi.start();
        AccessGateway gateway = start(true)) {
      gateway.createWorkspace("team", null);
      AccessGateway.CreatedKey key = gateway.createKey("team", "k", null, null);
      HttpResponse<String> set =
          gateway.admin(
              "PATCH",
              "/v1/admin/workspaces/team",
              "{\"custom_hosts\":[\"127.0.0.1\",\"*.internal.example\"]}");
      assertThat(set.statusCode()).as(set.body()).isEqualTo(200);
      assertThat(WireJson.tree(set.body()).path("custom_hosts").toString())
          .isEqualTo("[\"127.0.0.1\",\"*.internal.example\"]");

      HttpResponse<String> allowed = chatVia(gateway, key, "x-portkey-custom-host", openai);
      HttpResponse<String> other =
          chat(
              gateway,
              key,
              "x-portkey-provider",
              "openai",
              "x-portkey-custom-host",
              "http://localhost:" + openai.port() + "/v1");

      assertThat(allowed.statusCode()).as(allowed.body()).isEqualTo(200);
      assertThat(openai.requestCount()).isEqualTo(1);
      assertThat(other.statusCode()).isEqualTo(403);
      assertThat(openai.requestCount()).isEqualTo(1);
    }
  }

  @Test
  void refusesACustomHostListEntryThatIsNotAHost() {
    try (AccessGateway gateway = start(true)) {
      HttpResponse<String> answer =
          gateway.admin(
              "PATCH", "/v1/admin/workspaces/default", "{\"custom_hosts\":[\"http://a.b/v1\"]}");

      assertThat(answer.statusCode()).isEqualTo(400);
      assertThat(answer.body()).contains("custom_hosts");
    }
  }

  @Test
  void allowsAnyCustomHostByDefaultWhereKeysAreOptionalUntilTheWorkspaceSetsAList() {
    try (FakeOpenAi openai = FakeOpenAi.start();
        AccessGateway gateway = start(false)) {
      AccessGateway.CreatedKey key = gateway.createKey("default", "k", null, null);

      HttpResponse<String> before = chatVia(gateway, key, "x-portkey-custom-host", openai);
      gateway.admin(
          "PATCH", "/v1/admin/workspaces/default", "{\"custom_hosts\":[\"other.example\"]}");
      HttpResponse<String> after = chatVia(gateway, key, "x-portkey-custom-host", openai);

      assertThat(before.statusCode()).as(before.body()).isEqualTo(200);
      assertThat(after.statusCode()).isEqualTo(403);
    }
  }

  static HttpResponse<String> chatVia(
      AccessGateway gateway, AccessGateway.CreatedKey key, String header, FakeOpenAi openai) {
    return chat(
        gateway,
        key,
        "x-portkey-provider",
        "openai",
        "authorization",
        "Bearer sk-upstream",
        header,
        openai.baseUrl());
  }

  static HttpResponse<String> chat(
      AccessGateway gateway, AccessGateway.CreatedKey key, String... headers) {
    String[] all = new String[headers.length + 2];
    all[0] = "x-portkey-api-key";
    all[1] = key.secret();
    System.arraycopy(headers, 0, all, 2, headers.length);
    return gateway.send("POST", "/v1/chat/completions", CHAT, all);
  }

  static AccessGateway start(boolean requireKeys) {
    return AccessGateway.start(
        AccessGateway.Options.of(
            AccessSettings.inMemory().withRequireKeys(requireKeys), "sbadm-allowlist-test"));
  }
}
