package dev.switchboard.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.Optional;

/**
 * The stored responses of every workspace: each sealed with AES-256-GCM under the current master
 * key (the access layer's {@link SecretBox}, bound to its row's workspace and id) before it is
 * written, opened when read, never served past its retention, deleted by {@link #deleteExpired}.
 */
public final class StoredResponses implements AutoCloseable {
  private static final ObjectMapper JSON = WireJson.mapper();

  private final ResponseStore store;
  private final SecretBox box;
  private final Duration retention;
  private final Clock clock;

  StoredResponses(ResponseStore store, SecretBox box, Duration retention, Clock clock) {
    this.store = store;
    this.box = box;
    this.retention = retention;
    this.clock = clock;
  }

  /** Stores {@code response} (replacing an earlier state of the same id and workspace). */
  public void save(StoredResponse response) {
    ObjectNode contents = JSON.createObjectNode();
    contents.set("response", response.response());
    contents.set("input", response.input());
    contents.set("input_items", response.inputItems());
    contents.set("context", response.context());
    byte[] plain;
    try {
      plain = JSON.writeValueAsBytes(contents);
    } catch (IOException e) {
      throw new IllegalStateException("a response cannot be written", e);
    }
    try {
      SecretBox.Sealed sealed = box.sealBytes(rowName(response.id(), response.workspace()), plain);
      store.put(
          new ResponseStore.Row(
              response.id(),
              response.workspace(),
              response.createdAt(),
              response.createdAt().plus(retention),
              sealed.ciphertext(),
              sealed.masterKeyId()));
    } finally {
      Arrays.fill(plain, (byte) 0);
    }
  }

  /**
   * The response {@code id} of {@code workspace}; empty when there is none, it expired, or it is
   * another workspace's (the three are not told apart).
   */
  public Optional<StoredResponse> find(String id, String workspace) {
    return store
        .find(id, workspace, clock.instant())
        .map(row -> {
          byte[] plain =
              box.openBytes(
                  rowName(row.id(), row.workspace()),
                  row.ciphertext(),
                  row.masterKeyId(),
                  "The contents of stored response '" + row.id() + "'");
          try {
            JsonNode contents = JSON.readTree(plain);
            return new StoredResponse(
                row.id(),
                row.workspace(),
                row.createdAt(),
                (ObjectNode) contents.get("response"),
                (ArrayNode) contents.get("input"),
                (ArrayNode) contents.get("input_items"),
                (ArrayNode) contents.get("context"));
          } catch (IOException e) {
            throw new IllegalStateException("a stored response cannot be read", e);
          } finally {
            Arrays.fill(plain, (byte) 0);
          }
        });
  }

  /** Deletes the response {@code id} of {@code workspace}; whether there was one. */
  public boolean delete(String id, String workspace) {
    return store.delete(id, workspace);
  }

  /** Deletes every response past its retention; how many. */
  public int deleteExpired() {
    return store.deleteExpired(clock.instant());
  }

  /** The clock stored responses are dated by. */
  Instant now() {
    return clock.instant();
  }

  /** The associated data a row's contents are sealed with: a row moved elsewhere does not open. */
  private static String rowName(String id, String workspace) {
    return "stored-response/" + workspace + "/" + id;
  }

  @Override
  public void close() {
    store.close();
  }
}
