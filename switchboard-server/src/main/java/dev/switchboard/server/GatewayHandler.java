package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.ResponseFacts;
import dev.switchboard.engine.Served;
import dev.switchboard.engine.errors.GatewayException;
import dev.switchboard.engine.errors.InvalidRequestException;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.outbound.UpstreamResponse;
import dev.switchboard.engine.pipeline.GuardrailReport;
import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.PassThroughRequest;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseComments;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.observe.store.RequestLog;
import dev.switchboard.state.prompts.Prompts;
import dev.switchboard.state.prompts.RenderedPrompt;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.CompletionRequest;
import dev.switchboard.wire.EmbeddingRequest;
import dev.switchboard.wire.WireFormatException;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.BiFunction;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.Supplier;
import org.eclipse.jetty.http.HttpField;
import org.eclipse.jetty.http.HttpHeader;
import org.eclipse.jetty.io.Content;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The gateway's HTTP surface: reads a request into an engine call and writes the answer back. It
 * owns headers, status codes and SSE framing, nothing else. Runs on virtual threads, blocking. Its
 * routes ({@code /}, {@code /v1/health}, the engine's operations and the pass-through) name the
 * method that serves each ({@link Endpoint}); {@link #handle} gives every one of them what they
 * share: the trace id, the error answers and the access line.
 */
final class GatewayHandler {
  private static final Logger log = LoggerFactory.getLogger("dev.switchboard.access");

  /**
   * Client headers a passed-through request does not carry upstream: the gateway's own, hop-by-hop
   * ones, and those the outbound client sets itself; and the content-encoding, as the body is sent
   * inflated ({@link RequestBodies}). Everything else goes, as Portkey sends it.
   */
  private static final Set<String> NOT_PASSED_THROUGH =
      Set.of(
          "host",
          "content-length",
          "expect",
          "connection",
          "keep-alive",
          "transfer-encoding",
          "te",
          "trailer",
          "upgrade",
          "proxy-connection",
          "proxy-authorization",
          "accept-encoding",
          "content-encoding",
          "authorization");

  /** Provider response headers never copied onto the client's response. */
  private static final Set<String> UPSTREAM_HEADERS_DROPPED =
      Set.of(
          "connection",
          "keep-alive",
          "transfer-encoding",
          "content-length",
          "content-encoding",
          "proxy-authenticate",
          "proxy-connection",
          "te",
          "trailer",
          "upgrade",
          "set-cookie",
          "server",
          "date");

  /** The saved prompt's version a prompt route rendered, as {@code id@version}. */
  static final String PROMPT_HEADER = "x-switchboard-prompt";

  private final Gateway gateway;
  private final Prompts prompts;
  private final long maxBodyBytes;
  private final Supplier<RequestLog.Statistics> requestLog;
  private final Map<String, BooleanSupplier> requiredStores;
  private final BooleanSupplier draining;

  /**
   * @param requestLog the request log's counters for {@code /v1/health}; it supplies {@code null}
   *     when logs are off
   * @param requiredStores the stores no request can be served without, by name, each telling
   *     whether it answers now: {@code /v1/health/ready}'s checks
   * @param draining whether the gateway is draining (it then says it is not ready)
   */
  GatewayHandler(
      Gateway gateway,
      Prompts prompts,
      long maxBodyBytes,
      Supplier<RequestLog.Statistics> requestLog,
      Map<String, BooleanSupplier> requiredStores,
      BooleanSupplier draining) {
    this.draining = draining;
    this.gateway = gateway;
    this.prompts = prompts;
    this.maxBodyBytes = maxBodyBytes;
    this.requestLog = requestLog;
    // In name order, so the probe's answer reads the same every time.
    this.requiredStores = Collections.unmodifiableSortedMap(new TreeMap<>(requiredStores));
  }

  /** What serves one of its routes: a method of this handler, given the request as an exchange. */
  @FunctionalInterface
  interface Endpoint {
    void serve(GatewayHandler gateway, Route.Match match, Exchange exchange);
  }

  /** Serves {@code match}, one of its routes, with {@code endpoint}. */
  void handle(
      Endpoint endpoint, Route.Match match, Request request, Response response, Callback callback) {
    long started = System.nanoTime();
    String method = request.getMethod();
    String path = Request.getPathInContext(request);
    String traceId = PortkeyHeaders.traceId(request.getHeaders());
    if (match.route() != Route.ROOT) {
      // Portkey's greeting is bare: a probe of / is no request a trace follows.
      response.getHeaders().put(PortkeyHeaders.TRACE_ID, traceId);
    }
    Exchange exchange = new Exchange(request, response, callback, traceId);
    try {
      endpoint.serve(this, match, exchange);
    } catch (GatewayException error) {
      if (!exchange.reachedEngine && path.startsWith("/v1/")) {
        gateway.recordRejected(method, path, exchange.optionsIfReadable(), error);
      }
      exchange.fail(error);
    } catch (RuntimeException unexpected) {
      log.error("unexpected failure on {} {} trace={}", method, path, traceId, unexpected);
      exchange.writeError(
          ErrorResponses.gateway(500, "Something went wrong in the gateway.", "api_error", null));
    } finally {
      log.info(
          "{} {} {} provider={} hooks={} trace={} {}ms",
          method,
          path,
          exchange.status,
          exchange.facts == null || exchange.facts.provider() == null
              ? "-"
              : exchange.facts.provider(),
          exchange.hooks(),
          traceId,
          (System.nanoTime() - started) / 1_000_000);
    }
  }

  /** {@code /}: Portkey's greeting. */
  void root(Route.Match match, Exchange exchange) {
    exchange.writeText(200, "AI Gateway says hey!");
  }

  /** {@code /v1/health}. */
  void health(Route.Match match, Exchange exchange) {
    exchange.writeJson(
        200,
        Health.of(
            gateway.circuits(),
            gateway.cacheStatistics(),
            gateway.guardrailStatistics(),
            requestLog.get()));
  }

  /**
   * {@code /v1/health/ready}: 200 while every required store answers, else 503, with each store's
   * state ({@code up} or {@code down}); 503 {@code draining} from SIGTERM on, while the gateway
   * still serves for its drain delay (then its listener closes and it answers no probe at all).
   */
  void ready(Route.Match match, Exchange exchange) {
    var json = JsonNodeFactory.instance.objectNode();
    var stores = json.putObject("stores");
    boolean ready = true;
    for (var store : requiredStores.entrySet()) {
      boolean up = store.getValue().getAsBoolean();
      stores.put(store.getKey(), up ? "up" : "down");
      ready &= up;
    }
    boolean leaving = draining.getAsBoolean();
    json.put("status", leaving ? "draining" : ready ? "ready" : "not_ready");
    exchange.writeJson(ready && !leaving ? 200 : 503, json);
  }

  /** {@code GET /v1/shadows}: shadow traffic's state and counters. */
  void shadows(Route.Match match, Exchange exchange) {
    var shadows = gateway.shadows().statistics();
    var json = JsonNodeFactory.instance.objectNode();
    json.put("enabled", shadows.enabled());
    json.put("in_flight", shadows.inFlight());
    json.put("started", shadows.started());
    json.put("ended", shadows.ended());
    json.put("failed", shadows.failed());
    json.put("skipped_stopped", shadows.skippedStopped());
    json.put("skipped_spend_cap", shadows.skippedSpendCap());
    json.put("skipped_busy", shadows.skippedBusy());
    json.put("spent_today_usd", shadows.spentTodayUsd().stripTrailingZeros().toPlainString());
    json.put(
        "daily_spend_cap_usd",
        shadows.dailySpendCapUsd() == null ? null : shadows.dailySpendCapUsd().toPlainString());
    exchange.writeJson(200, json);
  }

  /** {@code POST /v1/shadows/stop}: the kill switch; answers the state after it. */
  void stopShadows(Route.Match match, Exchange exchange) {
    gateway.shadows().stop();
    shadows(match, exchange);
  }

  /** {@code POST /v1/shadows/start}: shadows start again; answers the state after it. */
  void startShadows(Route.Match match, Exchange exchange) {
    gateway.shadows().start();
    shadows(match, exchange);
  }

  void chatCompletions(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.Chat(exchange.readRequest(ChatRequest.class)));
  }

  void completions(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.TextCompletion(exchange.readRequest(CompletionRequest.class)));
  }

  void embeddings(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.Embedding(exchange.readRequest(EmbeddingRequest.class)));
  }

  void models(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.ListModels());
  }

  void messages(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.Messages(exchange.readJson(ObjectNode.class)));
  }

  void responses(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.Responses(exchange.readJson(ObjectNode.class)));
  }

  void countTokens(Route.Match match, Exchange exchange) {
    serve(exchange, new Operation.CountTokens(exchange.readJson(ObjectNode.class)));
  }

  /**
   * {@code POST /v1/prompts/{id}/render}: the chat request a saved prompt gives with the request's
   * variables, in Portkey's answer ({@code {"success": true, "data": {…}}}); nothing is called.
   */
  void renderPrompt(Route.Match match, Exchange exchange) {
    RenderedPrompt rendered = render(match, exchange);
    ObjectNode answer = WireJson.mapper().createObjectNode();
    answer.put("success", true);
    answer.set("data", rendered.body());
    exchange.writeJson(200, answer);
  }

  /**
   * {@code POST /v1/prompts/{id}/completions}: the saved prompt rendered, then served as a chat
   * completion through the whole pipeline (whole or streamed, as its {@code stream} asks), with the
   * prompt's version in the cache key and the log, and its config when the caller sent none.
   */
  void promptCompletions(Route.Match match, Exchange exchange) {
    RenderedPrompt rendered = render(match, exchange);
    ChatRequest chat;
    try {
      chat = WireJson.readStrictly(WireJson.write(rendered.body()), ChatRequest.class);
    } catch (WireFormatException e) {
      throw new InvalidRequestException(
          "The rendered prompt is not a valid chat request: " + e.getMessage(), null, e);
    }
    exchange.options =
        exchange
            .options()
            .fromPrompt(
                new RequestOptions.PromptVersion(rendered.id(), rendered.version()),
                rendered.config());
    serve(exchange, new Operation.Chat(chat));
  }

  private RenderedPrompt render(Route.Match match, Exchange exchange) {
    RenderedPrompt rendered =
        prompts.render(match.parameter("id"), exchange.readJson(JsonNode.class));
    exchange.response.getHeaders().put(PROMPT_HEADER, rendered.id() + "@" + rendered.version());
    return rendered;
  }

  /**
   * OpenAI's stored chat completions, or a DELETE of the route: the path as it is, passed through.
   */
  void storedChatCompletions(Route.Match match, Exchange exchange) {
    passThrough(exchange.request.getMethod(), match.path().substring("/v1".length()), exchange);
  }

  /** A pass-through prefix's route: what follows the prefix, passed through (nothing: 404). */
  void passThroughRest(Route.Match match, Exchange exchange) {
    String method = exchange.request.getMethod();
    if (match.rest().isEmpty()) {
      exchange.writeError(RouteGate.notFound(method, match.path()));
    } else {
      passThrough(method, match.rest(), exchange);
    }
  }

  private void passThrough(String method, String path, Exchange exchange) {
    List<Map.Entry<String, String>> headers = new ArrayList<>();
    for (HttpField field : exchange.request.getHeaders()) {
      String name = field.getLowerCaseName();
      if (!name.startsWith("x-portkey-") && !NOT_PASSED_THROUGH.contains(name)) {
        headers.add(Map.entry(name, field.getValue()));
      }
    }
    boolean bodiless = method.equals("GET") || method.equals("HEAD") || method.equals("DELETE");
    byte[] body = bodiless ? null : exchange.readBody();
    String query = exchange.request.getHttpURI().getQuery();
    serve(
        exchange,
        new Operation.PassThrough(new PassThroughRequest(method, path, query, headers, body)));
  }

  private void serve(Exchange exchange, Operation operation) {
    // A client waiting for its answer sends nothing, however long the provider takes: Jetty's idle
    // timeout (30 s) would fail the request and pass for the client leaving. The call is bounded by
    // the request's timeout and the routing deadline instead; a client that closed its connection
    // is noticed by the DisconnectWatch, a write that stalls still fails on the idle timeout (Jetty
    // fails a pending read or write before it asks this listener).
    exchange.request.addIdleTimeoutListener(quiet -> false);
    Departure departure = new Departure();
    exchange.request.addFailureListener(failure -> departure.clientLeft());
    Served served;
    RequestOptions options = exchange.options();
    List<String> heldComments = new ArrayList<>();
    exchange.reachedEngine = true;
    DisconnectWatch watch = DisconnectWatch.start(exchange.request, departure::clientLeft);
    try {
      try {
        // A stream's first event is read while it is routed: its comments so far are held.
        served =
            SseComments.forwardingTo(heldComments::add, () -> gateway.serve(operation, options));
      } finally {
        departure.routed();
      }
      exchange.facts = served.facts();
      if (served instanceof Served.Answered answered) {
        switch (answered.outcome()) {
          case Outcome.Events events -> {
            exchange.stream(events.stream(), operation, heldComments, watch, departure);
            return;
          }
          case Outcome.Raw raw -> {
            exchange.relay(raw.response(), watch, departure);
            return;
          }
          case Outcome.Body body -> {}
        }
      }
    } finally {
      watch.close();
      if (watch.sawReadAhead() && !exchange.response.isCommitted()) {
        exchange.response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
    }
    switch (served) {
      case Served.Failed failed ->
          exchange.fail(
              failed.error(),
              operation instanceof Operation.Messages
                  || operation instanceof Operation.CountTokens);
      case Served.Answered answered -> {
        switch (answered.outcome()) {
          case Outcome.Body body -> exchange.writeJson(exchange.successStatus(), body.body());
          case Outcome.Events events -> throw new IllegalStateException("streamed above");
          case Outcome.Raw raw -> throw new IllegalStateException("relayed above");
        }
      }
    }
  }

  /**
   * What the client leaving stops: until the gateway has its answer, the routing (the thread is
   * interrupted: no further attempt or retry wait, the upstream call aborted); then the answer
   * being written, a stream or a relayed body, whose closing aborts its upstream call. Thread-safe:
   * the departure is noticed on Jetty's threads, a selector's among them, which must not block:
   * {@link #clientLeft} only marks the departure and interrupts the routing, and closes the answer
   * on a thread of its own (closing it records the request, which may write to the request log and
   * settle limits in Redis). That thread is a platform one so that busy virtual threads holding
   * every carrier do not keep the upstream call running.
   */
  private static final class Departure {
    private final Thread routing = Thread.currentThread();
    private boolean routed;
    private boolean left;
    private AutoCloseable answer;

    void clientLeft() {
      AutoCloseable close;
      synchronized (this) {
        if (left) {
          return;
        }
        left = true;
        if (!routed) {
          routing.interrupt();
        }
        close = answer;
      }
      if (close != null) {
        Thread.ofPlatform().name("switchboard-departure").daemon().start(() -> closeQuietly(close));
      }
    }

    synchronized boolean left() {
      return left;
    }

    /** The gateway has its answer: the routing thread is no longer interrupted, nor will be. */
    void routed() {
      synchronized (this) {
        routed = true;
      }
      Thread.interrupted();
    }

    /**
     * The answer is this stream, or this relayed body: the client leaving from now on closes it.
     */
    void answering(AutoCloseable written) {
      boolean gone;
      synchronized (this) {
        answer = written;
        gone = left;
      }
      if (gone) {
        closeQuietly(written);
      }
    }

    private static void closeQuietly(AutoCloseable answer) {
      try {
        answer.close();
      } catch (Exception ignored) {
        // closing only stops the upstream call; its reader sees the rest
      }
    }
  }

  /** One request and its response, as the handler works on them. */
  final class Exchange {
    final Request request;
    final Response response;
    final Callback callback;
    final String traceId;
    int status;
    ResponseFacts facts;
    RequestOptions options;
    boolean reachedEngine;

    Exchange(Request request, Response response, Callback callback, String traceId) {
      this.request = request;
      this.response = response;
      this.callback = callback;
      this.traceId = traceId;
    }

    /**
     * The guardrails' verdict for the access line, as the facts tell it ({@code denied}, {@code
     * failed}, {@code passed}), or {@code -} when no hook ran.
     */
    String hooks() {
      String verdict =
          facts == null ? GuardrailReport.verdict(null, status) : facts.guardrailVerdict(status);
      return verdict == null ? "-" : verdict;
    }

    /** The status of the answer, as the facts tell it: 200, or 246 when a guardrail failed. */
    int successStatus() {
      return facts == null ? 200 : facts.successStatus();
    }

    RequestOptions options() {
      if (options == null) {
        options = PortkeyHeaders.read(request.getHeaders(), traceId);
      }
      return options;
    }

    /** The request's options, or {@code null} when its headers cannot be read. */
    RequestOptions optionsIfReadable() {
      try {
        return options();
      } catch (GatewayException unreadable) {
        return null;
      }
    }

    byte[] readBody() {
      return RequestBodies.read(request, maxBodyBytes);
    }

    <T> T readJson(Class<T> type) {
      return parse(type, WireJson::readStrictly);
    }

    /**
     * A request as a wire record that, while no stage changes it, is sent as the client's bytes.
     */
    <T extends Record> T readRequest(Class<T> type) {
      return parse(type, WireJson::readStrictlyKeepingSource);
    }

    private <T> T parse(Class<T> type, BiFunction<byte[], Class<T>, T> reader) {
      byte[] body = RequestBodies.json(request, maxBodyBytes);
      try {
        return reader.apply(body, type);
      } catch (WireFormatException e) {
        throw new InvalidRequestException(
            "Invalid JSON in request body: " + e.getMessage(), null, e);
      }
    }

    void writeJson(int code, Object body) {
      write(code, "application/json", WireJson.write(body));
    }

    void writeText(int code, String text) {
      // Spelled as Portkey (Hono) spells it.
      write(code, "text/plain; charset=UTF-8", text.getBytes(StandardCharsets.UTF_8));
    }

    void write(int code, String contentType, byte[] body) {
      send(code, contentType, body);
    }

    /**
     * Writes a whole answer: with {@code contentType} the gateway's own body, with {@code null} a
     * provider's, under the provider's content type and headers.
     */
    private void send(int code, String contentType, byte[] body) {
      status = code;
      response.setStatus(code);
      putFacts(contentType != null);
      if (contentType != null) {
        response.getHeaders().put(HttpHeader.CONTENT_TYPE, contentType);
      }
      response.getHeaders().put(HttpHeader.CONTENT_LENGTH, body.length);
      response.write(true, ByteBuffer.wrap(body), callback);
    }

    void fail(GatewayException error) {
      fail(error, false);
    }

    /**
     * @param anthropicRoute whether the request came to Anthropic's routes ({@code /v1/messages},
     *     {@code count_tokens}), whose errors also carry Anthropic's {@code "type": "error"}
     */
    void fail(GatewayException error, boolean anthropicRoute) {
      if (error instanceof ProviderErrorException provider
          && provider.passedThroughBody() != null
          && !response.isCommitted()) {
        // The provider's error as it came, read whole: nothing is left upstream to abort.
        send(provider.status(), null, provider.passedThroughBody());
        return;
      }
      ErrorResponses.ErrorResponse answer = ErrorResponses.of(error);
      writeError(anthropicRoute ? ErrorResponses.anthropicShaped(answer) : answer);
    }

    void writeError(ErrorResponses.ErrorResponse error) {
      if (response.isCommitted()) {
        callback.failed(new IOException("failed after the response was committed"));
        return;
      }
      error.headers().forEach((name, value) -> response.getHeaders().put(name, value));
      writeJson(error.status(), error.body());
    }

    /**
     * Portkey's response headers for a request that reached a target, and the provider's own
     * headers (less hop-by-hop ones; less its content type where the gateway writes the body).
     */
    private void putFacts(boolean gatewayWritesBody) {
      if (facts != null && facts.requestId() != null) {
        response.getHeaders().put(PortkeyHeaders.REQUEST_ID, facts.requestId());
      }
      // The gateway's own headers (its rate limits, under OpenAI's x-ratelimit-* names) replace a
      // provider's of the same name: the client is held to the gateway's limits first.
      Set<String> gatewayNames = new java.util.HashSet<>();
      if (facts != null) {
        for (Map.Entry<String, String> header : facts.gatewayHeaders()) {
          response.getHeaders().put(header.getKey(), header.getValue());
          gatewayNames.add(header.getKey());
        }
      }
      if (facts == null || !facts.targetChosen()) {
        return;
      }
      for (Map.Entry<String, String> header : facts.upstreamHeaders()) {
        String name = header.getKey();
        boolean ours =
            name.startsWith("x-portkey-")
                || gatewayNames.contains(name)
                || (gatewayWritesBody && name.equals("content-type"));
        if (!ours && !UPSTREAM_HEADERS_DROPPED.contains(name)) {
          response.getHeaders().add(name, header.getValue());
        }
      }
      response.getHeaders().put(PortkeyHeaders.LAST_USED_OPTION_INDEX, facts.lastUsedOptionIndex());
      response.getHeaders().put(PortkeyHeaders.RETRY_ATTEMPT_COUNT, facts.retryAttemptCount());
      response.getHeaders().put(PortkeyHeaders.CACHE_STATUS, facts.cacheStatus());
      response.getHeaders().put(PortkeyHeaders.PROVIDER, facts.provider());
      if (facts.costUsd() != null) {
        response
            .getHeaders()
            .put(PortkeyHeaders.COST_USD, facts.costUsd().stripTrailingZeros().toPlainString());
      }
      if (facts.savedCostUsd() != null) {
        response
            .getHeaders()
            .put(
                PortkeyHeaders.SAVED_COST_USD,
                facts.savedCostUsd().stripTrailingZeros().toPlainString());
      }
    }

    /**
     * Streams events as server-sent events, each flushed as it arrives. A failure after the first
     * byte ends the stream with an in-band error event, never a {@code [DONE]}; a client that goes
     * away cancels the upstream call.
     *
     * @param operation what the events answer: the events of Anthropic's Messages API and OpenAI's
     *     Responses API ({@link Operation#namedEvents()}) are written as {@code event: <type>} and
     *     {@code data:} lines with no {@code [DONE]}, and a failure as the API's own {@code error}
     *     event
     * @param heldComments the provider's comment lines read before the response was committed,
     *     written first
     */
    void stream(
        ResponseStream<?> events,
        Operation operation,
        List<String> heldComments,
        DisconnectWatch watch,
        Departure departure) {
      departure.answering(events);
      Object first;
      try {
        // A failure before the first byte still gets its own status.
        first = SseComments.forwardingTo(heldComments::add, events::next);
      } catch (GatewayException failure) {
        events.close();
        throw failure;
      }
      GuardrailReport guardrails = facts == null ? null : facts.guardrails();
      boolean hookEvents = guardrails != null && !guardrails.strictOpenAiCompliance();
      status = successStatus();
      response.setStatus(status);
      putFacts(true);
      // No cache-control of our own: a POST's answer is not stored by a cache without explicit
      // freshness (RFC 9111), so the provider's, when it sends one, is what the client gets.
      response.getHeaders().put(HttpHeader.CONTENT_TYPE, "text/event-stream; charset=utf-8");
      boolean closeAfter = watch.sawReadAhead();
      if (closeAfter) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      boolean responsesFormat = operation instanceof Operation.Responses;
      int written = 0;
      try (events;
          OutputStream out = Content.Sink.asOutputStream(response)) {
        SseWriter sse = new SseWriter(out);
        try {
          if (hookEvents && guardrails.hasBefore()) {
            hookResults(sse, guardrails.beforeOnly(), operation.namedEvents());
          }
          for (String comment : heldComments) {
            sse.comment(comment);
          }
          Consumer<String> comments =
              comment -> {
                try {
                  sse.comment(comment);
                } catch (IOException clientGone) {
                  throw new UncheckedIOException(clientGone);
                }
              };
          for (Object event = first;
              event != null;
              event = SseComments.forwardingTo(comments, events::next)) {
            if (event instanceof SseEvent named) {
              sse.event(named.event(), named.data().getBytes(StandardCharsets.UTF_8));
              written++;
            } else {
              sse.data(WireJson.write(event));
            }
          }
          // Before the last writes: once the answer is complete, Jetty reads the connection again.
          watch.close();
          if (hookEvents && guardrails.hasAfter()) {
            // Portkey's output-hook results for a stream: an event after the last one.
            hookResults(sse, guardrails.afterOnly(), operation.namedEvents());
          }
          if (!operation.namedEvents()) {
            sse.done();
          }
        } catch (GatewayException failure) {
          log.warn("stream broke off trace={}: {}", traceId, failure.getMessage());
          if (responsesFormat) {
            // The events so far were numbered from 0, one each: the error is the next.
            sse.event(
                "error", WireJson.write(ErrorResponses.responsesErrorEvent(failure, written)));
          } else if (operation.namedEvents()) {
            sse.event("error", WireJson.write(ErrorResponses.anthropicErrorEvent(failure)));
          } else {
            sse.data(WireJson.write(ErrorResponses.of(failure).body()));
          }
        } finally {
          watch.close();
        }
      } catch (IOException clientGone) {
        callback.failed(clientGone);
        return;
      } catch (UncheckedIOException clientGone) {
        callback.failed(clientGone.getCause());
        return;
      }
      if (!closeAfter && watch.sawReadAhead()) {
        // The client sent bytes of a next request during the stream and the watch took one: that
        // request cannot be read whole, so the connection ends after this answer (the client
        // retries what was left unanswered, RFC 9112 section 9.3.2). A FIN, not a reset, so no
        // byte of the stream is lost.
        request.getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
      }
      callback.succeeded();
    }

    /**
     * A stream's guardrail results, as Portkey sends them when strict OpenAI compliance is off:
     * {@code data: {"hook_results": {...}}}, or an {@code event: hook_results} among named events
     * (Anthropic's and the Responses API's).
     */
    private void hookResults(SseWriter sse, ObjectNode results, boolean namedEvents)
        throws IOException {
      ObjectNode event = JsonNodeFactory.instance.objectNode();
      event.set("hook_results", results);
      if (namedEvents) {
        sse.event("hook_results", WireJson.write(event));
      } else {
        sse.data(WireJson.write(event));
      }
    }

    /**
     * Copies a provider's raw response to the client, flushing as bytes arrive. A client that
     * leaves meanwhile (seen by the {@code watch}, or by a failed write) closes the response, which
     * stops the upstream call at once, however long the provider would still take.
     */
    void relay(UpstreamResponse upstream, DisconnectWatch watch, Departure departure) {
      departure.answering(upstream);
      status = upstream.status();
      response.setStatus(status);
      putFacts(false);
      boolean closeAfter = watch.sawReadAhead();
      if (closeAfter) {
        response.getHeaders().put(HttpHeader.CONNECTION, "close");
      }
      try (upstream;
          OutputStream out = Content.Sink.asOutputStream(response)) {
        InputStream in = upstream.body();
        byte[] buffer = new byte[8192];
        int n;
        while (true) {
          try {
            n = in.read(buffer);
          } catch (IOException upstreamFailed) {
            if (departure.left()) {
              throw new IOException("the client left", upstreamFailed);
            }
            throw upstream.translate(upstreamFailed);
          }
          if (n < 0) {
            break;
          }
          out.write(buffer, 0, n);
          out.flush();
        }
        if (departure.left()) {
          throw new IOException("the client left");
        }
        // Before the last write: once the answer is complete, Jetty reads the connection again.
        watch.close();
      } catch (IOException clientGone) {
        callback.failed(clientGone);
        return;
      } finally {
        watch.close();
      }
      if (!closeAfter && watch.sawReadAhead()) {
        // As after a stream: the next request's bytes the watch took cannot be handed back.
        request.getConnectionMetaData().getConnection().getEndPoint().shutdownOutput();
      }
      callback.succeeded();
    }
  }
}
