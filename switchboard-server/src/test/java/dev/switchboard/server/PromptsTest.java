package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.state.prompts.PromptSettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Saved prompts through a running gateway, every call HTTP: the admin API creates, versions, labels
 * and rolls back a prompt, {@code POST /v1/prompts/{id}/render} answers Portkey's shape, {@code
 * /completions} goes through the pipeline to a fake OpenAI (whole and streamed, with the prompt's
 * own config), a missing variable is a 400 that names it, two versions never share a cached answer,
 * and the request log keeps the prompt's id and version as filters and a cohort.
 */
class PromptsTest {
  static final String ADMIN = "admin-token-prompts";

  @TempDir static Path data;
  static FakeOpenAi openai;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder().build())
            .withObservability(ObservabilitySettings.defaults().withDataDirectory(data))
            .withAdminToken(ADMIN)
            .withPrompts(PromptSettings.storedAt("jdbc:h2:mem:prompts-" + UUID.randomUUID()));
    gateway = GatewayUnderTest.withSettings(settings, engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
    openai.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (openai.takeRequest(Duration.ofMillis(1)) != null) {
      // drain
    }
  }

  /** The prompt's own config: the fake OpenAI, with the simple cache. */
  String config() {
    return "{\"provider\":\"openai\",\"custom_host\":\""
        + openai.baseUrl()
        + "\",\"cache\":{\"mode\":\"simple\"}}";
  }

  static String fresh(String name) {
    return name + "-" + UUID.randomUUID().toString().substring(0, 8);
  }

  /** A prompt's version: a system message with a partial, a user message with a variable. */
  String version(String system, String note) {
    return """
    {"messages":[
       {"role":"system","content":"%s {{> tone}}"},
       {"role":"user","content":"{{question}}"}],
     "model":"gpt-4o-mini",
     "parameters":{"temperature":0.2,"max_tokens":50},
     "config":%s,
     "partials":{"tone":"Answer as {{persona}}."},
     "note":"%s"}
    """
        .formatted(system, config(), note);
  }

  HttpResponse<String> admin(String method, String path, String body) {
    HttpRequest.Builder request =
        HttpRequest.newBuilder(gateway.uri(path))
            .timeout(Duration.ofSeconds(30))
            .header("authorization", "Bearer " + ADMIN)
            .header("content-type", "application/json")
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    return gateway.send(request);
  }

  /** Creates a prompt with {@code versions} (the first made with it, the others added). */
  String create(String... versions) {
    String id = fresh("support");
    String first =
        WireJson.writeString(
            ((com.fasterxml.jackson.databind.node.ObjectNode) WireJson.tree(versions[0]))
                .put("id", id));
    HttpResponse<String> created = admin("POST", "/v1/admin/prompts", first);
    assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
    for (int i = 1; i < versions.length; i++) {
      HttpResponse<String> added =
          admin("POST", "/v1/admin/prompts/" + id + "/versions", versions[i]);
      assertThat(added.statusCode()).as(added.body()).isEqualTo(201);
      assertThat(GatewayUnderTest.json(added).path("version").asInt()).isEqualTo(i + 1);
    }
    return id;
  }

  HttpResponse<String> label(String id, String label, int version) {
    return admin(
        "PUT", "/v1/admin/prompts/" + id + "/labels/" + label, "{\"version\":" + version + "}");
  }

  HttpResponse<String> call(String reference, String route, String body) {
    return gateway.postJson(
        "/v1/prompts/" + reference + "/" + route, body, "authorization", "Bearer sk-test");
  }

  static final String VARIABLES =
      "{\"variables\":{\"question\":\"Where is my parcel?\",\"persona\":\"a pirate\"}}";

  @Test
  void renderAnswersPortkeysShapeForAVersionALabelAndTheLatest() {
    String id = create(version("You are v1.", "first"), version("You are v2.", "second"));

    HttpResponse<String> bare = call(id, "render", VARIABLES);
    assertThat(bare.statusCode()).as(bare.body()).isEqualTo(200);
    JsonNode answer = GatewayUnderTest.json(bare);
    assertThat(answer.path("success").asBoolean()).isTrue();
    JsonNode data = answer.path("data");
    assertThat(data.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(data.path("temperature").asDouble()).isEqualTo(0.2);
    assertThat(data.path("messages").get(0).path("content").asText())
        .isEqualTo("You are v2. Answer as a pirate.");
    assertThat(data.path("messages").get(1).path("content").asText())
        .isEqualTo("Where is my parcel?");
    assertThat(bare.headers().firstValue("x-switchboard-prompt")).contains(id + "@2");

    assertThat(label(id, "production", 1).statusCode()).isEqualTo(200);
    assertThat(render(id, VARIABLES)).startsWith("You are v1.");
    assertThat(render(id + "@2", VARIABLES)).startsWith("You are v2.");
    assertThat(render(id + "@latest", VARIABLES)).startsWith("You are v2.");
    assertThat(label(id, "staging", 2).statusCode()).isEqualTo(200);
    assertThat(render(id + "@staging", VARIABLES)).startsWith("You are v2.");

    HttpResponse<String> overridden =
        call(
            id,
            "render",
            "{\"promptID\":\""
                + id
                + "\",\"variables\":{\"question\":\"q\",\"persona\":\"p\"},\"max_tokens\":7}");
    assertThat(GatewayUnderTest.json(overridden).path("data").path("max_tokens").asInt())
        .isEqualTo(7);
    assertThat(GatewayUnderTest.json(overridden).path("data").has("promptID")).isFalse();

    assertThat(call(id + "@9", "render", VARIABLES).statusCode()).isEqualTo(404);
    assertThat(call(id + "@nolabel", "render", VARIABLES).statusCode()).isEqualTo(404);
    assertThat(call(fresh("absent"), "render", VARIABLES).statusCode()).isEqualTo(404);
  }

  String render(String reference, String body) {
    HttpResponse<String> rendered = call(reference, "render", body);
    assertThat(rendered.statusCode()).as(rendered.body()).isEqualTo(200);
    return GatewayUnderTest.json(rendered)
        .path("data")
        .path("messages")
        .get(0)
        .path("content")
        .asText();
  }

  @Test
  void aMissingVariableIsA400ThatNamesIt() {
    String id = create(version("You are v1.", "first"));
    int before = openai.requestCount();

    HttpResponse<String> render = call(id, "render", "{\"variables\":{\"question\":\"q\"}}");
    HttpResponse<String> completion =
        call(id, "completions", "{\"variables\":{\"persona\":\"p\"}}");

    assertThat(render.statusCode()).isEqualTo(400);
    JsonNode error = GatewayUnderTest.json(render).path("error");
    assertThat(error.path("message").asText()).contains("'persona'");
    assertThat(error.path("param").asText()).isEqualTo("variables.persona");
    assertThat(error.path("type").asText()).isEqualTo("invalid_request_error");
    assertThat(completion.statusCode()).isEqualTo(400);
    assertThat(GatewayUnderTest.json(completion).path("error").path("param").asText())
        .isEqualTo("variables.question");
    assertThat(openai.requestCount()).isEqualTo(before);
  }

  @Test
  void completionsGoThroughThePipelineWholeAndStreamed() throws InterruptedException {
    String id = create(version("You are v1.", "first"));
    int before = openai.requestCount();

    HttpResponse<String> whole =
        call(
            id,
            "completions",
            "{\"variables\":{\"question\":\"Whole?\",\"persona\":\"a clerk\"},\"stream\":false}");

    assertThat(whole.statusCode()).as(whole.body()).isEqualTo(200);
    assertThat(
            GatewayUnderTest.json(whole)
                .path("choices")
                .get(0)
                .path("message")
                .path("content")
                .asText())
        .isEqualTo("Hello from the fake OpenAI. You said: Whole?");
    assertThat(whole.headers().firstValue("x-switchboard-prompt")).contains(id + "@1");
    assertThat(whole.headers().firstValue("x-portkey-cache-status")).contains("MISS");
    RecordedRequest sent = openai.takeRequest(Duration.ofSeconds(5));
    JsonNode body = sent.json();
    assertThat(body.path("model").asText()).isEqualTo("gpt-4o-mini");
    assertThat(body.path("max_tokens").asInt()).isEqualTo(50);
    assertThat(body.path("messages").get(0).path("content").asText())
        .isEqualTo("You are v1. Answer as a clerk.");
    assertThat(body.has("variables")).isFalse();

    HttpResponse<String> streamed =
        call(
            id,
            "completions",
            "{\"variables\":{\"question\":\"Streamed?\",\"persona\":\"a clerk\"},\"stream\":true}");

    assertThat(streamed.statusCode()).as(streamed.body()).isEqualTo(200);
    assertThat(streamed.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    List<String> events = GatewayUnderTest.sseData(streamed.body());
    assertThat(events.getLast()).isEqualTo("[DONE]");
    StringBuilder text = new StringBuilder();
    for (String event : events.subList(0, events.size() - 1)) {
      JsonNode chunk = WireJson.tree(event);
      if (chunk.path("choices").size() > 0) {
        text.append(chunk.path("choices").get(0).path("delta").path("content").asText(""));
      }
    }
    assertThat(text.toString()).isEqualTo("Hello from the fake OpenAI. You said: Streamed?");
    assertThat(openai.requestCount()).isEqualTo(before + 2);
  }

  @Test
  void twoVersionsNeverShareACachedAnswerEvenWhenTheyRenderTheSameRequest() {
    String same = version("You are the same.", "same");
    String id = create(same, same);
    int before = openai.requestCount();

    HttpResponse<String> first = call(id + "@1", "completions", VARIABLES);
    HttpResponse<String> again = call(id + "@1", "completions", VARIABLES);
    HttpResponse<String> otherVersion = call(id + "@2", "completions", VARIABLES);
    HttpResponse<String> otherAgain = call(id + "@2", "completions", VARIABLES);

    assertThat(List.of(first, again, otherVersion, otherAgain))
        .extracting(response -> response.headers().firstValue("x-portkey-cache-status").orElse(""))
        .containsExactly("MISS", "HIT", "MISS", "HIT");
    assertThat(openai.requestCount()).isEqualTo(before + 2);
  }

  @Test
  void theRequestLogKeepsThePromptsIdAndVersionAsFiltersAndACohort() {
    String id = create(version("You are v1.", "first"), version("You are v2.", "second"));

    for (String reference : List.of(id + "@1", id + "@2", id + "@2")) {
      HttpResponse<String> answered =
          call(
              reference,
              "completions",
              "{\"variables\":{\"question\":\"" + UUID.randomUUID() + "\",\"persona\":\"p\"}}");
      assertThat(answered.statusCode()).as(answered.body()).isEqualTo(200);
    }

    List<JsonNode> versionTwo =
        LogsApi.awaitRecords(
            gateway,
            "prompt_id=" + id + "&prompt_version=2",
            2,
            "authorization",
            "Bearer " + ADMIN);
    assertThat(versionTwo).hasSize(2);
    assertThat(versionTwo)
        .allSatisfy(record -> {
          assertThat(record.path("metadata").path("_prompt_id").asText()).isEqualTo(id);
          assertThat(record.path("metadata").path("_prompt_version").asText()).isEqualTo("2");
          assertThat(record.path("path").asText()).isEqualTo("/v1/chat/completions");
        });
    List<JsonNode> all =
        LogsApi.awaitRecords(gateway, "prompt_id=" + id, 3, "authorization", "Bearer " + ADMIN);
    assertThat(all).hasSize(3);

    HttpResponse<String> analytics =
        gateway.get(
            "/v1/analytics?group_by=prompt&prompt_id=" + id, "authorization", "Bearer " + ADMIN);
    assertThat(analytics.statusCode()).as(analytics.body()).isEqualTo(200);
    List<String> cohorts = new ArrayList<>();
    GatewayUnderTest.json(analytics)
        .path("totals")
        .forEach(
            row -> cohorts.add(row.path("group").asText() + "=" + row.path("requests").asInt()));
    assertThat(cohorts).containsExactlyInAnyOrder(id + "@1=1", id + "@2=2");
  }

  @Test
  void aRollbackMovesTheLabelBackAndTheHistorySaysWhoDidWhatAndWhen() {
    String id = create(version("You are v1.", "first"), version("You are v2.", "second"));
    assertThat(label(id, "production", 2).statusCode()).isEqualTo(200);
    assertThat(render(id, VARIABLES)).startsWith("You are v2.");

    HttpResponse<String> rolledBack =
        admin("POST", "/v1/admin/prompts/" + id + "/rollback", "{\"version\":1}");

    assertThat(rolledBack.statusCode()).as(rolledBack.body()).isEqualTo(200);
    assertThat(GatewayUnderTest.json(rolledBack).path("previous_version").asInt()).isEqualTo(2);
    assertThat(render(id, VARIABLES)).startsWith("You are v1.");
    HttpResponse<String> forward =
        admin("POST", "/v1/admin/prompts/" + id + "/rollback", "{\"version\":2}");
    assertThat(forward.statusCode()).isEqualTo(400);

    JsonNode history =
        GatewayUnderTest.json(admin("GET", "/v1/admin/prompts/" + id + "/history", null));
    List<String> changes = new ArrayList<>();
    history
        .path("data")
        .forEach(change -> {
          assertThat(change.path("actor").asText()).isEqualTo("admin");
          assertThat(change.path("at").asText()).isNotBlank();
          changes.add(
              change.path("action").asText()
                  + " "
                  + change.path("version").asInt()
                  + (change.has("label")
                      ? " "
                          + change.path("label").asText()
                          + " from "
                          + change.path("previous_version").asText()
                      : ""));
        });
    assertThat(changes)
        .containsExactly(
            "create 1",
            "version 2",
            "label 2 production from null",
            "rollback 1 production from 2");

    JsonNode prompt = GatewayUnderTest.json(admin("GET", "/v1/admin/prompts/" + id, null));
    assertThat(prompt.path("labels").path("production").asInt()).isEqualTo(1);
    assertThat(prompt.path("latest_version").asInt()).isEqualTo(2);
    assertThat(prompt.path("versions")).hasSize(2);
    assertThat(prompt.path("versions").get(1).path("template").path("note").asText())
        .isEqualTo("second");
    assertThat(prompt.path("versions").get(0).path("variables"))
        .extracting(JsonNode::asText)
        .containsExactly("persona", "question");
  }

  @Test
  void theAdminApiRefusesABadTemplateAndCallsWithoutTheAdminToken() {
    HttpResponse<String> badPartial =
        admin(
            "POST",
            "/v1/admin/prompts",
            "{\"id\":\""
                + fresh("bad")
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"{{> nowhere}}\"}]}");
    assertThat(badPartial.statusCode()).isEqualTo(400);
    assertThat(GatewayUnderTest.json(badPartial).path("error").path("message").asText())
        .contains("'nowhere'");
    HttpResponse<String> unclosed =
        admin(
            "POST",
            "/v1/admin/prompts",
            "{\"id\":\""
                + fresh("bad")
                + "\",\"messages\":[{\"role\":\"user\",\"content\":\"{{#open}}\"}]}");
    assertThat(unclosed.statusCode()).isEqualTo(400);
    assertThat(GatewayUnderTest.json(unclosed).path("error").path("message").asText())
        .contains("messages[0].content");

    String id = create(version("You are v1.", "first"));
    assertThat(
            admin(
                    "POST",
                    "/v1/admin/prompts",
                    "{\"id\":\"" + id + "\",\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .statusCode())
        .isEqualTo(409);
    assertThat(gateway.get("/v1/admin/prompts/" + id).statusCode()).isEqualTo(401);
    assertThat(
            gateway
                .postJson(
                    "/v1/admin/prompts/" + id + "/versions",
                    "{\"messages\":[{\"role\":\"user\",\"content\":\"x\"}]}")
                .statusCode())
        .isEqualTo(401);
  }
}
