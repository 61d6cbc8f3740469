package dev.switchboard.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.mcp.oauth.OAuthSettings;
import java.net.URI;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class McpSettingsTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  private static McpSettings parse(String json) throws Exception {
    JsonNode section = JSON.readTree(json);
    return McpSettings.parse(section, (key, value) -> Duration.parse("PT" + value.toUpperCase()));
  }

  @Test
  void readsHttpAndStdioServersInTheOrderDeclared() throws Exception {
    McpSettings settings =
        parse(
            """
            {"session-timeout": "10m",
             "servers": {
               "docs": {"url": "https://mcp.example.com/mcp", "headers": {"X-Tenant": "acme"},
                        "virtual-key": "default/docs-token"},
               "files": {"command": "npx", "args": ["-y", "server-filesystem"],
                         "env": {"LOG_LEVEL": "info"}}}}
            """);
    assertThat(settings.sessionTimeout()).isEqualTo(Duration.ofMinutes(10));
    assertThat(settings.servers())
        .containsExactly(
            new UpstreamServer.Http(
                "docs",
                URI.create("https://mcp.example.com/mcp"),
                Map.of("X-Tenant", "acme"),
                "default/docs-token"),
            new UpstreamServer.Stdio(
                "files", "npx", List.of("-y", "server-filesystem"), Map.of("LOG_LEVEL", "info")));
  }

  @Test
  void readsAnOAuthServerSharedOrPerUser() throws Exception {
    McpSettings settings =
        parse(
            """
            {"servers": {
               "team": {"url": "https://team.example.com/mcp",
                        "oauth": {"client-id": "switchboard", "client-secret": "s3cret",
                                  "scopes": "tools.read tools.call"}},
               "mine": {"url": "https://mine.example.com/mcp",
                        "oauth": {"mode": "per-user", "client-id": "switchboard",
                                  "redirect-uri": "https://gw.example.com/v1/mcp/oauth/callback"}}}}
            """);
    UpstreamServer.Http team = (UpstreamServer.Http) settings.servers().get(0);
    UpstreamServer.Http mine = (UpstreamServer.Http) settings.servers().get(1);
    assertThat(team.oauth())
        .isEqualTo(
            new OAuthSettings(
                OAuthSettings.Mode.SHARED,
                "switchboard",
                "s3cret",
                null,
                List.of("tools.read", "tools.call"),
                null));
    assertThat(team.perUser()).isFalse();
    assertThat(team.oauth().toString()).doesNotContain("s3cret");
    assertThat(mine.perUser()).isTrue();
    assertThat(mine.oauth().confidential()).isFalse();
    assertThat(mine.oauth().redirectUri())
        .isEqualTo(URI.create("https://gw.example.com/v1/mcp/oauth/callback"));
  }

  @Test
  void refusesAnOAuthSettingThatCannotWork() {
    assertThatThrownBy(() ->
            parse(
                """
                {"servers": {"team": {"url": "https://t/mcp",
                  "oauth": {"client-id": "switchboard"}}}}\
                """))
        .hasMessageContaining("mcp.servers.team.oauth")
        .hasMessageContaining("client-secret");
    assertThatThrownBy(() ->
            parse(
                """
                {"servers": {"team": {"url": "https://t/mcp", "virtual-key": "k",
                  "oauth": {"mode": "per-user", "client-id": "c"}}}}\
                """))
        .hasMessageContaining("virtual-key and oauth");
    assertThatThrownBy(() ->
            parse(
                """
                {"servers": {"team": {"url": "https://t/mcp",
                  "oauth": {"mode": "each", "client-id": "c"}}}}\
                """))
        .hasMessageContaining("mcp.servers.team.oauth.mode");
    assertThatThrownBy(() ->
            parse(
                """
                {"servers": {"team": {"url": "https://t/mcp",
                  "oauth": {"mode": "per-user", "client-id": "c", "secret": "x"}}}}\
                """))
        .hasMessageContaining("unknown setting: mcp.servers.team.oauth.secret");
  }

  @Test
  void noSectionIsNoServers() throws Exception {
    assertThat(McpSettings.parse(null, (key, value) -> Duration.ZERO)).isEqualTo(McpSettings.NONE);
  }

  @Test
  void refusesANameThatCouldNotPrefixItsToolsUnambiguously() {
    assertThatThrownBy(() -> parse("{\"servers\": {\"my_docs\": {\"url\": \"http://a/mcp\"}}}"))
        .hasMessageContaining("mcp.servers.my_docs")
        .hasMessageContaining("<server>__<tool>");
  }

  @Test
  void refusesAServerThatIsBothOrNeither() {
    assertThatThrownBy(
            () -> parse("{\"servers\": {\"x\": {\"url\": \"http://a/mcp\", \"command\": \"y\"}}}"))
        .hasMessageContaining("either url (Streamable HTTP) or command (stdio)");
    assertThatThrownBy(() -> parse("{\"servers\": {\"x\": {}}}"))
        .hasMessageContaining("either url");
  }

  @Test
  void refusesAnUnknownKeyByItsName() {
    assertThatThrownBy(
            () -> parse("{\"servers\": {\"x\": {\"url\": \"http://a/mcp\", \"head\": 1}}}"))
        .hasMessage("unknown setting: mcp.servers.x.head");
    assertThatThrownBy(() -> parse("{\"sessions\": 1}"))
        .hasMessage("unknown setting: mcp.sessions");
  }

  @Test
  void refusesAUrlThatIsNotHttp() {
    assertThatThrownBy(() -> parse("{\"servers\": {\"x\": {\"url\": \"file:///etc/passwd\"}}}"))
        .hasMessageContaining("absolute http(s) URL");
  }

  @Test
  void namespacedNamesSplitAtTheFirstSeparator() {
    assertThat(ToolNames.namespaced("files", "read__raw")).isEqualTo("files__read__raw");
    assertThat(ToolNames.server("files__read__raw")).isEqualTo("files");
    assertThat(ToolNames.tool("files__read__raw")).isEqualTo("read__raw");
  }

  @Test
  void aScopeNamesServersOrSingleTools() {
    McpCaller caller = new McpCaller("k", "w", java.util.Set.of("docs", "files__read"));
    assertThat(caller.allows("docs", "anything")).isTrue();
    assertThat(caller.allows("files", "read")).isTrue();
    assertThat(caller.allows("files", "write")).isFalse();
    assertThat(new McpCaller("k", "w", java.util.Set.of()).allows("docs", "x")).isFalse();
    assertThat(McpCaller.ANONYMOUS.allows("docs", "x")).isTrue();
  }
}
