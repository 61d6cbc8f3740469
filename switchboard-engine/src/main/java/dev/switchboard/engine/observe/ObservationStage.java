package dev.switchboard.engine.observe;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.cache.ChatStreamAssembler;
import dev.switchboard.engine.cache.CompletionStreamAssembler;
import dev.switchboard.engine.errors.ClientClosedException;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.AttemptEntry;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.engine.pipeline.Journal;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pipeline.PassThroughUsage;
import dev.switchboard.engine.pipeline.Request;
import dev.switchboard.engine.pipeline.Stage;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The outermost stage: gives each request its id, times it, and once it is over (a stream: once it
 * ended, broke off or was closed) hands a {@link RequestRecord} of what was done to every {@link
 * RecordSink}. The record is a view of the request's {@link Journal}, taken once: the router wrote
 * the attempts into it, the cache, the guardrails, the access layer and the pricing their facts; no
 * other stage knows about logging.
 */
public final class ObservationStage implements Stage {
  private static final Logger log = LoggerFactory.getLogger(ObservationStage.class);

  /** The most of a body a record keeps, in characters; more is cut and marked. */
  static final int MAX_BODY_CHARS = 256 * 1024;

  private final Clock clock;
  private final List<RecordSink> sinks;
  private final RequestIds ids;
  private final AtomicLong sinkFailures = new AtomicLong();
  private final java.util.function.Consumer<Request> shadowed;

  /**
   * @param shadowed told of each request the router drew a shadow for, once its record was handed
   *     to the sinks (a stream's once it ended), so that its shadow starts after the client was
   *     answered and may be compared with its record
   */
  public ObservationStage(
      Clock clock, List<RecordSink> sinks, java.util.function.Consumer<Request> shadowed) {
    this.clock = clock;
    this.sinks = List.copyOf(sinks);
    this.ids = new RequestIds(clock);
    this.shadowed = shadowed;
  }

  /** How many times a sink threw instead of taking a record. */
  public long sinkFailures() {
    return sinkFailures.get();
  }

  @Override
  public Outcome handle(Request request, Chain chain) {
    Observed observed = new Observed(request, clock.instant(), System.nanoTime());
    String id = ids.next();
    Journal journal = request.journal();
    journal.requestId(id);
    Outcome outcome;
    try {
      outcome = chain.proceed(request.withId(id));
    } catch (GatewayException failure) {
      boolean clientGone =
          failure instanceof ClientClosedException || Thread.currentThread().isInterrupted();
      emit(
          record(
              observed,
              clientGone ? ErrorTypes.CLIENT_CLOSED_STATUS : failure.status(),
              clientGone ? ErrorTypes.CLIENT_CLOSED : ErrorTypes.of(failure),
              Answer.NONE,
              null,
              null,
              AnswerDigest.NONE));
      over(observed);
      throw failure;
    }
    return switch (outcome) {
      case Outcome.Body body -> {
        emit(
            record(
                observed,
                successStatus(journal),
                null,
                Answer.of(body.body(), journal.logBodies()),
                null,
                null,
                compared(observed.request()) ? AnswerDigest.of(body.body()) : AnswerDigest.NONE));
        over(observed);
        yield outcome;
      }
      case Outcome.Raw raw -> {
        // Recorded once its body was read or closed: the pricing stage reads its usage on the way.
        // The status is the one the client got, with the provider's headers, whatever came after.
        int status = raw.response().status();
        boolean events = raw.response().isEventStream();
        yield raw.withResponse(
            raw.response()
                .tapped(end ->
                    emit(
                        record(
                            observed,
                            status,
                            switch (end) {
                              case WHOLE ->
                                  status >= 400 ? ErrorTypes.ofProviderStatus(status) : null;
                              case CLOSED -> ErrorTypes.CLIENT_CLOSED;
                              case BROKEN ->
                                  events ? ErrorTypes.STREAM_CUT : ErrorTypes.UPSTREAM_FAILURE;
                            },
                            Answer.of(journal.passThroughUsage()),
                            null,
                            events ? streamEnd(end) : null,
                            AnswerDigest.NONE))));
      }
      case Outcome.Events events -> {
        @SuppressWarnings("unchecked")
        ResponseStream<Object> stream = (ResponseStream<Object>) events.stream();
        yield events.withStream(new ObservedStream(stream, observed));
      }
    };
  }

