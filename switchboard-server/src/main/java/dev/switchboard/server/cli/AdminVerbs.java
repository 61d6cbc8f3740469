package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.AccessJson;
import dev.switchboard.access.Budget;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Period;
import java.math.BigDecimal;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * Every {@code admin <noun> <verb>}: its flags, and the admin API call it makes (method, path, JSON
 * body, as {@code docs/access.md} lists them). One table, so the help, the flag checks and the
 * calls cannot drift apart.
 */
final class AdminVerbs {
  private AdminVerbs() {}

  private static final JsonNodeFactory JSON = JsonNodeFactory.instance;

  /** A call of the admin API; {@code body} is {@code null} for none. */
  record Call(String method, String path, ObjectNode body) {}

  /** What a verb is given to build its call from. */
  record Input(AdminArguments arguments, ProviderSecrets secrets) {}

  /**
   * One verb of one noun.
   *
   * @param usage the words after the verb, as the help shows them
   * @param flags the flags it takes (besides {@code --url} and {@code --help})
   * @param positional how many positional words it takes at most (an id)
   */
  record Verb(
      String noun,
      String name,
      String usage,
      String summary,
      List<String> flags,
      int positional,
      Function<Input, Call> call) {}

  /** What each flag means, for the help. */
  static final Map<String, String> FLAG_HELP = new LinkedHashMap<>();

  static {
    FLAG_HELP.put(
        "--url URL",
        "the admin API (else SWITCHBOARD_ADMIN_URL, else " + AdminCommand.DEFAULT_URL + ")");
    FLAG_HELP.put("--id ID", "the workspace's or key's id (or give it as the first word)");
    FLAG_HELP.put("--name NAME", "a name people recognise it by");
    FLAG_HELP.put("--workspace ID", "the workspace (a gateway key may name only its own)");
    FLAG_HELP.put(
        "--permissions LIST",
        "comma-separated: completions, embeddings, models, passthrough, feedback, prompts,"
            + " keys.manage, virtual_keys.manage, usage.read");
    FLAG_HELP.put("--providers LIST", "providers the key may route to (omitted: any; '': none)");
    FLAG_HELP.put("--models LIST", "models the key may ask for, exactly as named (omitted: any)");
    FLAG_HELP.put(
        "--configs LIST", "saved config ids the key may use; 'inline' allows its own JSON");
    FLAG_HELP.put("--virtual-keys LIST", "slugs of its workspace's virtual keys it may use");
    FLAG_HELP.put("--expires-at INSTANT", "when the key stops working, e.g. 2027-01-31T00:00:00Z");
    FLAG_HELP.put("--rpm N", "requests per minute");
    FLAG_HELP.put("--tpm N", "tokens per minute");
    FLAG_HELP.put("--budget-usd AMOUNT", "a cost budget per period, in US dollars, e.g. 25.00");
    FLAG_HELP.put("--budget-tokens N", "a token budget per period");
    FLAG_HELP.put(
        "--period P", "day, week, month (the default) or never: when the budget starts afresh");
    FLAG_HELP.put(
        "--alert-at LIST", "fractions of the budget that alert once a period, e.g. 0.5,0.8");
    FLAG_HELP.put("--unlimited", "with limits: remove every limit");
    FLAG_HELP.put(
        "--hosts LIST",
        "host names (or *.suffix) a workspace's keys may send to as custom hosts; '': none");
    FLAG_HELP.put(
        "--clear",
        "with custom-hosts: remove the list (then none when keys are required, else any)");
    FLAG_HELP.put(
        "--slug SLUG", "the virtual key's name in its workspace (or give WORKSPACE/SLUG)");
    FLAG_HELP.put(
        "--provider NAME", "openai, anthropic, bedrock, azure-openai, google, vertex-ai, …");
    FLAG_HELP.put(
        "--api-key-file FILE",
        "read the provider's API key from FILE ('-': stdin); without it, from stdin");
    FLAG_HELP.put(
        "--credentials-file FILE",
        "read every credential as a JSON object from FILE ('-': stdin), e.g. {\"aws_access_key_id\":"
            + " …, \"aws_secret_access_key\": …, \"aws_region\": …}");
    FLAG_HELP.put("--subject S", "key:ID, workspace:ID or virtual_key:WORKSPACE/SLUG");
    FLAG_HELP.put(
        "--file FILE",
        "a prompt version as JSON ('-': stdin): messages, model, parameters, config, partials,"
            + " note (docs/prompts.md); for configs, a routing config as JSON (docs/routing.md)");
    FLAG_HELP.put("--version N", "a prompt's or saved config's version number");
    FLAG_HELP.put("--label NAME", "a prompt's label, e.g. production or staging");
  }

