package dev.switchboard.state;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.Served;
import dev.switchboard.engine.errors.GatewayUnavailableException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.wire.WireJson;
import java.time.Instant;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Responses created with {@code "background": true}: answered at once with {@code status:
 * "queued"}, stored, then run on a virtual thread of the gateway (at most {@code limit} at once) as
 * a request of their own through the whole pipeline (admission, limits, pricing, routing, the
 * request log), the stored response updated to {@code in_progress}, then {@code completed}, {@code
 * failed} or {@code cancelled}. {@link #cancel} interrupts a run, which aborts its upstream call.
 */
final class BackgroundResponses implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(BackgroundResponses.class);

  /** Fields of the request that the {@code response} object does not echo. */
  private static final Set<String> NOT_ECHOED =
      Set.of("input", "stream", "background", "store", "include", "stream_options");

  /** One background response being run on this gateway. */
  static final class Run {
    private final String id;
    private final String workspace;
    private final Instant createdAt;
    private volatile Thread thread;
    private boolean cancelled;

    Run(String id, String workspace, Instant createdAt) {
      this.id = id;
      this.workspace = workspace;
      this.createdAt = createdAt;
    }

    String id() {
      return id;
    }

    String workspace() {
      return workspace;
    }

    Instant createdAt() {
      return createdAt;
    }
  }

  private final StoredResponses responses;
  private final Semaphore slots;
  private final int limit;

  /** Each run's request body, by identity: the stage knows its run by the very body it sent. */
  private final Map<ObjectNode, Run> claims = Collections.synchronizedMap(new IdentityHashMap<>());

  private final Map<String, Run> running = new ConcurrentHashMap<>();
  private volatile Gateway gateway;

  BackgroundResponses(StoredResponses responses, int limit) {
    this.responses = responses;
    this.limit = limit;
    this.slots = new Semaphore(limit);
  }

  /** The gateway runs go through, once it is built. */
  void attach(Gateway gateway) {
    this.gateway = gateway;
  }

  /** The run whose request {@code body} is (by identity), or {@code null}. */
  Run claimed(ObjectNode body) {
    return claims.get(body);
  }

  /**
   * Accepts a background request: stores it as {@code queued}, starts its run, and answers the
   * queued response at once.
   *
   * @param context the conversation it continues (already checked to exist)
   * @throws InvalidRequestException for {@code "store": false} or {@code "stream": true}
   * @throws GatewayUnavailableException 503 when {@code limit} runs are already running
   */
  Outcome accept(Request request, ObjectNode body, String workspace, ArrayNode context) {
    if (!body.path("store").asBoolean(true)) {
      throw new InvalidRequestException(
          "Background responses must be stored: 'background': true cannot be sent with 'store':"
              + " false.",
          "store",
          null);
    }
    if (body.path("stream").asBoolean(false)) {
      throw new InvalidRequestException(
          "This gateway does not stream background responses: send 'stream': false and poll GET"
              + " /v1/responses/{id}.",
          "stream",
          null);
    }
    Gateway through = gateway;
    if (through == null) {
      throw new IllegalStateException("ConversationState.attach(gateway) was not called");
    }
    if (!slots.tryAcquire()) {
      throw new GatewayUnavailableException(
          "This gateway already runs "
              + limit
              + " background responses (responses.background-limit); try again.",
          null);
    }
    Run run;
    ObjectNode queued;
    try {
      run = new Run(ResponseItems.id("resp_"), workspace, responses.now());
      queued = queued(run, body);
      ArrayNode input = ResponseItems.of(body.get("input"));
      responses.save(
          new StoredResponse(
              run.id,
              workspace,
              run.createdAt,
              queued.deepCopy(),
              input,
              ResponseItems.listed(input),
              context));
    } catch (RuntimeException e) {
      slots.release();
      throw e;
    }
    ObjectNode sent = body.deepCopy();
    sent.remove("background");
    running.put(run.id, run);
    run.thread =
        Thread.ofVirtual()
            .name("switchboard-background-" + run.id)
            .unstarted(() -> execute(through, run, sent, request));
    run.thread.start();
    return new Outcome.Body(queued, List.of());
  }

  private void execute(Gateway through, Run run, ObjectNode sent, Request request) {
    try {
      update(run, "in_progress", null);
      claims.put(sent, run);
      Served served;
      try {
        served = through.serve(new Operation.Responses(sent), request.options());
      } finally {
        claims.remove(sent);
      }
      if (served instanceof Served.Failed failed) {
        ObjectNode error = WireJson.mapper().createObjectNode();
        error.put("code", failed.error().status() >= 500 ? "server_error" : "invalid_prompt");
        error.put("message", failed.error().getMessage());
        update(run, "failed", error);
      } else if (served instanceof Served.Answered answered
          && answered.outcome() instanceof Outcome.Raw raw) {
        raw.response().close();
      }
    } catch (RuntimeException e) {
      LOG.warn("background response {} failed: {}", run.id, e.toString());
      ObjectNode error = WireJson.mapper().createObjectNode();
      error.put("code", "server_error");
      error.put("message", "The gateway failed while running this response.");
      update(run, "failed", error);
    } finally {
      running.remove(run.id);
      slots.release();
    }
  }

  /**
   * Stores what the run answered, unless it was cancelled first: here, or through another gateway
   * sharing the store (its stored status says so).
   */
  void finish(Run run, StoredResponse answered) {
    synchronized (run) {
      if (!run.cancelled && !cancelledElsewhere(run)) {
        responses.save(answered);
      }
    }
  }

  private boolean cancelledElsewhere(Run run) {
    return responses
        .find(run.id, run.workspace)
        .map(stored -> stored.status().equals("cancelled"))
        .orElse(true); // deleted meanwhile: not stored again
  }

  /** Sets the stored response's status (and error), unless the run was cancelled. */
  private void update(Run run, String status, ObjectNode error) {
    synchronized (run) {
      if (run.cancelled || cancelledElsewhere(run)) {
        return;
      }
      responses
          .find(run.id, run.workspace)
          .ifPresent(stored -> {
            ObjectNode response = stored.response().deepCopy();
            response.put("status", status);
            if (error != null) {
              response.set("error", error);
            }
            responses.save(stored.withResponse(response));
          });
    }
  }

  /**
   * Cancels the background response {@code id} of {@code workspace}: a run of this gateway is
   * interrupted (its upstream call aborted) and stored as {@code cancelled}; one that ended is
   * answered as it is.
   *
   * @throws InvalidRequestException 404 when the workspace holds no such response; 400 when it was
   *     not created in the background
   */
  ObjectNode cancel(String id, String workspace) {
    StoredResponse stored =
        responses.find(id, workspace).orElseThrow(() -> ConversationStage.notFound(id, null));
    if (!stored.background()) {
      throw new InvalidRequestException(
          "Only responses created with 'background': true can be cancelled.", null, null);
    }
    Run run = running.get(id);
    if (run != null && run.workspace.equals(workspace)) {
      synchronized (run) {
        run.cancelled = true;
      }
      Thread thread = run.thread;
      if (thread != null) {
        thread.interrupt();
      }
    } else if (!stored.status().equals("queued") && !stored.status().equals("in_progress")) {
      return stored.response();
    }
    // Re-read: the run may have stored its answer just before it was cancelled.
    StoredResponse latest = responses.find(id, workspace).orElse(stored);
    if (!latest.status().equals("queued") && !latest.status().equals("in_progress")) {
      return latest.response();
    }
    ObjectNode cancelled = latest.response().deepCopy();
    cancelled.put("status", "cancelled");
    responses.save(latest.withResponse(cancelled));
    return cancelled;
  }

  /** The {@code response} object of a run just accepted. */
  private static ObjectNode queued(Run run, ObjectNode body) {
    ObjectNode response = WireJson.mapper().createObjectNode();
    response.put("id", run.id);
    response.put("object", "response");
    response.put("created_at", run.createdAt.getEpochSecond());
    response.put("status", "queued");
    response.put("background", true);
    response.putNull("error");
    response.putNull("incomplete_details");
    response.set(
        "instructions",
        body.has("instructions")
            ? body.get("instructions").deepCopy()
            : WireJson.mapper().nullNode());
    body.properties()
        .forEach(field -> {
          if (!NOT_ECHOED.contains(field.getKey()) && !response.has(field.getKey())) {
            response.set(field.getKey(), field.getValue().deepCopy());
          }
        });
    response.putArray("output");
    response.putNull("usage");
    response.put("store", true);
    return response;
  }

  /** Interrupts every run of this gateway (they are stored as they stand). */
  @Override
  public void close() {
    running
        .values()
        .forEach(run -> {
          Thread thread = run.thread;
          if (thread != null) {
            thread.interrupt();
          }
        });
  }
}
