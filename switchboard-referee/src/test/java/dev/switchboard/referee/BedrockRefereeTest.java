package dev.switchboard.referee;

import static org.assertj.core.api.Assertions.assertThat;

import com.anthropic.models.messages.MessageCreateParams;
import com.anthropic.models.messages.RawMessageStreamEvent;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.referee.GatewayTraffic.Replayed;
import dev.switchboard.testkit.ConverseReply;
import dev.switchboard.testkit.RecordedRequest;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.TestFactory;
import software.amazon.awssdk.core.SdkPojo;
import software.amazon.awssdk.services.bedrockruntime.model.ConversationRole;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseRequest;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseResponse;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamOutput;
import software.amazon.awssdk.services.bedrockruntime.model.ConverseStreamRequest;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensRequest;
import software.amazon.awssdk.services.bedrockruntime.model.CountTokensResponse;
import software.amazon.awssdk.services.bedrockruntime.model.PayloadPart;
import software.amazon.awssdk.services.bedrockruntime.model.StopReason;
import software.amazon.eventstream.Message;
import software.amazon.eventstream.MessageDecoder;

/**
 * The AWS SDK's Bedrock Runtime model judges every Converse and ConverseStream request the gateway
 * sent the Bedrock fake and what the fake answers it (the request sent again, as it was, signature
 * and all; one that offered tools is answered with a tool use): each body and each stream event
 * walked against its shape's members, and the members Bedrock always sends present. The InvokeModel
 * bodies of Claude (Anthropic's Messages format, as Bedrock documents it) are judged by Anthropic's
 * SDK, each streamed chunk's frame by the AWS model first.
 */
class BedrockRefereeTest {
  private static final StainlessReferee ANTHROPIC = StainlessReferee.anthropic();
  private static final String ARGUMENTS = "{\"city\":\"Paris\"}";

  @TestFactory
  Stream<DynamicTest> awsSdkJudgesWhatTheGatewaySentBedrockAndWhatItAnswered() {
    GatewayTraffic traffic = GatewayTraffic.shared();
    List<DynamicTest> tests = new ArrayList<>();
    for (RecordedRequest request : traffic.bedrock.requests()) {
      String operation = request.path().substring(request.path().lastIndexOf('/') + 1);
      boolean claude = request.path().startsWith("/model/anthropic.");
      if (!request.method().equals("POST")
          || !(operation.startsWith("converse")
              || (claude
                  && (operation.startsWith("invoke") || operation.equals("count-tokens"))))) {
        continue;
      }
      tests.add(
          DynamicTest.dynamicTest(
              "bedrock " + request.path() + " " + ProviderRequestsRefereeTest.summary(request),
              () -> {
                JsonNode body = WireJson.tree(request.body());
                List<String> findings = new ArrayList<>(judgeRequest(operation, body));
                if (offersTools(body)) {
                  traffic.bedrock.enqueue(
                      ConverseReply.toolUse(
                          new ConverseReply.ToolUse(
                              "tooluse_referee02", "get_weather", ARGUMENTS)));
                }
                Replayed answer = traffic.replay(traffic.bedrock.endpoint(), request);
                assertThat(answer.status()).as(answer.text()).isEqualTo(200);
                findings.addAll(judgeAnswer(operation, answer));
                ProviderRequestsRefereeTest.assertPasses("bedrock", request, findings);
              }));
    }
    assertThat(tests).hasSizeGreaterThanOrEqualTo(12);
    return tests.stream();
  }

  static List<String> judgeRequest(String operation, JsonNode body) {
    return switch (operation) {
      case "converse" -> AwsShapeReferee.judge(body, ConverseRequest.builder(), "request");
      case "converse-stream" ->
          AwsShapeReferee.judge(body, ConverseStreamRequest.builder(), "request");
      case "count-tokens" -> countTokens(body);
      default -> claudeRequest(body);
    };
  }

