package dev.switchboard.engine.pricing;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.DecimalNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.PassThroughUsage;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Prices each answer, a request stage above the router: the answer's {@link Outcome.Origin} tells
 * the attempt that was answered (its provider, the model it sent) and whether the cache answered
 * it. A whole answer's cost is written into the request's {@link Journal} (the server's {@code
 * x-switchboard-cost-usd}); a stream's is known only at its end, so it is written into the log
 * then, and, when the client opts in with {@value #STREAM_COST_HEADER}{@code : true}, added to the
 * usage event (the last one, with {@code usage}, when the client asked for usage) as a field of our
 * own beside {@code usage}: {@code "cost_usd"}. Not by default: Portkey adds no such field, and a
 * stream nothing else changed reaches the client as the provider sent it (docs/pricing.md). The
 * provider's {@code usage} object itself is left as it came. An answer from the cache cost nothing:
 * zero, when its price is known; what it would have cost is the cache's to say ({@link
 * Outcome.Origin#savedCostUsd()}).
 *
 * <p>Priced: chat completions, text completions, embeddings, Anthropic's Messages format (whole
 * answers, and streams from their {@code message_start} and {@code message_delta} usage, for the
 * record only: their events are passed on as they came), OpenAI's Responses format (whole answers,
 * and streams from the {@code response} of their {@code response.completed}, likewise), and
 * passed-through answers that carry a {@code usage} (JSON or events, read as the client reads them,
 * priced once read to the end: too late for a header). Not priced: model lists, token counts. A
 * stream its client closed before its usage came (chat, text completion, Messages, or passed
 * through) is priced at what it delivered ({@link StreamedTokens}), with the provider's prompt
 * count where its events told one.
 */
public final class PricingStage implements Stage {
  /** The field of a stream's usage event that carries its cost; ours, not OpenAI's. */
  public static final String STREAM_COST_FIELD = "cost_usd";

  /**
   * The request header with which a client asks for {@value #STREAM_COST_FIELD} in a stream's usage
   * event ({@code true}); without it the event is left as the provider sent it.
   */
  public static final String STREAM_COST_HEADER = "x-switchboard-stream-cost";

  /** The Responses API's last events, whose {@code response} carries the usage. */
  private static final Set<String> RESPONSES_ENDS =
      Set.of("response.completed", "response.incomplete", "response.failed");

  private final PriceTable prices;

  public PricingStage(PriceTable prices) {
    this.prices = prices;
  }

  @Override
  public Outcome handle(Request request, Chain chain) {
    Operation asked = request.operation();
    Outcome outcome = chain.proceed(request);
    Outcome.Origin origin = outcome.origin();
    if (origin == null) {
      return outcome; // no attempt answered it: a provider's error, relayed
    }
    Journal journal = request.journal();
    String provider = origin.attempt().target().provider();
    String requestModel = origin.attempt().operation().model();
    boolean fromCache = origin.fromCache();
    if (fromCache) {
      journal.costUsd(origin.savedCostUsd() == null ? null : BigDecimal.ZERO);
    }
    return switch (outcome) {
      case Outcome.Body body -> {
        if (!fromCache) {
          journal.costUsd(costOf(body.body(), asked, provider, requestModel));
        }
        yield outcome;
      }
      case Outcome.Events events -> {
        if (!(asked instanceof Operation.Chat
            || asked instanceof Operation.TextCompletion
            || asked instanceof Operation.Messages
            || asked instanceof Operation.Responses)) {
          yield outcome;
        }
        @SuppressWarnings("unchecked")
        ResponseStream<Object> stream = (ResponseStream<Object>) events.stream();
        yield events.withStream(
            new PricedStream(
                stream,
                journal,
                asked instanceof Operation.Messages,
                asked instanceof Operation.Responses,
                provider,
                requestModel,
                fromCache,
                fromCache ? null : StreamedTokens.of(asked),
                wantsStreamCost(request)));
      }
      case Outcome.Raw raw -> metered(raw, journal, provider, asked);
    };
  }

  /**
   * A passed-through answer whose usage is read as the client reads it (see {@link UsageTap}); once
   * it was read to the end, or its client closed it mid-stream, its tokens and cost are written
   * into the request's log.
   */
  private Outcome metered(Outcome.Raw raw, Journal journal, String provider, Operation asked) {
    UsageTap.Framing framing = UsageTap.framing(raw.response());
    if (!raw.response().isSuccess() || framing == null) {
      return raw;
    }
    UsageTap tap =
        new UsageTap(
            framing,
            (model, usage) -> {
              journal.passThroughUsage(UsageTap.tokens(model, usage));
              journal.costUsd(prices.costOfAnswer(provider, model, null, usage));
            },
            StreamedTokens.of(asked),
            (model, delivered) -> {
              journal.passThroughUsage(
                  new PassThroughUsage(
                      model, delivered.promptTokens(), delivered.completionTokens(), null));
              journal.costUsd(prices.cost(provider, model, null, delivered));
            });
    return raw.withResponse(raw.response().tapped(tap));
  }

