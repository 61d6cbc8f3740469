package dev.switchboard.client.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;

/** What the builder writes, and what it refuses before anything is sent. */
class PortkeyConfigTest {
  private static final ObjectMapper JSON = new ObjectMapper();

  @Test
  void writesPortkeysDocumentedFieldNames() throws Exception {
    PortkeyConfig config =
        PortkeyConfig.fallback(
                PortkeyConfig.target("openai")
                    .apiKey("sk-one")
                    .overrideParams(Map.of("model", "gpt-4o"))
                    .build(),
                PortkeyConfig.loadBalance(
                        PortkeyConfig.target("anthropic").virtualKey("vk-a").weight(0.7).build(),
                        PortkeyConfig.target("openai")
                            .customHost("http://localhost:11434/v1")
                            .weight(0.3)
                            .build())
                    .build())
            .onStatusCodes(429, 503)
            .retry(Retry.attempts(3).onStatusCodes(429).useRetryAfterHeader(true))
            .cache(Cache.semantic().maxAge(Duration.ofMinutes(10)))
            .requestTimeout(Duration.ofSeconds(20))
            .inputGuardrails(
                Guardrail.check(
                        "default.contains", Map.of("operator", "none", "words", List.of("x")))
                    .deny(true))
            .build();

    JsonNode expected =
        JSON.readTree(
            """
            {"retry":{"attempts":3,"on_status_codes":[429],"use_retry_after_header":true},
             "cache":{"mode":"semantic","max_age":600},
             "request_timeout":20000,
             "input_guardrails":[{"default.contains":{"operator":"none","words":["x"]},"deny":true}],
             "strategy":{"mode":"fallback","on_status_codes":[429,503]},
             "targets":[
               {"provider":"openai","api_key":"sk-one","override_params":{"model":"gpt-4o"}},
               {"strategy":{"mode":"loadbalance"},"targets":[
                 {"weight":0.7,"provider":"anthropic","virtual_key":"vk-a"},
                 {"weight":0.3,"provider":"openai","custom_host":"http://localhost:11434/v1"}]}]}
            """);
    assertThat(JSON.readTree(config.toJson())).isEqualTo(expected);
  }

  @Test
  void writesAConditionalStrategyWithItsQueriesAndDefault() throws Exception {
    PortkeyConfig config =
        PortkeyConfig.conditional(
                PortkeyConfig.target("openai").name("premium").build(),
                PortkeyConfig.target("mock").name("free").build())
            .when(
                Query.and(Query.eq("metadata.plan", "paid"), Query.in("params.model", "a", "b")),
                "premium")
            .defaultTarget("free")
            .build();

    assertThat(JSON.readTree(config.toJson()).get("strategy"))
        .isEqualTo(
            JSON.readTree(
                """
                {"mode":"conditional","conditions":[{"query":{"$and":[
                  {"metadata.plan":{"$eq":"paid"}},{"params.model":{"$in":["a","b"]}}]},
                  "then":"premium"}],"default":"free"}
                """));
  }

  @Test
  void hidesKeysWhenPrinted() {
    PortkeyConfig config =
        PortkeyConfig.fallback(
                PortkeyConfig.target("openai").apiKey("sk-secret-one").build(),
                PortkeyConfig.target("openai").apiKey("sk-secret-two").build())
            .build();

    assertThat(config.toString()).doesNotContain("sk-secret").contains("\"api_key\":\"***\"");
    assertThat(config.toJson()).contains("sk-secret-one", "sk-secret-two");
  }

  @Test
  void refusesWhatTheGatewayWouldRefuseNamingTheField() {
    var leaf = PortkeyConfig.target("mock").name("a").build();
    refused(() -> PortkeyConfig.fallback().build(), "targets");
    refused(() -> PortkeyConfig.target("mock").weight(-1).build(), "weight");
    refused(() -> PortkeyConfig.target(" ").build(), "provider");
    refused(() -> PortkeyConfig.target("openai").customHost("ftp://x").build(), "custom_host");
    refused(() -> PortkeyConfig.target("openai").apiKey("").build(), "api_key");
    refused(
        () -> PortkeyConfig.target("mock").requestTimeout(Duration.ZERO).build(),
        "request_timeout");
    refused(() -> Retry.attempts(-1), "retry.attempts");
    refused(() -> Retry.attempts(1).onStatusCodes(200, 99), "retry.on_status_codes[1]");
    refused(() -> Cache.simple().maxAge(Duration.ofMillis(500)), "cache.max_age");
    refused(
        () -> PortkeyConfig.fallback(leaf).onStatusCodes(700).build(),
        "strategy.on_status_codes[0]");
    refused(
        () -> PortkeyConfig.loadBalance(leaf).onStatusCodes(429).build(),
        "strategy.on_status_codes");
    refused(
        () ->
            PortkeyConfig.loadBalance(
                    PortkeyConfig.target("mock").weight(0).build(),
                    PortkeyConfig.target("mock").weight(0).build())
                .build(),
        "strategy");
    refused(() -> PortkeyConfig.conditional(leaf).build(), "strategy.conditions");
    refused(
        () -> PortkeyConfig.conditional(leaf).when(Query.eq("metadata.x", 1), "b").build(),
        "strategy.conditions[0].then");
    refused(
        () ->
            PortkeyConfig.conditional(leaf)
                .when(Query.eq("metadata.x", 1), "a")
                .defaultTarget("nobody")
                .build(),
        "strategy.default");
    refused(() -> Query.regex("metadata.x", "(unclosed"), "metadata.x.$regex");
    refused(() -> Query.eq("$or", 1), "$or");
    refused(() -> Guardrail.check("deny", Map.of()), "deny");
  }

  @Test
  void refusesTreesDeeperOrLargerThanTheGatewayAllows() {
    PortkeyConfig deep = PortkeyConfig.target("mock").build();
    for (int level = 1; level <= PortkeyConfig.MAX_DEPTH; level++) {
      deep = PortkeyConfig.single(deep).build();
    }
    PortkeyConfig deepest = deep;
    refused(() -> PortkeyConfig.single(deepest).build(), "targets");

    PortkeyConfig[] many = new PortkeyConfig[PortkeyConfig.MAX_TARGETS];
    java.util.Arrays.fill(many, PortkeyConfig.target("mock").build());
    refused(() -> PortkeyConfig.fallback(many).build(), "targets");
  }

  private static void refused(Executable build, String field) {
    assertThatThrownBy(build::execute)
        .isInstanceOfSatisfying(
            InvalidConfigException.class, e -> assertThat(e.field()).isEqualTo(field))
        .hasMessageContaining(field);
  }
}
