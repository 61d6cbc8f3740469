package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The response cache through HTTP, against the fake OpenAI, on the embedded backend. */
class CacheTest {
  static final String CHAT =
      "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}";
  static final String STREAM = CHAT.replace("}]}", "}],\"stream\":true}");
  static final String STREAM_WITH_USAGE =
      CHAT.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

  FakeOpenAi openai;
  ManualTime time;
  GatewayUnderTest gateway;

  @BeforeEach
  void start() {
    openai = FakeOpenAi.start();
    time = new ManualTime();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder().build(), engine -> engine.clock(time).sleeper(time));
  }

  @AfterEach
  void stop() {
    gateway.close();
    openai.close();
  }

  String config(String cache) {
    return "{\"provider\":\"openai\",\"custom_host\":\""
        + openai.baseUrl()
        + "\""
        + (cache == null ? "" : ",\"cache\":" + cache)
        + "}";
  }

  static final String SIMPLE = "{\"mode\":\"simple\"}";

  HttpResponse<String> send(String path, String body, String cache, String... headers) {
    List<String> all = new ArrayList<>(List.of("x-portkey-config", config(cache)));
    all.add("authorization");
    all.add("Bearer sk-test");
    all.addAll(List.of(headers));
    return gateway.postJson(path, body, all.toArray(String[]::new));
  }

  HttpResponse<String> chat(String body, String cache, String... headers) {
    return send("/v1/chat/completions", body, cache, headers);
  }

  static String status(HttpResponse<String> response) {
    return response.headers().firstValue("x-portkey-cache-status").orElse(null);
  }

  @Test
  void aRepeatedRequestIsAnsweredFromTheCacheWithoutCallingTheProvider() {
    var first = chat(CHAT, SIMPLE);
    var second = chat(CHAT, SIMPLE);

    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(status(first)).isEqualTo("MISS");
    assertThat(second.statusCode()).isEqualTo(200);
    assertThat(status(second)).isEqualTo("HIT");
    assertThat(json(second)).isEqualTo(json(first));
    assertThat(openai.requestCount()).isEqualTo(1);
    assertThat(second.headers().firstValue("x-portkey-provider")).hasValue("openai");
  }

  @Test
  void withoutACacheInTheConfigTheStatusIsDisabledAndEveryRequestGoesUpstream() {
    var first = chat(CHAT, null);
    var second = chat(CHAT, null);

    assertThat(status(first)).isEqualTo("DISABLED");
    assertThat(status(second)).isEqualTo("DISABLED");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void modeDisabledAndTheStringFormAreReadAsPortkeyReadsThem() {
    assertThat(status(chat(CHAT, "{\"mode\":\"DISABLED\"}"))).isEqualTo("DISABLED");
    assertThat(status(chat(CHAT, "\"simple\""))).isEqualTo("MISS");
    assertThat(status(chat(CHAT, "\"simple\""))).isEqualTo("HIT");
  }

  @Test
  void keyOrderWhitespaceNumberFormAndTheUserFieldDoNotChangeTheKey() {
    chat(
        "{\"model\":\"gpt-4o-mini\",\"temperature\":1,\"messages\":[{\"role\":\"user\",\"content\":\"cache me\"}]}",
        SIMPLE);

    var reordered =
        chat(
            "{ \"messages\" : [ {\"content\":\"cache me\", \"role\":\"user\"} ],\n"
                + " \"temperature\": 1.0, \"user\":\"someone\", \"model\":\"gpt-4o-mini\" }",
            SIMPLE);

    assertThat(status(reordered)).isEqualTo("HIT");
    assertThat(openai.requestCount()).isEqualTo(1);
  }

  @Test
  void aChangedParameterIsAnotherKey() {
    chat(CHAT, SIMPLE);

    var other = chat(CHAT.replace("cache me", "cache you"), SIMPLE);
    var hotter = chat(CHAT.replace("}]}", "}],\"temperature\":0.5}"), SIMPLE);

    assertThat(status(other)).isEqualTo("MISS");
    assertThat(status(hotter)).isEqualTo("MISS");
    assertThat(openai.requestCount()).isEqualTo(3);
  }

  @Test
  void forceRefreshSkipsTheLookupAndStoresTheFreshAnswer() {
    var first = chat(CHAT, SIMPLE);

    var refreshed = chat(CHAT, SIMPLE, "x-portkey-cache-force-refresh", "true");
    var after = chat(CHAT, SIMPLE);

    assertThat(status(refreshed)).isEqualTo("REFRESH");
    assertThat(json(refreshed).path("id")).isNotEqualTo(json(first).path("id"));
    assertThat(status(after)).isEqualTo("HIT");
    assertThat(json(after).path("id")).isEqualTo(json(refreshed).path("id"));
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void forceRefreshFalseIsAnOrdinaryLookup() {
    chat(CHAT, SIMPLE);

    assertThat(status(chat(CHAT, SIMPLE, "x-portkey-cache-force-refresh", "false")))
        .isEqualTo("HIT");
  }

  @Test
  void aNamespaceKeepsItsAnswersApart() {
    chat(CHAT, SIMPLE, "x-portkey-cache-namespace", "team-a");

    var otherNamespace = chat(CHAT, SIMPLE, "x-portkey-cache-namespace", "team-b");
    var noNamespace = chat(CHAT, SIMPLE);
    var sameNamespace = chat(CHAT, SIMPLE, "x-portkey-cache-namespace", "team-a");

    assertThat(status(otherNamespace)).isEqualTo("MISS");
    assertThat(status(noNamespace)).isEqualTo("MISS");
    assertThat(status(sameNamespace)).isEqualTo("HIT");
    assertThat(openai.requestCount()).isEqualTo(3);
  }

  @Test
  void anAnswerExpiresAfterMaxAgeSeconds() {
    String cache = "{\"mode\":\"simple\",\"max_age\":60}";
    chat(CHAT, cache);

    time.advance(Duration.ofSeconds(59));
    var young = chat(CHAT, cache);
    time.advance(Duration.ofSeconds(2));
    var expired = chat(CHAT, cache);

    assertThat(status(young)).isEqualTo("HIT");
    assertThat(status(expired)).isEqualTo("MISS");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void maxAgeIsReadInCamelCaseAndAsANumericString() {
    String cache = "{\"mode\":\"simple\",\"maxAge\":\"30\"}";
    chat(CHAT, cache);

    time.advance(Duration.ofSeconds(31));

    assertThat(status(chat(CHAT, cache))).isEqualTo("MISS");
  }

  @Test
  void withoutMaxAgeAnAnswerIsKeptSevenDays() {
    chat(CHAT, SIMPLE);

    time.advance(Duration.ofDays(7).minusMinutes(1));
    var kept = chat(CHAT, SIMPLE);
    time.advance(Duration.ofMinutes(2));

    assertThat(status(kept)).isEqualTo("HIT");
    assertThat(status(chat(CHAT, SIMPLE))).isEqualTo("MISS");
  }

  @Test
  void anInvalidCacheConfigIsRefusedBeforeAnyUpstreamCall() {
    var response = chat(CHAT, "{\"mode\":\"fuzzy\"}");
    var badAge = chat(CHAT, "{\"mode\":\"simple\",\"max_age\":-5}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.body()).contains("config.cache").contains("mode");
    assertThat(badAge.statusCode()).isEqualTo(400);
    assertThat(badAge.body()).contains("max_age");
    assertThat(openai.requestCount()).isZero();
  }

  @Test
  void aChildTargetsCacheReplacesItsParents() {
    String config =
        "{\"strategy\":{\"mode\":\"fallback\"},\"cache\":{\"mode\":\"simple\"},\"targets\":["
            + "{\"provider\":\"openai\",\"api_key\":\"sk-1\",\"custom_host\":\""
            + openai.baseUrl()
            + "\",\"cache\":{\"mode\":\"DISABLED\"}}]}";

    var first = gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-config", config);
    var second = gateway.postJson("/v1/chat/completions", CHAT, "x-portkey-config", config);

    assertThat(status(first)).isEqualTo("DISABLED");
    assertThat(status(second)).isEqualTo("DISABLED");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void aStreamedAnswerReplaysAsAStreamEqualToTheOriginalReassembled() {
    var original = chat(STREAM_WITH_USAGE, SIMPLE);
    var replayed = chat(STREAM_WITH_USAGE, SIMPLE);

    assertThat(status(original)).isEqualTo("MISS");
    assertThat(status(replayed)).isEqualTo("HIT");
    assertThat(replayed.headers().firstValue("content-type").orElse(""))
        .startsWith("text/event-stream");
    List<String> data = sseData(replayed.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    JsonNode usageChunk = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageChunk.path("choices")).isEmpty();
    assertThat(usageChunk.path("usage").path("total_tokens").asInt()).isPositive();
    for (String event : data.subList(0, data.size() - 1)) {
      assertThat(WireJson.tree(event).path("object").asText()).isEqualTo("chat.completion.chunk");
    }
    assertThat(StreamAssembly.assemble(data))
        .isEqualTo(StreamAssembly.assemble(sseData(original.body())));
    assertThat(openai.requestCount()).isEqualTo(1);
  }

  @Test
  void aStreamingRequestIsServedFromAnAnswerStoredWhole() {
    var whole = chat(CHAT, SIMPLE);
    var streamed = chat(STREAM_WITH_USAGE, SIMPLE);

    assertThat(status(streamed)).isEqualTo("HIT");
    List<String> data = sseData(streamed.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(json(whole)));
    assertThat(openai.requestCount()).isEqualTo(1);
  }

  @Test
  void aWholeRequestIsServedFromAStoredStream() {
    var streamed = chat(STREAM_WITH_USAGE, SIMPLE);
    var whole = chat(CHAT, SIMPLE);

    assertThat(status(whole)).isEqualTo("HIT");
    assertThat(whole.headers().firstValue("content-type").orElse(""))
        .startsWith("application/json");
    assertThat(json(whole).path("object").asText()).isEqualTo("chat.completion");
    assertThat(StreamAssembly.of(json(whole)))
        .isEqualTo(StreamAssembly.assemble(sseData(streamed.body())));
    assertThat(openai.requestCount()).isEqualTo(1);
  }

  @Test
  void aStreamReplayedWithoutUsageAskedForHasNoUsageChunk() {
    chat(STREAM_WITH_USAGE, SIMPLE);

    List<String> data = sseData(chat(STREAM, SIMPLE).body());

    assertThat(data.getLast()).isEqualTo("[DONE]");
    for (String event : data.subList(0, data.size() - 1)) {
      assertThat(WireJson.tree(event).path("choices")).isNotEmpty();
    }
  }

  @Test
  void aStreamCutShortIsNotStored() {
    openai.enqueue(Fault.cutStreamAfter(2));

    var cut = chat(STREAM, SIMPLE);
    var next = chat(STREAM, SIMPLE);

    assertThat(sseData(cut.body())).doesNotContain("[DONE]");
    assertThat(status(next)).isEqualTo("MISS");
    assertThat(sseData(next.body()).getLast()).isEqualTo("[DONE]");
    assertThat(openai.requestCount()).isEqualTo(2);
    assertThat(status(chat(STREAM, SIMPLE))).isEqualTo("HIT");
  }

  @Test
  void anErrorIsNeverStored() {
    openai.enqueue(Fault.status(500));

    var failed = chat(CHAT, SIMPLE);
    var next = chat(CHAT, SIMPLE);

    assertThat(failed.statusCode()).isEqualTo(500);
    assertThat(next.statusCode()).isEqualTo(200);
    assertThat(status(next)).isEqualTo("MISS");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void severalChoicesAreNotCached() {
    String many = CHAT.replace("}]}", "}],\"n\":2}");

    var first = chat(many, SIMPLE);
    var second = chat(many, SIMPLE);

    assertThat(status(first)).isEqualTo("DISABLED");
    assertThat(status(second)).isEqualTo("DISABLED");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void aReplyThatAsksForToolsIsNotStored() {
    String tools =
        CHAT.replace(
            "}]}",
            "}],\"tools\":[{\"type\":\"function\",\"function\":{\"name\":\"lookup\","
                + "\"parameters\":{\"type\":\"object\",\"properties\":{}}}}],"
                + "\"tool_choice\":\"required\"}");

    var first = chat(tools, SIMPLE);
    var second = chat(tools, SIMPLE);

    assertThat(json(first).at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    assertThat(status(second)).isEqualTo("MISS");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void deterministicOnlyCachesOnlyTemperatureZero() {
    String cache = "{\"mode\":\"simple\",\"deterministic_only\":true}";
    String cold = CHAT.replace("}]}", "}],\"temperature\":0}");

    assertThat(status(chat(CHAT, cache))).isEqualTo("DISABLED");
    assertThat(status(chat(cold, cache))).isEqualTo("MISS");
    assertThat(status(chat(cold, cache))).isEqualTo("HIT");
  }

  @Test
  void embeddingsAndTextCompletionsAreCachedPerEndpoint() {
    String embed = "{\"model\":\"text-embedding-3-small\",\"input\":\"cache me\"}";
    String complete = "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":\"cache me\"}";

    assertThat(status(send("/v1/embeddings", embed, SIMPLE))).isEqualTo("MISS");
    var hit = send("/v1/embeddings", embed, SIMPLE);
    assertThat(status(hit)).as(hit.body()).isEqualTo("HIT");
    assertThat(status(send("/v1/completions", complete, SIMPLE))).isEqualTo("MISS");
    var streamed = send("/v1/completions", complete.replace("}", ",\"stream\":true}"), SIMPLE);
    assertThat(status(streamed)).isEqualTo("HIT");
    assertThat(sseData(streamed.body()).getLast()).isEqualTo("[DONE]");
    assertThat(openai.requestCount()).isEqualTo(2);
  }

  @Test
  void theHealthEndpointCountsHitsMissesRefreshesAndSavedTokens() {
    var first = chat(CHAT, SIMPLE);
    chat(CHAT, SIMPLE);
    chat(CHAT, SIMPLE, "x-portkey-cache-force-refresh", "true");

    JsonNode cache = json(gateway.get("/v1/health")).path("cache");

    assertThat(cache.path("hits").asLong()).isEqualTo(1);
    assertThat(cache.path("misses").asLong()).isEqualTo(1);
    assertThat(cache.path("refreshes").asLong()).isEqualTo(1);
    assertThat(cache.path("stores").asLong()).isEqualTo(2);
    assertThat(cache.path("errors").asLong()).isZero();
    assertThat(cache.path("saved_tokens").asLong())
        .isEqualTo(json(first).at("/usage/total_tokens").asLong());
    assertThat(cache.path("entries").asLong()).isEqualTo(1);
  }

  /**
   * 2 gateway keys × 2 provider keys, 50 identical requests in each scope: no answer crosses a
   * scope, and all but the first in each scope are hits.
   */
  @Test
  void answersNeverCrossTenantsOrProviderKeys() {
    Map<String, String> ownerOfId = new HashMap<>();
    int crossScopeHits = 0;
    Map<String, Integer> hitsByScope = new HashMap<>();
    for (String tenant : List.of("pk-tenant-one", "pk-tenant-two")) {
      for (String providerKey : List.of("sk-key-one", "sk-key-two")) {
        String scope = tenant + "/" + providerKey;
        for (int i = 0; i < 50; i++) {
          var response =
              gateway.postJson(
                  "/v1/chat/completions",
                  CHAT,
                  "x-portkey-config",
                  config(SIMPLE),
                  "x-portkey-api-key",
                  tenant,
                  "authorization",
                  "Bearer " + providerKey);
          assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
          String id = json(response).path("id").asText();
          String owner = ownerOfId.putIfAbsent(id, scope);
          if (owner != null && !owner.equals(scope)) {
            crossScopeHits++;
          }
          if ("HIT".equals(status(response))) {
            hitsByScope.merge(scope, 1, Integer::sum);
          }
        }
      }
    }
    String figures =
        String.format(
            "scope isolation: cross-scope hits %d, hits per scope %s, upstream calls %d",
            crossScopeHits, new java.util.TreeMap<>(hitsByScope), openai.requestCount());
    System.out.println(figures);

    assertThat(crossScopeHits).isZero();
    assertThat(hitsByScope).hasSize(4);
    assertThat(hitsByScope.values())
        .allSatisfy(hits -> assertThat(hits).isGreaterThanOrEqualTo(49));
    assertThat(openai.requestCount()).isEqualTo(4);
  }
}