  /** CountTokens: the AWS shape, and the InvokeModel body it carries as base64 for Claude. */
  static List<String> countTokens(JsonNode body) {
    List<String> findings =
        new ArrayList<>(AwsShapeReferee.judge(body, CountTokensRequest.builder(), "request"));
    JsonNode invoke = body.at("/input/invokeModel/body");
    if (invoke.isTextual()) {
      byte[] decoded = Base64.getDecoder().decode(invoke.asText());
      claudeRequest(WireJson.tree(new String(decoded, StandardCharsets.UTF_8))).stream()
          .map(f -> "input.invokeModel.body " + f)
          .forEach(findings::add);
    }
    return findings;
  }

  /**
   * Claude's InvokeModel body: Anthropic's Messages request with the model in the path, {@code
   * stream} in the operation and {@code anthropic_version} in the body
   * (docs.aws.amazon.com/bedrock/latest/userguide/model-parameters-anthropic-claude-messages.html).
   */
  static List<String> claudeRequest(JsonNode body) {
    List<String> findings = new ArrayList<>();
    ObjectNode messages = body.deepCopy();
    if (!"bedrock-2023-05-31".equals(messages.path("anthropic_version").asText())) {
      findings.add(
          "request.anthropic_version: "
              + messages.get("anthropic_version")
              + ", where Bedrock requires bedrock-2023-05-31");
    }
    for (String set : List.of("model", "stream")) {
      if (messages.has(set)) {
        findings.add("request." + set + ": in the body, where Bedrock takes it from the path");
      }
    }
    messages.remove("anthropic_version");
    messages.put("model", "claude-on-bedrock");
    ANTHROPIC.judge(messages.toString(), MessageCreateParams.Body.class).stream()
        .map(f -> "request " + f)
        .forEach(findings::add);
    return findings;
  }

  static List<String> judgeAnswer(String operation, Replayed answer) {
    return switch (operation) {
      case "converse" -> converse(WireJson.tree(answer.text()));
      case "count-tokens" -> {
        JsonNode count = WireJson.tree(answer.text());
        List<String> findings =
            new ArrayList<>(AlwaysSent.missing(count, "answer", "/inputTokens"));
        findings.addAll(AwsShapeReferee.judge(count, CountTokensResponse.builder(), "answer"));
        yield findings;
      }
      case "invoke" -> ANTHROPIC.judge(answer.text(), com.anthropic.models.messages.Message.class);
      default -> stream(operation, answer);
    };
  }

  private static List<String> converse(JsonNode answer) {
    List<String> findings =
        new ArrayList<>(
            AlwaysSent.missing(
                answer,
                "answer",
                "/output/message/role",
                "/output/message/content/0",
                "/stopReason",
                "/usage/inputTokens",
                "/usage/outputTokens",
                "/usage/totalTokens",
                "/metrics/latencyMs"));
    findings.addAll(AwsShapeReferee.judge(answer, ConverseResponse.builder(), "answer"));
    findings.addAll(known(answer, "answer"));
    return findings;
  }

  /** The event stream of ConverseStream or InvokeModelWithResponseStream, frame by frame. */
  private static List<String> stream(String operation, Replayed answer) {
    assertThat(answer.contentType()).isEqualTo("application/vnd.amazon.eventstream");
    MessageDecoder decoder = new MessageDecoder();
    decoder.feed(answer.body());
    List<Message> frames = decoder.getDecodedMessages();
    assertThat(frames).isNotEmpty();
    List<String> findings = new ArrayList<>();
    List<String> names = new ArrayList<>();
    for (int i = 0; i < frames.size(); i++) {
      Message frame = frames.get(i);
      String type = header(frame, ":message-type");
      String name = header(frame, ":event-type");
      String at = "event " + i + " " + name;
      if (!"event".equals(type)) {
        findings.add(at + ": a frame of type " + type + " in a successful stream");
        continue;
      }
      names.add(name);
      JsonNode payload = WireJson.tree(new String(frame.getPayload(), StandardCharsets.UTF_8));
      if (operation.equals("converse-stream")) {
        findings.addAll(converseEvent(name, payload, at));
      } else {
        findings.addAll(invokeChunk(name, payload, at));
      }
    }
    if (operation.equals("converse-stream")) {
      assertThat(names).first().isEqualTo("messageStart");
      assertThat(names).last().isEqualTo("metadata");
      assertThat(names).contains("messageStop");
    }
    return findings;
  }