  /**
   * Records a request the server refused before it reached the engine (a body that is not JSON, too
   * large, …).
   */
  public void rejected(
      String method, String path, RequestOptions options, GatewayException failure) {
    Instant now = clock.instant();
    emit(
        new RequestRecord(
            ids.next(),
            options == null ? null : options.traceId(),
            options == null ? null : options.requestHeaders().get("traceparent"),
            now,
            method,
            path,
            null,
            options == null ? null : keyId(options.gatewayKey()),
            null,
            null,
            null,
            null,
            null,
            0,
            false,
            null,
            null,
            failure.status(),
            ErrorTypes.of(failure),
            null,
            null,
            null,
            null,
            null,
            0,
            null,
            false,
            null,
            options == null ? Map.of() : options.metadata(),
            null,
            List.of(),
            null,
            null,
            null,
            List.of(),
            null,
            null));
  }

  /** How a relayed event stream ended, as a stream's record tells it. */
  private static RequestRecord.StreamEnd streamEnd(UpstreamResponse.End end) {
    return switch (end) {
      case WHOLE -> RequestRecord.StreamEnd.COMPLETED;
      case CLOSED -> RequestRecord.StreamEnd.CLIENT_CLOSED;
      case BROKEN -> RequestRecord.StreamEnd.UPSTREAM_CUT;
    };
  }

  /** 200, or 246 when the last attempt's guardrails failed without denying. */
  private static int successStatus(Journal journal) {
    return GuardrailReport.successStatus(guardrails(journal));
  }

  /** The last attempt's guardrail results, or {@code null}. */
  private static GuardrailReport guardrails(Journal journal) {
    AttemptEntry last = journal.lastAttempt();
    return last == null ? null : last.guardrails();
  }

  /** The ids of the last attempt's failed output checks, sorted. */
  private static List<String> failedOutputChecks(Journal journal) {
    GuardrailReport report = guardrails(journal);
    return report == null ? List.of() : List.copyOf(report.failedOutputChecks());
  }

  /** Whether a request's answer is digested for comparison: it has a shadow, or it is one. */
  private static boolean compared(Request request) {
    return request.isShadow() || request.journal().shadow() != null;
  }

  /** Tells of a request that is over, when the router drew a shadow for it. */
  private void over(Observed observed) {
    if (observed.request().journal().shadow() != null) {
      try {
        shadowed.accept(observed.request());
      } catch (RuntimeException failure) {
        // A shadow must never affect its client's request.
        log.warn("a shadow request could not start: {}", failure.getClass().getName());
      }
    }
  }

  private void emit(RequestRecord record) {
    for (RecordSink sink : sinks) {
      try {
        sink.accept(record);
      } catch (RuntimeException failure) {
        if (sinkFailures.incrementAndGet() % 1000 == 1) {
          log.warn("a request record sink failed: {}", failure.getClass().getName());
        }
      }
    }
  }

  /** The request's record: a view of its log, with what the answer told. */
  private RequestRecord record(
      Observed observed,
      int status,
      String errorType,
      Answer answer,
      Double ttftMs,
      RequestRecord.StreamEnd streamEnd,
      AnswerDigest digest) {
    Journal journal = observed.request().journal();
    RequestOptions options = observed.request().options();
    Operation asked = observed.request().operation();
    List<AttemptEntry> entries = journal.attempts();
    AttemptRecord[] attempts = new AttemptRecord[entries.size()];
    int retries = 0;
    for (int i = 0; i < attempts.length; i++) {
      AttemptEntry entry = entries.get(i);
      attempts[i] = attemptRecord(entry);
      if (entry.retry() > 0) {
        retries++;
      }
    }
    AttemptEntry first = entries.isEmpty() ? null : entries.getFirst();
    AttemptEntry last = entries.isEmpty() ? null : entries.getLast();
    String model =
        answer.model() != null
            ? answer.model()
            : last != null && last.model() != null ? last.model() : asked.model();
    boolean bodies = journal.logBodies();
    return new RequestRecord(
        journal.requestId(),
        options.traceId(),
        options.requestHeaders().get("traceparent"),
        observed.started(),
        method(asked),
        asked.path(),
        journal.workspace(),
        journal.apiKeyId() != null ? journal.apiKeyId() : keyId(options.gatewayKey()),
        journal.configName(),
        asked.model(),
        last == null ? null : last.target().provider(),
        model,
        last == null ? null : last.optionPath(),
        retries,
        first != null && !first.optionPath().equals(last.optionPath()),
        last == null ? null : last.cacheStatus(),
        last == null ? null : last.cacheAgeSeconds(),
        status,
        errorType,
        answer.promptTokens(),
        answer.completionTokens(),
        answer.cachedTokens(),
        journal.costUsd(),
        last == null ? null : last.savedCostUsd(),
        (System.nanoTime() - observed.nanos()) / 1e6,
        ttftMs,
        asked.streaming(),
        streamEnd,
        options.metadata(),
        GuardrailReport.verdict(guardrails(journal), status),
        List.of(attempts),
        bodies ? redacted(requestBody(asked), journal, options) : null,
        bodies ? redacted(answer.body(), journal, options) : null,
        journal.arm(),
        failedOutputChecks(journal),
        observed.request().isShadow() ? observed.request().shadow().primaryId() : null,
        digest);
  }

