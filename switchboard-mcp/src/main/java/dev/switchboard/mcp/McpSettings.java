package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.mcp.oauth.OAuthSettings;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The MCP gateway's settings: the {@code mcp} section of the settings file.
 *
 * <pre>{@code
 * mcp:
 *   session-timeout: 30m
 *   session-store: redis://redis:6379
 *   pins-file: switchboard-data/mcp-pins.json
 *   servers:
 *     docs:
 *       url: https://mcp.example.com/mcp
 *       headers: {X-Tenant: acme}
 *       virtual-key: default/docs-token
 *     files:
 *       command: npx
 *       args: [-y, "@modelcontextprotocol/server-filesystem", /srv/shared]
 *       env: {LOG_LEVEL: info}
 * }</pre>
 *
 * @param servers the upstream servers, in the order declared
 * @param sessionTimeout how long a client's MCP session may stay idle before it is dropped
 * @param pinsFile where the approved tool pins are kept across restarts, or {@code null}: in memory
 * @param callTimeout the longest an upstream request may take
 * @param policies the guardrails and rate limits on tool calls, prompts and resources ({@code
 *     guardrails}, and each server's {@code guardrails}, {@code rate-limit}, {@code tools}, {@code
 *     prompts} and {@code resources})
 * @param sessionStore the Redis server where gateways that share clients keep their clients' MCP
 *     sessions, so that a session opened on one is good on every other, or {@code null}: each
 *     gateway knows the sessions opened on it only
 */
