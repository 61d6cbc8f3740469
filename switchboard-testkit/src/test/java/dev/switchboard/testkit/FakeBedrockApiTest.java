package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/** The fake's answers, checked against Bedrock's published wire format. */
class FakeBedrockApiTest {
  static final ObjectMapper JSON = new ObjectMapper();
  static final String HELLO =
      "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"Hello there\"}]}]}";
  static FakeBedrock bedrock;
  static BedrockClient client;

  @BeforeAll
  static void start() {
    bedrock = FakeBedrock.start();
    client = new BedrockClient(bedrock);
  }

  @AfterAll
  static void stop() {
    bedrock.close();
  }

  @Test
  void conversesInConversesShape() throws IOException {
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse", HELLO);

    JsonNode answer = JSON.readTree(response.body());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(answer.at("/output/message/role").asText()).isEqualTo("assistant");
    assertThat(answer.at("/output/message/content/0/text").asText())
        .isEqualTo("Hello from the fake Bedrock. You said: Hello there");
    assertThat(answer.path("stopReason").asText()).isEqualTo("end_turn");
    assertThat(answer.at("/usage/totalTokens").asInt())
        .isEqualTo(
            answer.at("/usage/inputTokens").asInt() + answer.at("/usage/outputTokens").asInt());
    assertThat(response.headers().firstValue("x-amzn-RequestId")).isPresent();
  }

  @Test
  void streamsFramesWhosePreludeAndMessageChecksumsHold() {
    bedrock.enqueue(
        ConverseReply.toolUse(
                new ConverseReply.ToolUse("tooluse_1", "get_weather", "{\"city\":\"Paris\"}"))
            .withTextFirst("Let me look."));
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse-stream", HELLO);

    assertThat(response.headers().firstValue("content-type"))
        .hasValue("application/vnd.amazon.eventstream");
    List<Map<String, String>> headers = new ArrayList<>();
    List<JsonNode> payloads = new ArrayList<>();
    ByteBuffer bytes = ByteBuffer.wrap(response.body());
    while (bytes.hasRemaining()) {
      int start = bytes.position();
      int total = bytes.getInt();
      int headersLength = bytes.getInt();
      long preludeCrc = Integer.toUnsignedLong(bytes.getInt());
      assertThat(preludeCrc).isEqualTo(crc(response.body(), start, 8));
      Map<String, String> frameHeaders = new LinkedHashMap<>();
      int headersEnd = bytes.position() + headersLength;
      while (bytes.position() < headersEnd) {
        byte[] name = new byte[bytes.get()];
        bytes.get(name);
        assertThat(bytes.get()).isEqualTo((byte) 7);
        byte[] value = new byte[bytes.getShort()];
        bytes.get(value);
        frameHeaders.put(
            new String(name, StandardCharsets.UTF_8), new String(value, StandardCharsets.UTF_8));
      }
      byte[] payload = new byte[total - 12 - headersLength - 4];
      bytes.get(payload);
      long messageCrc = Integer.toUnsignedLong(bytes.getInt());
      assertThat(messageCrc).isEqualTo(crc(response.body(), start, total - 4));
      headers.add(frameHeaders);
      payloads.add(readTree(payload));
    }

    assertThat(headers)
        .allSatisfy(h -> {
          assertThat(h).containsEntry(":message-type", "event");
          assertThat(h).containsEntry(":content-type", "application/json");
        });
    assertThat(headers.stream().map(h -> h.get(":event-type")).distinct().toList())
        .containsExactly(
            "messageStart",
            "contentBlockDelta",
            "contentBlockStop",
            "contentBlockStart",
            "messageStop",
            "metadata");
    assertThat(payloads.getFirst().path("role").asText()).isEqualTo("assistant");
    assertThat(payloads.get(payloads.size() - 2).path("stopReason").asText()).isEqualTo("tool_use");
    assertThat(payloads.getLast().at("/usage/outputTokens").asInt()).isPositive();
    assertThat(payloads).allSatisfy(p -> assertThat(p.path("p").asText()).isNotEmpty());
  }

  @Test
  void awsEventStreamLibraryDecodesTheFramesToTheSameText() {
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse-stream", HELLO);

    List<Message> messages =
        new MessageDecoder().feed(ByteBuffer.wrap(response.body())).getDecodedMessages();
    StringBuilder text = new StringBuilder();
    for (Message message : messages) {
      if (message.getHeaders().get(":event-type").getString().equals("contentBlockDelta")) {
        text.append(readTree(message.getPayload()).at("/delta/text").asText());
      }
    }
    assertThat(text).hasToString("Hello from the fake Bedrock. You said: Hello there");
  }