  /** An attempt's entry in the log, as the record shows it. */
  private static AttemptRecord attemptRecord(AttemptEntry entry) {
    return new AttemptRecord(
        entry.index(),
        entry.target().provider(),
        entry.model(),
        entry.optionPath(),
        entry.retry(),
        entry.startedAt(),
        entry.durationMs(),
        entry.status(),
        entry.failure() == null ? null : ErrorTypes.of(entry.failure()),
        entry.cacheStatus(),
        entry.waitAfterMs());
  }

  private static String method(Operation operation) {
    return switch (operation) {
      case Operation.PassThrough passThrough -> passThrough.request().method();
      case Operation.ListModels models -> "GET";
      default -> "POST";
    };
  }

  /** A digest that names a gateway key without revealing it, or {@code null}. */
  static String keyId(String gatewayKey) {
    if (gatewayKey == null) {
      return null;
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(gatewayKey.getBytes(StandardCharsets.UTF_8));
      return "key-" + HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("every JDK has SHA-256", e);
    }
  }

  private static String requestBody(Operation operation) {
    Object body =
        switch (operation) {
          case Operation.Chat chat -> chat.request();
          case Operation.TextCompletion completion -> completion.request();
          case Operation.Embedding embedding -> embedding.request();
          case Operation.Messages messages -> messages.request();
          case Operation.Responses responses -> responses.request();
          case Operation.CountTokens count -> count.request();
          case Operation.ListModels models -> null;
          case Operation.PassThrough passThrough -> {
            byte[] bytes = passThrough.request().body();
            yield bytes == null ? null : new String(bytes, StandardCharsets.UTF_8);
          }
        };
    if (body == null || body instanceof String) {
      return (String) body;
    }
    return new String(WireJson.write(body), StandardCharsets.UTF_8);
  }

  /**
   * A body fit for the log: every credential of the request replaced, should it appear in it (the
   * client's headers, and each target's key, secret options and forwarded credentials, whether they
   * came from a header, a config or a virtual key), and cut at {@link #MAX_BODY_CHARS}.
   */
  private static String redacted(String body, Journal journal, RequestOptions options) {
    if (body == null) {
      return null;
    }
    List<String> secrets = new ArrayList<>(journal.credentialsUsed());
    secrets.add(options.apiKey());
    secrets.add(options.gatewayKey());
    options
        .providerOptions()
        .forEach((name, value) -> {
          if (dev.switchboard.engine.providers.ProviderOptions.SECRETS.contains(name)) {
            secrets.add(value);
          }
        });
    // Longest first, so a secret that contains another is replaced whole.
    secrets.sort(
        java.util.Comparator.comparingInt((String s) -> s == null ? 0 : s.length()).reversed());
    String text = body;
    for (String secret : secrets) {
      if (secret != null && secret.length() >= 8) {
        text = text.replace(secret, "[REDACTED]");
      }
    }
    return text.length() <= MAX_BODY_CHARS
        ? text
        : text.substring(0, MAX_BODY_CHARS) + "…[cut at " + MAX_BODY_CHARS + " characters]";
  }

  /** A request under observation: as the client asked it, and when it started. */
  private record Observed(Request request, Instant started, long nanos) {}

  /** What a record takes from an answer: its model, token counts and (when asked) its body. */
  private record Answer(
      String model,
      Integer promptTokens,
      Integer completionTokens,
      Integer cachedTokens,
      String body) {
    static final Answer NONE = new Answer(null, null, null, null, null);

    static Answer of(Object body, boolean keepBody) {
      String json = keepBody ? new String(WireJson.write(body), StandardCharsets.UTF_8) : null;
      return switch (body) {
        case ChatCompletion chat -> of(chat.model(), chat.usage(), json);
        case Completion completion -> of(completion.model(), completion.usage(), json);
        case EmbeddingResponse embeddings -> of(embeddings.model(), embeddings.usage(), json);
        case JsonNode message when message.has("usage") -> {
          JsonNode usage = message.path("usage");
          yield new Answer(
              message.path("model").asText(null),
              count(usage.get("input_tokens")),
              count(usage.get("output_tokens")),
              count(
                  usage.has("cache_read_input_tokens")
                      ? usage.get("cache_read_input_tokens")
                      : usage.path("input_tokens_details").get("cached_tokens")),
              json);
        }
        default -> new Answer(null, null, null, null, json);
      };
    }

    static Answer of(PassThroughUsage usage) {
      return usage == null
          ? NONE
          : new Answer(
              usage.model(),
              usage.promptTokens(),
              usage.completionTokens(),
              usage.cachedTokens(),
              null);
    }

    static Answer of(String model, Usage usage, String json) {
      if (usage == null) {
        return new Answer(model, null, null, null, json);
      }
      return new Answer(
          model,
          usage.promptTokens(),
          usage.completionTokens(),
          usage.promptTokensDetails() == null ? null : usage.promptTokensDetails().cachedTokens(),
          json);
    }

    private static Integer count(JsonNode node) {
      return node == null || !node.canConvertToInt() ? null : node.asInt();
    }
  }

