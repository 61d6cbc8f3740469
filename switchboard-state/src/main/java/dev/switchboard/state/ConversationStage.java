package dev.switchboard.state;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * The request stage of the Responses API's conversation state, after admission and before the
 * router. A request naming {@code previous_response_id} proceeds with that response's conversation
 * (its context, input and output items) laid before its own input and without the id, so every
 * provider, every retry and every fallback sees the whole conversation; the id is unknown to them.
 * The answer (whole, or the stream's {@code response.completed}) is stored unless the request says
 * {@code "store": false}, and keeps {@code previous_response_id} as the client sent it. A request
 * with {@code "background": true} is answered at once ({@link BackgroundResponses}).
 */
final class ConversationStage implements Stage {
  private static final ObjectMapper JSON = WireJson.mapper();

  /** The stream events that carry the whole {@code response} object. */
  private static final Set<String> LIFECYCLE_EVENTS =
      Set.of(
          "response.created",
          "response.queued",
          "response.in_progress",
          "response.completed",
          "response.failed",
          "response.incomplete");

  /** The stream events whose {@code response} is the response as it ended. */
  private static final Set<String> FINAL_EVENTS =
      Set.of("response.completed", "response.failed", "response.incomplete");

  private final StoredResponses responses;
  private final BackgroundResponses background;

  /**
   * @param responses where responses are kept, or {@code null} when conversation state is off
   * @param background the background runs, or {@code null} when off
   */
  ConversationStage(StoredResponses responses, BackgroundResponses background) {
    this.responses = responses;
    this.background = background;
  }

  @Override
  public Outcome handle(Request request, Chain chain) {
    if (!(request.operation() instanceof Operation.Responses asked)) {
      return chain.proceed(request);
    }
    ObjectNode body = asked.request();
    BackgroundResponses.Run run = background == null ? null : background.claimed(body);
    if (run != null) {
      return continued(request, body, run.workspace(), run, chain);
    }
    boolean continues = body.hasNonNull("previous_response_id");
    boolean inBackground = body.path("background").asBoolean(false);
    if (responses == null) {
      if (continues || inBackground) {
        throw new InvalidRequestException(
            "This gateway keeps no conversation state (responses.enabled=false, or no"
                + " access.master-key to encrypt it): '"
                + (continues ? "previous_response_id" : "background")
                + "' cannot be served.",
            continues ? "previous_response_id" : "background",
            null);
      }
      return chain.proceed(request);
    }
    String workspace = Workspaces.of(request);
    if (inBackground) {
      return background.accept(request, body, workspace, conversationBefore(body, workspace));
    }
    return continued(request, body, workspace, null, chain);
  }

  /**
   * The conversation {@code body}'s {@code previous_response_id} names, as the caller's workspace
   * holds it; empty when it names none.
   *
   * @throws InvalidRequestException 400 ({@code previous_response_not_found}) when the workspace
   *     holds no such response
   */
  ArrayNode conversationBefore(ObjectNode body, String workspace) {
    JsonNode previous = body.get("previous_response_id");
    if (previous == null || previous.isNull()) {
      return JSON.createArrayNode();
    }
    if (!previous.isTextual() || previous.asText().isEmpty()) {
      throw new InvalidRequestException(
          "'previous_response_id' must be a response id.", "previous_response_id", null);
    }
    return responses
        .find(previous.asText(), workspace)
        .orElseThrow(() -> notFound(previous.asText(), "previous_response_id"))
        .conversation();
  }

  /**
   * OpenAI's answer for a response this workspace does not hold, in its words and status: 404 when
   * a route's path names it ({@code param} {@code null}); 400 ({@code previous_response_not_found})
   * when a request names it as {@code previous_response_id}, since the request is what is wrong.
   */
  static InvalidRequestException notFound(String id, String param) {
    return param == null
        ? InvalidRequestException.notFound("Response with id '" + id + "' not found.", null, null)
        : InvalidRequestException.withCode(
            "Previous response with id '" + id + "' not found.",
            param,
            "previous_response_not_found");
  }

  private Outcome continued(
      Request request,
      ObjectNode body,
      String workspace,
      BackgroundResponses.Run run,
      Chain chain) {
    boolean store = run != null || body.path("store").asBoolean(true);
    JsonNode previous = body.get("previous_response_id");
    boolean continues = previous != null && !previous.isNull();
    if (!store && !continues) {
      return chain.proceed(request);
    }
    ArrayNode context = conversationBefore(body, workspace);
    ArrayNode input = ResponseItems.of(body.get("input"));
    Request forwarded = request;
    if (continues) {
      ObjectNode sent = body.deepCopy();
      sent.remove("previous_response_id");
      ArrayNode conversation = context.deepCopy();
      conversation.addAll(input.deepCopy());
      sent.set("input", conversation);
      forwarded = request.withOperation(new Operation.Responses(sent));
    }
    Instant createdAt = run != null ? run.createdAt() : responses.now();
    Consumer<ObjectNode> answered =
        response -> {
          if (continues) {
            response.put("previous_response_id", previous.asText());
          }
          if (run != null) {
            response.put("id", run.id());
            response.put("background", true);
            response.put("created_at", createdAt.getEpochSecond());
          }
          String id = response.path("id").asText("");
          if (!store || id.isEmpty()) {
            return;
          }
          StoredResponse stored =
              new StoredResponse(
                  id,
                  workspace,
                  createdAt,
                  response.deepCopy(),
                  input,
                  ResponseItems.listed(input),
                  context);
          if (run != null) {
            background.finish(run, stored);
          } else {
            responses.save(stored);
          }
        };
    Outcome outcome = chain.proceed(forwarded);
    return switch (outcome) {
      case Outcome.Body whole -> {
        if (!(whole.body() instanceof JsonNode node) || !node.isObject()) {
          yield whole;
        }
        if (!continues && run == null) {
          answered.accept((ObjectNode) node);
          yield whole; // unchanged: a native answer is still written as the bytes it came as
        }
        // A copy, changed: the body a provider answered natively is written as it came unless
        // it is replaced.
        ObjectNode response = ((ObjectNode) node).deepCopy();
        answered.accept(response);
        yield whole.withBody(response);
      }
      case Outcome.Events events ->
          events.withStream(
              storing(events.stream(), continues ? previous.asText() : null, answered));
      case Outcome.Raw raw -> raw;
    };
  }

  /**
   * The stream with {@code previous_response_id} put back into each event's {@code response}, and
   * {@code answered} told the response as the stream ended it.
   */
  @SuppressWarnings("unchecked")
  private static ResponseStream<SseEvent> storing(
      ResponseStream<?> stream, String previousId, Consumer<ObjectNode> answered) {
    ResponseStream<SseEvent> events = (ResponseStream<SseEvent>) stream;
    return new ResponseStream<>() {
      @Override
      public List<java.util.Map.Entry<String, String>> headers() {
        return events.headers();
      }

      @Override
      public SseEvent next() {
        SseEvent event = events.next();
        if (event == null || event.event() == null || !LIFECYCLE_EVENTS.contains(event.event())) {
          return event;
        }
        ObjectNode data;
        try {
          if (!(JSON.readTree(event.data()) instanceof ObjectNode object)
              || !(object.get("response") instanceof ObjectNode)) {
            return event;
          }
          data = object;
        } catch (IOException notJson) {
          return event;
        }
        ObjectNode response = (ObjectNode) data.get("response");
        if (FINAL_EVENTS.contains(event.event())) {
          answered.accept(response);
        } else if (previousId != null) {
          response.put("previous_response_id", previousId);
        } else {
          return event;
        }
        return new SseEvent(event.event(), data.toString(), event.id());
      }

      @Override
      public void close() {
        events.close();
      }
    };
  }
}