  /** The cost of a whole answer, or {@code null}. */
  private BigDecimal costOf(Object body, Operation operation, String provider, String model) {
    return switch (body) {
      case ChatCompletion chat -> prices.cost(provider, chat.model(), model, chat.usage());
      case Completion completion ->
          prices.cost(provider, completion.model(), model, completion.usage());
      case EmbeddingResponse embeddings ->
          prices.cost(provider, embeddings.model(), model, embeddings.usage());
      case JsonNode message when operation instanceof Operation.Messages ->
          prices.costOfMessages(
              provider, message.path("model").asText(null), model, message.path("usage"));
      case JsonNode response when operation instanceof Operation.Responses ->
          prices.costOfAnswer(
              provider, response.path("model").asText(null), model, response.path("usage"));
      default -> null;
    };
  }

  /** Whether the client asked for the cost in its stream's usage event. */
  private static boolean wantsStreamCost(Request request) {
    String value = request.options().requestHeaders().get(STREAM_COST_HEADER);
    return value != null && value.strip().equalsIgnoreCase("true");
  }

  /** An event's extra fields with the cost under {@value #STREAM_COST_FIELD}. */
  private static Map<String, JsonNode> withCost(Map<String, JsonNode> extras, BigDecimal cost) {
    Map<String, JsonNode> more = new LinkedHashMap<>(extras);
    more.put(STREAM_COST_FIELD, DecimalNode.valueOf(cost.stripTrailingZeros()));
    return more;
  }

  /**
   * A stream whose usage event gains the answer's cost; closed by its client before the provider
   * sent a usage, it is priced at the tokens it delivered ({@link StreamedTokens}), written into
   * the request's log.
   */
  private final class PricedStream implements ResponseStream<Object> {
    private final ResponseStream<Object> stream;
    private final Journal journal;
    private final boolean messages;
    private final boolean responses;
    private final String provider;
    private final String requestModel;
    private final boolean fromCache;
    private final StreamedTokens delivered;
    private final boolean costInUsageEvent;
    private volatile String answerModel;
    // An Anthropic Messages stream's usage so far, merged from its events.
    private volatile ObjectNode messagesUsage;
    // The stream ended, broke off or was priced from its usage: nothing to reckon when it closes.
    private volatile boolean settled;

    /**
     * @param delivered counts what the stream delivers; {@code null} when a closed stream costs
     *     nothing (an answer from the cache)
     * @param costInUsageEvent whether the usage event gains {@value #STREAM_COST_FIELD}
     */
    PricedStream(
        ResponseStream<Object> stream,
        Journal journal,
        boolean messages,
        boolean responses,
        String provider,
        String requestModel,
        boolean fromCache,
        StreamedTokens delivered,
        boolean costInUsageEvent) {
      this.stream = stream;
      this.journal = journal;
      this.messages = messages;
      this.responses = responses;
      this.provider = provider;
      this.requestModel = requestModel;
      this.fromCache = fromCache;
      this.delivered = delivered;
      this.costInUsageEvent = costInUsageEvent;
    }

    @Override
    public List<Map.Entry<String, String>> headers() {
      return stream.headers();
    }

    @Override
    public Object next() {
      Object event;
      try {
        event = stream.next();
      } catch (RuntimeException broken) {
        settled = true; // the provider broke off: what it billed is unknown
        throw broken;
      }
      if (event == null) {
        settled = true;
      } else if (delivered != null) {
        delivered.add(event);
        if (answerModel == null) {
          answerModel =
              event instanceof ChatCompletionChunk chunk
                  ? chunk.model()
                  : event instanceof Completion piece ? piece.model() : null;
        }
      }
      return switch (event) {
        case SseEvent named when messages -> {
          readMessagesUsage(named);
          yield named;
        }
        case SseEvent named when responses -> {
          readResponsesUsage(named);
          yield named;
        }
        case ChatCompletionChunk chunk when chunk.usage() != null -> {
          BigDecimal cost = priced(chunk.model(), chunk.usage());
          yield cost == null || !costInUsageEvent
              ? chunk
              : new ChatCompletionChunk(
                  chunk.id(),
                  chunk.object(),
                  chunk.created(),
                  chunk.model(),
                  chunk.choices(),
                  chunk.usage(),
                  chunk.serviceTier(),
                  chunk.systemFingerprint(),
                  withCost(chunk.extras(), cost));
        }
        case Completion piece when piece.usage() != null -> {
          BigDecimal cost = priced(piece.model(), piece.usage());
          yield cost == null || !costInUsageEvent
              ? piece
              : new Completion(
                  piece.id(),
                  piece.object(),
                  piece.created(),
                  piece.model(),
                  piece.choices(),
                  piece.usage(),
                  piece.systemFingerprint(),
                  withCost(piece.extras(), cost));
        }
        case null, default -> event;
      };
    }