  @Test
  void aCorruptFrameFailsTheLibrarysChecksum() {
    bedrock.enqueue(BedrockFault.corruptFrame());
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse-stream", HELLO);

    org.assertj.core.api.Assertions.assertThatThrownBy(
            () -> new MessageDecoder().feed(ByteBuffer.wrap(response.body())))
        .isInstanceOf(RuntimeException.class);
  }

  @Test
  void aStreamExceptionIsAnExceptionFrame() {
    bedrock.enqueue(BedrockFault.streamException(2, "throttlingException", "Too many tokens"));
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse-stream", HELLO);

    List<Message> messages =
        new MessageDecoder().feed(ByteBuffer.wrap(response.body())).getDecodedMessages();
    assertThat(messages).hasSize(3);
    Message last = messages.getLast();
    assertThat(last.getHeaders().get(":message-type").getString()).isEqualTo("exception");
    assertThat(last.getHeaders().get(":exception-type").getString())
        .isEqualTo("throttlingException");
    assertThat(readTree(last.getPayload()).path("message").asText()).isEqualTo("Too many tokens");
  }

  @Test
  void anErrorFaultAnswersBedrocksErrorShape() {
    bedrock.enqueue(BedrockFault.throttling());
    var response = client.post("/model/amazon.nova-lite-v1%3A0/converse", HELLO);

    assertThat(response.statusCode()).isEqualTo(429);
    assertThat(response.headers().firstValue("x-amzn-ErrorType"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("ThrottlingException:"));
    assertThat(readTree(response.body()).path("message").asText()).startsWith("Too many requests");
  }

  @Test
  void refusesAConversationThatDoesNotAlternate() {
    var response =
        client.post(
            "/model/amazon.nova-lite-v1%3A0/converse",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]},"
                + "{\"role\":\"user\",\"content\":[{\"text\":\"b\"}]}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(response.headers().firstValue("x-amzn-ErrorType"))
        .hasValueSatisfying(t -> assertThat(t).startsWith("ValidationException"));
    assertThat(readTree(response.body()).path("message").asText()).contains("must alternate");
  }