  /** A stream that writes its request's record when it ends, breaks off or is closed. */
  private final class ObservedStream implements ResponseStream<Object> {
    private final ResponseStream<Object> stream;
    private final Observed observed;
    private final Journal journal;
    private final AtomicBoolean recorded = new AtomicBoolean();
    private final ChatStreamAssembler chat;
    private final CompletionStreamAssembler completion;
    private final boolean compared;
    private volatile Double ttftMs;
    private volatile String model;
    private volatile Usage usage;
    private volatile boolean closing;

    ObservedStream(ResponseStream<Object> stream, Observed observed) {
      this.stream = stream;
      this.observed = observed;
      this.journal = observed.request().journal();
      Operation asked = observed.request().operation();
      boolean bodies = journal.logBodies();
      this.compared = compared(observed.request());
      boolean assembled = bodies || compared;
      this.chat = assembled && asked instanceof Operation.Chat ? new ChatStreamAssembler() : null;
      this.completion =
          assembled && asked instanceof Operation.TextCompletion
              ? new CompletionStreamAssembler()
              : null;
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
      } catch (GatewayException failure) {
        if (closing) {
          // The read failed because the client's departure closed the stream meanwhile.
          end(RequestRecord.StreamEnd.CLIENT_CLOSED, ErrorTypes.CLIENT_CLOSED);
        } else {
          end(RequestRecord.StreamEnd.UPSTREAM_CUT, ErrorTypes.STREAM_CUT);
        }
        throw failure;
      }
      if (event == null) {
        if (closing) {
          // A stream closed under a read ends it quietly: the client left, it did not complete.
          end(RequestRecord.StreamEnd.CLIENT_CLOSED, ErrorTypes.CLIENT_CLOSED);
        } else {
          end(RequestRecord.StreamEnd.COMPLETED, null);
        }
        return null;
      }
      if (ttftMs == null) {
        ttftMs = (System.nanoTime() - observed.nanos()) / 1e6;
      }
      switch (event) {
        case ChatCompletionChunk chunk -> {
          model = model == null ? chunk.model() : model;
          usage = chunk.usage() != null ? chunk.usage() : usage;
          if (chat != null) {
            chat.add(chunk);
          }
        }
        case Completion piece -> {
          model = model == null ? piece.model() : model;
          usage = piece.usage() != null ? piece.usage() : usage;
          if (completion != null) {
            completion.add(piece);
          }
        }
        default -> {}
      }
      return event;
    }

    private void end(RequestRecord.StreamEnd how, String errorType) {
      if (!recorded.compareAndSet(false, true)) {
        return;
      }
      Object assembled =
          chat != null ? chat.assemble() : completion != null ? completion.assemble() : null;
      String body =
          assembled != null && journal.logBodies()
              ? new String(WireJson.write(assembled), StandardCharsets.UTF_8)
              : null;
      AnswerDigest digest = compared ? AnswerDigest.of(assembled) : AnswerDigest.NONE;
      // A stream its client closed before the provider's usage came: what it delivered, as priced.
      Usage counted =
          usage == null && how == RequestRecord.StreamEnd.CLIENT_CLOSED
              ? journal.closedStreamUsage()
              : usage;
      // A Messages or Responses stream's usage, read from its events by the pricing stage.
      PassThroughUsage messages = journal.passThroughUsage();
      Answer answer =
          messages != null
                  && (observed.request().operation() instanceof Operation.Messages
                      || observed.request().operation() instanceof Operation.Responses)
              ? Answer.of(messages)
              : Answer.of(model, counted, body);
      emit(record(observed, successStatus(journal), errorType, answer, ttftMs, how, digest));
      over(observed);
    }

    @Override
    public void close() {
      closing = true;
      try {
        stream.close();
      } finally {
        end(RequestRecord.StreamEnd.CLIENT_CLOSED, ErrorTypes.CLIENT_CLOSED);
      }
    }
  }
}
