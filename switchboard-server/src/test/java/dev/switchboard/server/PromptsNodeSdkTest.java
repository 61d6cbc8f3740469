package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.server.NodeSdkInteropTest.Run;
import dev.switchboard.state.prompts.PromptSettings;
import java.time.Duration;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Portkey's Node SDK ({@code portkey-ai}, pinned by {@code interop/node/package-lock.json}) calls
 * prompts saved in the gateway: {@code interop/node/prompts/portkey-prompts.test.js} saves one
 * through the admin API, then renders it and calls it, whole and streamed, against the mock
 * provider.
 */
class PromptsNodeSdkTest {
  static final String ADMIN = "admin-token-node-prompts";

  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() throws Exception {
    boolean hasNode = NodeSdkInteropTest.commandWorks("node", "--version");
    assumeTrue(hasNode || System.getenv("CI") != null, "node is not installed (CI would fail)");
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder().build())
            .withAdminToken(ADMIN)
            .withPrompts(PromptSettings.storedAt("jdbc:h2:mem:node-prompts-" + UUID.randomUUID()));
    gateway = GatewayUnderTest.withSettings(settings, engine -> {});
    Run install =
        NodeSdkInteropTest.run(
            NodeSdkInteropTest.NPM_TIME,
            Map.of(),
            "npm",
            "ci",
            "--prefer-offline",
            "--no-audit",
            "--no-fund");
    assertThat(install.exitCode()).as("npm ci failed:%n%s", install.output()).isZero();
  }

  @AfterAll
  static void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  @Test
  void portkeysNodeSdkRendersAndCallsSavedPrompts() throws Exception {
    Run suite =
        NodeSdkInteropTest.run(
            NodeSdkInteropTest.SUITE_TIME,
            Map.of(
                "SWITCHBOARD_BASE_URL",
                gateway.uri("/v1").toString(),
                "SWITCHBOARD_ADMIN_TOKEN",
                ADMIN),
            "node",
            "--test",
            "--test-reporter=tap",
            NodeSdkInteropTest.SUITE.resolve("prompts/portkey-prompts.test.js").toString());

    assertThat(suite.exitCode()).as("the prompts suite failed:%n%s", suite.output()).isZero();
    assertThat(NodeSdkInteropTest.count(suite.output(), "fail")).as(suite.output()).isZero();
    assertThat(NodeSdkInteropTest.count(suite.output(), "pass")).as(suite.output()).isEqualTo(5);
  }
}