  static final List<String> LIMIT_FLAGS =
      List.of("rpm", "tpm", "budget-usd", "budget-tokens", "period", "alert-at");
  static final List<String> SCOPE_FLAGS =
      List.of("permissions", "providers", "models", "configs", "virtual-keys");

  static final List<Verb> ALL =
      List.of(
          new Verb(
              "workspaces",
              "create",
              "--id ID [--name NAME] [limits]",
              "create a workspace (admin token only)",
              concat(List.of("id", "name"), LIMIT_FLAGS),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("id", id(in.arguments(), "id"));
                putIfPresent(body, "name", in.arguments().optional("name"));
                ObjectNode limits = limits(in.arguments(), false);
                if (limits != null) {
                  body.set("limits", limits);
                }
                return new Call("POST", "/v1/admin/workspaces", body);
              }),
          new Verb(
              "workspaces",
              "list",
              "",
              "list the workspaces",
              List.of(),
              0,
              in -> new Call("GET", "/v1/admin/workspaces", null)),
          new Verb(
              "workspaces",
              "limits",
              "--id ID [limits | --unlimited]",
              "replace a workspace's limits",
              concat(List.of("id", "unlimited"), LIMIT_FLAGS),
              1,
              in ->
                  new Call(
                      "PATCH",
                      "/v1/admin/workspaces/" + segment(id(in.arguments(), "id")),
                      limitsBody(in.arguments()))),
          new Verb(
              "workspaces",
              "custom-hosts",
              "--id ID (--hosts LIST | --clear)",
              "set the hosts a workspace's keys may send to as custom hosts (admin token only)",
              List.of("id", "hosts", "clear"),
              1,
              in -> {
                List<String> hosts = in.arguments().list("hosts");
                if ((hosts == null) == !in.arguments().has("clear")) {
                  throw new AdminUsageException("give --hosts LIST or --clear (not both)");
                }
                ObjectNode body = JSON.objectNode();
                body.set("custom_hosts", array(hosts));
                return new Call(
                    "PATCH", "/v1/admin/workspaces/" + segment(id(in.arguments(), "id")), body);
              }),
          new Verb(
              "keys",
              "create",
              "--workspace ID --permissions LIST [--name NAME] [scopes] [limits] [--expires-at T]",
              "create a gateway key; its secret is shown in this answer only",
              concat(List.of("workspace", "name", "expires-at"), SCOPE_FLAGS, LIMIT_FLAGS),
              0,
              in -> {
                AdminArguments arguments = in.arguments();
                ObjectNode body = JSON.objectNode();
                putIfPresent(body, "workspace", arguments.optional("workspace"));
                putIfPresent(body, "name", arguments.optional("name"));
                body.set("scopes", scopes(arguments));
                ObjectNode limits = limits(arguments, false);
                if (limits != null) {
                  body.set("limits", limits);
                }
                putIfPresent(body, "expires_at", instant(arguments, "expires-at"));
                return new Call("POST", "/v1/admin/keys", body);
              }),
          new Verb(
              "keys",
              "list",
              "[--workspace ID]",
              "list keys (never their secrets)",
              List.of("workspace"),
              0,
              in ->
                  new Call(
                      "GET",
                      "/v1/admin/keys" + query("workspace", in.arguments().optional("workspace")),
                      null)),
          new Verb(
              "keys",
              "get",
              "ID",
              "show one key",
              List.of("id"),
              1,
              in -> new Call("GET", keyPath(in.arguments()), null)),
          new Verb(
              "keys",
              "rotate",
              "ID",
              "give a key a new secret (shown once); the old one stops working at once",
              List.of("id"),
              1,
              in -> new Call("POST", keyPath(in.arguments()) + "/rotate", null)),
          new Verb(
              "keys",
              "revoke",
              "ID",
              "revoke a key for good",
              List.of("id"),
              1,
              in -> new Call("DELETE", keyPath(in.arguments()), null)),
          new Verb(
              "keys",
              "limits",
              "ID [limits | --unlimited]",
              "replace a key's limits",
              concat(List.of("id", "unlimited"), LIMIT_FLAGS),
              1,
              in -> new Call("PATCH", keyPath(in.arguments()), limitsBody(in.arguments()))),
          new Verb(
              "virtual-keys",
              "create",
              "--workspace ID --slug SLUG --provider NAME [--api-key-file FILE | --credentials-file"
                  + " FILE] [limits]   (the API key on stdin)",
              "store a provider's credentials, encrypted, under a slug",
              concat(
                  List.of("workspace", "slug", "provider", "api-key-file", "credentials-file"),
                  LIMIT_FLAGS),
              1,
              in -> {
                AdminArguments arguments = in.arguments();
                VirtualKeyName name = VirtualKeyName.of(arguments);
                ObjectNode body = JSON.objectNode();
                body.put("workspace", name.workspace());
                body.put("slug", name.slug());
                body.put("provider", arguments.required("provider"));
                body.set("credentials", in.secrets().read(arguments, name));
                ObjectNode limits = limits(arguments, false);
                if (limits != null) {
                  body.set("limits", limits);
                }
                return new Call("POST", "/v1/admin/virtual-keys", body);
              }),
          new Verb(
              "virtual-keys",
              "list",
              "[--workspace ID]",
              "list virtual keys (credential names, never values)",
              List.of("workspace"),
              0,
              in ->
                  new Call(
                      "GET",
                      "/v1/admin/virtual-keys"
                          + query("workspace", in.arguments().optional("workspace")),
                      null)),
          new Verb(
              "virtual-keys",
              "get",
              "WORKSPACE/SLUG",
              "show one virtual key",
              List.of("workspace", "slug"),
              1,
              in -> new Call("GET", VirtualKeyName.of(in.arguments()).path(), null)),
          new Verb(
              "virtual-keys",
              "rotate",
              "WORKSPACE/SLUG [--api-key-file FILE | --credentials-file FILE]   (the new API key on"
                  + " stdin)",
              "replace the stored credentials (after rotating them at the provider)",
              List.of("workspace", "slug", "api-key-file", "credentials-file"),
              1,
              in -> {
                VirtualKeyName name = VirtualKeyName.of(in.arguments());
                ObjectNode body = JSON.objectNode();
                body.set("credentials", in.secrets().read(in.arguments(), name));
                return new Call("POST", name.path() + "/rotate", body);
              }),
          new Verb(
              "virtual-keys",
              "revoke",
              "WORKSPACE/SLUG",
              "revoke a virtual key for good",
              List.of("workspace", "slug"),
              1,
              in -> new Call("DELETE", VirtualKeyName.of(in.arguments()).path(), null)),
          new Verb(
              "virtual-keys",
              "limits",
              "WORKSPACE/SLUG [limits | --unlimited]",
              "replace a virtual key's limits",
              concat(List.of("workspace", "slug", "unlimited"), LIMIT_FLAGS),
              1,
              in ->
                  new Call(
                      "PATCH",
                      VirtualKeyName.of(in.arguments()).path(),
                      limitsBody(in.arguments()))),
          new Verb(
              "virtual-keys",
              "reencrypt",
              "",
              "re-encrypt every stored credential under the current master key (admin token only)",
              List.of(),
              0,
              in -> new Call("POST", "/v1/admin/virtual-keys/reencrypt", null)),
          new Verb(
              "usage",
              "show",
              "--subject key:ID | workspace:ID | virtual_key:WORKSPACE/SLUG",
              "a subject's limits, and what it used of them this minute and this budget period",
              List.of("subject"),
              1,
              in -> {
                AdminArguments arguments = in.arguments();
                String subject =
                    arguments.positional().isEmpty()
                        ? arguments.required("subject")
                        : arguments.positional().getFirst();
                if (!subject.matches("(key|workspace|virtual_key):.+")) {
                  throw new AdminUsageException(
                      "--subject must be key:ID, workspace:ID or virtual_key:WORKSPACE/SLUG, not '"
                          + subject
                          + "'");
                }
                return new Call("GET", "/v1/admin/usage" + query("subject", subject), null);
              }),
          new Verb(
              "prompts",
              "create",
              "ID --file FILE",
              "save a prompt template as its version 1 (admin token only)",
              List.of("id", "file"),
              1,
              in -> {
                ObjectNode body = promptVersion(in);
                ObjectNode withId = JSON.objectNode();
                withId.put("id", id(in.arguments(), "id"));
                withId.setAll(body);
                return new Call("POST", "/v1/admin/prompts", withId);
              }),
          new Verb(
              "prompts",
              "list",
              "",
              "list the saved prompts with their labels",
              List.of(),
              0,
              in -> new Call("GET", "/v1/admin/prompts", null)),
          new Verb(
              "prompts",
              "get",
              "ID",
              "show a prompt, its labels and every version",
              List.of("id"),
              1,
              in -> new Call("GET", promptPath(in.arguments()), null)),
          new Verb(
              "prompts",
              "add-version",
              "ID --file FILE",
              "save the prompt's next version; labels do not move",
              List.of("id", "file"),
              1,
              in -> new Call("POST", promptPath(in.arguments()) + "/versions", promptVersion(in))),
          new Verb(
              "prompts",
              "version",
              "ID --version N",
              "show one version of a prompt",
              List.of("id", "version"),
              1,
              in ->
                  new Call(
                      "GET",
                      promptPath(in.arguments()) + "/versions/" + number(in.arguments(), "version"),
                      null)),
          new Verb(
              "prompts",
              "label",
              "ID --label NAME --version N",
              "point a label (production, staging, …) at a version",
              List.of("id", "label", "version"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("version", number(in.arguments(), "version"));
                return new Call(
                    "PUT",
                    promptPath(in.arguments())
                        + "/labels/"
                        + segment(in.arguments().required("label")),
                    body);
              }),
          new Verb(
              "prompts",
              "rollback",
              "ID --version N [--label NAME]",
              "move a label (by default production) back to an earlier version",
              List.of("id", "version", "label"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("version", number(in.arguments(), "version"));
                putIfPresent(body, "label", in.arguments().optional("label"));
                return new Call("POST", promptPath(in.arguments()) + "/rollback", body);
              }),
          new Verb(
              "prompts",
              "history",
              "ID",
              "a prompt's audit trail: who changed what, when",
              List.of("id"),
              1,
              in -> new Call("GET", promptPath(in.arguments()) + "/history", null)),
          new Verb(
              "configs",
              "create",
              "ID --file FILE",
              "save a routing config under an id as its version 1 (admin token only)",
              List.of("id", "file"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("id", id(in.arguments(), "id"));
                body.set("config", jsonFile(in, "a routing config"));
                return new Call("POST", "/v1/admin/configs", body);
              }),
          new Verb(
              "configs",
              "list",
              "",
              "list the saved configs with their latest versions",
              List.of(),
              0,
              in -> new Call("GET", "/v1/admin/configs", null)),
          new Verb(
              "configs",
              "get",
              "ID",
              "show a saved config and its versions",
              List.of("id"),
              1,
              in -> new Call("GET", configPath(in.arguments()), null)),
          new Verb(
              "configs",
              "edit",
              "ID --file FILE",
              "save the config's next version; it routes every gateway sharing the store soon",
              List.of("id", "file"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.set("config", jsonFile(in, "a routing config"));
                return new Call("POST", configPath(in.arguments()) + "/versions", body);
              }),
          new Verb(
              "configs",
              "version",
              "ID --version N",
              "show one version of a saved config",
              List.of("id", "version"),
              1,
              in ->
                  new Call(
                      "GET",
                      configPath(in.arguments()) + "/versions/" + number(in.arguments(), "version"),
                      null)),
          new Verb(
              "configs",
              "rollback",
              "ID --version N",
              "save an earlier version again as the config's next version",
              List.of("id", "version"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("version", number(in.arguments(), "version"));
                return new Call("POST", configPath(in.arguments()) + "/rollback", body);
              }),
          new Verb(
              "configs",
              "delete",
              "ID",
              "delete a saved config (its versions and audit trail stay)",
              List.of("id"),
              1,
              in -> new Call("DELETE", configPath(in.arguments()), null)),
          new Verb(
              "configs",
              "history",
              "ID",
              "a saved config's audit trail: who changed what, when, each version's config",
              List.of("id"),
              1,
              in -> new Call("GET", configPath(in.arguments()) + "/history", null)),
          new Verb(
              "mcp-servers",
              "list",
              "",
              "list the upstream MCP servers: where declared, connected, header values hidden",
              List.of(),
              0,
              in -> new Call("GET", "/v1/admin/mcp/servers", null)),
          new Verb(
              "mcp-servers",
              "get",
              "NAME",
              "show one upstream MCP server",
              List.of("name"),
              1,
              in -> new Call("GET", mcpServerPath(in.arguments()), null)),
          new Verb(
              "mcp-servers",
              "declare",
              "NAME --file FILE",
              "declare a Streamable HTTP MCP server (url, headers, virtual-key, guardrails,"
                  + " rate-limit) for every gateway sharing the store (admin token only)",
              List.of("name", "file"),
              1,
              in -> {
                ObjectNode body = JSON.objectNode();
                body.put("name", id(in.arguments(), "name"));
                body.setAll(jsonFile(in, "an MCP server's declaration"));
                return new Call("POST", "/v1/admin/mcp/servers", body);
              }),
          new Verb(
              "mcp-servers",
              "change",
              "NAME --file FILE",
              "replace the declaration of a server declared through the admin API",
              List.of("name", "file"),
              1,
              in ->
                  new Call(
                      "PUT",
                      mcpServerPath(in.arguments()),
                      jsonFile(in, "an MCP server's declaration"))),
          new Verb(
              "mcp-servers",
              "remove",
              "NAME",
              "remove a server declared through the admin API: its tools are gone",
              List.of("name"),
              1,
              in -> new Call("DELETE", mcpServerPath(in.arguments()), null)));

  /** The prompt version of {@code --file} (or stdin), a JSON object. */
  private static ObjectNode promptVersion(Input in) {
    return jsonFile(in, "a prompt version");
  }

  /** The JSON object of {@code --file} (or stdin): {@code what} it holds, for the error. */
  private static ObjectNode jsonFile(Input in, String what) {
    String text = in.secrets().text(in.arguments().required("file"), "--file");
    com.fasterxml.jackson.databind.JsonNode tree;
    try {
      tree = dev.switchboard.wire.WireJson.strictTree(text);
    } catch (RuntimeException e) {
      throw new AdminUsageException("--file: not JSON (" + e.getClass().getSimpleName() + ")");
    }
    if (!tree.isObject()) {
      throw new AdminUsageException("--file: " + what + " is a JSON object");
    }
    return (ObjectNode) tree;
  }

  private static String promptPath(AdminArguments arguments) {
    return "/v1/admin/prompts/" + segment(id(arguments, "id"));
  }

  private static String configPath(AdminArguments arguments) {
    return "/v1/admin/configs/" + segment(id(arguments, "id"));
  }

  private static String mcpServerPath(AdminArguments arguments) {
    return "/v1/admin/mcp/servers/" + segment(id(arguments, "name"));
  }

  /** A whole number from 1, from {@code --<flag>}. */
  private static int number(AdminArguments arguments, String flag) {
    String value = arguments.required(flag);
    try {
      int number = Integer.parseInt(value.strip());
      if (number >= 1) {
        return number;
      }
    } catch (NumberFormatException e) {
      // refused below
    }
    throw new AdminUsageException(
        "--" + flag + " must be a whole number from 1, not '" + value + "'");
  }

  static List<String> nouns() {
    return ALL.stream().map(Verb::noun).distinct().toList();
  }

  static List<Verb> of(String noun) {
    return ALL.stream().filter(verb -> verb.noun().equals(noun)).toList();
  }

  // ---- Bodies ----

  /** {@code {"limits": …}}: every limit replaced, those not given unlimited. */
  private static ObjectNode limitsBody(AdminArguments arguments) {
    ObjectNode limits = limits(arguments, arguments.has("unlimited"));
    if (limits == null) {
      throw new AdminUsageException(
          "give the limits (--rpm, --tpm, --budget-usd, --budget-tokens) or --unlimited");
    }
    ObjectNode body = JSON.objectNode();
    body.set("limits", limits);
    return body;
  }

  /**
   * The limits object of the admin API, or {@code null} when no limit flag is given and {@code
   * unlimited} is false.
   */
  static ObjectNode limits(AdminArguments arguments, boolean unlimited) {
    boolean any = LIMIT_FLAGS.stream().anyMatch(arguments::has);
    if (unlimited && any) {
      throw new AdminUsageException("--unlimited and a limit contradict each other");
    }
    if (!any && !unlimited) {
      return null;
    }
    String costUsd = arguments.optional("budget-usd");
    Long tokens = arguments.whole("budget-tokens");
    boolean budgeted = costUsd != null || tokens != null;
    if (!budgeted && (arguments.has("period") || arguments.has("alert-at"))) {
      throw new AdminUsageException("--period and --alert-at need --budget-usd or --budget-tokens");
    }
    Period period = null;
    if (arguments.has("period")) {
      try {
        period = Period.of(arguments.optional("period"));
      } catch (IllegalArgumentException unknown) {
        throw new AdminUsageException(
            "--period must be day, week, month or never, not '"
                + arguments.optional("period")
                + "'");
      }
    }
    List<BigDecimal> thresholds = new ArrayList<>();
    List<String> alertAt = arguments.list("alert-at");
    for (String fraction : alertAt == null ? List.<String>of() : alertAt) {
      thresholds.add(decimal("alert-at", fraction));
    }
    try {
      Budget budget =
          budgeted
              ? new Budget(
                  costUsd == null ? null : decimal("budget-usd", costUsd),
                  tokens,
                  period,
                  thresholds)
              : null;
      // Written as the store keeps it: money as a string, so no binary fraction rounds it.
      return AccessJson.limits(new Limits(arguments.whole("rpm"), arguments.whole("tpm"), budget));
    } catch (IllegalArgumentException invalid) {
      throw new AdminUsageException(invalid.getMessage());
    }
  }

  /**
   * The scopes object; {@code --permissions} is required so that a key is never wider by omission.
   */
  private static ObjectNode scopes(AdminArguments arguments) {
    ObjectNode scopes = JSON.objectNode();
    List<String> permissions = arguments.list("permissions");
    if (permissions == null) {
      throw new AdminUsageException(
          "--permissions is required (e.g. --permissions completions,embeddings)");
    }
    scopes.set("permissions", array(permissions));
    scopes.set("providers", array(arguments.list("providers")));
    scopes.set("models", array(arguments.list("models")));
    scopes.set("configs", array(arguments.list("configs")));
    scopes.set("virtual_keys", array(arguments.list("virtual-keys")));
    return scopes;
  }

  private static com.fasterxml.jackson.databind.JsonNode array(List<String> values) {
    if (values == null) {
      return JSON.nullNode();
    }
    ArrayNode array = JSON.arrayNode();
    values.forEach(array::add);
    return array;
  }

  private static BigDecimal decimal(String flag, String value) {
    try {
      BigDecimal number = new BigDecimal(value.strip());
      if (number.signum() < 0) {
        throw new AdminUsageException("--" + flag + " must not be negative");
      }
      return number;
    } catch (NumberFormatException e) {
      throw new AdminUsageException("--" + flag + " must be a number, not '" + value + "'");
    }
  }

  private static String instant(AdminArguments arguments, String flag) {
    String value = arguments.optional(flag);
    if (value == null) {
      return null;
    }
    try {
      return Instant.parse(value.strip()).toString();
    } catch (DateTimeParseException e) {
      throw new AdminUsageException(
          "--" + flag + " must be an instant such as 2027-01-31T00:00:00Z, not '" + value + "'");
    }
  }

  private static void putIfPresent(ObjectNode body, String name, String value) {
    if (value != null) {
      body.put(name, value);
    }
  }

  // ---- Paths ----

  /** The id from {@code --<flag>} or the first positional word. */
  static String id(AdminArguments arguments, String flag) {
    String fromFlag = arguments.optional(flag);
    if (!arguments.positional().isEmpty()) {
      if (fromFlag != null) {
        throw new AdminUsageException("give the " + flag + " once: as --" + flag + " or as a word");
      }
      return arguments.positional().getFirst();
    }
    return arguments.required(flag);
  }

  private static String keyPath(AdminArguments arguments) {
    return "/v1/admin/keys/" + segment(id(arguments, "id"));
  }

  /**
   * One path segment, percent-encoded: an id cannot reach another route with {@code /}, {@code ..}
   * or {@code ?}.
   */
  static String segment(String value) {
    if (value.isEmpty() || value.equals(".") || value.equals("..")) {
      throw new AdminUsageException("'" + value + "' is not an id");
    }
    return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
  }

  private static String query(String name, String value) {
    return value == null ? "" : "?" + name + "=" + URLEncoder.encode(value, StandardCharsets.UTF_8);
  }

  @SafeVarargs
  private static List<String> concat(List<String>... lists) {
    return java.util.Arrays.stream(lists).flatMap(List::stream).toList();
  }

  /**
   * A virtual key's workspace and slug, from {@code --workspace} and {@code --slug} or {@code
   * WS/SLUG}.
   */
  record VirtualKeyName(String workspace, String slug) {
    static VirtualKeyName of(AdminArguments arguments) {
      if (!arguments.positional().isEmpty()) {
        if (arguments.has("workspace") || arguments.has("slug")) {
          throw new AdminUsageException("give WORKSPACE/SLUG or --workspace and --slug, not both");
        }
        String word = arguments.positional().getFirst();
        int slash = word.indexOf('/');
        if (slash <= 0 || slash == word.length() - 1 || word.indexOf('/', slash + 1) >= 0) {
          throw new AdminUsageException(
              "a virtual key is named WORKSPACE/SLUG, not '" + word + "'");
        }
        return new VirtualKeyName(word.substring(0, slash), word.substring(slash + 1));
      }
      return new VirtualKeyName(arguments.required("workspace"), arguments.required("slug"));
    }

    String path() {
      return "/v1/admin/virtual-keys/" + segment(workspace) + "/" + segment(slug);
    }
  }
}
