package dev.switchboard.mcp;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.guardrails.HookParser;
import dev.switchboard.engine.pipeline.Hook;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;

/**
 * What governs tool calls, prompts and resources beside the key's scope, from the settings file:
 * the guardrails on a call's arguments and result, and the rate limits on its calls, set for every
 * server ({@code mcp.guardrails}), for a server ({@code mcp.servers.<name>.guardrails}, {@code
 * rate-limit}: its tools, prompts and resources) and for one of its tools ({@code
 * mcp.servers.<name>.tools.<tool>.…}), one of its prompts ({@code prompts.<prompt>.…}) or its
 * resources ({@code resources.…}).
 *
 * <p>Guardrails are inherited as a config's are (Portkey's rule): a level that sets a side's hooks
 * (input, output) replaces its parent's for that side; one that sets none inherits them. Rate
 * limits add up: a call is held to its tool's (prompt's, resources') limit and to its server's.
 */
public final class ToolPolicies {
  /** No guardrail, no limit. */
  public static final ToolPolicies NONE = new ToolPolicies(Level.NONE, Map.of());

  private final Level everyServer;
  private final Map<String, Server> servers;

  /**
   * One level's settings.
   *
   * @param input its input hooks, or {@code null} to inherit
   * @param output its output hooks, or {@code null} to inherit
   * @param limit its rate limit, or {@code null}
   */
  record Level(List<Hook> input, List<Hook> output, RateLimit limit) {
    static final Level NONE = new Level(null, null, null);
  }

  /** A server's own level, its tools', its prompts' and its resources'. */
  record Server(Level own, Map<String, Level> tools, Map<String, Level> prompts, Level resources) {
    static final Server NONE = new Server(Level.NONE, Map.of(), Map.of(), Level.NONE);

    /** Every level it sets: its own, its resources', each tool's and each prompt's. */
    Stream<Level> levels() {
      return Stream.concat(
          Stream.of(own, resources),
          Stream.concat(tools.values().stream(), prompts.values().stream()));
    }

    /** Whether it sets nothing. */
    boolean none() {
      return levels().allMatch(Level.NONE::equals);
    }
  }

  /**
   * A requests-per-minute limit on the calls of a server's tools or of one tool.
   *
   * @param perKey the most calls each gateway key may make in a minute, or {@code null}
   * @param total the most calls every caller together may make in a minute, or {@code null}
   */
  public record RateLimit(Long perKey, Long total) {}

  /**
   * What governs one tool's calls.
   *
   * @param input the hooks run on the arguments
   * @param output the hooks run on the result
   * @param limits the limits a call is held to: subject names (e.g. {@code docs__search}, {@code
   *     docs for key k1}) and their calls per minute, the tool's before its server's
   */
  public record Policy(List<Hook> input, List<Hook> output, List<ToolCallLimiter.Limit> limits) {}

  private ToolPolicies(Level everyServer, Map<String, Server> servers) {
    this.everyServer = everyServer;
    this.servers = Map.copyOf(servers);
  }

  /**
   * These policies with {@code more} servers' (servers declared through the admin API, whose names
   * are none of the settings file's).
   */
  ToolPolicies withServers(Map<String, Server> more) {
    Map<String, Server> all = new LinkedHashMap<>(servers);
    more.forEach((name, server) -> {
      if (!server.none()) {
        all.put(name, server);
      }
    });
    return new ToolPolicies(everyServer, all);
  }

  @Override
  public boolean equals(Object other) {
    return other instanceof ToolPolicies policies
        && everyServer.equals(policies.everyServer)
        && servers.equals(policies.servers);
  }

  @Override
  public int hashCode() {
    return java.util.Objects.hash(everyServer, servers);
  }

  /** Whether any level sets a rate limit. */
  public boolean limitsCalls() {
    return everyServer.limit() != null
        || servers.values().stream()
            .flatMap(Server::levels)
            .anyMatch(level -> level.limit() != null);
  }

  /** Whether any level sets hooks. */
  public boolean guardsCalls() {
    return hooked(everyServer)
        || servers.values().stream().flatMap(Server::levels).anyMatch(this::hooked);
  }

  private boolean hooked(Level level) {
    return (level.input() != null && !level.input().isEmpty())
        || (level.output() != null && !level.output().isEmpty());
  }

  /** What governs {@code tool} of {@code server}, for a caller with {@code keyId} (or none). */
  Policy of(String server, String tool, String keyId) {
    Server declared = servers.getOrDefault(server, Server.NONE);
    return policy(
        declared,
        declared.tools().getOrDefault(tool, Level.NONE),
        ToolNames.namespaced(server, tool),
        server,
        keyId);
  }

  /** What governs a {@code prompts/get} of {@code prompt} of {@code server}. */
  Policy ofPrompt(String server, String prompt, String keyId) {
    Server declared = servers.getOrDefault(server, Server.NONE);
    return policy(
        declared,
        declared.prompts().getOrDefault(prompt, Level.NONE),
        server + "/prompts/" + prompt,
        server,
        keyId);
  }

  /** What governs a {@code resources/read} of any resource of {@code server}. */
  Policy ofResources(String server, String keyId) {
    Server declared = servers.getOrDefault(server, Server.NONE);
    return policy(declared, declared.resources(), server + "/resources", server, keyId);
  }

  private Policy policy(Server declared, Level own, String subject, String server, String keyId) {
    List<Hook> input = firstSet(own.input(), declared.own().input(), everyServer.input());
    List<Hook> output = firstSet(own.output(), declared.own().output(), everyServer.output());
    List<ToolCallLimiter.Limit> limits = new ArrayList<>();
    limits(own.limit(), subject, keyId, limits);
    limits(declared.own().limit(), server, keyId, limits);
    return new Policy(input, output, limits);
  }

