package dev.switchboard.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A fixture written through the scrubber never holds a secret it knew of or one shaped like a key.
 */
class FixtureScrubberTest {
  static final String OPENAI_KEY = "sk-proj-Sx9TESTSECRETdonotleak0123456789";
  static final String AWS_SECRET = "wJalrXUtnFEMI/K7MDENG/bPxRfiCYTESTSECRET";
  static final String GOOGLE_KEY = "AIzaSyTESTSECRETgoogle0123456789abc";
  static final String PRIVATE_KEY =
      "-----BEGIN PRIVATE KEY-----\nMIIEvTESTSECRETline1\nline2==\n-----END PRIVATE KEY-----\n";
  static final ObjectMapper JSON = new ObjectMapper();

  @TempDir Path dir;

  @Test
  void aWrittenFixtureHoldsNoSecretInItsHeadersPathsOrBodies() throws Exception {
    Map<String, String> requestHeaders = new LinkedHashMap<>();
    requestHeaders.put("Authorization", "Bearer " + OPENAI_KEY);
    requestHeaders.put("x-api-key", OPENAI_KEY);
    requestHeaders.put("x-goog-api-key", GOOGLE_KEY);
    requestHeaders.put("X-Amz-Date", "20260101T000000Z");
    requestHeaders.put("x-amz-security-token", "FwoGZXIvYXdzEXAMPLETOKEN");
    requestHeaders.put("Cookie", "session=abc");
    requestHeaders.put("OpenAI-Organization", "org-TESTORG");
    requestHeaders.put("content-type", "application/json");
    Map<String, String> responseHeaders = new LinkedHashMap<>();
    responseHeaders.put("content-type", "application/json");
    responseHeaders.put("set-cookie", "__cf_bm=abc; path=/");
    responseHeaders.put("openai-project", "proj_TESTPROJECT");
    responseHeaders.put("x-request-id", "req_123");
    String answer =
        """
        {"error":{"message":"Incorrect API key provided: sk-proj-***********************6789. \
        Also %s and %s","type":"invalid_request_error","code":"invalid_api_key"}}\
        """
            .formatted(AWS_SECRET, PRIVATE_KEY.replace("\n", "\\n"));
    ReplayFixture fixture =
        new ReplayFixture(
            "openai",
            "error-bad-key",
            "recorded 2026-01-01 https://api.openai.com",
            new ReplayFixture.ClientCall(
                "/v1/chat/completions",
                Map.of("x-portkey-provider", "openai"),
                JSON.readTree("{\"model\":\"gpt-4o-mini\",\"user\":\"" + OPENAI_KEY + "\"}")),
            new ReplayFixture.ProviderRequest(
                "POST",
                "/v1beta/models/gemini:generateContent?alt=sse&key=" + GOOGLE_KEY,
                requestHeaders,
                JSON.readTree(
                    "{\"model\":\"gpt-4o-mini\",\"private_key\":"
                        + JSON.writeValueAsString(PRIVATE_KEY)
                        + "}")),
            new ReplayFixture.ProviderResponse(
                401, responseHeaders, answer.getBytes(StandardCharsets.UTF_8)));

    Path file = dir.resolve("openai/error-bad-key.json");
    FixtureScrubber.of(List.of(OPENAI_KEY, AWS_SECRET, GOOGLE_KEY, PRIVATE_KEY))
        .scrub(fixture)
        .write(file);

    String written = Files.readString(file);
    for (String secret :
        List.of(
            OPENAI_KEY,
            AWS_SECRET,
            GOOGLE_KEY,
            "MIIEvTESTSECRETline1",
            "FwoGZXIvYXdzEXAMPLETOKEN",
            "session=abc",
            "__cf_bm",
            "org-TESTORG",
            "proj_TESTPROJECT",
            "req_123",
            "sk-proj-***",
            "6789")) {
      assertThat(written).doesNotContain(secret);
    }
    ReplayFixture read = ReplayFixture.read(file);
    assertThat(read.request().headers().get("Authorization"))
        .isEqualTo("Bearer " + FixtureScrubber.SCRUBBED);
    assertThat(read.request().path())
        .isEqualTo("/v1beta/models/gemini:generateContent?alt=sse&key=" + FixtureScrubber.SCRUBBED);
    assertThat(read.request().headers()).containsEntry("content-type", "application/json");
    assertThat(JSON.readTree(read.response().text()).path("error").path("code").asText())
        .isEqualTo("invalid_api_key");
  }

