package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static dev.switchboard.server.GatewayUnderTest.sseData;
import static dev.switchboard.server.RequestValidationTest.assertGatewayError;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.testkit.BedrockFault;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.FakeBedrock;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Base64;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The bedrock provider, through the gateway's HTTP API, in front of a faithful fake of Bedrock. */
class BedrockProxyTest {
  static final String KEY_ID = "AKIAGATEWAYTEST00001";
  static final String SECRET = "gatewayTestSecret/abcdefghijklmnopqrstuvwx";
  static FakeBedrock bedrock;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    bedrock = FakeBedrock.builder().credentials(KEY_ID, SECRET).region("eu-west-1").start();
    gateway =
        GatewayUnderTest.withEngine(
            GatewaySettings.builder()
                .providerBaseUrl("bedrock", URI.create(bedrock.endpoint()))
                .build(),
            engine -> {});
  }

  @AfterAll
  static void stop() {
    gateway.close();
    bedrock.close();
  }

  @BeforeEach
  void forgetEarlierRequests() throws InterruptedException {
    while (bedrock.takeRequest(Duration.ofMillis(1)) != null) {
      // drain what earlier tests sent
    }
  }

  static String[] headers(String... more) {
    List<String> all =
        new ArrayList<>(
            List.of(
                "x-portkey-provider",
                "bedrock",
                "x-portkey-aws-access-key-id",
                KEY_ID,
                "x-portkey-aws-secret-access-key",
                SECRET,
                "x-portkey-aws-region",
                "eu-west-1"));
    all.addAll(List.of(more));
    return all.toArray(String[]::new);
  }

  static HttpResponse<String> chat(String body, String... more) {
    return gateway.postJson("/v1/chat/completions", body, headers(more));
  }

  static RecordedRequest received() throws InterruptedException {
    RecordedRequest request = bedrock.takeRequest(Duration.ofSeconds(5));
    assertThat(request).as("a request reached the fake").isNotNull();
    return request;
  }

  static final String PNG =
      Base64.getEncoder().encodeToString(new byte[] {(byte) 0x89, 'P', 'N', 'G'});

  static final String FULL =
      """
      {"model":"amazon.nova-pro-v1:0",
       "messages":[{"role":"system","content":"Be brief."},
                   {"role":"developer","content":[{"type":"text","text":"Use metric units."}]},
                   {"role":"user","content":[{"type":"text","text":"What is in this picture?"},
                                             {"type":"image_url","image_url":{"url":"data:image/png;base64,%s"}}]}],
       "tools":[{"type":"function","function":{"name":"get_weather","description":"Weather in a city",
                 "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}},
                {"type":"function","function":{"name":"get_time"}}],
       "tool_choice":{"type":"function","function":{"name":"get_weather"}},
       "max_completion_tokens":300,"temperature":0.2,"top_p":0.9,"stop":"END","top_k":40,
       "guardrailConfig":{"guardrailIdentifier":"gr-1","guardrailVersion":"1"}}\
      """
          .formatted(PNG);

  @Test
  void translatesSystemMessagesMediaToolsAndInferenceConfigToConverse()
      throws InterruptedException {
    var response = chat(FULL);

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest request = received();
    assertThat(request.path()).isEqualTo("/model/amazon.nova-pro-v1%3A0/converse");
    assertThat(request.header("authorization"))
        .startsWith("AWS4-HMAC-SHA256 Credential=" + KEY_ID + "/")
        .contains("/eu-west-1/bedrock/aws4_request");
    JsonNode sent = request.json();
    assertThat(sent.path("system"))
        .isEqualTo(WireJson.tree("[{\"text\":\"Be brief.\"},{\"text\":\"Use metric units.\"}]"));
    assertThat(sent.path("messages"))
        .isEqualTo(
            WireJson.tree(
                ("[{\"role\":\"user\",\"content\":[{\"text\":\"What is in this picture?\"},"
                        + "{\"image\":{\"format\":\"png\",\"source\":{\"bytes\":\"%s\"}}}]}]")
                    .formatted(PNG)));
    assertThat(sent.path("inferenceConfig").toString())
        .isEqualTo(
            "{\"maxTokens\":300,\"stopSequences\":[\"END\"],\"temperature\":0.2,\"topP\":0.9}");
    assertThat(sent.at("/toolConfig/tools/0/toolSpec/name").asText()).isEqualTo("get_weather");
    assertThat(sent.at("/toolConfig/tools/0/toolSpec/description").asText())
        .isEqualTo("Weather in a city");
    assertThat(sent.at("/toolConfig/tools/0/toolSpec/inputSchema/json/required/0").asText())
        .isEqualTo("city");
    assertThat(sent.at("/toolConfig/tools/1/toolSpec/inputSchema/json/type").asText())
        .isEqualTo("object");
    assertThat(sent.at("/toolConfig/toolChoice"))
        .isEqualTo(WireJson.tree("{\"tool\":{\"name\":\"get_weather\"}}"));
    assertThat(sent.at("/additionalModelRequestFields/top_k").asInt()).isEqualTo(40);
    assertThat(sent.at("/guardrailConfig/guardrailIdentifier").asText()).isEqualTo("gr-1");
    assertThat(sent.has("model")).isFalse();

    JsonNode answer = json(response);
    assertThat(answer.path("object").asText()).isEqualTo("chat.completion");
    assertThat(answer.path("model").asText()).isEqualTo("amazon.nova-pro-v1:0");
    assertThat(answer.at("/choices/0/message/role").asText()).isEqualTo("assistant");
    assertThat(answer.at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake Bedrock. You said: What is in this picture?");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(answer.at("/usage/total_tokens").asInt())
        .isEqualTo(
            answer.at("/usage/prompt_tokens").asInt()
                + answer.at("/usage/completion_tokens").asInt());
  }

  @Test
  void mapsToolChoiceAutoRequiredAndNoneAsPortkeyDoes() throws InterruptedException {
    String base =
        """
        {"model":"amazon.nova-lite-v1:0","messages":[{"role":"user","content":"hi"}],
         "tools":[{"type":"function","function":{"name":"f","parameters":{"type":"object"}}}],
         "tool_choice":"%s"}\
        """;
    List<JsonNode> choices = new ArrayList<>();
    for (String choice : List.of("auto", "required", "none")) {
      assertThat(chat(base.formatted(choice)).statusCode()).isEqualTo(200);
      choices.add(received().json().path("toolConfig"));
    }

    assertThat(choices.get(0).path("toolChoice")).isEqualTo(WireJson.tree("{\"auto\":{}}"));
    assertThat(choices.get(1).path("toolChoice")).isEqualTo(WireJson.tree("{\"any\":{}}"));
    assertThat(choices.get(2).has("toolChoice")).isFalse();
    assertThat(choices.get(2).path("tools")).hasSize(1);
  }

  static final String WEATHER =
      """
      {"model":"anthropic.claude-3-5-sonnet-20240620-v1:0",
       "messages":[{"role":"user","content":"Weather in Paris and Rome?"}],
       "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]%s}\
      """;

  static ConverseReply twoWeatherCalls() {
    return ConverseReply.toolUse(
        new ConverseReply.ToolUse("tooluse_paris01", "get_weather", "{\"city\":\"Paris\"}"),
        new ConverseReply.ToolUse("tooluse_rome002", "get_weather", "{\"city\":\"Rome\"}"));
  }

  @Test
  void parallelToolUsesBecomeToolCallsKeepingBedrocksIds() {
    bedrock.enqueue(twoWeatherCalls());

    JsonNode answer = json(chat(WEATHER.formatted("")));

    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("tool_calls");
    JsonNode calls = answer.at("/choices/0/message/tool_calls");
    assertThat(calls).hasSize(2);
    assertThat(calls.get(0).path("id").asText()).isEqualTo("tooluse_paris01");
    assertThat(calls.get(0).path("type").asText()).isEqualTo("function");
    assertThat(calls.get(0).at("/function/name").asText()).isEqualTo("get_weather");
    assertThat(WireJson.tree(calls.get(1).at("/function/arguments").asText()))
        .isEqualTo(WireJson.tree("{\"city\":\"Rome\"}"));
    assertThat(answer.at("/choices/0/message/content").isNull()).isTrue();
  }

  @Test
  void aStreamedTextAnswerReassembledEqualsTheNonStreamedOne() {
    String whole =
        "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"Tell me a story\"}]}";
    String streamed =
        whole.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}");

    JsonNode answer = json(chat(whole));
    var stream = chat(streamed);

    assertThat(stream.headers().firstValue("content-type"))
        .hasValueSatisfying(v -> assertThat(v).startsWith("text/event-stream"));
    List<String> data = sseData(stream.body());
    assertThat(data.getLast()).isEqualTo("[DONE]");
    assertThat(data.size()).isGreaterThan(5);
    assertThat(StreamAssembly.assemble(data)).isEqualTo(StreamAssembly.of(answer));
    JsonNode usageChunk = WireJson.tree(data.get(data.size() - 2));
    assertThat(usageChunk.path("choices")).isEmpty();
    assertThat(usageChunk.at("/usage/total_tokens").asInt()).isPositive();
  }

  @Test
  void streamedParallelToolCallsHaveTheirOwnIndexesWithIdAndNameFirst() {
    bedrock.enqueue(twoWeatherCalls().withTextFirst("Checking both."));
    bedrock.enqueue(twoWeatherCalls().withTextFirst("Checking both."));

    JsonNode answer = json(chat(WEATHER.formatted("")));
    List<String> data =
        sseData(
            chat(WEATHER.formatted(",\"stream\":true,\"stream_options\":{\"include_usage\":true}"))
                .body());

    var assembled = StreamAssembly.assemble(data);
    assertThat(assembled).isEqualTo(StreamAssembly.of(answer));
    assertThat(assembled.at("/message/tool_calls")).hasSize(2);
    assertThat(assembled.path("finish_reason").asText()).isEqualTo("tool_calls");
    Set<Integer> opened = new HashSet<>();
    for (String event : data.subList(0, data.size() - 1)) {
      for (JsonNode fragment : WireJson.tree(event).at("/choices/0/delta/tool_calls")) {
        boolean first = opened.add(fragment.get("index").asInt());
        assertThat(fragment.hasNonNull("id")).isEqualTo(first);
        assertThat(fragment.at("/function/name").isTextual()).isEqualTo(first);
      }
    }
    assertThat(opened).containsExactly(0, 1);
  }

  @Test
  void runsAnAgentConversationWithParallelToolResults() throws InterruptedException {
    String conversation =
        """
        {"model":"anthropic.claude-3-5-sonnet-20240620-v1:0",
         "messages":[{"role":"system","content":"You are a weather agent."},
                     {"role":"user","content":"Weather in Paris and Rome?"},
                     {"role":"assistant","content":null,"tool_calls":[
                        {"id":"tooluse_paris01","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}},
                        {"id":"tooluse_rome002","type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Rome\\"}"}}]},
                     {"role":"tool","tool_call_id":"tooluse_paris01","content":"Paris: 18C"},
                     {"role":"tool","tool_call_id":"tooluse_rome002","content":"Rome: 24C"}],
         "tools":[{"type":"function","function":{"name":"get_weather","parameters":{"type":"object","properties":{"city":{"type":"string"}}}}}]}\
        """;

    var response = chat(conversation);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(json(response).at("/choices/0/message/content").asText())
        .isEqualTo("Hello from the fake Bedrock. The tool said: Paris: 18C | Rome: 24C");
    JsonNode messages = received().json().path("messages");
    assertThat(messages).hasSize(3);
    assertThat(messages.get(1))
        .isEqualTo(
            WireJson.tree(
                """
                {"role":"assistant","content":[
                  {"toolUse":{"toolUseId":"tooluse_paris01","name":"get_weather","input":{"city":"Paris"}}},
                  {"toolUse":{"toolUseId":"tooluse_rome002","name":"get_weather","input":{"city":"Rome"}}}]}\
                """));
    assertThat(messages.get(2))
        .isEqualTo(
            WireJson.tree(
                """
                {"role":"user","content":[
                  {"toolResult":{"toolUseId":"tooluse_paris01","content":[{"text":"Paris: 18C"}]}},
                  {"toolResult":{"toolUseId":"tooluse_rome002","content":[{"text":"Rome: 24C"}]}}]}\
                """));
  }

  @Test
  void withoutStrictComplianceReasoningIsShownAsContentBlocksAndSentBackAsReasoningContent()
      throws InterruptedException {
    bedrock.enqueue(ConverseReply.text("42.").withReasoning("Six times seven.", "sig-abc"));
    bedrock.enqueue(ConverseReply.text("42.").withReasoning("Six times seven.", "sig-abc"));
    String ask =
        "{\"model\":\"anthropic.claude-3-7-sonnet-20250219-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"}],"
            + "\"thinking\":{\"type\":\"enabled\",\"budget_tokens\":1024}}";

    String[] loose = {"x-portkey-strict-open-ai-compliance", "false"};

    JsonNode answer = json(chat(ask, loose));
    assertThat(received().json().at("/additionalModelRequestFields/thinking/budget_tokens").asInt())
        .isEqualTo(1024);
    List<String> data = sseData(chat(ask.replace("}}", "},\"stream\":true}"), loose).body());
    received();

    JsonNode message = answer.at("/choices/0/message");
    assertThat(message.path("content").asText()).isEqualTo("42.");
    assertThat(message.path("content_blocks"))
        .isEqualTo(
            WireJson.tree(
                "[{\"type\":\"thinking\",\"thinking\":\"Six times seven.\",\"signature\":\"sig-abc\"},"
                    + "{\"type\":\"text\",\"text\":\"42.\"}]"));
    StringBuilder thinking = new StringBuilder();
    String signature = null;
    for (String event : data.subList(0, data.size() - 1)) {
      for (JsonNode block : WireJson.tree(event).at("/choices/0/delta/content_blocks")) {
        thinking.append(block.at("/delta/thinking").asText(""));
        signature = block.at("/delta/signature").asText(signature);
      }
    }
    assertThat(thinking).hasToString("Six times seven.");
    assertThat(signature).isEqualTo("sig-abc");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("end_turn");

    String followUp =
        ("{\"model\":\"anthropic.claude-3-7-sonnet-20250219-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"},"
                + "{\"role\":\"assistant\",\"content\":\"42.\",\"content_blocks\":%s},{\"role\":\"user\",\"content\":\"Sure?\"}]}")
            .formatted(message.path("content_blocks"));
    assertThat(chat(followUp).statusCode()).isEqualTo(200);
    assertThat(received().json().at("/messages/1/content"))
        .isEqualTo(
            WireJson.tree(
                "[{\"reasoningContent\":{\"reasoningText\":{\"text\":\"Six times seven.\",\"signature\":\"sig-abc\"}}},"
                    + "{\"text\":\"42.\"}]"));
  }

  @Test
  void withStrictComplianceReasoningIsNotShown() {
    bedrock.enqueue(ConverseReply.text("42.").withReasoning("Six times seven.", "sig-abc"));
    bedrock.enqueue(ConverseReply.text("42.").withReasoning("Six times seven.", "sig-abc"));
    String ask =
        "{\"model\":\"anthropic.claude-3-7-sonnet-20250219-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"6*7?\"}]}";

    JsonNode answer = json(chat(ask));
    String stream =
        chat(ask.replace("}]}", "}],\"stream\":true,\"stream_options\":{\"include_usage\":true}}"))
            .body();

    assertThat(answer.at("/choices/0/message").has("content_blocks")).isFalse();
    assertThat(answer.at("/choices/0/message/content").asText()).isEqualTo("42.");
    assertThat(answer.at("/choices/0/finish_reason").asText()).isEqualTo("stop");
    assertThat(stream).doesNotContain("content_blocks").doesNotContain("Six times");
    assertThat(StreamAssembly.assemble(sseData(stream))).isEqualTo(StreamAssembly.of(answer));
  }

  @Test
  void cacheTokensCountAsPromptTokensAsPortkeyCountsThem() {
    bedrock.enqueue(ConverseReply.text("cached").withUsage(10, 2).withCache(100, 7));

    JsonNode usage =
        json(chat(
                "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}"))
            .path("usage");

    assertThat(usage.path("prompt_tokens").asInt()).isEqualTo(117);
    assertThat(usage.path("completion_tokens").asInt()).isEqualTo(2);
    assertThat(usage.path("total_tokens").asInt()).isEqualTo(119);
    assertThat(usage.at("/prompt_tokens_details/cached_tokens").asInt()).isEqualTo(100);
    assertThat(usage.path("cache_read_input_tokens").asInt()).isEqualTo(100);
    assertThat(usage.path("cache_creation_input_tokens").asInt()).isEqualTo(7);
  }

  @Test
  void stopReasonsBecomeOpenAiFinishReasons() {
    String hi =
        "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    List<String> finishes = new ArrayList<>();
    for (String reason :
        List.of("max_tokens", "stop_sequence", "guardrail_intervened", "content_filtered")) {
      bedrock.enqueue(ConverseReply.text("x").withStopReason(reason));
      finishes.add(json(chat(hi)).at("/choices/0/finish_reason").asText());
    }

    assertThat(finishes).containsExactly("length", "stop", "content_filter", "content_filter");
  }

  @Test
  void encodesArnModelIdsAsOnePathSegment() throws InterruptedException {
    String arn =
        "arn:aws:bedrock:eu-west-1:123456789012:inference-profile/eu.amazon.nova-lite-v1:0";

    var response =
        chat("{\"model\":\"" + arn + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(received().path())
        .isEqualTo(
            "/model/arn%3Aaws%3Abedrock%3Aeu-west-1%3A123456789012%3Ainference-profile%2Feu.amazon.nova-lite-v1%3A0/converse");
  }

  static final String HI =
      "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String HI_STREAM = HI.replace("}]}", "}],\"stream\":true}");

  @Test
  void throttlingAnswers429WithBedrocksMessageInOpenAisShape() {
    bedrock.enqueue(BedrockFault.throttling());

    var response = chat(HI);

    assertThat(response.statusCode()).isEqualTo(429);
    JsonNode error = json(response).path("error");
    assertThat(error.path("message").asText())
        .isEqualTo("bedrock error: Too many requests, please wait before trying again.");
    assertThat(error.path("type").asText()).isEqualTo("ThrottlingException");
  }

  @Test
  void bedrocksErrorsKeepTheirDocumentedStatuses() {
    List<Integer> statuses = new ArrayList<>();
    for (BedrockFault fault :
        List.of(
            BedrockFault.accessDenied(),
            BedrockFault.modelNotReady(),
            BedrockFault.modelTimeout(),
            BedrockFault.serviceUnavailable(),
            new BedrockFault.Error(404, "ResourceNotFoundException", "Model not found"),
            new BedrockFault.Error(500, "InternalServerException", "Internal"))) {
      bedrock.enqueue(fault);
      statuses.add(chat(HI).statusCode());
    }

    assertThat(statuses).containsExactly(403, 429, 408, 503, 404, 500);
  }

  @Test
  void aContextLengthValidationErrorSaysSoInItsCode() {
    bedrock.enqueue(BedrockFault.validation("Input is too long for requested model."));

    var response = chat(HI);

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(json(response).at("/error/code").asText()).isEqualTo("context_length_exceeded");
    assertThat(json(response).at("/error/message").asText())
        .isEqualTo("bedrock error: Input is too long for requested model.");
  }

  @Test
  void anExceptionFrameBeforeTheFirstEventKeepsItsStatus() {
    bedrock.enqueue(BedrockFault.streamException(0, "throttlingException", "Slow down"));

    var response = chat(HI_STREAM);

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(json(response).at("/error/message").asText()).isEqualTo("bedrock error: Slow down");
  }

  @Test
  void anExceptionFrameMidStreamEndsItWithAnErrorAndNoDone() {
    bedrock.enqueue(
        BedrockFault.streamException(3, "modelStreamErrorException", "The model broke"));

    var response = chat(HI_STREAM);

    assertThat(response.statusCode()).isEqualTo(200);
    List<String> data = sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(data.getLast()).contains("The model broke");
  }

  @Test
  void aStreamCutShortIsAnErrorNeverACompleteAnswer() {
    bedrock.enqueue(BedrockFault.cutStreamAfter(4));

    var response = chat(HI_STREAM);

    List<String> data = sseData(response.body());
    assertThat(data).doesNotContain("[DONE]");
    assertThat(data.getLast()).contains("error");
  }

  @Test
  void aFrameWithABadChecksumIs502() {
    bedrock.enqueue(BedrockFault.corruptFrame());

    var response = chat(HI_STREAM);

    assertThat(response.statusCode()).isEqualTo(502);
  }

  @Test
  void anImageByUrlIsRefusedWithAClear400() {
    var response =
        chat(
            "{\"model\":\"amazon.nova-lite-v1:0\",\"messages\":[{\"role\":\"user\",\"content\":["
                + "{\"type\":\"image_url\",\"image_url\":{\"url\":\"https://example.com/cat.png\"}}]}]}");

    assertGatewayError(response, 400, "base64 data URL");
    assertThat(bedrock.requestCount()).isEqualTo(bedrock.requests().size());
  }

  @Test
  void missingCredentialsOrRegionAnswer400NamingTheHeader() {
    var noSecret =
        gateway.postJson(
            "/v1/chat/completions",
            HI,
            "x-portkey-provider",
            "bedrock",
            "x-portkey-aws-access-key-id",
            KEY_ID,
            "x-portkey-aws-region",
            "eu-west-1");
    var noRegion =
        gateway.postJson(
            "/v1/chat/completions",
            HI,
            "x-portkey-provider",
            "bedrock",
            "x-portkey-aws-access-key-id",
            KEY_ID,
            "x-portkey-aws-secret-access-key",
            SECRET);

    assertGatewayError(noSecret, 400, "x-portkey-aws-secret-access-key");
    assertGatewayError(noRegion, 400, "x-portkey-aws-region");
  }

  @Test
  void theSignaturesRegionIsTheRequestsRegion() {
    var response =
        gateway.postJson(
            "/v1/chat/completions",
            HI,
            "x-portkey-provider",
            "bedrock",
            "x-portkey-aws-access-key-id",
            KEY_ID,
            "x-portkey-aws-secret-access-key",
            SECRET,
            "x-portkey-aws-region",
            "us-west-2");

    assertThat(response.statusCode()).isEqualTo(403);
    assertThat(json(response).at("/error/type").asText()).isEqualTo("InvalidSignatureException");
    assertThat(json(response).at("/error/message").asText()).contains("scoped to a valid region");
  }

  @Test
  void credentialsAndRegionFromAConfigTargetWithACustomHost() throws InterruptedException {
    String config =
        "{\"provider\":\"bedrock\",\"custom_host\":\""
            + bedrock.endpoint()
            + "\","
            + "\"aws_access_key_id\":\""
            + KEY_ID
            + "\",\"awsSecretAccessKey\":\""
            + SECRET
            + "\","
            + "\"awsRegion\":\"eu-west-1\"}";

    var response = gateway.postJson("/v1/chat/completions", HI, "x-portkey-config", config);

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(received().header("authorization")).contains("/eu-west-1/bedrock/aws4_request");
  }

  @Test
  void embedsWithTitanOneCallPerInput() throws InterruptedException {
    var response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"amazon.titan-embed-text-v2:0\",\"input\":[\"one two\",\"three\"],\"dimensions\":256}",
            headers());

    JsonNode answer = json(response);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(answer.path("object").asText()).isEqualTo("list");
    assertThat(answer.path("data")).hasSize(2);
    assertThat(answer.at("/data/1/index").asInt()).isEqualTo(1);
    assertThat(answer.at("/data/0/embedding")).hasSize(256);
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
    RecordedRequest first = received();
    assertThat(first.path()).isEqualTo("/model/amazon.titan-embed-text-v2%3A0/invoke");
    assertThat(first.json())
        .isEqualTo(WireJson.tree("{\"inputText\":\"one two\",\"dimensions\":256}"));
    assertThat(received().json().path("inputText").asText()).isEqualTo("three");
  }

  @Test
  void embedsWithCohereInOneCallAsBase64WhenAsked() throws InterruptedException {
    var response =
        gateway.postJson(
            "/v1/embeddings",
            "{\"model\":\"cohere.embed-english-v3\",\"input\":[\"a b\",\"c\"],\"input_type\":\"search_query\",\"encoding_format\":\"base64\"}",
            headers());

    JsonNode answer = json(response);
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(answer.path("data")).hasSize(2);
    byte[] vector = Base64.getDecoder().decode(answer.at("/data/0/embedding").asText());
    assertThat(vector).hasSize(1024 * 4);
    float first = ByteBuffer.wrap(vector).order(ByteOrder.LITTLE_ENDIAN).getFloat();
    assertThat(first).isBetween(-1f, 1f);
    assertThat(answer.at("/usage/prompt_tokens").asInt()).isEqualTo(3);
    assertThat(received().json())
        .isEqualTo(WireJson.tree("{\"texts\":[\"a b\",\"c\"],\"input_type\":\"search_query\"}"));
  }

  @Test
  void forwardedHeadersGoAlongUnsignedButNeverReplaceTheSignature() throws InterruptedException {
    var response =
        chat(
            HI,
            "x-portkey-forward-headers",
            "x-trace-me, x-amz-date, authorization",
            "x-trace-me",
            "abc",
            "x-amz-date",
            "20000101T000000Z",
            "authorization",
            "Bearer not-aws");

    assertThat(response.statusCode()).isEqualTo(200);
    RecordedRequest request = received();
    assertThat(request.header("x-trace-me")).isEqualTo("abc");
    assertThat(request.headerValues("authorization")).hasSize(1);
    assertThat(request.header("authorization")).startsWith("AWS4-HMAC-SHA256 ");
    assertThat(request.headerValues("x-amz-date")).hasSize(1).doesNotContain("20000101T000000Z");
  }

  @Test
  void responseFormatReachesTheModelInAdditionalFieldsAsPortkeySendsIt()
      throws InterruptedException {
    String body =
        HI.replace(
            "}]}",
            "}],\"response_format\":{\"type\":\"json_schema\",\"json_schema\":{\"name\":\"city\","
                + "\"schema\":{\"type\":\"object\",\"properties\":{\"name\":{\"type\":\"string\"}}}}}}");

    assertThat(chat(body).statusCode()).isEqualTo(200);

    JsonNode sent = received().json().at("/additionalModelRequestFields/response_format");
    assertThat(sent.path("type").asText()).isEqualTo("json_schema");
    assertThat(sent.at("/json_schema/name").asText()).isEqualTo("city");
    assertThat(sent.at("/json_schema/schema/properties/name/type").asText()).isEqualTo("string");
  }
}