  private static void limits(
      RateLimit limit, String subject, String keyId, List<ToolCallLimiter.Limit> limits) {
    if (limit == null) {
      return;
    }
    if (limit.perKey() != null && keyId != null) {
      limits.add(new ToolCallLimiter.Limit(subject + " for key " + keyId, limit.perKey()));
    }
    if (limit.total() != null) {
      limits.add(new ToolCallLimiter.Limit(subject, limit.total()));
    }
  }

  @SafeVarargs
  private static List<Hook> firstSet(List<Hook>... levels) {
    for (List<Hook> level : levels) {
      if (level != null) {
        return level;
      }
    }
    return List.of();
  }

  /**
   * Reads the policies of the {@code mcp} section: its {@code guardrails}, and each server's {@code
   * guardrails}, {@code rate-limit} and {@code tools}.
   *
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  static ToolPolicies parse(JsonNode section) {
    Level everyServer = Level.NONE;
    if (section.has("guardrails")) {
      Level hooks = hooks(section.get("guardrails"), "mcp.guardrails");
      everyServer = new Level(hooks.input(), hooks.output(), null);
    }
    Map<String, Server> servers = new LinkedHashMap<>();
    JsonNode declared = section.get("servers");
    if (declared != null && declared.isObject()) {
      for (Map.Entry<String, JsonNode> entry : declared.properties()) {
        Server server = server(entry.getValue(), "mcp.servers." + entry.getKey());
        if (!server.none()) {
          servers.put(entry.getKey(), server);
        }
      }
    }
    return new ToolPolicies(everyServer, servers);
  }

  /**
   * Reads one server's policy: its {@code guardrails}, {@code rate-limit}, {@code tools}, {@code
   * prompts} and {@code resources}.
   *
   * @param where the server's setting, for the errors
   * @throws IllegalArgumentException naming the setting that is wrong
   */
  static Server server(JsonNode node, String where) {
    Map<String, Level> tools = named(node.get("tools"), where + ".tools", "tool");
    Map<String, Level> prompts = named(node.get("prompts"), where + ".prompts", "prompt");
    Level resources = Level.NONE;
    JsonNode resourceNode = node.get("resources");
    if (resourceNode != null && !resourceNode.isNull()) {
      if (!resourceNode.isObject()) {
        throw new IllegalArgumentException(where + ".resources must be a mapping");
      }
      known(resourceNode, where + ".resources");
      resources = level(resourceNode, where + ".resources");
    }
    return new Server(level(node, where), tools, prompts, resources);
  }

  /** The {@code tools} or {@code prompts} of a server: each name's own settings. */
  private static Map<String, Level> named(JsonNode nodes, String where, String what) {
    Map<String, Level> levels = new LinkedHashMap<>();
    if (nodes == null || nodes.isNull()) {
      return levels;
    }
    if (!nodes.isObject()) {
      throw new IllegalArgumentException(where + " must map " + what + " names to settings");
    }
    for (Map.Entry<String, JsonNode> named : nodes.properties()) {
      String at = where + "." + named.getKey();
      if (!named.getValue().isObject()) {
        throw new IllegalArgumentException(at + " must be a mapping");
      }
      known(named.getValue(), at);
      levels.put(named.getKey(), level(named.getValue(), at));
    }
    return levels;
  }

  private static void known(JsonNode node, String where) {
    node.fieldNames()
        .forEachRemaining(field -> {
          if (!field.equals("guardrails") && !field.equals("rate-limit")) {
            throw new IllegalArgumentException("unknown setting: " + where + "." + field);
          }
        });
  }

  private static Level level(JsonNode node, String where) {
    Level hooks =
        node.has("guardrails") ? hooks(node.get("guardrails"), where + ".guardrails") : Level.NONE;
    RateLimit limit =
        node.has("rate-limit") ? rateLimit(node.get("rate-limit"), where + ".rate-limit") : null;
    return new Level(hooks.input(), hooks.output(), limit);
  }

  private static Level hooks(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(
          where + " must be a mapping of input_guardrails, output_guardrails, … (as in a config)");
    }
    Map<String, JsonNode> fields = new LinkedHashMap<>();
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String name = field.getKey().replace('-', '_');
      if (!HookParser.FIELDS.contains(name)) {
        throw new IllegalArgumentException(
            "unknown setting: "
                + where
                + "."
                + field.getKey()
                + " (one of input_guardrails, output_guardrails, input_mutators,"
                + " output_mutators, before_request_hooks, after_request_hooks)");
      }
      fields.put(name, field.getValue());
    }
    try {
      HookParser.NodeHooks hooks = HookParser.node(fields, where);
      return new Level(hooks.before(), hooks.after(), null);
    } catch (InvalidRequestException wrong) {
      throw new IllegalArgumentException(wrong.getMessage().replace("Invalid config passed: ", ""));
    }
  }

  private static RateLimit rateLimit(JsonNode node, String where) {
    if (node == null || !node.isObject()) {
      throw new IllegalArgumentException(where + " must be a mapping of per-key and total");
    }
    Long perKey = null;
    Long total = null;
    for (Map.Entry<String, JsonNode> field : node.properties()) {
      String at = where + "." + field.getKey();
      JsonNode value = field.getValue();
      String text = value.asText().strip();
      if (!(value.isIntegralNumber() || value.isTextual()) || !text.matches("\\d{1,18}")) {
        throw new IllegalArgumentException(at + " must be a whole number of calls a minute (>= 0)");
      }
      switch (field.getKey()) {
        case "per-key" -> perKey = Long.parseLong(text);
        case "total" -> total = Long.parseLong(text);
        default -> throw new IllegalArgumentException("unknown setting: " + at);
      }
    }
    return new RateLimit(perKey, total);
  }
}
