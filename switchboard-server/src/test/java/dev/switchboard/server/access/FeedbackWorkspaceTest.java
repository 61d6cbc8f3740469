package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.wire.WireJson;
import java.nio.file.Path;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Feedback belongs to the workspace of the key that sent it: a key of one workspace that knows (or
 * guesses) another workspace's trace id cannot put feedback on that workspace's requests, in the
 * logs or in the analytics.
 */
class FeedbackWorkspaceTest {
  static final String ADMIN_TOKEN = "sbadm-feedback-" + UUID.randomUUID();
  static final String CHAT =
      "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
  static final String PERMISSIONS = "{\"permissions\":[\"completions\",\"feedback\"]}";

  @TempDir Path data;

  @Test
  void feedbackOnAnotherWorkspacesTraceNeverReachesItsRequests() throws Exception {
    try (AccessGateway gateway =
        AccessGateway.start(
            AccessGateway.Options.of(AccessSettings.inMemory().withRequireKeys(true), ADMIN_TOKEN)
                .withObservability(ObservabilitySettings.defaults().withDataDirectory(data)))) {
      gateway.createWorkspace("ws-owner", null);
      gateway.createWorkspace("ws-intruder", null);
      String owner = gateway.createKey("ws-owner", "owner", PERMISSIONS, null).secret();
      String intruder = gateway.createKey("ws-intruder", "intruder", PERMISSIONS, null).secret();
      String trace = "trace-" + UUID.randomUUID();

      var chat =
          gateway.send(
              "POST",
              "/v1/chat/completions",
              CHAT,
              "x-portkey-api-key",
              owner,
              "x-portkey-provider",
              "mock",
              "x-portkey-trace-id",
              trace);
      assertThat(chat.statusCode()).as(chat.body()).isEqualTo(200);
      var forged =
          gateway.send(
              "POST",
              "/v1/feedback",
              "{\"trace_id\":\"" + trace + "\",\"value\":-10}",
              "x-portkey-api-key",
              intruder);
      assertThat(forged.statusCode()).as(forged.body()).isEqualTo(200);
      var own =
          gateway.send(
              "POST",
              "/v1/feedback",
              "{\"trace_id\":\"" + trace + "\",\"value\":7}",
              "x-portkey-api-key",
              owner);
      assertThat(own.statusCode()).as(own.body()).isEqualTo(200);
      gateway.awaitRequestLog();

      JsonNode records =
          WireJson.tree(gateway.admin("GET", "/v1/logs?trace_id=" + trace, null).body());
      JsonNode feedback = records.path("data").get(0).path("feedback");
      assertThat(feedback).hasSize(1);
      assertThat(feedback.get(0).path("value").asInt()).isEqualTo(7);
      JsonNode analytics =
          WireJson.tree(
              gateway.admin("GET", "/v1/analytics?group_by=none&trace_id=" + trace, null).body());
      assertThat(analytics.toString())
          .contains("\"feedback_count\":1")
          .doesNotContain("\"feedback_count\":2")
          .contains("\"feedback_avg\":7");
    }
  }
}