  @Test
  void anAccountsNamesBecomeTheirStandInsEverywhereSoTheFixtureStillReplays() throws Exception {
    String project = "acme-prod-4711";
    ReplayFixture fixture =
        new ReplayFixture(
            "vertex-ai",
            "error-bad-model",
            "recorded 2026-01-01 https://us-central1-aiplatform.googleapis.com",
            new ReplayFixture.ClientCall(
                "/v1/chat/completions",
                Map.of("x-portkey-vertex-project-id", project),
                JSON.readTree("{\"model\":\"nope\"}")),
            new ReplayFixture.ProviderRequest(
                "POST",
                "/v1/projects/"
                    + project
                    + "/locations/us-central1/publishers/google/models/nope"
                    + ":generateContent",
                Map.of("authorization", "Bearer ya29.TESTSECRETtoken"),
                JSON.readTree("{\"contents\":[]}")),
            new ReplayFixture.ProviderResponse(
                404,
                Map.of("content-type", "application/json"),
                ("{\"error\":{\"message\":\"Publisher Model `projects/"
                        + project
                        + "/locations/us-central1/publishers/google/models/nope` was not found\"}}")
                    .getBytes(StandardCharsets.UTF_8)));

    ReplayFixture scrubbed =
        FixtureScrubber.of(List.of("ya29.TESTSECRETtoken"), Map.of(project, "replay-project"))
            .scrub(fixture);

    assertThat(scrubbed.toJson()).doesNotContain(project, "TESTSECRET");
    assertThat(scrubbed.client().headers())
        .containsEntry("x-portkey-vertex-project-id", "replay-project");
    assertThat(scrubbed.request().path()).startsWith("/v1/projects/replay-project/locations/");
    assertThat(scrubbed.response().text()).contains("projects/replay-project/locations");
  }

  @Test
  void aBinaryAnswerThatHoldsASecretIsRefusedRatherThanBroken() {
    byte[] frame =
        EventStreamEncoder.event(
            "messageStart", ("{\"role\":\"" + AWS_SECRET + "\"}").getBytes(StandardCharsets.UTF_8));
    ReplayFixture fixture =
        new ReplayFixture(
            "bedrock",
            "chat-stream",
            "recorded 2026-01-01 https://bedrock-runtime.us-east-1.amazonaws.com",
            new ReplayFixture.ClientCall("/v1/chat/completions", Map.of(), null),
            new ReplayFixture.ProviderRequest("POST", "/model/m/converse-stream", Map.of(), null),
            new ReplayFixture.ProviderResponse(
                200, Map.of("content-type", "application/vnd.amazon.eventstream"), frame));

    assertThatThrownBy(() -> FixtureScrubber.of(List.of(AWS_SECRET)).scrub(fixture))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("not written");
  }

  @Test
  void aBinaryAnswerKeepsItsBytesThroughAFile() {
    byte[] frame =
        EventStreamEncoder.event("messageStop", "{\"stopReason\":\"end_turn\"}".getBytes());
    ReplayFixture fixture =
        new ReplayFixture(
            "bedrock",
            "chat-stream",
            "api-reference https://docs.aws.amazon.com/bedrock/latest/APIReference/",
            new ReplayFixture.ClientCall("/v1/chat/completions", Map.of(), null),
            new ReplayFixture.ProviderRequest("POST", "/model/m/converse-stream", Map.of(), null),
            new ReplayFixture.ProviderResponse(
                200, Map.of("content-type", "application/vnd.amazon.eventstream"), frame));
    Path file = dir.resolve("bedrock.json");

    FixtureScrubber.of(List.of()).scrub(fixture).write(file);

    assertThat(ReplayFixture.read(file).response().body()).isEqualTo(frame);
  }
}
