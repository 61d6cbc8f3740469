package dev.switchboard.server.cli;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * The admin command as an operator runs it, against a stand-in for the gateway's admin API (a JDK
 * {@code HttpServer} on 127.0.0.1 that records each request and answers as the API does): the
 * request it sends (method, path, headers, JSON body), what it prints, and its exit code.
 */
class AdminCommandTest {
  static final String TOKEN = "admin-token-for-tests-7";
  static final String PROVIDER_KEY = "sk-canary-provider-key-4f1d";

  @TempDir Path files;

  HttpServer server;
  final ConcurrentLinkedQueue<Recorded> received = new ConcurrentLinkedQueue<>();
  volatile int answerStatus = 200;
  volatile String answerBody = "{\"ok\":true}";

  record Recorded(
      String method,
      String rawPath,
      String rawQuery,
      Map<String, List<String>> headers,
      String body) {
    String header(String name) {
      return headers.entrySet().stream()
          .filter(entry -> entry.getKey().equalsIgnoreCase(name))
          .map(entry -> entry.getValue().getFirst())
          .findFirst()
          .orElse(null);
    }

    JsonNode json() {
      return WireJson.read(body, JsonNode.class);
    }
  }

  @BeforeEach
  void startApi() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext(
        "/",
        exchange -> {
          received.add(
              new Recorded(
                  exchange.getRequestMethod(),
                  exchange.getRequestURI().getRawPath(),
                  exchange.getRequestURI().getRawQuery(),
                  new HashMap<>(exchange.getRequestHeaders()),
                  new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8)));
          byte[] body = answerBody.getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(answerStatus, body.length == 0 ? -1 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stopApi() {
    server.stop(0);
  }

  String url() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  record Run(int exitCode, String out, String err) {}

  Run run(String stdin, String... words) {
    return run(
        Map.of("SWITCHBOARD_ADMIN_URL", url(), "SWITCHBOARD_ADMIN_TOKEN", TOKEN), stdin, words);
  }

  Run run(Map<String, String> environment, String stdin, String... words) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    int exit =
        new AdminCommand(
                environment,
                new ByteArrayInputStream(stdin.getBytes(StandardCharsets.UTF_8)),
                null,
                new PrintStream(out, true, StandardCharsets.UTF_8),
                new PrintStream(err, true, StandardCharsets.UTF_8))
            .execute(List.of(words));
    return new Run(
        exit, out.toString(StandardCharsets.UTF_8), err.toString(StandardCharsets.UTF_8));
  }

  Recorded only() {
    assertThat(received).hasSize(1);
    return received.peek();
  }

  @Test
  void keysCreateSendsTheDesignsJsonWithTheTokenAsBearerAndPrintsTheCreatedKey() {
    answerStatus = 201;
    answerBody =
        "{\"id\":\"key_9Qx\",\"key\":\"sbk-AAAABBBBCCCC\",\"workspace\":\"a\",\"name\":\"ci\","
            + "\"display_prefix\":\"sbk-AAAA\",\"limits\":{\"budget\":{\"cost_usd\":\"1.00\"}}}";

    Run run =
        run(
            "",
            "keys",
            "create",
            "--workspace",
            "a",
            "--name=ci",
            "--permissions",
            "completions",
            "--providers",
            "openai",
            "--rpm",
            "60",
            "--budget-usd",
            "1.00",
            "--alert-at",
            "0.5,0.8");

    assertThat(run.exitCode()).as(run.err()).isZero();
    Recorded request = only();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPath()).isEqualTo("/v1/admin/keys");
    assertThat(request.header("authorization")).isEqualTo("Bearer " + TOKEN);
    assertThat(request.header("content-type")).isEqualTo("application/json");
    assertThat(request.header("accept")).isEqualTo("application/json");
    assertThat(request.json())
        .isEqualTo(
            WireJson.read(
                """
                {"workspace":"a","name":"ci",
                 "scopes":{"permissions":["completions"],"providers":["openai"],"models":null,
                           "configs":null,"virtual_keys":null},
                 "limits":{"requests_per_minute":60,"tokens_per_minute":null,
                           "budget":{"cost_usd":"1.00","tokens":null,"period":"month",
                                     "alert_thresholds":["0.5","0.8"]}}}
                """,
                JsonNode.class));
    // The answer, indented, and the money still a string.
    assertThat(WireJson.read(run.out(), JsonNode.class))
        .isEqualTo(WireJson.read(answerBody, JsonNode.class));
    assertThat(run.out()).contains("\n  \"id\" : \"key_9Qx\"").contains("\"cost_usd\" : \"1.00\"");
    assertThat(run.err()).isEmpty();
  }

