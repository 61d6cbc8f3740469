package dev.switchboard.engine.cache;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.providers.Target;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What the cache key depends on, and what it never contains. */
class CacheKeyTest {
  static final String BODY =
      "{\"model\":\"m\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"temperature\":0.5}";

  static Operation chat(String json) {
    return new Operation.Chat(WireJson.read(json, ChatRequest.class));
  }

  static Target target(String provider, String key, Map<String, String> options) {
    return new Target(provider, key, null, List.of(), null, options);
  }

  static RequestOptions.Builder caller() {
    return RequestOptions.builder().provider("openai");
  }

  @Test
  void theKeyIsAHexDigestThatNeverContainsTheCredential() {
    CacheKey key =
        CacheKey.of(
            chat(BODY),
            target("openai", "sk-secret-value", Map.of("aws_secret_access_key", "aws-secret")),
            caller().gatewayKey("pk-gateway-secret").build());

    assertThat(key.hex()).matches("[0-9a-f]{64}");
    assertThat(key.hex()).doesNotContain("secret");
  }

  @Test
  void aSavedPromptsVersionKeysItsRequestsApartAndOtherRequestsKeepTheirKeys() {
    Operation op = chat(BODY);
    Target target = target("openai", "sk-1", Map.of());
    RequestOptions plain = caller().build();
    CacheKey base = CacheKey.of(op, target, plain);
    CacheKey versionOne =
        CacheKey.of(op, target, plain.fromPrompt(new RequestOptions.PromptVersion("p", 1), null));
    CacheKey versionTwo =
        CacheKey.of(op, target, plain.fromPrompt(new RequestOptions.PromptVersion("p", 2), null));
    CacheKey otherPrompt =
        CacheKey.of(op, target, plain.fromPrompt(new RequestOptions.PromptVersion("q", 1), null));

    assertThat(List.of(base, versionOne, versionTwo, otherPrompt)).doesNotHaveDuplicates();
    assertThat(
            CacheKey.of(
                op, target, plain.fromPrompt(new RequestOptions.PromptVersion("p", 1), null)))
        .isEqualTo(versionOne);
    assertThat(
            CacheKey.semanticScope(
                op, target, plain.fromPrompt(new RequestOptions.PromptVersion("p", 1), null)))
        .isNotEqualTo(
            CacheKey.semanticScope(
                op, target, plain.fromPrompt(new RequestOptions.PromptVersion("p", 2), null)));
    // The metadata the prompt adds is not what keys it: metadata never enters a key.
    assertThat(CacheKey.of(op, target, caller().metadata(Map.of("_prompt", "p@1")).build()))
        .isEqualTo(base);
  }

  @Test
  void everyPartOfTheScopeChangesTheKey() {
    Operation op = chat(BODY);
    CacheKey base = CacheKey.of(op, target("openai", "sk-1", Map.of()), caller().build());

    assertThat(CacheKey.of(op, target("openai", "sk-2", Map.of()), caller().build()))
        .isNotEqualTo(base);
    assertThat(CacheKey.of(op, target("other", "sk-1", Map.of()), caller().build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(
                op, target("openai", "sk-1", Map.of("aws_region", "eu-west-1")), caller().build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(
                op,
                new Target("openai", "sk-1", "http://127.0.0.1:1/v1", List.of(), null, Map.of()),
                caller().build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(
                op,
                new Target(
                    "openai",
                    "sk-1",
                    null,
                    List.of(Map.entry("openai-project", "p1")),
                    null,
                    Map.of()),
                caller().build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(op, target("openai", "sk-1", Map.of()), caller().gatewayKey("pk").build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(
                op, target("openai", "sk-1", Map.of()), caller().cacheNamespace("ns").build()))
        .isNotEqualTo(base);
    assertThat(
            CacheKey.of(
                new Operation.TextCompletion(
                    WireJson.read(
                        "{\"model\":\"m\",\"prompt\":\"hi\"}",
                        dev.switchboard.wire.CompletionRequest.class)),
                target("openai", "sk-1", Map.of()),
                caller().build()))
        .isNotEqualTo(base);
  }

  @Test
  void scopePartsCannotRunIntoEachOther() {
    Operation op = chat(BODY);
    CacheKey one =
        CacheKey.of(op, target("openai", "sk-1", Map.of()), caller().cacheNamespace("ab").build());
    CacheKey two =
        CacheKey.of(op, target("openai", "sk-1a", Map.of()), caller().cacheNamespace("b").build());

    assertThat(one).isNotEqualTo(two);
  }

  @Test
  void theCanonicalRequestSortsKeysAndDropsStreamingAndUser() {
    String canonical =
        CacheKey.canonicalRequest(
            chat(
                "{\"temperature\":1.50,\"stream\":true,\"stream_options\":{\"include_usage\":true},"
                    + "\"user\":\"u\",\"model\":\"m\",\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}]}"));

    assertThat(canonical)
        .isEqualTo(
            "{\"messages\":[{\"content\":\"hi\",\"role\":\"user\"}],\"model\":\"m\",\"temperature\":1.5}");
  }
}