public record McpSettings(
    List<UpstreamServer> servers,
    Duration sessionTimeout,
    Path pinsFile,
    Duration callTimeout,
    ToolPolicies policies,
    URI sessionStore) {
  public static final Duration DEFAULT_SESSION_TIMEOUT = Duration.ofMinutes(30);
  public static final Duration DEFAULT_CALL_TIMEOUT = Duration.ofMinutes(5);

  /** No upstream servers: {@code /mcp} answers with no tools. */
  public static final McpSettings NONE =
      new McpSettings(List.of(), DEFAULT_SESSION_TIMEOUT, null, DEFAULT_CALL_TIMEOUT);

  public McpSettings {
    servers = List.copyOf(servers);
    policies = policies == null ? ToolPolicies.NONE : policies;
  }

  /** Settings without guardrails or rate limits on tool calls. */
  public McpSettings(
      List<UpstreamServer> servers, Duration sessionTimeout, Path pinsFile, Duration callTimeout) {
    this(servers, sessionTimeout, pinsFile, callTimeout, ToolPolicies.NONE, null);
  }

  /**
   * Reads the {@code mcp} section (already parsed from YAML); {@code null} is {@link #NONE}.
   *
   * @param durations reads a duration setting the way the rest of the settings file does
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  public static McpSettings parse(
      JsonNode section, java.util.function.BiFunction<String, String, Duration> durations) {
    if (section == null || section.isNull()) {
      return NONE;
    }
    if (!section.isObject()) {
      throw new IllegalArgumentException("mcp must be a mapping");
    }
    known(
        section,
        "mcp",
        Set.of(
            "servers",
            "session-timeout",
            "session-store",
            "pins-file",
            "call-timeout",
            "guardrails"));
    Duration sessionTimeout =
        section.has("session-timeout")
            ? durations.apply("mcp.session-timeout", section.get("session-timeout").asText())
            : DEFAULT_SESSION_TIMEOUT;
    Duration callTimeout =
        section.has("call-timeout")
            ? durations.apply("mcp.call-timeout", section.get("call-timeout").asText())
            : DEFAULT_CALL_TIMEOUT;
    Path pins =
        section.hasNonNull("pins-file") && !section.get("pins-file").asText().equals("none")
            ? Path.of(section.get("pins-file").asText())
            : null;
    List<UpstreamServer> servers = new ArrayList<>();
    JsonNode declared = section.get("servers");
    if (declared != null && !declared.isNull()) {
      if (!declared.isObject()) {
        throw new IllegalArgumentException("mcp.servers must map server names to servers");
      }
      for (Map.Entry<String, JsonNode> entry : declared.properties()) {
        servers.add(server(entry.getKey(), entry.getValue()));
      }
    }
    return new McpSettings(
        servers,
        sessionTimeout,
        pins,
        callTimeout,
        ToolPolicies.parse(section),
        sessionStore(section.get("session-store")));
  }

  /** {@code mcp.session-store}: a {@code redis://} or {@code rediss://} URL, or none. */
  private static URI sessionStore(JsonNode node) {
    if (node == null || node.isNull() || node.asText().strip().equalsIgnoreCase("none")) {
      return null;
    }
    URI url;
    try {
      url = URI.create(node.asText().strip());
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("mcp.session-store is not a URL");
    }
    if (url.getHost() == null
        || !("redis".equals(url.getScheme()) || "rediss".equals(url.getScheme()))) {
      throw new IllegalArgumentException(
          "mcp.session-store must be a redis:// or rediss:// URL, or none");
    }
    return url;
  }

  static UpstreamServer server(String name, JsonNode node) {
    String where = "mcp.servers." + name;
    if (!UpstreamServer.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          where
              + ": a server name is lower-case letters, digits and single hyphens (it prefixes its"
              + " tools' names as <server>__<tool>)");
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping");
    }
    boolean http = node.has("url");
    boolean stdio = node.has("command");
    if (http == stdio) {
      throw new IllegalArgumentException(
          where + " needs either url (Streamable HTTP) or command (stdio), not both or neither");
    }
    if (http) {
      known(
          node,
          where,
          Set.of(
              "url",
              "headers",
              "virtual-key",
              "guardrails",
              "rate-limit",
              "tools",
              "prompts",
              "resources",
              "oauth"));
      URI url;
      try {
        url = URI.create(node.get("url").asText().strip());
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(where + ".url is not a URL");
      }
      if (url.getHost() == null
          || !("http".equals(url.getScheme()) || "https".equals(url.getScheme()))) {
        throw new IllegalArgumentException(where + ".url must be an absolute http(s) URL");
      }
      String virtualKey =
          node.hasNonNull("virtual-key") ? node.get("virtual-key").asText().strip() : null;
      OAuthSettings oauth =
          node.hasNonNull("oauth")
              ? OAuthSettings.parse(node.get("oauth"), where + ".oauth")
              : null;
      if (oauth != null && virtualKey != null) {
        throw new IllegalArgumentException(
            where + " sets virtual-key and oauth: the Authorization header is one or the other");
      }
      return new UpstreamServer.Http(
          name, url, strings(node.get("headers"), where + ".headers"), virtualKey, oauth);
    }
    known(
        node,
        where,
        Set.of(
            "command", "args", "env", "guardrails", "rate-limit", "tools", "prompts", "resources"));
    List<String> args = new ArrayList<>();
    JsonNode list = node.get("args");
    if (list != null && !list.isNull()) {
      if (!list.isArray()) {
        throw new IllegalArgumentException(where + ".args must be a list");
      }
      list.forEach(arg -> args.add(arg.asText()));
    }
    String command = node.get("command").asText().strip();
    if (command.isEmpty()) {
      throw new IllegalArgumentException(where + ".command must not be empty");
    }
    return new UpstreamServer.Stdio(name, command, args, strings(node.get("env"), where + ".env"));
  }

  private static Map<String, String> strings(JsonNode node, String where) {
    Map<String, String> values = new LinkedHashMap<>();
    if (node == null || node.isNull()) {
      return values;
    }
    if (!node.isObject()) {
      throw new IllegalArgumentException(where + " must map names to values");
    }
    node.properties().forEach(entry -> values.put(entry.getKey(), entry.getValue().asText()));
    return values;
  }

  private static void known(JsonNode node, String where, Set<String> fields) {
    Set<String> unknown = new LinkedHashSet<>();
    node.fieldNames().forEachRemaining(unknown::add);
    unknown.removeAll(fields);
    if (!unknown.isEmpty()) {
      throw new IllegalArgumentException(
          "unknown setting: " + where + "." + unknown.iterator().next());
    }
  }
}
