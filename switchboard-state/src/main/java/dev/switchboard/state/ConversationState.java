package dev.switchboard.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.vault.MasterKeys;
import dev.switchboard.access.vault.SecretBox;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.cluster.SingletonJobs;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.wire.WireJson;
import java.time.Clock;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Responses API's conversation state, built from {@link StateSettings}: the stored responses
 * (encrypted under the access layer's master key), the request stage that continues a stored
 * conversation and stores answers ({@link #install}), the background runs, the sweeper that deletes
 * responses past their retention, and the operations behind {@code GET}, {@code DELETE}, {@code
 * input_items} and {@code cancel} on {@code /v1/responses/{id}}. Off (nothing stored; a request
 * that needs state refused with 400) when the settings turn it off or no master key is set.
 *
 * <p>Workspaces: each operation takes the caller's workspace ({@code null} for a caller without a
 * gateway key); a response of another workspace is answered as one that does not exist.
 */
public final class ConversationState implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ConversationState.class);

  private final StoredResponses responses;
  private final BackgroundResponses background;
  private final ScheduledExecutorService sweeper;

  private ConversationState(
      StoredResponses responses, BackgroundResponses background, ScheduledExecutorService sweeper) {
    this.responses = responses;
    this.background = background;
    this.sweeper = sweeper;
  }

  /**
   * Opens the store (creating its table when absent) and starts the sweeper; off when {@code
   * settings} turn it off or {@code masterKeys} hold no current key.
   *
   * @throws IllegalStateException when the store cannot be opened
   */
  public static ConversationState start(
      StateSettings settings, MasterKeys masterKeys, Clock clock) {
    if (!settings.enabled()) {
      return new ConversationState(null, null, null);
    }
    if (!masterKeys.present()) {
      LOG.info("responses: conversation state off (no access.master-key to encrypt it)");
      return new ConversationState(null, null, null);
    }
    ResponseStore store = ResponseStore.open(settings.jdbcUrl());
    StoredResponses responses =
        new StoredResponses(store, new SecretBox(masterKeys), settings.retention(), clock);
    ScheduledExecutorService sweeper =
        Executors.newSingleThreadScheduledExecutor(
            Thread.ofVirtual().name("switchboard-responses-sweeper").factory());
    long every = settings.sweepInterval().toMillis();
    sweeper.scheduleWithFixedDelay(
        () -> {
          try {
            // Once a round for the cluster: the gateway that gets the job's lock sweeps, the
            // others skip (SingletonJobs).
            SingletonJobs.runOncePerRound(
                store.dataSource(),
                "responses-retention",
                settings.sweepInterval(),
                clock,
                () -> {
                  int deleted = responses.deleteExpired();
                  if (deleted > 0) {
                    LOG.info("responses: deleted {} past their retention", deleted);
                  }
                  return deleted;
                });
          } catch (java.sql.SQLException | RuntimeException e) {
            LOG.warn("responses: the sweep failed: {}", e.toString());
          }
        },
        every,
        every,
        TimeUnit.MILLISECONDS);
    LOG.info(
        "responses: stored {} for {}, under master key {}",
        settings.storeUrl().startsWith("jdbc:postgresql:") ? "in postgresql" : "embedded",
        settings.retention(),
        masterKeys.currentId());
    return new ConversationState(
        responses, new BackgroundResponses(responses, settings.backgroundLimit()), sweeper);
  }

  /**
   * Puts the conversation state's request stage into a gateway being built (after admission, before
   * pricing and routing). Then {@link #attach} the gateway once built: background responses run
   * through it.
   */
  public void install(Gateway.Builder builder) {
    builder.conversationState(new ConversationStage(responses, background));
  }

  /** The gateway background responses run through. */
  public void attach(Gateway gateway) {
    if (background != null) {
      background.attach(gateway);
    }
  }

  /** Whether responses are stored. */
  public boolean enabled() {
    return responses != null;
  }

  /**
   * {@code GET /v1/responses/{id}}: the response object.
   *
   * @throws InvalidRequestException 404 when {@code workspace} holds no such response
   */
  public ObjectNode retrieve(String id, String workspace) {
    return stored(id, workspace).response();
  }

  /**
   * {@code DELETE /v1/responses/{id}}: OpenAI's deletion answer.
   *
   * @throws InvalidRequestException 404 when {@code workspace} holds no such response
   */
  public ObjectNode delete(String id, String workspace) {
    if (responses == null || !responses.delete(id, Workspaces.of(workspace))) {
      throw ConversationStage.notFound(id, null);
    }
    ObjectNode deleted = WireJson.mapper().createObjectNode();
    deleted.put("id", id);
    deleted.put("object", "response");
    deleted.put("deleted", true);
    return deleted;
  }

  /**
   * {@code GET /v1/responses/{id}/input_items}: a page of the input items, OpenAI's list.
   *
   * @param limit how many, 1 to 100
   * @param after the id of the item the page starts after, or {@code null}
   * @param ascending the items in the order sent ({@code order=asc}), else newest first
   * @throws InvalidRequestException 404 when {@code workspace} holds no such response, 400 for a
   *     limit out of range
   */
  public ObjectNode inputItems(
      String id, String workspace, int limit, String after, boolean ascending) {
    if (limit < 1 || limit > 100) {
      throw new InvalidRequestException("'limit' must be between 1 and 100.", "limit", null);
    }
    ArrayNode items = stored(id, workspace).inputItems();
    java.util.List<JsonNode> ordered = new java.util.ArrayList<>();
    items.forEach(ordered::add);
    if (!ascending) {
      java.util.Collections.reverse(ordered);
    }
    int start = 0;
    if (after != null) {
      start = ordered.size();
      for (int i = 0; i < ordered.size(); i++) {
        if (ordered.get(i).path("id").asText().equals(after)) {
          start = i + 1;
          break;
        }
      }
    }
    int end = Math.min(ordered.size(), start + limit);
    ObjectNode page = WireJson.mapper().createObjectNode();
    page.put("object", "list");
    ArrayNode data = page.putArray("data");
    ordered.subList(start, end).forEach(item -> data.add(item.deepCopy()));
    if (data.isEmpty()) {
      page.putNull("first_id");
      page.putNull("last_id");
    } else {
      page.put("first_id", data.get(0).path("id").asText());
      page.put("last_id", data.get(data.size() - 1).path("id").asText());
    }
    page.put("has_more", end < ordered.size());
    return page;
  }

  /**
   * {@code POST /v1/responses/{id}/cancel}: the response, cancelled if it was still running.
   *
   * @throws InvalidRequestException 404 when {@code workspace} holds no such response; 400 when it
   *     was not created in the background
   */
  public ObjectNode cancel(String id, String workspace) {
    if (background == null) {
      throw ConversationStage.notFound(id, null);
    }
    return background.cancel(id, Workspaces.of(workspace));
  }

  /** Deletes every response past its retention now, as the sweeper does; how many. */
  public int deleteExpired() {
    return responses == null ? 0 : responses.deleteExpired();
  }

  private StoredResponse stored(String id, String workspace) {
    if (responses == null) {
      throw ConversationStage.notFound(id, null);
    }
    return responses
        .find(id, Workspaces.of(workspace))
        .orElseThrow(() -> ConversationStage.notFound(id, null));
  }

  @Override
  public void close() {
    if (responses == null) {
      return;
    }
    sweeper.shutdownNow();
    try {
      background.close();
    } finally {
      responses.close();
    }
  }
}
