package dev.switchboard.server.mcp;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.server.NodeSdkInteropTest;
import dev.switchboard.server.NodeSdkInteropTest.Run;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.server.cli.SettingsLoader;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The TypeScript SDK ({@code @modelcontextprotocol/sdk}, pinned by {@code
 * interop/node/package-lock.json}) as a client of the gateway, and as one of its upstreams: {@code
 * interop/node/mcp/gateway-client.test.js} runs against a gateway that fronts {@code ts} (the TS
 * SDK's server of {@code interop/node/mcp/upstream-server.js}, over stdio), {@code calc} (the Java
 * SDK's stdio server) and {@code web} (the Java SDK's Streamable HTTP server). It checks
 * initialize, the namespaced union, calls, resources and prompts, progress, cancellation,
 * tools/list_changed, sampling and elicitation relayed to the client, and a crashing upstream.
 */
class McpTypeScriptSdkTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final String TOKEN = "web-" + UUID.randomUUID();
  private static final int TESTS_IN_THE_SUITE = 12;

  private static HttpUpstream web;
  private static SwitchboardServer gateway;

  @BeforeAll
  static void start() throws Exception {
    boolean hasNode = NodeSdkInteropTest.commandWorks("node", "--version");
    assumeTrue(hasNode || System.getenv("CI") != null, "node is not installed (CI would fail)");
    // install, not ci: a no-op in seconds where the lock's packages are in place already.
    Run install =
        NodeSdkInteropTest.run(
            NodeSdkInteropTest.NPM_TIME,
            Map.of(),
            "npm",
            "install",
            "--prefer-offline",
            "--no-audit",
            "--no-fund",
            "--no-save");
    assertThat(install.exitCode()).as("npm ci failed:%n%s", install.output()).isZero();
    web = new HttpUpstream(TOKEN);
    ObjectNode settings = JSON.createObjectNode();
    settings.put("server.port", 0);
    settings.put("access.enabled", false);
    settings.put("logs.enabled", false);
    settings.put("responses.enabled", false);
    ObjectNode servers = settings.putObject("mcp").put("call-timeout", "20s").putObject("servers");
    servers
        .putObject("ts")
        .put("command", "node")
        .putArray("args")
        .add(NodeSdkInteropTest.SUITE.resolve("mcp/upstream-server.js").toString());
    List<String> calc = StdioUpstream.commandLine();
    ObjectNode calcServer = servers.putObject("calc").put("command", calc.get(0));
    calc.subList(1, calc.size()).forEach(calcServer.putArray("args")::add);
    servers
        .putObject("web")
        .put("url", web.url().toString())
        .putObject("headers")
        .put("Authorization", "Bearer " + TOKEN);
    gateway =
        SwitchboardServer.start(
            SettingsLoader.loadYaml(JSON.writeValueAsString(settings), Map.of(), Map.of()));
    McpHarness.awaitTrue(
        () -> gateway.mcp().states().values().stream().allMatch(state -> state.connected()),
        "every upstream server connected");
  }

  @AfterAll
  static void stop() throws Exception {
    if (gateway != null) {
      gateway.close();
    }
    if (web != null) {
      web.close();
    }
  }

  @Test
  void theTypeScriptSdkListsCallsAndIsRelayedNotificationsAndRequestsThroughTheGateway()
      throws Exception {
    Run suite =
        NodeSdkInteropTest.run(
            NodeSdkInteropTest.SUITE_TIME,
            Map.of("SWITCHBOARD_URL", gateway.baseUri().toString()),
            "node",
            "--test",
            "--test-reporter=tap",
            NodeSdkInteropTest.SUITE.resolve("mcp/gateway-client.test.js").toString());

    assertThat(suite.exitCode()).as("the MCP suite failed:%n%s", suite.output()).isZero();
    assertThat(NodeSdkInteropTest.count(suite.output(), "fail")).as(suite.output()).isZero();
    assertThat(NodeSdkInteropTest.count(suite.output(), "pass"))
        .as(suite.output())
        .isEqualTo(TESTS_IN_THE_SUITE);
  }
}
