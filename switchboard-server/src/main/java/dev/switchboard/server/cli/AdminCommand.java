package dev.switchboard.server.cli;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.switchboard.wire.WireJson;
import java.io.Console;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URISyntaxException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code java -jar switchboard.jar admin <noun> <verb> [--flags]}: the gateway's admin API from a
 * shell. Sends one JSON request to the admin API ({@code --url}, else {@code
 * SWITCHBOARD_ADMIN_URL}, else {@value #DEFAULT_URL}) with the credential in {@code
 * SWITCHBOARD_ADMIN_TOKEN} (the admin token or a gateway key; never a flag, as flags end up in
 * shell history and {@code ps}), and prints the answer's JSON, indented, on stdout.
 *
 * <p>Exit codes: {@code 0} done; {@code 1} the gateway refused (its status and message on stderr)
 * or could not be reached; {@code 2} the command was not used as its {@code --help} says.
 */
public final class AdminCommand {
  static final String DEFAULT_URL = "http://127.0.0.1:8787";
  static final String URL_VARIABLE = "SWITCHBOARD_ADMIN_URL";
  static final String TOKEN_VARIABLE = "SWITCHBOARD_ADMIN_TOKEN";

  static final int DONE = 0;
  static final int REFUSED = 1;
  static final int USAGE = 2;

  private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(10);
  private static final Duration ANSWER_TIMEOUT = Duration.ofSeconds(60);

  private final Map<String, String> environment;
  private final ProviderSecrets secrets;
  private final PrintStream out;
  private final PrintStream err;

  AdminCommand(
      Map<String, String> environment,
      InputStream stdin,
      Console console,
      PrintStream out,
      PrintStream err) {
    this.environment = environment;
    this.secrets = new ProviderSecrets(stdin, console);
    this.out = out;
    this.err = err;
  }

  /** Runs {@code args} (the words after {@code admin}) and returns the exit code. */
  public static int run(String[] args) {
    // The terminal is asked for a provider key only when stdin is one (not piped or redirected).
    return new AdminCommand(System.getenv(), System.in, System.console(), System.out, System.err)
        .execute(List.of(args));
  }

  int execute(List<String> words) {
    String noun = words.isEmpty() ? null : words.getFirst();
    try {
      if (noun == null || noun.equals("--help") || noun.equals("-h") || noun.equals("help")) {
        out.print(help());
        return noun == null ? USAGE : DONE;
      }
      List<AdminVerbs.Verb> verbs = AdminVerbs.of(noun);
      if (verbs.isEmpty()) {
        throw new AdminUsageException(
            "unknown noun '" + noun + "'; one of " + String.join(", ", AdminVerbs.nouns()));
      }
      List<String> rest = words.subList(1, words.size());
      AdminVerbs.Verb verb = verb(noun, verbs, rest);
      if (verb == null) {
        out.print(help(noun));
        return DONE;
      }
      List<String> afterVerb =
          rest.isEmpty() || !rest.getFirst().equals(verb.name())
              ? rest
              : rest.subList(1, rest.size());
      AdminArguments arguments = AdminArguments.parse(afterVerb);
      if (arguments.has("help")) {
        out.print(help(noun));
        return DONE;
      }
      check(verb, arguments);
      URI base = baseUrl(arguments.optional("url"));
      String token = token();
      AdminVerbs.Call call = verb.call().apply(new AdminVerbs.Input(arguments, secrets));
      return send(base, token, call);
    } catch (AdminUsageException e) {
      err.println("switchboard admin: " + e.getMessage());
      err.println(
          "Run 'switchboard admin "
              + (noun == null || AdminVerbs.of(noun).isEmpty() ? "" : noun + " ")
              + "--help' for how to use it.");
      return USAGE;
    }
  }

  /**
   * The verb named by the first word, or {@code usage}'s only verb {@code show} when the word is
   * none of them; {@code null} when help was asked for.
   */
  private static AdminVerbs.Verb verb(String noun, List<AdminVerbs.Verb> verbs, List<String> rest) {
    String word = rest.isEmpty() ? null : rest.getFirst();
    if (word != null && (word.equals("--help") || word.equals("-h") || word.equals("help"))) {
      return null;
    }
    for (AdminVerbs.Verb verb : verbs) {
      if (verb.name().equals(word)) {
        return verb;
      }
    }
    if (verbs.size() == 1) {
      return verbs.getFirst();
    }
    throw new AdminUsageException(
        (word == null ? "a verb is needed" : "unknown verb '" + word + "'")
            + " after "
            + noun
            + "; one of "
            + String.join(", ", verbs.stream().map(AdminVerbs.Verb::name).toList()));
  }

  private static void check(AdminVerbs.Verb verb, AdminArguments arguments) {
    Set<String> allowed = new HashSet<>(verb.flags());
    allowed.add("url");
    for (String flag : arguments.flags().keySet()) {
      if (!allowed.contains(flag)) {
        throw new AdminUsageException(verb.noun() + " " + verb.name() + " takes no --" + flag);
      }
    }
    if (arguments.positional().size() > verb.positional()) {
      throw new AdminUsageException(
          "unexpected '"
              + arguments.positional().get(verb.positional())
              + "' after "
              + verb.noun()
              + " "
              + verb.name());
    }
  }

  private URI baseUrl(String flag) {
    String value = flag != null ? flag : environment.getOrDefault(URL_VARIABLE, DEFAULT_URL);
    URI uri;
    try {
      uri = new URI(value.strip());
    } catch (URISyntaxException e) {
      throw new AdminUsageException("the admin URL is not a URL: " + e.getReason());
    }
    if (!("http".equals(uri.getScheme()) || "https".equals(uri.getScheme()))
        || uri.getHost() == null) {
      throw new AdminUsageException("the admin URL must be http:// or https:// with a host");
    }
    if (uri.getRawUserInfo() != null) {
      // A token in the URL would be printed in error messages and kept in shell history.
      throw new AdminUsageException(
          "the admin URL must not carry credentials; set " + TOKEN_VARIABLE);
    }
    if (uri.getRawQuery() != null || uri.getRawFragment() != null) {
      throw new AdminUsageException("the admin URL must not have a query or fragment");
    }
    return uri;
  }

  private String token() {
    String token = environment.get(TOKEN_VARIABLE);
    if (token == null || token.isBlank()) {
      throw new AdminUsageException(
          "set "
              + TOKEN_VARIABLE
              + " to the admin token (admin.token) or to a gateway key with the permission");
    }
    token = token.strip();
    for (int i = 0; i < token.length(); i++) {
      char c = token.charAt(i);
      if (c < 0x21 || c > 0x7e) {
        throw new AdminUsageException(
            TOKEN_VARIABLE + " holds a character a header cannot carry (a space, a line break, …)");
      }
    }
    return token;
  }

  private int send(URI base, String token, AdminVerbs.Call call) {
    String basePath = base.getRawPath() == null ? "" : base.getRawPath().replaceAll("/+$", "");
    URI target =
        URI.create(base.getScheme() + "://" + base.getRawAuthority() + basePath + call.path());
    HttpRequest.BodyPublisher body =
        call.body() == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(WireJson.write(call.body()));
    HttpRequest.Builder request =
        HttpRequest.newBuilder(target)
            .timeout(ANSWER_TIMEOUT)
            .header("Authorization", "Bearer " + token)
            .header("Accept", "application/json")
            .header("User-Agent", "switchboard-admin")
            .method(call.method(), body);
    if (call.body() != null) {
      request.header("Content-Type", "application/json");
    }
    HttpResponse<byte[]> answer;
    try (HttpClient client =
        HttpClient.newBuilder()
            .connectTimeout(CONNECT_TIMEOUT)
            .followRedirects(HttpClient.Redirect.NEVER)
            .build()) {
      answer = client.send(request.build(), HttpResponse.BodyHandlers.ofByteArray());
    } catch (ConnectException e) {
      err.println(
          "switchboard admin: cannot reach the admin API at " + base + " (connection refused)");
      return REFUSED;
    } catch (HttpTimeoutException e) {
      err.println("switchboard admin: the admin API at " + base + " did not answer in time");
      return REFUSED;
    } catch (IOException e) {
      err.println(
          "switchboard admin: cannot reach the admin API at "
              + base
              + " ("
              + e.getClass().getSimpleName()
              + ")");
      return REFUSED;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      err.println("switchboard admin: interrupted");
      return REFUSED;
    }
    String text = new String(answer.body(), StandardCharsets.UTF_8);
    JsonNode json = parse(text);
    if (answer.statusCode() >= 200 && answer.statusCode() < 300) {
      if (json != null) {
        out.println(pretty(json));
      } else if (!text.isBlank()) {
        out.println(text);
      }
      return DONE;
    }
    err.println("switchboard admin: " + refusal(answer.statusCode(), json));
    return REFUSED;
  }

  /** {@code 403 permission_denied: The key may not …}: the gateway's own words. */
  private static String refusal(int status, JsonNode json) {
    JsonNode error = json == null ? null : json.path("error");
    String code = error == null ? "" : error.path("code").asText("");
    String message = error == null ? "" : error.path("message").asText("");
    StringBuilder line = new StringBuilder().append(status);
    if (!code.isEmpty()) {
      line.append(' ').append(code);
    }
    line.append(": ").append(message.isEmpty() ? "the gateway refused (no message)" : message);
    if (status == 404 && json == null) {
      line.append(" (is this the gateway's admin port?)");
    }
    return line.toString();
  }

  private static JsonNode parse(String text) {
    if (text.isBlank()) {
      return null;
    }
    try {
      return WireJson.mapper().readTree(text);
    } catch (IOException e) {
      return null;
    }
  }

  private static String pretty(JsonNode json) {
    try {
      ObjectMapper mapper = WireJson.mapper();
      return mapper.writerWithDefaultPrettyPrinter().writeValueAsString(json);
    } catch (IOException e) {
      return json.toString();
    }
  }

  // ---- Help ----

  static String help() {
    StringBuilder help =
        new StringBuilder(
            """
            Switchboard's admin API from a shell.

            Usage: java -jar switchboard.jar admin <noun> <verb> [--flags]

            """);
    for (String noun : AdminVerbs.nouns()) {
      help.append("  ")
          .append(noun)
          .append(' ')
          .append(
              String.join("|", AdminVerbs.of(noun).stream().map(AdminVerbs.Verb::name).toList()))
          .append('\n');
    }
    help.append(environmentHelp()).append("\nRun 'admin <noun> --help' for its verbs and flags.\n");
    return help.toString();
  }

  static String help(String noun) {
    StringBuilder help =
        new StringBuilder("Usage: java -jar switchboard.jar admin ")
            .append(noun)
            .append(" <verb>\n\n");
    Set<String> flags = new java.util.LinkedHashSet<>();
    flags.add("url");
    for (AdminVerbs.Verb verb : AdminVerbs.of(noun)) {
      help.append("  ")
          .append(verb.name())
          .append(verb.usage().isEmpty() ? "" : " " + verb.usage())
          .append("\n      ")
          .append(verb.summary())
          .append('\n');
      flags.addAll(verb.flags());
    }
    if (flags.stream().anyMatch(AdminVerbs.LIMIT_FLAGS::contains)) {
      help.append(
          "\n  limits: --rpm N --tpm N --budget-usd AMOUNT --budget-tokens N --period P"
              + " --alert-at LIST\n");
    }
    if (flags.contains("permissions")) {
      help.append("  scopes: --providers LIST --models LIST --configs LIST --virtual-keys LIST\n");
    }
    help.append("\nFlags:\n");
    for (Map.Entry<String, String> entry : AdminVerbs.FLAG_HELP.entrySet()) {
      String name = entry.getKey().split(" ")[0].substring(2);
      if (flags.contains(name)) {
        help.append(String.format("  %-24s %s%n", entry.getKey(), entry.getValue()));
      }
    }
    help.append(environmentHelp());
    return help.toString();
  }

  private static String environmentHelp() {
    return "\nEnvironment:\n"
        + "  "
        + TOKEN_VARIABLE
        + "   the admin token (admin.token), or a gateway key with keys.manage,\n"
        + "                            virtual_keys.manage or usage.read (never a flag)\n"
        + "  "
        + URL_VARIABLE
        + "     the admin API, default "
        + DEFAULT_URL
        + " (the admin port when admin.port is set)\n"
        + "\nExit codes: 0 done, 1 refused by the gateway or not reached, 2 usage error.\n";
  }
}
