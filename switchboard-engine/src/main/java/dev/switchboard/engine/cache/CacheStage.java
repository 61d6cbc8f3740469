package dev.switchboard.engine.cache;

import dev.switchboard.engine.ResponseFacts;
import dev.switchboard.engine.pipeline.Attempt;
import dev.switchboard.engine.pipeline.AttemptEntry;
import dev.switchboard.engine.pipeline.AttemptStage;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.Completion;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingResponse;
import dev.switchboard.wire.Usage;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The response cache, a stage after routing and before the provider call: it runs once per upstream
 * attempt, when the router has chosen the target, because the key includes where the request goes
 * (provider, credential, host) and the request as that target sends it (after its {@code
 * override_params}). A hit answers without calling the provider, with an outcome whose origin says
 * so ({@link Outcome.Origin#fromCache}); a miss passes on and stores the answer if it is a
 * successful, complete one. Its status, a hit's age and the cost a hit saved go on the attempt's
 * entry in the request's log.
 *
 * <p>What is stored: chat completions, text completions and embeddings that succeeded; for chat and
 * completions only when every choice finished with {@code stop} or {@code length} (never a reply
 * that asks for tools to be run, nor one cut by the content filter), only for {@code n} (and {@code
 * best_of}) of 1, and with {@code deterministic_only} only for {@code temperature} 0. A stream is
 * stored, reassembled, once it ended normally; a stored answer serves streaming and whole requests
 * alike. Errors are never stored (they are thrown past this stage).
 *
 * <p>In semantic mode, an exact miss compares the last user turn's embedding with the turns indexed
 * under the same semantic scope ({@link CacheKey#semanticScope}: everything else exactly equal), by
 * cosine similarity at the config's threshold and with the same numbers ({@link NumberGuard}).
 */
public final class CacheStage implements AttemptStage, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(CacheStage.class);
  private static final Set<String> COMPLETE = Set.of("stop", "length");

  private final CacheSettings settings;
  private final Clock clock;
  private final CacheStatistics statistics = new CacheStatistics();
  private final CacheStore store;
  private final SentenceEmbedder embedder;
  private final SemanticIndex semanticIndex;
  private final PriceTable prices;

  /**
   * @param embedder the sentence embedder of the semantic mode, or {@code null}: then {@code
   *     "semantic"} matches exactly
   * @param prices what a hit would have cost, for the saved-cost counter
   */
  public CacheStage(
      CacheSettings settings, Clock clock, SentenceEmbedder embedder, PriceTable prices) {
    this.settings = settings;
    this.prices = prices;
    this.clock = clock;
    this.embedder = embedder;
    switch (settings.backend()) {
      case EMBEDDED -> {
        this.store = new EmbeddedCacheStore(settings, clock);
        this.semanticIndex = new EmbeddedSemanticIndex(settings.maxEntries(), 1024);
      }
      case REDIS -> {
        RedisCacheStore redis = new RedisCacheStore(settings, clock, statistics);
        this.store = redis;
        // Each lookup reads the scope's whole list (about 1.6 KB a vector), so it is kept shorter.
        this.semanticIndex = new RedisSemanticIndex(redis, 256);
      }
      default -> throw new IllegalArgumentException("no such cache backend");
    }
  }

  /** The cache's counters now. */
  public CacheStatistics.Snapshot statistics() {
    return statistics.snapshot(store.entryCount());
  }

  @Override
  public Outcome handle(Attempt attempt, Chain chain) {
    CacheDirective directive = CacheDirective.parse(attempt.cache());
    Operation operation = attempt.operation();
    AttemptEntry entry = attempt.entry();
    if (directive == null || !directive.enabled() || !cacheable(operation, directive)) {
      entry.cacheStatus(ResponseFacts.CACHE_DISABLED);
      return chain.proceed(attempt);
    }
    CacheKey key = CacheKey.of(operation, attempt.target(), attempt.options());
    Duration maxAge = directive.maxAge() != null ? directive.maxAge() : settings.defaultMaxAge();
    CacheKey scope =
        directive.mode() == CacheDirective.Mode.SEMANTIC && embedder != null
            ? CacheKey.semanticScope(operation, attempt.target(), attempt.options())
            : null;
    if (attempt.options().cacheForceRefresh()) {
      entry.cacheStatus(ResponseFacts.CACHE_REFRESH);
      statistics.refresh();
      return storing(
          chain.proceed(attempt),
          key,
          maxAge,
          indexing(scope, embed(scope, operation), operation, key, maxAge));
    }
    Outcome hit = served(attempt, lookup(key), ResponseFacts.CACHE_HIT);
    if (hit != null) {
      return hit;
    }
    if (scope == null) {
      entry.cacheStatus(ResponseFacts.CACHE_MISS);
      statistics.miss();
      return storing(chain.proceed(attempt), key, maxAge, () -> {});
    }
    // Semantic: the earlier turns match exactly (they are in the scope); the last user turn is
    // compared by meaning.
    float[] vector = embed(scope, operation);
    if (vector != null) {
      SemanticIndex.Match match =
          semanticIndex.nearest(
              scope, vector, CacheKey.lastUserTurn(operation), directive.threshold());
      Outcome similar =
          match == null
              ? null
              : served(attempt, lookup(match.answer()), ResponseFacts.CACHE_SEMANTIC_HIT);
      if (similar != null) {
        statistics.semanticHit();
        return similar;
      }
    }
    entry.cacheStatus(ResponseFacts.CACHE_SEMANTIC_MISS);
    statistics.miss();
    return storing(
        chain.proceed(attempt), key, maxAge, indexing(scope, vector, operation, key, maxAge));
  }

  /** {@code stored} as the answer to the request, or {@code null} if there is none that fits. */
  private Outcome served(Attempt attempt, StoredAnswer stored, String status) {
    if (stored == null) {
      return null;
    }
    Operation operation = attempt.operation();
    Replayed replayed = replay(stored, operation);
    if (replayed == null) {
      return null;
    }
    // The key holds the provider and the body as sent, so the stored answer came from this very
    // provider and model: priced as the provider would price it again.
    BigDecimal saved =
        prices.cost(
            attempt.target().provider(), replayed.model(), operation.model(), replayed.usage());
    attempt
        .entry()
        .cacheHit(status, Math.max(0, (clock.millis() - stored.storedAtMillis()) / 1000), saved);
    statistics.hit(stored.totalTokens(), saved);
    Outcome.Origin origin = Outcome.Origin.cache(attempt, saved);
    return replayed.events() != null
        ? new Outcome.Events(replayed.events(), origin)
        : new Outcome.Body(replayed.answer(), List.of(), origin);
  }

  /**
   * A stored answer in the shape the request asks for (whole, or {@code events} replaying it), with
   * what prices it.
   */
  private record Replayed(Object answer, ResponseStream<?> events, String model, Usage usage) {}

  /** The last user turn's embedding, or {@code null} when there is none to make. */
  private float[] embed(CacheKey scope, Operation operation) {
    if (scope == null) {
      return null;
    }
    try {
      return embedder.embed(CacheKey.lastUserTurn(operation));
    } catch (RuntimeException failure) {
      statistics.error();
      log.warn(
          "sentence embedding failed, exact match only: {}", failure.getClass().getSimpleName());
      return null;
    }
  }

  private Runnable indexing(
      CacheKey scope, float[] vector, Operation operation, CacheKey key, Duration maxAge) {
    if (scope == null || vector == null) {
      return () -> {};
    }
    String turn = CacheKey.lastUserTurn(operation);
    return () -> semanticIndex.add(scope, vector, turn, key, maxAge);
  }

  private StoredAnswer lookup(CacheKey key) {
    try {
      return store.get(key);
    } catch (RuntimeException failure) {
      statistics.error();
      log.warn("cache lookup failed, served as a miss: {}", failure.getClass().getSimpleName());
      return null;
    }
  }

  /** Whether the cache looks at this request at all. */
  private static boolean cacheable(Operation operation, CacheDirective directive) {
    return switch (operation) {
      case Operation.Chat chat -> {
        ChatRequest request = chat.request();
        yield single(request.n()) && sampledOk(request.temperature(), directive);
      }
      case Operation.TextCompletion completion -> {
        CompletionRequest request = completion.request();
        var bestOf = request.extras().get("best_of");
        yield single(request.n())
            && (bestOf == null || bestOf.isNull() || bestOf.asInt() <= 1)
            && sampledOk(request.temperature(), directive);
      }
      case Operation.Embedding embedding -> true;
      case Operation.ListModels models -> false;
      // Anthropic's own format is answered as Anthropic's events; not cached yet.
      case Operation.Messages messages -> false;
      case Operation.Responses responses -> false;
      case Operation.CountTokens count -> false;
      case Operation.PassThrough passThrough -> false;
    };
  }

  private static boolean single(Integer n) {
    return n == null || n <= 1;
  }

  /** With {@code deterministic_only}, only {@code temperature: 0}; OpenAI's default is 1. */
  private static boolean sampledOk(Double temperature, CacheDirective directive) {
    return !directive.deterministicOnly() || (temperature != null && temperature == 0.0);
  }

  private static boolean wantsUsage(Operation operation) {
    return switch (operation) {
      case Operation.Chat chat -> chat.request().wantsStreamUsage();
      case Operation.TextCompletion completion -> completion.request().wantsStreamUsage();
      default -> false;
    };
  }

  /** A stored answer in the shape the request asks for, or {@code null} if it does not fit. */
  private Replayed replay(StoredAnswer stored, Operation operation) {
    try {
      return switch (stored.kind()) {
        case CHAT -> {
          if (!(operation instanceof Operation.Chat)) {
            yield null;
          }
          ChatCompletion answer = WireJson.read(stored.json(), ChatCompletion.class);
          yield new Replayed(
              answer,
              operation.streaming()
                  ? new ReplayStream<>(ChatStreamAssembler.replay(answer, wantsUsage(operation)))
                  : null,
              answer.model(),
              answer.usage());
        }
        case COMPLETION -> {
          if (!(operation instanceof Operation.TextCompletion)) {
            yield null;
          }
          Completion answer = WireJson.read(stored.json(), Completion.class);
          yield new Replayed(
              answer,
              operation.streaming()
                  ? new ReplayStream<>(
                      CompletionStreamAssembler.replay(answer, wantsUsage(operation)))
                  : null,
              answer.model(),
              answer.usage());
        }
        case EMBEDDING -> {
          if (!(operation instanceof Operation.Embedding)) {
            yield null;
          }
          EmbeddingResponse answer = WireJson.read(stored.json(), EmbeddingResponse.class);
          yield new Replayed(answer, null, answer.model(), answer.usage());
        }
      };
    } catch (RuntimeException unreadable) {
      statistics.error();
      log.warn("unreadable cache entry ignored: {}", unreadable.getClass().getSimpleName());
      return null;
    }
  }

  /** The outcome, passed on; a complete successful answer is stored on its way. */
  @SuppressWarnings("unchecked")
  private Outcome storing(Outcome outcome, CacheKey key, Duration maxAge, Runnable stored) {
    long maxCharacters = settings.maxEntryBytes();
    return switch (outcome) {
      case Outcome.Body body -> {
        if (store(key, body.body(), maxAge)) {
          stored.run();
        }
        yield outcome;
      }
      case Outcome.Events events -> {
        ResponseStream<?> stream = events.stream();
        yield events.withStream(
            recording((ResponseStream<Object>) stream, key, maxAge, maxCharacters, stored));
      }
      case Outcome.Raw raw -> outcome;
    };
  }

  private ResponseStream<Object> recording(
      ResponseStream<Object> stream,
      CacheKey key,
      Duration maxAge,
      long maxCharacters,
      Runnable stored) {
    ChatStreamAssembler chat = new ChatStreamAssembler();
    CompletionStreamAssembler completion = new CompletionStreamAssembler();
    boolean[] kinds = new boolean[2];
    return RecordingStream.of(
        stream,
        event -> {
          if (event instanceof ChatCompletionChunk chunk) {
            kinds[0] = true;
            return chat.add(chunk);
          }
          if (event instanceof Completion piece) {
            kinds[1] = true;
            return completion.add(piece);
          }
          return Long.MAX_VALUE;
        },
        maxCharacters,
        () -> {
          try {
            boolean done = false;
            if (kinds[0] && !kinds[1] && chat.faithful()) {
              done = store(key, chat.assemble(), maxAge);
            } else if (kinds[1] && !kinds[0] && completion.faithful()) {
              done = store(key, completion.assemble(), maxAge);
            }
            if (done) {
              stored.run();
            }
          } catch (RuntimeException failure) {
            statistics.error();
            log.warn("streamed answer not stored: {}", failure.getClass().getSimpleName());
          }
        });
  }

  /** Stores a complete successful answer; whether it was stored. */
  private boolean store(CacheKey key, Object body, Duration maxAge) {
    StoredAnswer.Kind kind;
    Usage usage;
    switch (body) {
      case ChatCompletion chat -> {
        if (chat.choices().isEmpty()
            || !chat.choices().stream().allMatch(c -> COMPLETE.contains(c.finishReason()))
            || chat.choices().stream()
                .anyMatch(c -> c.message() != null && c.message().hasToolCalls())) {
          return false;
        }
        kind = StoredAnswer.Kind.CHAT;
        usage = chat.usage();
      }
      case Completion completion -> {
        if (completion.choices().isEmpty()
            || !completion.choices().stream().allMatch(c -> COMPLETE.contains(c.finishReason()))) {
          return false;
        }
        kind = StoredAnswer.Kind.COMPLETION;
        usage = completion.usage();
      }
      case EmbeddingResponse embeddings -> {
        if (embeddings.data().isEmpty()) {
          return false;
        }
        kind = StoredAnswer.Kind.EMBEDDING;
        usage = embeddings.usage();
      }
      default -> {
        return false;
      }
    }
    byte[] json = WireJson.write(body);
    if (json.length > settings.maxEntryBytes()) {
      return false;
    }
    int tokens = usage == null || usage.totalTokens() == null ? 0 : usage.totalTokens();
    long now = clock.millis();
    try {
      if (store.put(key, new StoredAnswer(kind, json, tokens, now, now + maxAge.toMillis()))) {
        statistics.stored();
        return true;
      }
    } catch (RuntimeException failure) {
      statistics.error();
      log.warn("cache store failed: {}", failure.getClass().getSimpleName());
    }
    return false;
  }

  @Override
  public void close() {
    store.close();
  }
}
