package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Guardrails through HTTP: verdicts, statuses, hook_results, mutators, cache, retry, streams. */
class GuardrailTest {
  ParrotModel parrot;
  ManualTime time;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    parrot = ParrotModel.start();
    time = new ManualTime();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder().build(), engine -> engine.clock(time).sleeper(time));
  }

  @AfterEach
  void stop() {
    gateway.close();
    parrot.close();
  }

  String target(String extra) {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
        + parrot.baseUrl()
        + "\""
        + (extra.isEmpty() ? "" : "," + extra)
        + "}";
  }

  static String chat(String text) {
    return "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
        + WireJson.writeString(text)
        + "}]}";
  }

  static String stream(String text) {
    return chat(text).replace("}]}", "}],\"stream\":true}");
  }

  HttpResponse<String> send(String config, String body, String... headers) {
    List<String> all = new ArrayList<>(List.of("x-portkey-config", config));
    all.addAll(List.of(headers));
    return gateway.postJson("/v1/chat/completions", body, all.toArray(String[]::new));
  }

  static final String NO_APPLE_DENY =
      "[{\"default.contains\":{\"operator\":\"none\",\"words\":[\"Apple\"]},\"deny\":true}]";
  static final String NO_APPLE =
      "[{\"default.contains\":{\"operator\":\"none\",\"words\":[\"Apple\"]}}]";

  @Test
  void aDenyingInputGuardrailAnswers446WithHookResultsAndNeverCallsTheProvider() {
    var response = send(target("\"input_guardrails\":" + NO_APPLE_DENY), chat("I like Apple pie"));

    assertThat(response.statusCode()).isEqualTo(446);
    JsonNode body = json(response);
    assertThat(body.at("/error/type").asText()).isEqualTo("hooks_failed");
    assertThat(body.at("/error/message").asText()).contains("hook_results");
    JsonNode hook = body.at("/hook_results/before_request_hooks/0");
    assertThat(hook.path("verdict").asBoolean()).isFalse();
    assertThat(hook.path("deny").asBoolean()).isTrue();
    assertThat(hook.path("id").asText()).isEqualTo("input_guardrail_0");
    assertThat(hook.at("/checks/0/id").asText()).isEqualTo("default.contains");
    assertThat(hook.at("/checks/0/data/foundWords/0").asText()).isEqualTo("Apple");
    assertThat(body.at("/hook_results/after_request_hooks").isArray()).isTrue();
    assertThat(parrot.requestCount()).isZero();
  }

  @Test
  void aFailedGuardrailWithoutDenyPassesTheAnswerWith246AndHookResults() {
    var response = send(target("\"input_guardrails\":" + NO_APPLE), chat("I like Apple pie"));

    assertThat(response.statusCode()).isEqualTo(246);
    JsonNode body = json(response);
    assertThat(body.at("/choices/0/message/content").asText()).isEqualTo("I like Apple pie");
    assertThat(body.at("/hook_results/before_request_hooks/0/verdict").asBoolean()).isFalse();
    assertThat(body.at("/hook_results/before_request_hooks/0/deny").asBoolean()).isFalse();
    assertThat(parrot.requestCount()).isEqualTo(1);
  }

  @Test
  void aPassingGuardrailAnswers200WithHookResults() {
    var response = send(target("\"input_guardrails\":" + NO_APPLE_DENY), chat("I like pears"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/hook_results/before_request_hooks/0/verdict").asBoolean())
        .isTrue();
  }

  @Test
  void aDenyingOutputGuardrailAnswers446InsteadOfTheAnswer() {
    var response = send(target("\"output_guardrails\":" + NO_APPLE_DENY), chat("Apple"));

    assertThat(response.statusCode()).isEqualTo(446);
    JsonNode body = json(response);
    assertThat(body.has("choices")).isFalse();
    assertThat(body.at("/hook_results/after_request_hooks/0/verdict").asBoolean()).isFalse();
    assertThat(parrot.requestCount()).isEqualTo(1);
  }

  @Test
  void theFullFormRunsItsChecksAndGivesFeedback() {
    String hooks =
        "\"before_request_hooks\":[{\"id\":\"my-guard\",\"type\":\"guardrail\",\"deny\":false,"
            + "\"onFail\":{\"feedback\":{\"value\":-10,\"weight\":1,\"metadata\":{\"team\":\"a\"}}},"
            + "\"checks\":[{\"id\":\"default.wordCount\",\"parameters\":{\"minWords\":1,\"maxWords\":2}},"
            + "{\"id\":\"default.alluppercase\",\"is_enabled\":false}]}]";
    var response = send(target(hooks), chat("three words here"));

    assertThat(response.statusCode()).isEqualTo(246);
    JsonNode hook = json(response).at("/hook_results/before_request_hooks/0");
    assertThat(hook.path("id").asText()).isEqualTo("my-guard");
    assertThat(hook.path("checks")).hasSize(1);
    assertThat(hook.at("/feedback/value").asInt()).isEqualTo(-10);
    assertThat(hook.at("/feedback/metadata/team").asText()).isEqualTo("a");
    assertThat(hook.at("/feedback/metadata/failedChecks").asText()).isEqualTo("default.wordCount");
  }

  @Test
  void theDefaultGuardrailHeadersApplyBesideTheConfig() {
    var response =
        send(
            target(""),
            chat("I like Apple pie"),
            "x-portkey-default-input-guardrails",
            NO_APPLE_DENY);

    assertThat(response.statusCode()).isEqualTo(446);
    assertThat(parrot.requestCount()).isZero();
  }

  @Test
  void theDefaultOutputGuardrailHeaderChecksTheAnswer() {
    var response =
        send(target(""), chat("Apple"), "x-portkey-default-output-guardrails", NO_APPLE_DENY);

    assertThat(response.statusCode()).isEqualTo(446);
  }

  @Test
  void anUnknownCheckIsRefusedWith400BeforeAnyCall() {
    var response = send(target("\"input_guardrails\":[{\"default.noSuchCheck\":{}}]"), chat("hi"));

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/message").asText()).contains("default.noSuchCheck");
    assertThat(parrot.requestCount()).isZero();
  }

  @Test
  void piiRedactionReachesTheProviderRedacted() {
    String hooks = "\"input_mutators\":[{\"switchboard.pii\":{}}]";
    var response =
        send(
            target(hooks),
            chat(
                "Mail jane.doe@example.com, card 4111 1111 1111 1111, IBAN GB82 WEST 1234 5698 7654 32"));

    assertThat(response.statusCode()).isEqualTo(200);
    String received = WireJson.tree(parrot.bodies.getFirst()).at("/messages/0/content").asText();
    assertThat(received)
        .isEqualTo("Mail [EMAIL], card [CREDIT_CARD], IBAN [IBAN]")
        .doesNotContain("jane.doe")
        .doesNotContain("4111");
    JsonNode check = json(response).at("/hook_results/before_request_hooks/0/checks/0");
    assertThat(check.path("transformed").asBoolean()).isTrue();
    assertThat(check.at("/data/detected/email").asInt()).isEqualTo(1);
  }

  @Test
  void aCheckErrorFailsOpenByDefaultAndClosedWithFailOnError() {
    String open = "\"input_guardrails\":[{\"default.regexMatch\":{\"rule\":\"(\"},\"deny\":true}]";
    String closed =
        "\"input_guardrails\":[{\"default.regexMatch\":{\"rule\":\"(\",\"failOnError\":true},\"deny\":true}]";

    var passed = send(target(open), chat("hello"));
    var refused = send(target(closed), chat("hello"));

    assertThat(passed.statusCode()).isEqualTo(200);
    JsonNode check = json(passed).at("/hook_results/before_request_hooks/0/checks/0");
    assertThat(check.at("/error/message").asText()).contains("Invalid regular expression");
    assertThat(check.path("verdict").asBoolean()).isFalse();
    assertThat(refused.statusCode()).isEqualTo(446);
  }

  @Test
  void aCachedAnswerStillGetsTheOutputChecksAndInputChecksRunBeforeTheCache() {
    String cache = "\"cache\":{\"mode\":\"simple\"}";
    var first = send(target(cache), chat("Apple"));
    assertThat(first.statusCode()).isEqualTo(200);

    var cachedButDenied =
        send(target(cache + ",\"output_guardrails\":" + NO_APPLE_DENY), chat("Apple"));
    assertThat(cachedButDenied.statusCode()).isEqualTo(446);
    assertThat(parrot.requestCount()).isEqualTo(1);

    var inputDenied = send(target(cache + ",\"input_guardrails\":" + NO_APPLE_DENY), chat("Apple"));
    assertThat(inputDenied.statusCode()).isEqualTo(446);
    assertThat(inputDenied.headers().firstValue("x-portkey-cache-status")).isNotEqualTo("HIT");
    assertThat(parrot.requestCount()).isEqualTo(1);
  }

  @Test
  void aGuardrailFailureFallsBackWhen446IsListed() {
    parrot.answer = text -> text.contains("second") ? "fine" : "Apple";
    String config =
        "{\"strategy\":{\"mode\":\"fallback\",\"on_status_codes\":[446]},\"targets\":["
            + target("\"output_guardrails\":" + NO_APPLE_DENY)
            + ","
            + target(
                "\"override_params\":{\"messages\":[{\"role\":\"user\",\"content\":\"second\"}]}")
            + "]}";

    var response = send(config, chat("first"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText()).isEqualTo("fine");
    assertThat(response.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[1]");
  }

  @Test
  void aSchemaFailureNeverFallsBackToAnotherProviderUnless446IsListed() {
    parrot.answer = text -> "not json";
    String schemaCheck =
        "\"output_guardrails\":[{\"switchboard.jsonOutput\":{\"schema\":{\"type\":\"object\"}},"
            + "\"deny\":true}]";
    String second = target("\"override_params\":{\"model\":\"second\"}");
    String noCodes =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + target(schemaCheck)
            + ","
            + second
            + "]}";
    String otherCodes =
        noCodes.replace("\"fallback\"}", "\"fallback\",\"on_status_codes\":[500,503]}");

    var unlisted = send(noCodes, chat("give me json"));
    var listedOthers = send(otherCodes, chat("give me json"));

    assertThat(unlisted.statusCode()).isEqualTo(446);
    assertThat(json(unlisted).at("/error/type").asText()).isEqualTo("hooks_failed");
    assertThat(unlisted.headers().firstValue("x-portkey-last-used-option-index"))
        .hasValue("config.targets[0]");
    assertThat(listedOthers.statusCode()).isEqualTo(446);
    assertThat(parrot.requestCount()).as("the second target is never called").isEqualTo(2);
  }

  @Test
  void aDeniedPromptNeverFallsBackToAnotherTargetUnless446IsListed() {
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
            + target("\"input_guardrails\":" + NO_APPLE_DENY)
            + ","
            + target("")
            + "]}";

    var response = send(config, chat("I like Apple pie"));

    assertThat(response.statusCode()).isEqualTo(446);
    assertThat(parrot.requestCount()).isZero();
  }

  @Test
  void anOutputGuardrailFailureIsRetriedWhen446IsARetryStatus() {
    int[] calls = {0};
    parrot.answer = text -> ++calls[0] == 1 ? "not json" : "{\"ok\":true}";
    String hooks =
        "\"retry\":{\"attempts\":2,\"on_status_codes\":[446]},"
            + "\"output_guardrails\":[{\"switchboard.jsonOutput\":{\"schema\":{\"type\":\"object\","
            + "\"required\":[\"ok\"]}},\"deny\":true}]";

    var response = send(target(hooks), chat("give me json"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText()).isEqualTo("{\"ok\":true}");
    assertThat(response.headers().firstValue("x-portkey-retry-attempt-count")).hasValue("1");
    assertThat(parrot.requestCount()).isEqualTo(2);
  }

  @Test
  void aStreamCarriesTheOutputVerdictAsAFinalEventWhenStrictComplianceIsOff() {
    String config =
        target(
            "\"strict_open_ai_compliance\":false,\"input_guardrails\":"
                + NO_APPLE
                + ",\"output_guardrails\":[{\"default.wordCount\":{\"minWords\":1,\"maxWords\":3}}]");

    var response = send(config, stream("one two three four five"));

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = sseData(response.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    JsonNode first = WireJson.tree(data.getFirst());
    assertThat(first.at("/hook_results/before_request_hooks/0/verdict").asBoolean()).isTrue();
    JsonNode last = WireJson.tree(data.get(data.size() - 2));
    assertThat(last.at("/hook_results/after_request_hooks/0/verdict").asBoolean()).isFalse();
    assertThat(last.at("/hook_results/after_request_hooks/0/checks/0/data/wordCount").asInt())
        .isEqualTo(5);
  }

  @Test
  void aStrictStreamCarriesNoExtraEvents() {
    var response =
        send(
            target(
                "\"output_guardrails\":[{\"default.wordCount\":{\"minWords\":1,\"maxWords\":3}}]"),
            stream("one two three four five"));

    assertThat(response.body()).doesNotContain("hook_results");
    assertThat(sseData(response.body()).getLast()).isEqualTo("[DONE]");
  }

  @Test
  void aForbiddenWordStopsAStreamBeforeItGoesOut() {
    parrot.chunkSize = 3;
    var response =
        send(target("\"output_guardrails\":" + NO_APPLE_DENY), stream("I do like an Apple a day"));

    List<String> data = sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    StringBuilder delivered = new StringBuilder();
    for (String event : data) {
      delivered.append(WireJson.tree(event).at("/choices/0/delta/content").asText(""));
    }
    assertThat(delivered.toString()).doesNotContain("Apple").startsWith("I do like");
    JsonNode error = WireJson.tree(data.getLast());
    assertThat(error.at("/error/type").asText()).isEqualTo("hooks_failed");
  }

  @Test
  void aStreamWhoseFirstChunkIsRefusedGets446BeforeAnyByte() {
    parrot.chunkSize = 100;
    var response = send(target("\"output_guardrails\":" + NO_APPLE_DENY), stream("Apple pie"));

    assertThat(response.statusCode()).isEqualTo(446);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("hooks_failed");
  }

  @Test
  void resultsAreCountedByCheckAndCohort() {
    send(
        target("\"input_guardrails\":" + NO_APPLE),
        chat("Apple"),
        "x-portkey-metadata",
        "{\"cohort\":\"beta\"}");

    var stats = gateway.server.gateway().guardrailStatistics();
    assertThat(stats.check("default.contains").failed()).isEqualTo(1);
    assertThat(stats.byCohort().get("beta").failed()).isEqualTo(1);
    JsonNode health = json(gateway.get("/v1/health"));
    assertThat(health.at("/guardrails/by_check/default.contains/failed").asInt()).isEqualTo(1);
    assertThat(health.at("/guardrails/by_cohort/beta/failed").asInt()).isEqualTo(1);
  }

  @Test
  void aRetriedRequestIsRewrittenOnceNotOncePerAttempt() {
    int[] calls = {0};
    parrot.answer = text -> ++calls[0] == 1 ? "Apple" : "fine";
    String hooks =
        "\"retry\":{\"attempts\":2,\"on_status_codes\":[446]},"
            + "\"input_mutators\":[{\"default.addPrefix\":{\"prefix\":\"Be brief. \"}}],"
            + "\"output_guardrails\":"
            + NO_APPLE_DENY;

    var response = send(target(hooks), chat("hello"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(parrot.bodies).hasSize(2);
    for (String sent : parrot.bodies) {
      assertThat(WireJson.tree(sent).at("/messages/0/content").asText())
          .isEqualTo("Be brief. hello");
    }
  }

  @Test
  void embeddingInputIsRedactedBeforeItIsEmbedded() {
    var response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"text-embedding-3-small\",\"input\":[\"mail jane@example.com\",\"plain\"]}",
            "x-portkey-config",
            target("\"input_mutators\":[{\"switchboard.pii\":{}}]"));

    // The parrot answers no embeddings; what matters is what it was sent.
    assertThat(parrot.bodies).isNotEmpty();
    JsonNode sent = WireJson.tree(parrot.bodies.getLast());
    assertThat(sent.at("/input/0").asText()).isEqualTo("mail [EMAIL]");
    assertThat(sent.at("/input/1").asText()).isEqualTo("plain");
    assertThat(response.statusCode()).isNotEqualTo(446);
  }

  @Test
  void countTokensAndPassThroughRequestsPassTheInputHooksToo() {
    var count =
        gateway.postJson(
            "/v1/messages/count_tokens",
            "{\"model\":\"claude\",\"messages\":[{\"role\":\"user\",\"content\":\"Apple\"}]}",
            "x-portkey-config",
            target("\"input_guardrails\":" + NO_APPLE_DENY));
    var passThrough =
        gateway.postJson(
            "/v1/responses",
            "{\"model\":\"gpt-4o\",\"input\":\"tell me about Apple\"}",
            "x-portkey-config",
            target("\"input_guardrails\":" + NO_APPLE_DENY));

    assertThat(count.statusCode()).isEqualTo(446);
    assertThat(passThrough.statusCode()).isEqualTo(446);
    assertThat(parrot.requestCount()).isZero();
  }

  @Test
  void aPassedThroughAnswerIsCheckedAndCarriesHookResults() {
    var response =
        gateway.postJson(
            "/v1/proxy/chat/completions",
            chat("say Apple"),
            "x-portkey-config",
            target("\"output_guardrails\":" + NO_APPLE));
    var denied =
        gateway.postJson(
            "/v1/proxy/chat/completions",
            stream("say Apple"),
            "x-portkey-config",
            target("\"output_guardrails\":" + NO_APPLE_DENY));

    assertThat(response.statusCode()).isEqualTo(246);
    assertThat(json(response).at("/choices/0/message/content").asText()).isEqualTo("say Apple");
    assertThat(json(response).at("/hook_results/after_request_hooks/0/verdict").asBoolean())
        .isFalse();
    assertThat(denied.statusCode()).isEqualTo(446);
    assertThat(json(denied).at("/hook_results/after_request_hooks/0/verdict").asBoolean())
        .isFalse();
  }

  @Test
  void anAnthropicFormatStreamCarriesHookResultsAsNamedEvents() {
    try (var anthropic = dev.switchboard.testkit.FakeAnthropic.start()) {
      String config =
          "{\"provider\":\"anthropic\",\"api_key\":\"sk-ant\",\"custom_host\":\""
              + anthropic.baseUrl()
              + "\",\"strict_open_ai_compliance\":false,\"input_guardrails\":"
              + NO_APPLE
              + ",\"output_guardrails\":[{\"default.contains\":{\"operator\":\"any\",\"words\":[\"fake\"]}}]}";
      var response =
          gateway.postJson(
              "/v1/messages",
              "{\"model\":\"claude-3-5-sonnet-latest\",\"max_tokens\":64,\"stream\":true,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]}",
              "x-portkey-config",
              config,
              "anthropic-version",
              "2023-06-01");

      assertThat(response.statusCode()).isEqualTo(200);
      String body = response.body();
      assertThat(body).startsWith("event: hook_results");
      int last = body.lastIndexOf("event: hook_results");
      assertThat(last).isGreaterThan(body.indexOf("message_stop"));
      assertThat(body.substring(last)).contains("\"after_request_hooks\"");
      assertThat(body.substring(last)).contains("\"verdict\":true");
    }
  }

  @Test
  void anOutputMutatorRedactsTheAnswerBeforeTheClientSeesIt() {
    var response =
        send(
            target("\"output_mutators\":[{\"switchboard.pii\":{\"categories\":[\"email\"]}}]"),
            chat("reach me at jane.doe@example.com"));

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("reach me at [EMAIL]");
    assertThat(response.body()).doesNotContain("jane.doe@example.com");
  }
}
