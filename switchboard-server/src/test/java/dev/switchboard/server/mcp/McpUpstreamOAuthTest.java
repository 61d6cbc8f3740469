package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static dev.switchboard.server.mcp.McpHarness.text;
import static dev.switchboard.server.mcp.McpHarness.toolNames;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.OtlpReceiver;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * MCP's authorization (OAuth 2.1) toward upstream servers, through the gateway's public surface: a
 * {@link FakeAuthorizationServer} and two {@link ProtectedUpstream}s (MCP Java SDK servers that
 * refuse requests without a valid bearer token), one declared {@code shared} (the gateway's own
 * client-credentials token), one {@code per-user} (each gateway key authorizes through the
 * gateway's link, the redirect chain driven by an HTTP client).
 */
class McpUpstreamOAuthTest {
  /** The client secret, kept in the vault. */
  private static final String CANARY = "canary-" + UUID.randomUUID();

  /** In every token the fake issues. */
  private static final String TOKEN_MARK = "tokmark" + UUID.randomUUID().toString().substring(0, 8);

  private static final HttpClient BROWSER =
      HttpClient.newBuilder().followRedirects(HttpClient.Redirect.NEVER).build();

  @TempDir static Path data;
  private static FakeAuthorizationServer authorizationServer;
  private static ProtectedUpstream team;
  private static ProtectedUpstream personal;
  private static OtlpReceiver collector;
  private static ListAppender<ILoggingEvent> logs;
  private static McpHarness harness;
  private static final List<String> answers = new ArrayList<>();

  @BeforeAll
  static void start() throws Exception {
    logs = new ListAppender<>();
    logs.start();
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).addAppender(logs);
    collector = OtlpReceiver.start();
    authorizationServer = new FakeAuthorizationServer("switchboard", CANARY, TOKEN_MARK);
    team = new ProtectedUpstream(authorizationServer);
    personal = new ProtectedUpstream(authorizationServer);
    ObjectNode mcp =
        (ObjectNode)
            JSON.readTree(
                """
                {"servers": {
                  "team": {
                    "url": "%s",
                    "oauth": {"mode": "shared", "client-id": "switchboard",
                              "client-secret-virtual-key": "web-token", "scopes": ["tools"]}
                  },
                  "personal": {
                    "url": "%s",
                    "oauth": {"mode": "per-user", "client-id": "switchboard",
                              "client-secret-virtual-key": "web-token"}
                  }
                }}
                """
                    .formatted(team.url(), personal.url()));
    harness = McpHarness.tracedTo(collector, data, mcp, CANARY);
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (AutoCloseable closeable :
        new AutoCloseable[] {team, personal, authorizationServer, collector}) {
      if (closeable != null) {
        closeable.close();
      }
    }
    ((Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME)).detachAppender(logs);
  }

  @Test
  void aSharedServerIsCalledWithTheGatewaysOwnClientCredentialsToken() throws Exception {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      assertThat(toolNames(client)).contains("team__whoami");
      McpSchema.CallToolResult result =
          client.callTool(new McpSchema.CallToolRequest("team__whoami", Map.of()));
      answers.add(JSON.writeValueAsString(result));
      assertThat(text(result)).isEqualTo("you are client:switchboard");
    }
    assertThat(authorizationServer.grantsAsked).contains("client_credentials");
  }

  @Test
  void aSharedTokenIsFetchedAgainWhenTheServerRefusesItAndBeforeItExpires() throws Exception {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      authorizationServer.tokenLifetimeSeconds = 31;
      int grants = clientCredentialsGrants();
      int refused = team.refused.get();
      // The token expires at the authorization server: the server answers 401, the gateway gets
      // a new token and sends the request again; the client sees an answer.
      authorizationServer.expireAccessTokens();
      assertThat(text(client.callTool(new McpSchema.CallToolRequest("team__whoami", Map.of()))))
          .isEqualTo("you are client:switchboard");
      assertThat(team.refused.get()).isGreaterThan(refused);
      assertThat(clientCredentialsGrants()).isEqualTo(grants + 1);
      // That token expires in 31 s, within the gateway's 30 s margin a second later: fetched
      // again before it is sent, so the server refuses nothing.
      Thread.sleep(1_200);
      int refusedBefore = team.refused.get();
      assertThat(text(client.callTool(new McpSchema.CallToolRequest("team__whoami", Map.of()))))
          .isEqualTo("you are client:switchboard");
      assertThat(team.refused.get()).isEqualTo(refusedBefore);
      assertThat(clientCredentialsGrants()).isGreaterThanOrEqualTo(grants + 2);
    } finally {
      authorizationServer.tokenLifetimeSeconds = 3600;
    }
  }

  @Test
  void eachCallerOfAPerUserServerAuthorizesThroughTheGatewayAndCallsWithItsOwnToken()
      throws Exception {
    String keyA = harness.key(null);
    String keyB = harness.key(null);
    try (McpSyncClient a = harness.client("/mcp", keyA);
        McpSyncClient b = harness.client("/mcp", keyB)) {
      assertThat(toolNames(a)).contains("personal__authorize");
      authorize(a, "alice");
      awaitTrue(() -> toolNames(a).contains("personal__whoami"), "personal's tools listed");
      McpSchema.CallToolResult alice =
          a.callTool(new McpSchema.CallToolRequest("personal__whoami", Map.of()));
      answers.add(JSON.writeValueAsString(alice));
      assertThat(text(alice)).isEqualTo("you are alice");

      // B has not authorized: its call fails with an MCP error that names the link to visit.
      assertThatThrownBy(
              () -> b.callTool(new McpSchema.CallToolRequest("personal__whoami", Map.of())))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("needs your authorization")
          .hasMessageContaining(
              harness
                  .gateway
                  .baseUri()
                  .resolve("/v1/mcp/oauth/personal/authorize?ticket=")
                  .toString());
      authorize(b, "bob");
      assertThat(text(b.callTool(new McpSchema.CallToolRequest("personal__whoami", Map.of()))))
          .isEqualTo("you are bob");
      // Each with its own token, whatever the order.
      assertThat(text(a.callTool(new McpSchema.CallToolRequest("personal__whoami", Map.of()))))
          .isEqualTo("you are alice");
    }
    // The authorization request: PKCE S256 and RFC 8707's resource naming the server.
    Map<String, String> asked = authorizationServer.authorizationRequests.get(0);
    assertThat(asked.get("code_challenge_method")).isEqualTo("S256");
    assertThat(asked.get("resource")).isEqualTo(personal.url().toString());
    assertThat(asked.get("redirect_uri"))
        .isEqualTo(harness.gateway.baseUri().resolve("/v1/mcp/oauth/callback").toString());
  }

  @Test
  void aLinkIsGoodOnceAndACallbackWithoutItsStateIsRefused() throws Exception {
    String key = harness.key(null);
    try (McpSyncClient client = harness.client("/mcp", key)) {
      URI link = link(client);
      assertThat(get(link).statusCode()).isEqualTo(302);
      HttpResponse<String> again = get(link);
      assertThat(again.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(again.body()).path("error").path("message").asText())
          .contains("unknown, used or expired");
      HttpResponse<String> forged =
          get(harness.gateway.baseUri().resolve("/v1/mcp/oauth/callback?code=x&state=forged"));
      assertThat(forged.statusCode()).isEqualTo(400);
      assertThat(JSON.readTree(forged.body()).path("error").path("type").asText())
          .isEqualTo("invalid_request_error");
    }
  }

  @Test
  void aTokenEndpointThatBreaksOffAnswersTheCallback502NotTheCallersFault() throws Exception {
    try (McpSyncClient client = harness.client("/mcp", harness.key(null))) {
      HttpResponse<String> toAuthorizationServer = get(link(client));
      assertThat(toAuthorizationServer.statusCode()).isEqualTo(302);
      HttpResponse<String> backToGateway =
          get(URI.create(toAuthorizationServer.headers().firstValue("Location").orElseThrow()));
      URI callback = URI.create(backToGateway.headers().firstValue("Location").orElseThrow());
      HttpResponse<String> done;
      authorizationServer.tokenEndpointBreaksOff = true;
      try {
        done = get(callback);
      } finally {
        authorizationServer.tokenEndpointBreaksOff = false;
      }
      assertThat(done.statusCode()).as(done.body()).isEqualTo(502);
      JsonNode error = JSON.readTree(done.body()).path("error");
      assertThat(error.path("type").asText()).isEqualTo("api_error");
      assertThat(error.path("message").asText())
          .startsWith("The authorization could not be finished: the token endpoint ")
          .endsWith(" could not be reached");
      assertThat(done.body()).doesNotContain(CANARY);
    }
  }

  @Test
  void anExpiredPerUserTokenIsRefreshedAndARevokedOneAsksForAuthorizationAgain() throws Exception {
    String key = harness.key(null);
    try (McpSyncClient client = harness.client("/mcp", key)) {
      authorize(client, "carol");
      McpSchema.CallToolRequest whoami =
          new McpSchema.CallToolRequest("personal__whoami", Map.of());
      assertThat(text(client.callTool(whoami))).isEqualTo("you are carol");
      int refreshes = refreshGrants();
      authorizationServer.expireAccessTokens();
      assertThat(text(client.callTool(whoami))).isEqualTo("you are carol");
      assertThat(refreshGrants()).isEqualTo(refreshes + 1);

      // Revoked at the authorization server: the refresh fails, the caller is asked again.
      authorizationServer.revokeAll("carol");
      assertThatThrownBy(() -> client.callTool(whoami))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("/v1/mcp/oauth/personal/authorize?ticket=");
      assertThatThrownBy(() -> client.callTool(whoami))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("needs your authorization");

      // Authorized again, then forgotten through the gateway by the key itself.
      authorize(client, "carol");
      assertThat(text(client.callTool(whoami))).isEqualTo("you are carol");
      HttpResponse<String> revoked =
          BROWSER.send(
              HttpRequest.newBuilder(harness.gateway.baseUri().resolve("/v1/mcp/oauth/personal"))
                  .header("Authorization", "Bearer " + key)
                  .DELETE()
                  .build(),
              HttpResponse.BodyHandlers.ofString());
      assertThat(revoked.statusCode()).isEqualTo(200);
      assertThat(JSON.readTree(revoked.body()).path("revoked").asBoolean()).isTrue();
      assertThatThrownBy(() -> client.callTool(whoami))
          .isInstanceOf(McpError.class)
          .hasMessageContaining("needs your authorization");
    }
  }

  @Test
  void noTokenNorClientSecretAppearsInAnyLogMetricSpanRowOrAnswer() throws Exception {
    String key = harness.key(null);
    try (McpSyncClient client = harness.client("/mcp", key)) {
      authorize(client, "dave");
      answers.add(
          JSON.writeValueAsString(
              client.callTool(new McpSchema.CallToolRequest("personal__whoami", Map.of()))));
      answers.add(
          JSON.writeValueAsString(
              client.callTool(new McpSchema.CallToolRequest("team__whoami", Map.of()))));
      answers.add(JSON.writeValueAsString(client.listTools()));
    }
    awaitTrue(() -> !harness.logRows("personal", "whoami").isEmpty(), "the rows");
    awaitTrue(
        () -> collector.spans().stream().anyMatch(span -> span.getName().contains("whoami")),
        "the spans");
    List<String> seen = new ArrayList<>(answers);
    seen.addAll(harness.everythingRecorded(logs, collector));
    assertThat(seen)
        .hasSizeGreaterThan(10)
        .noneMatch(text -> text.contains(CANARY) || text.contains(TOKEN_MARK));
    // Nor any file the gateway wrote: the per-user tokens are sealed in the vault's table.
    assertThat(data.resolve("access/mcp-tokens.mv.db")).exists();
    try (var files = java.nio.file.Files.walk(data)) {
      assertThat(files.filter(java.nio.file.Files::isRegularFile).toList())
          .isNotEmpty()
          .noneMatch(file -> {
            try {
              return new String(java.nio.file.Files.readAllBytes(file), StandardCharsets.ISO_8859_1)
                  .contains(TOKEN_MARK);
            } catch (java.io.IOException unreadable) {
              return false;
            }
          });
    }
  }

  /** The link {@code personal__authorize} gives the client's key. */
  private static URI link(McpSyncClient client) throws Exception {
    McpSchema.CallToolResult result =
        client.callTool(new McpSchema.CallToolRequest("personal__authorize", Map.of()));
    answers.add(JSON.writeValueAsString(result));
    assertThat(text(result)).contains("needs your authorization");
    return URI.create(String.valueOf(result.meta().get("dev.switchboard/authorization_url")));
  }

  /**
   * Signs the client's key in as {@code user}: the gateway's link, the authorization server's
   * redirect, the gateway's callback, as a browser follows them.
   */
  private static void authorize(McpSyncClient client, String user) throws Exception {
    authorizationServer.signInAs = user;
    HttpResponse<String> toAuthorizationServer = get(link(client));
    assertThat(toAuthorizationServer.statusCode()).isEqualTo(302);
    URI authorizationRequest =
        URI.create(toAuthorizationServer.headers().firstValue("Location").orElseThrow());
    assertThat(authorizationRequest.toString())
        .startsWith(authorizationServer.issuer() + "/authorize?");
    HttpResponse<String> backToGateway = get(authorizationRequest);
    assertThat(backToGateway.statusCode()).isEqualTo(302);
    URI callback = URI.create(backToGateway.headers().firstValue("Location").orElseThrow());
    assertThat(callback.getPath()).isEqualTo("/v1/mcp/oauth/callback");
    HttpResponse<String> done = get(callback);
    answers.add(done.body());
    assertThat(done.statusCode()).as(done.body()).isEqualTo(200);
    assertThat(done.body()).contains("personal");
    McpSchema.CallToolResult authorized =
        client.callTool(new McpSchema.CallToolRequest("personal__authorize", Map.of()));
    assertThat(text(authorized)).contains("may call the MCP server 'personal'");
  }

  private static HttpResponse<String> get(URI uri) throws Exception {
    return BROWSER.send(
        HttpRequest.newBuilder(uri).GET().build(), HttpResponse.BodyHandlers.ofString());
  }

  private static int clientCredentialsGrants() {
    return (int)
        authorizationServer.grantsAsked.stream().filter("client_credentials"::equals).count();
  }

  private static int refreshGrants() {
    return (int) authorizationServer.grantsAsked.stream().filter("refresh_token"::equals).count();
  }
}