  static Stream<Arguments> everyVerbAndItsCall() {
    return Stream.of(
        Arguments.of(
            "workspaces create --id team-a --name Team", "POST", "/v1/admin/workspaces", null),
        Arguments.of("workspaces list", "GET", "/v1/admin/workspaces", null),
        Arguments.of(
            "workspaces limits team-a --rpm 10", "PATCH", "/v1/admin/workspaces/team-a", null),
        Arguments.of("keys create --permissions models", "POST", "/v1/admin/keys", null),
        Arguments.of("keys list", "GET", "/v1/admin/keys", null),
        Arguments.of("keys list --workspace team-a", "GET", "/v1/admin/keys", "workspace=team-a"),
        Arguments.of("keys get key_1", "GET", "/v1/admin/keys/key_1", null),
        Arguments.of("keys get --id key_1", "GET", "/v1/admin/keys/key_1", null),
        Arguments.of("keys rotate key_1", "POST", "/v1/admin/keys/key_1/rotate", null),
        Arguments.of("keys revoke key_1", "DELETE", "/v1/admin/keys/key_1", null),
        Arguments.of("keys limits key_1 --tpm 1000", "PATCH", "/v1/admin/keys/key_1", null),
        Arguments.of("virtual-keys list", "GET", "/v1/admin/virtual-keys", null),
        Arguments.of(
            "virtual-keys list --workspace team-a",
            "GET",
            "/v1/admin/virtual-keys",
            "workspace=team-a"),
        Arguments.of(
            "virtual-keys get team-a/openai-prod",
            "GET",
            "/v1/admin/virtual-keys/team-a/openai-prod",
            null),
        Arguments.of(
            "virtual-keys get --workspace team-a --slug openai-prod",
            "GET",
            "/v1/admin/virtual-keys/team-a/openai-prod",
            null),
        Arguments.of(
            "virtual-keys revoke team-a/openai-prod",
            "DELETE",
            "/v1/admin/virtual-keys/team-a/openai-prod",
            null),
        Arguments.of(
            "virtual-keys limits team-a/openai-prod --unlimited",
            "PATCH",
            "/v1/admin/virtual-keys/team-a/openai-prod",
            null),
        Arguments.of("virtual-keys reencrypt", "POST", "/v1/admin/virtual-keys/reencrypt", null),
        Arguments.of("usage --subject key:key_1", "GET", "/v1/admin/usage", "subject=key%3Akey_1"),
        Arguments.of("usage key:key_1", "GET", "/v1/admin/usage", "subject=key%3Akey_1"),
        Arguments.of(
            "usage --subject virtual_key:team-a/openai-prod",
            "GET",
            "/v1/admin/usage",
            "subject=virtual_key%3Ateam-a%2Fopenai-prod"),
        Arguments.of("prompts list", "GET", "/v1/admin/prompts", null),
        Arguments.of("prompts get welcome", "GET", "/v1/admin/prompts/welcome", null),
        Arguments.of(
            "prompts version welcome --version 2",
            "GET",
            "/v1/admin/prompts/welcome/versions/2",
            null),
        Arguments.of(
            "prompts label welcome --label production --version 2",
            "PUT",
            "/v1/admin/prompts/welcome/labels/production",
            null),
        Arguments.of(
            "prompts rollback welcome --version 1",
            "POST",
            "/v1/admin/prompts/welcome/rollback",
            null),
        Arguments.of("prompts history welcome", "GET", "/v1/admin/prompts/welcome/history", null),
        Arguments.of("configs list", "GET", "/v1/admin/configs", null),
        Arguments.of("configs get pc-main", "GET", "/v1/admin/configs/pc-main", null),
        Arguments.of(
            "configs version pc-main --version 2",
            "GET",
            "/v1/admin/configs/pc-main/versions/2",
            null),
        Arguments.of(
            "configs rollback pc-main --version 1",
            "POST",
            "/v1/admin/configs/pc-main/rollback",
            null),
        Arguments.of("configs delete pc-main", "DELETE", "/v1/admin/configs/pc-main", null),
        Arguments.of("configs history pc-main", "GET", "/v1/admin/configs/pc-main/history", null),
        Arguments.of("mcp-servers list", "GET", "/v1/admin/mcp/servers", null),
        Arguments.of("mcp-servers get docs", "GET", "/v1/admin/mcp/servers/docs", null),
        Arguments.of("mcp-servers remove docs", "DELETE", "/v1/admin/mcp/servers/docs", null));
  }

