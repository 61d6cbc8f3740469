package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.text;
import static dev.switchboard.server.mcp.McpHarness.toolNames;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpError;
import io.modelcontextprotocol.spec.McpSchema;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The authorization matrix: for every key scope, every server, every tool, both the aggregated
 * endpoint ({@code /mcp}) and the server's own ({@code /mcp/<server>}), a {@code tools/list} and a
 * {@code tools/call} through HTTP with the MCP Java SDK's client. A tool is listed exactly when the
 * scope names it or its server; a call succeeds exactly then, and is otherwise the error of a tool
 * that does not exist. Upstreams: two real Streamable HTTP MCP servers ({@link HttpUpstream}).
 */
class McpAuthorizationMatrixTest {
  private static final List<String> SERVERS = List.of("alpha", "beta");
  private static final List<String> TOOLS = List.of("echo", "whoami", "hang");

  /** The scopes checked: {@code null} is every tool; a server's name all of its tools. */
  private static final List<Set<String>> SCOPES =
      Arrays.asList(
          null,
          Set.of(),
          Set.of("alpha"),
          Set.of("alpha__echo", "beta__hang"),
          Set.of("beta__whoami", "beta__nosuch"),
          Set.of("gamma", "alpha_echo", "echo"));

  @TempDir static Path data;
  private static final List<HttpUpstream> upstreams = new ArrayList<>();
  private static McpHarness harness;

  @BeforeAll
  static void start() throws Exception {
    String token = "token-" + UUID.randomUUID();
    ObjectNode mcp = JSON.createObjectNode();
    ObjectNode servers = mcp.putObject("servers");
    for (String server : SERVERS) {
      HttpUpstream upstream = new HttpUpstream(token);
      upstream.release.countDown(); // hang answers at once
      upstreams.add(upstream);
      servers
          .putObject(server)
          .put("url", upstream.url().toString())
          .put("virtual-key", "web-token");
    }
    harness = new McpHarness(data, mcp, token);
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    for (HttpUpstream upstream : upstreams) {
      upstream.close();
    }
  }

  @Test
  void noCallOutsideAKeysScopeSucceedsAndNoToolOutsideItIsListed() {
    int cells = 0;
    List<String> wrong = new ArrayList<>();
    for (Set<String> scope : SCOPES) {
      String key = harness.key(scope);
      try (McpSyncClient aggregate = harness.client("/mcp", key)) {
        Set<String> expected = new LinkedHashSet<>();
        for (String server : SERVERS) {
          for (String tool : TOOLS) {
            if (allows(scope, server, tool)) {
              expected.add(server + "__" + tool);
            }
          }
        }
        cells++;
        if (!Set.copyOf(toolNames(aggregate)).equals(expected)) {
          wrong.add(scope + " lists at /mcp " + toolNames(aggregate) + ", not " + expected);
        }
        for (String server : SERVERS) {
          try (McpSyncClient own = harness.client("/mcp/" + server, key)) {
            Set<String> ownExpected = new LinkedHashSet<>();
            TOOLS.stream().filter(tool -> allows(scope, server, tool)).forEach(ownExpected::add);
            cells++;
            if (!Set.copyOf(toolNames(own)).equals(ownExpected)) {
              wrong.add(
                  scope
                      + " lists at /mcp/"
                      + server
                      + " "
                      + toolNames(own)
                      + ", not "
                      + ownExpected);
            }
            for (String tool : TOOLS) {
              boolean allowed = allows(scope, server, tool);
              cells += 2;
              check(aggregate, server + "__" + tool, allowed, scope + " /mcp", wrong);
              check(own, tool, allowed, scope + " /mcp/" + server, wrong);
            }
          }
        }
      }
    }
    assertThat(cells).isEqualTo(SCOPES.size() * (1 + SERVERS.size() * (1 + 2 * TOOLS.size())));
    assertThat(wrong).isEmpty();
  }

  /** The rule as docs/mcp.md states it: a scope names a server (all its tools) or a tool. */
  private static boolean allows(Set<String> scope, String server, String tool) {
    return scope == null || scope.contains(server) || scope.contains(server + "__" + tool);
  }

  /** Calls {@code tool}: it must answer when {@code allowed}, else fail as an unknown tool. */
  private static void check(
      McpSyncClient client, String tool, boolean allowed, String where, List<String> wrong) {
    Map<String, Object> arguments = tool.endsWith("echo") ? Map.of("text", "m") : Map.of();
    try {
      McpSchema.CallToolResult result =
          client.callTool(new McpSchema.CallToolRequest(tool, arguments));
      boolean answered = !Boolean.TRUE.equals(result.isError()) && !text(result).isEmpty();
      if (!allowed) {
        wrong.add(where + " called " + tool + " outside its scope: " + result);
      } else if (!answered) {
        wrong.add(where + " could not call " + tool + ": " + result);
      }
    } catch (McpError refused) {
      if (allowed) {
        wrong.add(where + " could not call " + tool + ": " + refused.getMessage());
      } else if (!String.valueOf(refused.getMessage()).contains("Unknown tool: " + tool)) {
        wrong.add(where + " refused " + tool + " other than as an unknown tool: " + refused);
      }
    }
  }
}
