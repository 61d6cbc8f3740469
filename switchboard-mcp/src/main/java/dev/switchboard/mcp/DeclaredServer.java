package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.outbound.OutboundGuard;
import java.net.InetAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * An upstream server declared through the admin API rather than the settings file: a Streamable
 * HTTP server only (its fields those of a server in the settings file, {@code url}, {@code
 * headers}, {@code virtual-key}, {@code guardrails}, {@code rate-limit}, {@code tools}; {@code _}
 * for {@code -} alike), and never a command: a stdio server runs a process on the gateway's
 * machine, so it is as trusted as the gateway and only the settings file may name one. Its URL
 * obeys the outbound rules of a provider's custom host ({@link OutboundGuard}): checked when it is
 * declared, and its host's addresses each time it is connected to.
 */
record DeclaredServer(UpstreamServer.Http server, ToolPolicies.Server policy) {
  private static final Set<String> STDIO = Set.of("command", "args", "env");

  /**
   * Reads a declaration.
   *
   * @throws IllegalArgumentException naming what is wrong: a stdio server, a name that is not a
   *     server name, a missing or malformed url, an unknown field, a bad guardrail or rate limit
   */
  static DeclaredServer parse(String name, JsonNode declaration) {
    if (declaration == null || !declaration.isObject()) {
      throw new IllegalArgumentException("An MCP server is declared as a JSON object.");
    }
    for (String field : STDIO) {
      if (declaration.has(field)) {
        throw new IllegalArgumentException(
            "stdio servers ('"
                + field
                + "') are declared only in the settings file: a command the gateway runs is as"
                + " trusted as the gateway. The admin API declares Streamable HTTP servers"
                + " ('url').");
      }
    }
    if (name == null || !UpstreamServer.NAME.matcher(name).matches()) {
      throw new IllegalArgumentException(
          "'name' must be lower-case letters, digits and single hyphens (it prefixes its tools'"
              + " names as <name>__<tool>).");
    }
    ObjectNode settings = settingsSpelling(declaration);
    if (!settings.hasNonNull("url")) {
      throw new IllegalArgumentException(
          "An MCP server needs a 'url' (its Streamable HTTP endpoint).");
    }
    String where = "mcp.servers." + name;
    try {
      UpstreamServer.Http server = (UpstreamServer.Http) McpSettings.server(name, settings);
      return new DeclaredServer(server, ToolPolicies.server(settings, where));
    } catch (IllegalArgumentException invalid) {
      // The settings file's messages, naming the field as the admin API's body holds it.
      throw new IllegalArgumentException(
          invalid
              .getMessage()
              .replace("unknown setting: " + where + ".", "unknown field: ")
              .replace(where + ".", ""),
          invalid);
    }
  }

  /**
   * Whether the gateway may connect to {@code url} now: the custom host's rules on the URL, and
   * every address its host resolves to one the gateway may reach (not internal unless the host is
   * trusted, never one of its own listeners).
   *
   * @throws dev.switchboard.engine.errors.InvalidRequestException when the URL is refused
   * @throws IllegalStateException when its host cannot be resolved or resolves to a refused address
   */
  static void checkReachable(OutboundGuard guard, URI url) {
    guard.checkUrl(url.toString(), "url");
    String host = url.getHost();
    int port =
        url.getPort() >= 0
            ? url.getPort()
            : "https".equals(url.getScheme().toLowerCase(Locale.ROOT)) ? 443 : 80;
    InetAddress[] addresses;
    try {
      addresses = InetAddress.getAllByName(host);
    } catch (UnknownHostException unknown) {
      throw new IllegalStateException("its host " + host + " could not be resolved");
    }
    for (InetAddress address : addresses) {
      if (!guard.allowsConnection(host, address, port)) {
        throw new IllegalStateException(
            "its host "
                + host
                + " resolves to a private, loopback, link-local or reserved address, or to one of"
                + " the gateway's own listeners");
      }
    }
  }

  /**
   * The declaration with the settings file's spelling of its fields ({@code virtual-key}, {@code
   * rate-limit}, {@code per-key}): the admin API takes {@code _} for {@code -} as the rest of its
   * JSON is spelled. Header names and tool names are kept as they are.
   */
  private static ObjectNode settingsSpelling(JsonNode declaration) {
    ObjectNode settings = kebab(declaration);
    settings.remove("name");
    JsonNode limit = settings.get("rate-limit");
    if (limit != null && limit.isObject()) {
      settings.set("rate-limit", kebab(limit));
    }
    JsonNode tools = settings.get("tools");
    if (tools != null && tools.isObject()) {
      ObjectNode spelled = JsonNodeFactory.instance.objectNode();
      for (Map.Entry<String, JsonNode> tool : tools.properties()) {
        JsonNode value = tool.getValue();
        if (value.isObject()) {
          ObjectNode toolSettings = kebab(value);
          JsonNode toolLimit = toolSettings.get("rate-limit");
          if (toolLimit != null && toolLimit.isObject()) {
            toolSettings.set("rate-limit", kebab(toolLimit));
          }
          value = toolSettings;
        }
        spelled.set(tool.getKey(), value);
      }
      settings.set("tools", spelled);
    }
    return settings;
  }

  /** A copy of {@code node} whose own field names spell {@code _} as {@code -}. */
  private static ObjectNode kebab(JsonNode node) {
    ObjectNode copy = JsonNodeFactory.instance.objectNode();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      copy.set(field.getKey().replace('_', '-'), field.getValue().deepCopy());
    }
    return copy;
  }
}