  @ParameterizedTest(name = "{0} → {1} {2}")
  @MethodSource("everyVerbAndItsCall")
  void everyVerbCallsItsRoute(String command, String method, String path, String query) {
    Run run = run("", command.split(" "));

    assertThat(run.exitCode()).as(run.err()).isZero();
    Recorded request = only();
    assertThat(request.method()).isEqualTo(method);
    assertThat(request.rawPath()).isEqualTo(path);
    assertThat(request.rawQuery()).isEqualTo(query);
    assertThat(request.header("authorization")).isEqualTo("Bearer " + TOKEN);
    if (method.equals("GET") || method.equals("DELETE")) {
      assertThat(request.body()).isEmpty();
      assertThat(request.header("content-type")).isNull();
    }
  }

  @Test
  void limitsReplaceEveryLimitAndUnlimitedClearsThem() {
    run("", "keys", "limits", "key_1", "--budget-tokens", "50000", "--period", "day");
    run("", "workspaces", "limits", "--id", "team-a", "--unlimited");

    List<Recorded> requests = new ArrayList<>(received);
    assertThat(requests.get(0).json())
        .isEqualTo(
            WireJson.read(
                "{\"limits\":{\"requests_per_minute\":null,\"tokens_per_minute\":null,"
                    + "\"budget\":{\"cost_usd\":null,\"tokens\":50000,\"period\":\"day\","
                    + "\"alert_thresholds\":[]}}}",
                JsonNode.class));
    assertThat(requests.get(1).json())
        .isEqualTo(
            WireJson.read(
                "{\"limits\":{\"requests_per_minute\":null,\"tokens_per_minute\":null,"
                    + "\"budget\":null}}",
                JsonNode.class));
  }