    /**
     * Reads the usage of Anthropic's Messages stream
     * (https://docs.anthropic.com/en/docs/build-with-claude/streaming): {@code message_start}'s
     * {@code message.usage} (input and cache tokens, a first output count) and model, then each
     * {@code message_delta}'s {@code usage}, cumulative, whose counts replace those before. Priced
     * at each {@code message_delta}, the tokens and the cost written into the request's log for its
     * record and its budget; the events go to the client as they came.
     */
    private void readMessagesUsage(SseEvent event) {
      boolean start = "message_start".equals(event.event());
      if (!start && !"message_delta".equals(event.event())) {
        return;
      }
      JsonNode data;
      try {
        data = WireJson.tree(event.data());
      } catch (RuntimeException unreadable) {
        return; // the provider's stream checked its events; an unreadable one tells no usage
      }
      JsonNode usage = start ? data.path("message").path("usage") : data.path("usage");
      if (start) {
        answerModel = data.path("message").path("model").asText(null);
      }
      if (!usage.isObject()) {
        return;
      }
      if (messagesUsage == null) {
        messagesUsage = ((ObjectNode) usage).deepCopy();
      } else {
        messagesUsage.setAll((ObjectNode) usage);
      }
      if (start) {
        return; // its output count is a placeholder until the message_delta
      }
      settled = true;
      journal.passThroughUsage(UsageTap.tokens(answerModel, messagesUsage));
      BigDecimal cost = prices.costOfMessages(provider, answerModel, requestModel, messagesUsage);
      journal.costUsd(cost != null && fromCache ? BigDecimal.ZERO : cost);
    }

    /**
     * Reads the usage of a Responses API stream
     * (https://platform.openai.com/docs/api-reference/responses-streaming): the {@code response} of
     * its last event ({@code response.completed}, {@code response.incomplete} or {@code
     * response.failed}) with its model and {@code usage}, priced as a whole answer's; the tokens
     * and the cost are written into the request's log, the events go to the client as they came.
     */
    private void readResponsesUsage(SseEvent event) {
      if (!RESPONSES_ENDS.contains(event.event())) {
        return;
      }
      JsonNode response;
      try {
        response = WireJson.tree(event.data()).path("response");
      } catch (RuntimeException unreadable) {
        return; // the stream checked its events; an unreadable one tells no usage
      }
      answerModel = response.path("model").asText(answerModel);
      JsonNode usage = response.path("usage");
      if (!usage.isObject()) {
        return;
      }
      settled = true;
      journal.passThroughUsage(UsageTap.tokens(answerModel, usage));
      BigDecimal cost = prices.costOfAnswer(provider, answerModel, requestModel, usage);
      journal.costUsd(cost != null && fromCache ? BigDecimal.ZERO : cost);
    }

    private BigDecimal priced(String answerModel, Usage usage) {
      settled = true;
      BigDecimal cost = prices.cost(provider, answerModel, requestModel, usage);
      BigDecimal charged = cost != null && fromCache ? BigDecimal.ZERO : cost;
      // For the request's record, a view of the log taken once the stream is over.
      journal.costUsd(charged);
      return charged;
    }

    /** Closed before its end: by its client, since a provider's break ends it with a failure. */
    @Override
    public void close() {
      // Reckoned before the stream is closed, which fails a read under way on another thread.
      if (!settled && delivered != null) {
        // A Messages stream's message_start told the prompt as the provider counted it.
        Usage usage =
            delivered.usage(
                messagesUsage == null ? null : UsageTap.tokens(answerModel, messagesUsage));
        journal.closedStreamUsage(usage);
        journal.costUsd(prices.cost(provider, answerModel, requestModel, usage));
      }
      stream.close();
    }
  }
}