  /** The members each ConverseStream event always carries (Bedrock's API reference). */
  private static final Map<String, List<String>> EVENT_MEMBERS =
      Map.of(
          "messageStart", List.of("/role"),
          "contentBlockStart", List.of("/start", "/contentBlockIndex"),
          "contentBlockDelta", List.of("/delta", "/contentBlockIndex"),
          "contentBlockStop", List.of("/contentBlockIndex"),
          "messageStop", List.of("/stopReason"),
          "metadata",
              List.of(
                  "/usage/inputTokens",
                  "/usage/outputTokens",
                  "/usage/totalTokens",
                  "/metrics/latencyMs"));

  private static List<String> converseEvent(String name, JsonNode payload, String at) {
    SdkPojo event;
    try {
      // the SDK's builder of the event this name stands for, as its unmarshaller picks it
      event = (SdkPojo) ConverseStreamOutput.class.getMethod(name + "Builder").invoke(null);
    } catch (ReflectiveOperationException e) {
      return List.of(at + ": an event unknown to the SDK");
    }
    List<String> findings =
        new ArrayList<>(
            AlwaysSent.missing(payload, at, EVENT_MEMBERS.get(name).toArray(String[]::new)));
    findings.addAll(AwsShapeReferee.judge(payload, event, at));
    findings.addAll(known(payload, at));
    return findings;
  }

  /** A chunk of InvokeModelWithResponseStream: a PayloadPart whose bytes are Claude's event. */
  private static List<String> invokeChunk(String name, JsonNode payload, String at) {
    if (!name.equals("chunk")) {
      return List.of(at + ": an event unknown to the SDK");
    }
    List<String> findings =
        new ArrayList<>(AwsShapeReferee.judge(payload, PayloadPart.builder(), at));
    String event =
        new String(
            Base64.getDecoder().decode(payload.path("bytes").asText()), StandardCharsets.UTF_8);
    ANTHROPIC.judge(event, RawMessageStreamEvent.class).stream()
        .map(f -> at + ": " + f)
        .forEach(findings::add);
    return findings;
  }

  /** The enumerations the walk leaves as strings: a role and a stop reason the SDK knows. */
  private static List<String> known(JsonNode json, String at) {
    List<String> findings = new ArrayList<>();
    JsonNode stop = json.path("stopReason");
    if (stop.isTextual()
        && StopReason.fromValue(stop.asText()) == StopReason.UNKNOWN_TO_SDK_VERSION) {
      findings.add(at + ".stopReason: " + stop + " unknown to the SDK");
    }
    for (JsonNode role : List.of(json.path("role"), json.at("/output/message/role"))) {
      if (role.isTextual()
          && ConversationRole.fromValue(role.asText()) == ConversationRole.UNKNOWN_TO_SDK_VERSION) {
        findings.add(at + " role " + role + ": unknown to the SDK");
      }
    }
    return findings;
  }

  private static String header(Message frame, String name) {
    var value = frame.getHeaders().get(name);
    return value == null ? null : value.getString();
  }

  /** A request that offers tools and does not answer a call: the fake calls the tool. */
  private static boolean offersTools(JsonNode body) {
    JsonNode messages = body.path("messages");
    JsonNode last = messages.path(messages.size() - 1);
    for (JsonNode block : last.path("content")) {
      if (block.has("toolResult") || "tool_result".equals(block.path("type").asText())) {
        return false;
      }
    }
    return body.path("toolConfig").path("tools").size() > 0 || body.path("tools").size() > 0;
  }
}
