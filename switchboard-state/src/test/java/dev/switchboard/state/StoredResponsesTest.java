package dev.switchboard.state;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.time.Clock;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.Base64;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Stored responses on both stores (the embedded H2 file, and PostgreSQL): sealed at rest, scoped to
 * their workspace, never served past their retention and deleted by the sweep, read back under a
 * previous master key after the current one changed.
 */
class StoredResponsesTest {
  private static final String KEY = key('a');
  private static final String NEW_KEY = key('b');

  private static final Instant START = Instant.parse("2026-12-01T12:00:00Z");

  @TempDir Path directory;

  private static Clock at(Instant instant) {
    return Clock.fixed(instant, ZoneOffset.UTC);
  }

  private static String key(char fill) {
    return Base64.getEncoder().encodeToString(String.valueOf(fill).repeat(32).getBytes());
  }

  private String url(String store) {
    return store.equals("embedded")
        ? new StateSettings(true, "embedded", directory, null, null, 1).jdbcUrl()
        : TestPostgres.freshSchemaUrl();
  }

  private static StoredResponses open(String url, String key, List<String> previous, Clock clock) {
    return new StoredResponses(
        ResponseStore.open(url),
        new SecretBox(MasterKeys.of(key, null, previous)),
        StateSettings.DEFAULT_RETENTION,
        clock);
  }

  private static StoredResponse response(String id, String workspace, String text, Clock clock) {
    ObjectNode response =
        WireJson.mapper().createObjectNode().put("id", id).put("status", "completed");
    response.putArray("output").addObject().put("type", "message").put("text", text);
    ArrayNode input = ResponseItems.of(WireJson.mapper().getNodeFactory().textNode("say " + text));
    return new StoredResponse(
        id,
        workspace,
        clock.instant(),
        response,
        input,
        ResponseItems.listed(input),
        WireJson.mapper().createArrayNode());
  }

  @ParameterizedTest
  @ValueSource(strings = {"embedded", "postgresql"})
  void aResponseIsKeptForItsRetentionThenSweptAway(String store) throws Exception {
    String url = url(store);
    try (StoredResponses responses = open(url, KEY, List.of(), at(START))) {
      responses.save(response("resp_1", "team-a", "otter", at(START)));
    }
    // The same store on a clock a second short of the retention, then at it.
    Instant lastSecond = START.plus(StateSettings.DEFAULT_RETENTION).minusSeconds(1);
    try (StoredResponses responses = open(url, KEY, List.of(), at(lastSecond))) {
      assertThat(responses.find("resp_1", "team-a")).isPresent();
      assertThat(responses.deleteExpired()).isZero();
    }
    try (StoredResponses responses = open(url, KEY, List.of(), at(lastSecond.plusSeconds(1)))) {
      assertThat(responses.find("resp_1", "team-a")).isEmpty();
      assertThat(rows(url)).as("expired, not yet swept").isEqualTo(1);
      assertThat(responses.deleteExpired()).isEqualTo(1);
      assertThat(rows(url)).isZero();
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"embedded", "postgresql"})
  void theRowHoldsNoPlaintextAndOpensInItsOwnWorkspaceOnly(String store) throws Exception {
    Clock clock = at(START);
    String url = url(store);
    try (StoredResponses responses = open(url, KEY, List.of(), clock)) {
      responses.save(response("resp_2", "team-a", "zebra-canary-9", clock));

      assertThat(rows(url)).isEqualTo(1);
      try (Connection connection = DriverManager.getConnection(direct(url));
          ResultSet row =
              connection.createStatement().executeQuery("SELECT * FROM stored_responses")) {
        row.next();
        assertThat(new String(row.getBytes("ciphertext"), StandardCharsets.ISO_8859_1))
            .doesNotContain("zebra-canary-9")
            .doesNotContain("completed");
      }
      assertThat(responses.find("resp_2", "team-b")).isEmpty();
      assertThat(responses.find("resp_2", "team-a").orElseThrow().response().toString())
          .contains("zebra-canary-9");
    }
  }

  @ParameterizedTest
  @ValueSource(strings = {"embedded", "postgresql"})
  void aResponseSealedUnderAnEarlierMasterKeyOpensWhileThatKeyIsListed(String store) {
    Clock clock = at(START);
    String url = url(store);
    try (StoredResponses before = open(url, KEY, List.of(), clock)) {
      before.save(response("resp_3", "team-a", "heron", clock));
    }
    try (StoredResponses after = open(url, NEW_KEY, List.of(KEY), clock)) {
      assertThat(after.find("resp_3", "team-a")).isPresent();
    }
    try (StoredResponses forgotten = open(url, NEW_KEY, List.of(), clock)) {
      assertThatThrownBy(() -> forgotten.find("resp_3", "team-a"))
          .isInstanceOf(SecretBox.VaultException.class)
          .hasMessageContaining("resp_3")
          .hasMessageNotContaining(KEY);
    }
  }

  /** A direct connection's URL: H2 with the settings the store opened it with. */
  private static String direct(String url) {
    return url.startsWith("jdbc:h2:") ? url + ";MODE=PostgreSQL;DATABASE_TO_LOWER=TRUE" : url;
  }

  private static int rows(String url) throws Exception {
    try (Connection connection = DriverManager.getConnection(direct(url));
        ResultSet count =
            connection.createStatement().executeQuery("SELECT count(*) FROM stored_responses")) {
      count.next();
      return count.getInt(1);
    }
  }
}
