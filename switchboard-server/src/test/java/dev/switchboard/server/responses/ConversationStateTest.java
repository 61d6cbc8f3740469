package dev.switchboard.server.responses;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.access.KeyScopes;
import dev.switchboard.access.Limits;
import dev.switchboard.access.Permission;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.server.ServerSettings;
import dev.switchboard.server.SwitchboardServer;
import dev.switchboard.state.StateSettings;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The Responses API's conversation state through a running gateway, its responses stored in a real
 * PostgreSQL (the store gateways share), every call HTTP: an answer is stored and read back, {@code
 * previous_response_id} carries the conversation to a provider that has no such thing (whole and
 * streamed) and across a fallback to another provider, workspaces do not see each other's
 * responses, and background responses are polled and cancelled.
 */
class ConversationStateTest {
  private static final String MASTER_KEY =
      Base64.getEncoder().encodeToString("0123456789abcdef0123456789abcdef".getBytes());

  static FakeAnthropic anthropic;
  static FakeOpenAi openai;
  static SwitchboardServer server;
  static String storeUrl;
  static String teamA;
  static String teamB;
  static final HttpClient http = HttpClient.newHttpClient();

  @BeforeAll
  static void start() {
    anthropic = FakeAnthropic.start();
    openai = FakeOpenAi.start();
    storeUrl = TestPostgres.freshSchemaUrl();
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder()
                    .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                    .providerBaseUrl("openai", URI.create(openai.baseUrl()))
                    .build(),
                ObservabilitySettings.defaults().withLogsEnabled(false))
            .withAccess(
                AccessSettings.inMemory()
                    .withRequireKeys(true)
                    .withMasterKeys(MASTER_KEY, List.of()))
            .withResponses(StateSettings.defaults().withStoreUrl(storeUrl));
    server = SwitchboardServer.start(settings);
    AccessAdmin admin = server.access().admin();
    admin.createWorkspace(Principal.ADMIN, "team-b", "Team B", Limits.NONE);
    teamA = key(admin, "default");
    teamB = key(admin, "team-b");
  }

  private static String key(AccessAdmin admin, String workspace) {
    return admin
        .createKey(
            Principal.ADMIN,
            new AccessAdmin.KeyRequest(
                workspace,
                "agent",
                new KeyScopes(Set.of(Permission.COMPLETIONS), null, null, null, null),
                null,
                null))
        .secret();
  }

  @AfterAll
  static void stop() {
    server.close();
    anthropic.close();
    openai.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (anthropic.takeRequest(Duration.ofMillis(1)) != null) {
      // drain
    }
    while (openai.takeRequest(Duration.ofMillis(1)) != null) {
      // drain
    }
    anthropic.clearFaults();
  }

  @Test
  void aStoredResponseIsReadBackByItsId() {
    JsonNode answered = respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"hi\"}");

    HttpResponse<String> read = get("/v1/responses/" + answered.get("id").asText(), teamA);

    assertThat(read.statusCode()).isEqualTo(200);
    assertThat(json(read)).hasToString(answered.toString());
    assertThat(text(json(read))).isEqualTo("Hello from the fake Anthropic. You said: hi");
  }

  @Test
  void previousResponseIdCarriesTheConversationToAProviderWithoutOne() throws InterruptedException {
    JsonNode first =
        respond(
            teamA,
            """
            {"model":"claude-sonnet-4-5","instructions":"Be formal.","input":"My name is Ada."}\
            """);
    upstream(anthropic);
    String firstId = first.get("id").asText();

    JsonNode second =
        respond(
            teamA,
            """
            {"model":"claude-sonnet-4-5","instructions":"Answer in one word.",
             "previous_response_id":"%s","input":"What is my name?"}\
            """
                .formatted(firstId));

    JsonNode sent = upstream(anthropic).json();
    assertThat(sent.toString()).doesNotContain(firstId).doesNotContain("Be formal.");
    assertThat(sent.path("system").toString()).contains("Answer in one word.");
    assertThat(texts(sent.get("messages")))
        .containsExactly(
            "user: My name is Ada.",
            "assistant: Hello from the fake Anthropic. You said: My name is Ada.",
            "user: What is my name?");
    assertThat(second.get("previous_response_id").asText()).isEqualTo(firstId);
    assertThat(json(get("/v1/responses/" + second.get("id").asText(), teamA)))
        .hasToString(second.toString());
  }

  @Test
  void aStreamedAnswerContinuesTheConversationAndIsStored() throws InterruptedException {
    String firstId =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"Call me Grace.\"}")
            .get("id")
            .asText();
    upstream(anthropic);

    HttpResponse<String> streamed =
        post(
            teamA,
            "{\"model\":\"claude-sonnet-4-5\",\"stream\":true,\"previous_response_id\":\""
                + firstId
                + "\",\"input\":\"Who am I?\"}",
            "x-portkey-provider",
            "anthropic");

    assertThat(streamed.statusCode()).isEqualTo(200);
    assertThat(texts(upstream(anthropic).json().get("messages")))
        .containsExactly(
            "user: Call me Grace.",
            "assistant: Hello from the fake Anthropic. You said: Call me Grace.",
            "user: Who am I?");
    JsonNode completed = null;
    for (String line : streamed.body().split("\n")) {
      if (line.startsWith("data: ") && line.contains("\"response.completed\"")) {
        completed = WireJson.strictTree(line.substring(6)).get("response");
      }
      if (line.startsWith("data: ") && line.contains("\"response.created\"")) {
        assertThat(WireJson.strictTree(line.substring(6)).at("/response/previous_response_id"))
            .hasToString("\"" + firstId + "\"");
      }
    }
    assertThat(completed).as("a response.completed event").isNotNull();
    assertThat(completed.get("previous_response_id").asText()).isEqualTo(firstId);
    JsonNode stored = json(get("/v1/responses/" + completed.get("id").asText(), teamA));
    assertThat(stored).hasToString(completed.toString());
    assertThat(text(stored)).isEqualTo("Hello from the fake Anthropic. You said: Who am I?");
  }

  @Test
  void theConversationReachesEachTargetOfAFallback() throws InterruptedException {
    JsonNode first = respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"Remember 42.\"}");
    upstream(anthropic);
    anthropic.enqueue(Fault.status(529));
    String config =
        """
        {"strategy":{"mode":"fallback"},"targets":[
          {"provider":"anthropic","api_key":"sk-ant"},
          {"provider":"openai","api_key":"sk-openai","override_params":{"model":"gpt-4o-mini"}}]}\
        """
            .replace("\n", "");

    HttpResponse<String> answer =
        post(
            teamA,
            "{\"model\":\"claude-sonnet-4-5\",\"previous_response_id\":\""
                + first.get("id").asText()
                + "\",\"input\":\"Which number?\"}",
            "x-portkey-config",
            config);

    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    assertThat(answer.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
    assertThat(texts(upstream(anthropic).json().get("messages")))
        .containsExactly(
            "user: Remember 42.",
            "assistant: Hello from the fake Anthropic. You said: Remember 42.",
            "user: Which number?");
    // OpenAI speaks the Responses API: the conversation goes to it as input items.
    JsonNode toOpenAi = upstream(openai).json();
    assertThat(toOpenAi.has("previous_response_id")).isFalse();
    assertThat(toOpenAi.get("input").toString())
        .contains("Remember 42.")
        .contains("Hello from the fake Anthropic. You said: Remember 42.")
        .contains("Which number?");
    JsonNode second = json(answer);
    assertThat(second.get("previous_response_id").asText()).isEqualTo(first.get("id").asText());
    assertThat(get("/v1/responses/" + second.get("id").asText(), teamA).statusCode())
        .isEqualTo(200);
  }

  @Test
  void anotherWorkspacesResponseIsNotFound() {
    String id =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"secret plans\"}")
            .get("id")
            .asText();

    for (HttpResponse<String> answer :
        List.of(
            get("/v1/responses/" + id, teamB),
            get("/v1/responses/" + id + "/input_items", teamB),
            send("DELETE", "/v1/responses/" + id, teamB),
            send("POST", "/v1/responses/" + id + "/cancel", teamB))) {
      assertThat(answer.statusCode()).isEqualTo(404);
      assertThat(json(answer).at("/error/message").asText())
          .isEqualTo("Response with id '" + id + "' not found.");
      assertThat(json(answer).at("/error/type").asText()).isEqualTo("invalid_request_error");
    }
    HttpResponse<String> continued =
        post(
            teamB,
            "{\"model\":\"claude-sonnet-4-5\",\"previous_response_id\":\""
                + id
                + "\",\"input\":\"and?\"}",
            "x-portkey-provider",
            "anthropic");
    assertThat(continued.statusCode()).isEqualTo(400);
    assertThat(json(continued).at("/error/code").asText()).isEqualTo("previous_response_not_found");
    assertThat(json(continued).at("/error/param").asText()).isEqualTo("previous_response_id");
    assertThat(get("/v1/responses/" + id, teamA).statusCode()).isEqualTo(200);
    assertThat(get("/v1/responses/" + id).statusCode()).isEqualTo(401);
  }

  @Test
  void anIdTheGatewayDidNotStoreIsNotFoundEvenNamingOpenAi() throws InterruptedException {
    HttpResponse<String> answer =
        send(
            HttpRequest.newBuilder(server.baseUri().resolve("/v1/responses/resp_made_at_openai"))
                .header("x-portkey-api-key", teamA)
                .header("x-portkey-provider", "openai")
                .header("authorization", "Bearer sk-openai")
                .GET());

    assertThat(answer.statusCode()).isEqualTo(404);
    assertThat(openai.takeRequest(Duration.ofMillis(200))).as("nothing asked of OpenAI").isNull();
  }

  @Test
  void storeFalseStoresNothing() throws Exception {
    int before = rows();
    JsonNode answered =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"store\":false,\"input\":\"forget me\"}");

    assertThat(rows()).isEqualTo(before);
    assertThat(get("/v1/responses/" + answered.get("id").asText(), teamA).statusCode())
        .isEqualTo(404);
  }

  @Test
  void aDeletedResponseIsGone() {
    String id =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"bye\"}").get("id").asText();

    HttpResponse<String> deleted = send("DELETE", "/v1/responses/" + id, teamA);

    assertThat(deleted.statusCode()).isEqualTo(200);
    assertThat(json(deleted))
        .isEqualTo(
            WireJson.strictTree(
                "{\"id\":\"" + id + "\",\"object\":\"response\",\"deleted\":true}"));
    assertThat(get("/v1/responses/" + id, teamA).statusCode()).isEqualTo(404);
    assertThat(send("DELETE", "/v1/responses/" + id, teamA).statusCode()).isEqualTo(404);
  }

  @Test
  void inputItemsArePagedAsOpenAiPagesThem() {
    String id =
        respond(
                teamA,
                """
                {"model":"claude-sonnet-4-5","input":[
                  {"role":"user","content":"one"},{"role":"assistant","content":"two"},
                  {"role":"user","content":"three"},{"role":"assistant","content":"four"},
                  {"role":"user","content":[{"type":"input_text","text":"five"}]}]}\
                """)
            .get("id")
            .asText();
    String items = "/v1/responses/" + id + "/input_items";

    JsonNode first = json(get(items + "?order=asc&limit=2", teamA));
    JsonNode second =
        json(get(items + "?order=asc&limit=2&after=" + first.get("last_id").asText(), teamA));
    JsonNode last =
        json(get(items + "?order=asc&limit=2&after=" + second.get("last_id").asText(), teamA));
    JsonNode newestFirst = json(get(items, teamA));

    assertThat(first.get("object").asText()).isEqualTo("list");
    assertThat(itemTexts(first)).containsExactly("one", "two");
    assertThat(first.get("has_more").asBoolean()).isTrue();
    assertThat(first.get("first_id").asText()).isEqualTo(first.at("/data/0/id").asText());
    assertThat(first.at("/data/0/id").asText()).startsWith("msg_");
    assertThat(first.at("/data/0/type").asText()).isEqualTo("message");
    assertThat(first.at("/data/0/content/0/type").asText()).isEqualTo("input_text");
    assertThat(first.at("/data/1/content/0/type").asText()).isEqualTo("output_text");
    assertThat(itemTexts(second)).containsExactly("three", "four");
    assertThat(itemTexts(last)).containsExactly("five");
    assertThat(last.get("has_more").asBoolean()).isFalse();
    assertThat(itemTexts(newestFirst)).containsExactly("five", "four", "three", "two", "one");
    assertThat(get(items + "?limit=101", teamA).statusCode()).isEqualTo(400);
    assertThat(get(items + "?order=sideways", teamA).statusCode()).isEqualTo(400);
  }

  @Test
  void theStoredRowIsNotPlaintext() throws Exception {
    JsonNode answered =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"zebra-canary-7\"}");

    byte[] row = rowBytes(answered.get("id").asText());

    String stored = new String(row, StandardCharsets.ISO_8859_1);
    assertThat(stored).doesNotContain("zebra-canary-7").doesNotContain("Hello from the fake");
    assertThat(row.length).isGreaterThan(12 + 16);
  }

  @Test
  void aBackgroundResponseIsPolledUntilItCompletes() throws InterruptedException {
    anthropic.enqueue(new Fault.SlowFirstByte(Duration.ofMillis(500)));

    JsonNode accepted =
        respond(
            teamA,
            "{\"model\":\"claude-sonnet-4-5\",\"background\":true,\"input\":\"take your time\"}");

    assertThat(accepted.get("status").asText()).isEqualTo("queued");
    assertThat(accepted.get("background").asBoolean()).isTrue();
    assertThat(accepted.get("output")).isEmpty();
    JsonNode done = pollUntil(accepted.get("id").asText(), "completed");
    assertThat(text(done)).isEqualTo("Hello from the fake Anthropic. You said: take your time");
    assertThat(done.get("id")).isEqualTo(accepted.get("id"));
  }

  @Test
  void cancellingABackgroundResponseStopsItsUpstreamCall() throws InterruptedException {
    anthropic.enqueue(new Fault.SlowFirstByte(Duration.ofSeconds(30)));
    String id =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"background\":true,\"input\":\"slow\"}")
            .get("id")
            .asText();
    pollUntil(id, "in_progress");
    upstream(anthropic);

    HttpResponse<String> cancelled = send("POST", "/v1/responses/" + id + "/cancel", teamA);

    assertThat(cancelled.statusCode()).isEqualTo(200);
    assertThat(json(cancelled).get("status").asText()).isEqualTo("cancelled");
    assertThat(anthropic.awaitClientsLeftWhileWaiting(1, Duration.ofSeconds(10))).isTrue();
    assertThat(json(get("/v1/responses/" + id, teamA)).get("status").asText())
        .isEqualTo("cancelled");
  }

  @Test
  void backgroundNeedsStoreAndOnlyBackgroundResponsesCancel() {
    HttpResponse<String> unstored =
        post(
            teamA,
            "{\"model\":\"claude-sonnet-4-5\",\"background\":true,\"store\":false,\"input\":\"x\"}",
            "x-portkey-provider",
            "anthropic");
    assertThat(unstored.statusCode()).isEqualTo(400);
    assertThat(json(unstored).at("/error/param").asText()).isEqualTo("store");
    String id =
        respond(teamA, "{\"model\":\"claude-sonnet-4-5\",\"input\":\"now\"}").get("id").asText();

    HttpResponse<String> refused = send("POST", "/v1/responses/" + id + "/cancel", teamA);

    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(json(refused).at("/error/message").asText()).contains("background");
  }

  // ---- helpers

  /** {@code POST /v1/responses} to Anthropic's fake; an answer other than 200 fails the test. */
  private static JsonNode respond(String key, String body) {
    HttpResponse<String> answer = post(key, body, "x-portkey-provider", "anthropic");
    assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
    return json(answer);
  }

  /** {@code POST /v1/responses} with the gateway key {@code key} and these headers. */
  private static HttpResponse<String> post(String key, String body, String... headers) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.baseUri().resolve("/v1/responses"))
            .timeout(Duration.ofSeconds(30))
            .header("content-type", "application/json")
            .header("x-portkey-api-key", key)
            .header("authorization", "Bearer sk-provider")
            .POST(HttpRequest.BodyPublishers.ofString(body));
    if (headers.length > 0) {
      request.headers(headers);
    }
    return send(request);
  }

  private static JsonNode pollUntil(String id, String status) throws InterruptedException {
    JsonNode latest = null;
    for (int i = 0; i < 200; i++) {
      latest = json(get("/v1/responses/" + id, teamA));
      if (latest.path("status").asText().equals(status)) {
        return latest;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("never " + status + ": " + latest);
  }

  private static RecordedRequest upstream(FakeAnthropic fake) throws InterruptedException {
    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached Anthropic's fake").isNotNull();
    return request;
  }

  private static RecordedRequest upstream(FakeOpenAi fake) throws InterruptedException {
    RecordedRequest request = fake.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached OpenAI's fake").isNotNull();
    return request;
  }

  /** The text of a response's first output message. */
  private static String text(JsonNode response) {
    for (JsonNode item : response.get("output")) {
      if (item.path("type").asText().equals("message")) {
        return item.at("/content/0/text").asText();
      }
    }
    throw new AssertionError("no output message in " + response);
  }

  /** Each message as {@code role: text}. */
  private static List<String> texts(JsonNode messages) {
    List<String> texts = new ArrayList<>();
    for (JsonNode message : messages) {
      if (message.path("role").asText().equals("system")) {
        continue;
      }
      JsonNode content = message.path("content");
      String text = content.isTextual() ? content.asText() : content.path(0).path("text").asText();
      texts.add(message.path("role").asText() + ": " + text);
    }
    return texts;
  }

  private static List<String> itemTexts(JsonNode page) {
    List<String> texts = new ArrayList<>();
    page.get("data").forEach(item -> texts.add(item.at("/content/0/text").asText()));
    return texts;
  }

  private static HttpResponse<String> get(String path, String... key) {
    return send("GET", path, key);
  }

  private static HttpResponse<String> send(String method, String path, String... key) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(server.baseUri().resolve(path))
            .timeout(Duration.ofSeconds(30))
            .method(method, HttpRequest.BodyPublishers.noBody());
    if (key.length > 0) {
      request.header("authorization", "Bearer " + key[0]);
    }
    return send(request);
  }

  private static HttpResponse<String> send(HttpRequest.Builder request) {
    try {
      return http.send(request.build(), HttpResponse.BodyHandlers.ofString());
    } catch (IOException e) {
      throw new AssertionError(e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static JsonNode json(HttpResponse<String> response) {
    return WireJson.strictTree(response.body());
  }

  private static int rows() throws Exception {
    try (Connection connection = DriverManager.getConnection(storeUrl);
        Statement statement = connection.createStatement();
        ResultSet count = statement.executeQuery("SELECT count(*) FROM stored_responses")) {
      count.next();
      return count.getInt(1);
    }
  }

  private static byte[] rowBytes(String id) throws Exception {
    try (Connection connection = DriverManager.getConnection(storeUrl);
        var select =
            connection.prepareStatement("SELECT ciphertext FROM stored_responses WHERE id = ?")) {
      select.setString(1, id);
      try (ResultSet row = select.executeQuery()) {
        assertThat(row.next()).as("the response's row").isTrue();
        return row.getBytes("ciphertext");
      }
    }
  }
}