  @Test
  void promptsCreateAndAddVersionSendTheTemplateFromAFileOrStdin() throws IOException {
    answerStatus = 201;
    answerBody = "{\"id\":\"welcome\"}";
    String template =
        """
        {"messages":[{"role":"user","content":"Hello {{name}}"}],"model":"gpt-4o-mini"}
        """;
    Path file = Files.createTempFile("prompt", ".json");
    Files.writeString(file, template);

    Run created = run("", "prompts", "create", "welcome", "--file", file.toString());

    assertThat(created.exitCode()).as(created.err()).isZero();
    Recorded create = only();
    assertThat(create.method()).isEqualTo("POST");
    assertThat(create.rawPath()).isEqualTo("/v1/admin/prompts");
    assertThat(create.json().path("id").asText()).isEqualTo("welcome");
    assertThat(create.json().path("messages").get(0).path("content").asText())
        .isEqualTo("Hello {{name}}");

    received.clear();
    Run added = run(template, "prompts", "add-version", "welcome", "--file", "-");

    assertThat(added.exitCode()).as(added.err()).isZero();
    Recorded add = only();
    assertThat(add.rawPath()).isEqualTo("/v1/admin/prompts/welcome/versions");
    assertThat(add.json().path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(add.json().has("id")).isFalse();
  }

  @Test
  void configsCreateAndEditSendTheConfigFromAFileOrStdin() throws IOException {
    answerStatus = 201;
    answerBody = "{\"id\":\"pc-main\"}";
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[{"provider":"openai"},{"provider":"mock"}]}
        """;
    Path file = Files.createTempFile("config", ".json");
    Files.writeString(file, config);

    Run created = run("", "configs", "create", "pc-main", "--file", file.toString());

    assertThat(created.exitCode()).as(created.err()).isZero();
    Recorded create = only();
    assertThat(create.method()).isEqualTo("POST");
    assertThat(create.rawPath()).isEqualTo("/v1/admin/configs");
    assertThat(create.json().path("id").asText()).isEqualTo("pc-main");
    assertThat(create.json().path("config")).isEqualTo(WireJson.read(config, JsonNode.class));

    received.clear();
    Run edited = run(config, "configs", "edit", "pc-main", "--file", "-");

    assertThat(edited.exitCode()).as(edited.err()).isZero();
    Recorded edit = only();
    assertThat(edit.rawPath()).isEqualTo("/v1/admin/configs/pc-main/versions");
    assertThat(edit.json().path("config").path("targets")).hasSize(2);
    assertThat(edit.json().has("id")).isFalse();
    received.clear();
    assertThat(run("[1]", "configs", "edit", "pc-main", "--file", "-").exitCode()).isEqualTo(2);
    assertThat(received).isEmpty();
  }

  @Test
  void mcpServersDeclareAndChangeSendTheDeclarationFromAFileOrStdin() throws IOException {
    answerStatus = 201;
    answerBody = "{\"name\":\"docs\"}";
    String declaration =
        """
        {"url":"https://mcp.example.com/mcp","headers":{"X-Tenant":"acme"}}
        """;
    Path file = Files.createTempFile("mcp-server", ".json");
    Files.writeString(file, declaration);

    Run declared = run("", "mcp-servers", "declare", "docs", "--file", file.toString());

    assertThat(declared.exitCode()).as(declared.err()).isZero();
    Recorded declare = only();
    assertThat(declare.method()).isEqualTo("POST");
    assertThat(declare.rawPath()).isEqualTo("/v1/admin/mcp/servers");
    assertThat(declare.json().path("name").asText()).isEqualTo("docs");
    assertThat(declare.json().path("url").asText()).isEqualTo("https://mcp.example.com/mcp");

    received.clear();
    Run changed = run(declaration, "mcp-servers", "change", "docs", "--file", "-");

    assertThat(changed.exitCode()).as(changed.err()).isZero();
    Recorded change = only();
    assertThat(change.method()).isEqualTo("PUT");
    assertThat(change.rawPath()).isEqualTo("/v1/admin/mcp/servers/docs");
    assertThat(change.json().path("headers").path("X-Tenant").asText()).isEqualTo("acme");
  }

  @Test
  void virtualKeysCreateReadsTheProviderKeyFromStdinAndNeverShowsIt() {
    answerStatus = 201;
    answerBody =
        "{\"workspace\":\"team-a\",\"slug\":\"openai-prod\",\"provider\":\"openai\","
            + "\"credential_names\":[\"api_key\"]}";

    Run run =
        run(
            PROVIDER_KEY + "\n",
            "virtual-keys",
            "create",
            "--workspace",
            "team-a",
            "--slug",
            "openai-prod",
            "--provider",
            "openai",
            "--budget-usd",
            "25");

    assertThat(run.exitCode()).as(run.err()).isZero();
    Recorded request = only();
    assertThat(request.method()).isEqualTo("POST");
    assertThat(request.rawPath()).isEqualTo("/v1/admin/virtual-keys");
    JsonNode body = request.json();
    assertThat(body.path("workspace").asText()).isEqualTo("team-a");
    assertThat(body.path("slug").asText()).isEqualTo("openai-prod");
    assertThat(body.path("provider").asText()).isEqualTo("openai");
    assertThat(body.path("credentials"))
        .isEqualTo(WireJson.read("{\"api_key\":\"" + PROVIDER_KEY + "\"}", JsonNode.class));
    assertThat(body.path("limits").path("budget").path("cost_usd").asText()).isEqualTo("25");
    assertThat(run.out() + run.err()).doesNotContain(PROVIDER_KEY);
  }

  @Test
  void virtualKeysTakeAnApiKeyFileOrACredentialsFile() throws IOException {
    Path apiKeyFile = Files.writeString(files.resolve("key"), PROVIDER_KEY + "\n");
    Path credentialsFile =
        Files.writeString(
            files.resolve("aws.json"),
            "{\"aws_access_key_id\":\"AKIACANARY\",\"aws_secret_access_key\":\"canary-secret\","
                + "\"aws_region\":\"eu-west-1\"}");

    Run rotated =
        run(
            "",
            "virtual-keys",
            "rotate",
            "team-a/openai-prod",
            "--api-key-file",
            apiKeyFile.toString());
    Run created =
        run(
            "",
            "virtual-keys",
            "create",
            "team-a/bedrock",
            "--provider",
            "bedrock",
            "--credentials-file",
            credentialsFile.toString());

    assertThat(rotated.exitCode()).as(rotated.err()).isZero();
    assertThat(created.exitCode()).as(created.err()).isZero();
    List<Recorded> requests = new ArrayList<>(received);
    assertThat(requests.get(0).method()).isEqualTo("POST");
    assertThat(requests.get(0).rawPath())
        .isEqualTo("/v1/admin/virtual-keys/team-a/openai-prod/rotate");
    assertThat(requests.get(0).json())
        .isEqualTo(
            WireJson.read(
                "{\"credentials\":{\"api_key\":\"" + PROVIDER_KEY + "\"}}", JsonNode.class));
    assertThat(requests.get(1).json().path("credentials").path("aws_secret_access_key").asText())
        .isEqualTo("canary-secret");
    assertThat(requests.get(1).json().path("slug").asText()).isEqualTo("bedrock");
  }

  @Test
  void aRefusalExitsOneWithTheGatewaysStatusAndMessageOnStderr() {
    answerStatus = 403;
    answerBody =
        "{\"error\":{\"message\":\"The key may not create a key wider than itself.\","
            + "\"type\":\"forbidden\",\"param\":null,\"code\":\"permission_denied\"}}";

    Run run = run("", "keys", "create", "--permissions", "completions,keys.manage");

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.out()).isEmpty();
    assertThat(run.err())
        .isEqualTo(
            "switchboard admin: 403 permission_denied: The key may not create a key wider than"
                + " itself.\n");
  }

  @Test
  void secretsGivenAsFlagsAreRefusedBeforeAnythingIsSent() {
    Run token = run("", "keys", "list", "--token", TOKEN);
    Run apiKey =
        run(
            "",
            "virtual-keys",
            "create",
            "team-a/x",
            "--provider",
            "openai",
            "--api-key=" + PROVIDER_KEY);

    assertThat(token.exitCode()).isEqualTo(2);
    assertThat(token.err()).contains("--token is not a flag", "SWITCHBOARD_ADMIN_TOKEN");
    assertThat(apiKey.exitCode()).isEqualTo(2);
    assertThat(apiKey.err()).contains("--api-key is not a flag", "stdin", "--api-key-file");
    assertThat(token.err() + apiKey.err()).doesNotContain(TOKEN).doesNotContain(PROVIDER_KEY);
    assertThat(received).isEmpty();
  }

  @Test
  void withoutTheTokenVariableNothingIsSent() {
    Run run = run(Map.of("SWITCHBOARD_ADMIN_URL", url()), "", "keys", "list");

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("set SWITCHBOARD_ADMIN_TOKEN");
    assertThat(received).isEmpty();
  }

  @Test
  void aUrlFlagWinsOverTheEnvironmentAndAPathPrefixIsKept() {
    Run run =
        run(
            Map.of("SWITCHBOARD_ADMIN_URL", "http://127.0.0.1:1", "SWITCHBOARD_ADMIN_TOKEN", TOKEN),
            "",
            "workspaces",
            "list",
            "--url",
            url() + "/gateway/");

    assertThat(run.exitCode()).as(run.err()).isZero();
    assertThat(only().rawPath()).isEqualTo("/gateway/v1/admin/workspaces");
  }

  @Test
  void aUrlWithCredentialsInItIsRefused() {
    Run run =
        run(
            "",
            "workspaces",
            "list",
            "--url",
            "http://admin:" + TOKEN + "@127.0.0.1:" + server.getAddress().getPort());

    assertThat(run.exitCode()).isEqualTo(2);
    assertThat(run.err()).contains("must not carry credentials").doesNotContain(TOKEN);
    assertThat(received).isEmpty();
  }

  @Test
  void anIdIsOnePathSegmentSoItCannotReachAnotherRoute() {
    run("", "keys", "get", "../workspaces");
    run("", "keys", "revoke", "key_1?x=1");

    List<Recorded> requests = new ArrayList<>(received);
    assertThat(requests.get(0).rawPath()).isEqualTo("/v1/admin/keys/..%2Fworkspaces");
    assertThat(requests.get(1).rawPath()).isEqualTo("/v1/admin/keys/key_1%3Fx%3D1");
    assertThat(requests.get(1).rawQuery()).isNull();
  }

  @Test
  void usageErrorsExitTwoAndSayWhat() {
    assertThat(run("", "tokens", "list"))
        .satisfies(r -> assertThat(r.exitCode()).isEqualTo(2))
        .satisfies(
            r -> assertThat(r.err()).contains("unknown noun 'tokens'", "keys, virtual-keys"));
    assertThat(run("", "keys", "erase", "key_1"))
        .satisfies(r -> assertThat(r.err()).contains("unknown verb 'erase'", "rotate"));
    assertThat(run("", "keys", "list", "--colour", "red"))
        .satisfies(r -> assertThat(r.err()).contains("keys list takes no --colour"));
    assertThat(run("", "keys", "create", "--workspace", "a"))
        .satisfies(r -> assertThat(r.err()).contains("--permissions is required"));
    assertThat(run("", "keys", "limits", "key_1"))
        .satisfies(r -> assertThat(r.err()).contains("--unlimited"));
    assertThat(run("", "keys", "limits", "key_1", "--rpm", "sixty"))
        .satisfies(r -> assertThat(r.err()).contains("--rpm must be a whole number"));
    assertThat(run("", "keys", "create", "--permissions", "models", "--expires-at", "tomorrow"))
        .satisfies(r -> assertThat(r.err()).contains("2027-01-31T00:00:00Z"));
    assertThat(run("", "usage", "--subject", "team-a"))
        .satisfies(r -> assertThat(r.err()).contains("key:ID, workspace:ID or virtual_key:"));
    assertThat(run("", "virtual-keys", "create", "team-a/x", "--provider", "openai"))
        .satisfies(r -> assertThat(r.err()).contains("no provider API key"));
    assertThat(received).isEmpty();
  }

  @Test
  void helpPerNounListsItsVerbsAndFlags() {
    Run keys = run("", "keys", "--help");
    Run virtualKeys = run("", "virtual-keys", "create", "--help");
    Run overall = run("", "--help");

    assertThat(keys.exitCode()).isZero();
    assertThat(keys.out())
        .contains(
            "create", "list", "get", "rotate", "revoke", "limits", "--permissions", "--budget-usd")
        .contains("SWITCHBOARD_ADMIN_TOKEN");
    assertThat(virtualKeys.out()).contains("--api-key-file", "--credentials-file", "stdin");
    assertThat(overall.out()).contains("workspaces", "keys", "virtual-keys", "usage");
    assertThat(received).isEmpty();
  }

  @Test
  void aGatewayThatCannotBeReachedExitsOne() throws IOException {
    int closedPort;
    try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closedPort = socket.getLocalPort();
    }

    Run run =
        run(
            Map.of("SWITCHBOARD_ADMIN_TOKEN", TOKEN),
            "",
            "keys",
            "list",
            "--url",
            "http://127.0.0.1:" + closedPort);

    assertThat(run.exitCode()).isEqualTo(1);
    assertThat(run.err()).contains("cannot reach the admin API at http://127.0.0.1:" + closedPort);
  }

  @Test
  void theJarsMainRunsTheAdminCommand() throws Exception {
    List<String> command = new ArrayList<>();
    command.add(ProcessHandle.current().info().command().orElse("java"));
    command.add("-cp");
    command.add(
        System.getProperty("surefire.test.class.path", System.getProperty("java.class.path")));
    command.add("dev.switchboard.server.cli.Main");
    command.addAll(List.of("admin", "workspaces", "list"));
    ProcessBuilder builder = new ProcessBuilder(command);
    builder.environment().put("SWITCHBOARD_ADMIN_URL", url());
    builder.environment().put("SWITCHBOARD_ADMIN_TOKEN", TOKEN);
    answerBody = "{\"data\":[{\"id\":\"team-a\",\"name\":\"Team A\"}]}";
    Process process = builder.start();
    String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    String err = new String(process.getErrorStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(process.waitFor(30, TimeUnit.SECONDS)).isTrue();

    assertThat(process.exitValue()).as(err).isZero();
    assertThat(WireJson.read(out, JsonNode.class).path("data").get(0).path("id").asText())
        .isEqualTo("team-a");
    assertThat(only().rawPath()).isEqualTo("/v1/admin/workspaces");
  }
}