  @Test
  void refusesToolUseWithoutAToolConfig() {
    var response =
        client.post(
            "/model/amazon.nova-lite-v1%3A0/converse",
            "{\"messages\":[{\"role\":\"user\",\"content\":[{\"text\":\"a\"}]},"
                + "{\"role\":\"assistant\",\"content\":[{\"toolUse\":{\"toolUseId\":\"t1\",\"name\":\"f\",\"input\":{}}}]},"
                + "{\"role\":\"user\",\"content\":[{\"toolResult\":{\"toolUseId\":\"t1\",\"content\":[{\"text\":\"ok\"}]}}]}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(readTree(response.body()).path("message").asText())
        .contains("toolConfig field must be defined");
  }

  @Test
  void embedsWithTitanOneTextPerCall() {
    var response =
        client.post(
            "/model/amazon.titan-embed-text-v2%3A0/invoke",
            "{\"inputText\":\"one two three\",\"dimensions\":256}");

    JsonNode answer = readTree(response.body());
    assertThat(answer.path("embedding").size()).isEqualTo(256);
    assertThat(answer.path("inputTextTokenCount").asInt()).isEqualTo(3);
  }

  @Test
  void embedsWithCohereAndCountsTokensInAHeader() {
    var response =
        client.post(
            "/model/cohere.embed-english-v3/invoke",
            "{\"texts\":[\"a b\",\"c\"],\"input_type\":\"search_document\"}");

    JsonNode answer = readTree(response.body());
    assertThat(answer.path("embeddings").size()).isEqualTo(2);
    assertThat(answer.path("response_type").asText()).isEqualTo("embeddings_floats");
    assertThat(response.headers().firstValue("X-Amzn-Bedrock-Input-Token-Count")).hasValue("3");
  }

  @Test
  void streamsAnthropicEventsAsBase64Chunks() {
    var response =
        client.post(
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke-with-response-stream",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    List<Message> messages =
        new MessageDecoder().feed(ByteBuffer.wrap(response.body())).getDecodedMessages();
    List<String> types = new ArrayList<>();
    StringBuilder text = new StringBuilder();
    for (Message message : messages) {
      assertThat(message.getHeaders().get(":event-type").getString()).isEqualTo("chunk");
      JsonNode event =
          readTree(
              Base64.getDecoder().decode(readTree(message.getPayload()).path("bytes").asText()));
      types.add(event.path("type").asText());
      text.append(event.at("/delta/text").asText(""));
    }
    assertThat(types.getFirst()).isEqualTo("message_start");
    assertThat(types.getLast()).isEqualTo("message_stop");
    assertThat(types).contains("content_block_start", "content_block_delta", "message_delta");
    assertThat(text).hasToString("Hello from the fake Bedrock. You said: Hi");
  }

  @Test
  void invokesAnthropicInTheMessagesFormat() {
    bedrock.enqueue(
        ConverseReply.toolUse(
            new ConverseReply.ToolUse("toolu_01", "get_weather", "{\"city\":\"Oslo\"}")));
    var response =
        client.post(
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke",
            "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,"
                + "\"messages\":[{\"role\":\"user\",\"content\":\"Weather?\"}]}");

    JsonNode answer = readTree(response.body());
    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(answer.path("type").asText()).isEqualTo("message");
    assertThat(answer.at("/content/0/type").asText()).isEqualTo("tool_use");
    assertThat(answer.at("/content/0/input/city").asText()).isEqualTo("Oslo");
    assertThat(answer.path("stop_reason").asText()).isEqualTo("tool_use");
    assertThat(answer.at("/usage/input_tokens").asInt()).isPositive();
  }

  @Test
  void refusesAnAnthropicInvokeWithoutItsVersion() {
    var response =
        client.post(
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke",
            "{\"max_tokens\":100,\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(readTree(response.body()).path("message").asText()).contains("anthropic_version");
  }

  @Test
  void refusesModelAndStreamInAnAnthropicInvokeBody() {
    for (String extra : List.of("\"model\":\"claude\",", "\"stream\":true,")) {
      var response =
          client.post(
              "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/invoke",
              "{"
                  + extra
                  + "\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":100,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"Hi\"}]}");

      assertThat(response.statusCode()).isEqualTo(400);
      assertThat(readTree(response.body()).path("message").asText()).contains("extraneous key");
    }
  }

  @Test
  void countsTheTokensOfAnInvokeModelBody() {
    String invoke =
        "{\"anthropic_version\":\"bedrock-2023-05-31\",\"max_tokens\":1,\"system\":\"Be brief.\","
            + "\"messages\":[{\"role\":\"user\",\"content\":\"Count these four words\"}]}";
    var response =
        client.post(
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/count-tokens",
            "{\"input\":{\"invokeModel\":{\"body\":\""
                + Base64.getEncoder().encodeToString(invoke.getBytes(StandardCharsets.UTF_8))
                + "\"}}}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(readTree(response.body())).isEqualTo(readTree("{\"inputTokens\":6}".getBytes()));
  }

  @Test
  void countsTheTokensOfAConverseBody() {
    var response =
        client.post(
            "/model/anthropic.claude-3-5-haiku-20241022-v1%3A0/count-tokens",
            "{\"input\":{\"converse\":" + HELLO + "}}");

    assertThat(response.statusCode()).isEqualTo(200);
    assertThat(readTree(response.body()).path("inputTokens").asInt()).isEqualTo(2);
  }

  @Test
  void refusesToCountTokensForAModelThatDoesNotCountThem() {
    var response =
        client.post(
            "/model/amazon.nova-lite-v1%3A0/count-tokens",
            "{\"input\":{\"converse\":" + HELLO + "}}");

    assertThat(response.statusCode()).isEqualTo(400);
    assertThat(readTree(response.body()).path("message").asText())
        .isEqualTo("The provided model doesn't support counting tokens.");
  }

  @Test
  void answersAnArnModelIdWithItsSlashesEncoded() {
    var response =
        client.post(
            "/model/arn%3Aaws%3Abedrock%3Aus-east-1%3A123456789012%3Ainference-profile%2Fus.amazon.nova-lite-v1%3A0/converse",
            HELLO);

    assertThat(response.statusCode()).isEqualTo(200);
  }

  private static long crc(byte[] bytes, int offset, int length) {
    CRC32 crc = new CRC32();
    crc.update(bytes, offset, length);
    return crc.getValue();
  }

  private static JsonNode readTree(byte[] bytes) {
    try {
      return JSON.readTree(bytes);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }
}
