package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RetryPolicy;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FaultyUpstream;
import dev.switchboard.testkit.FaultyUpstream.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.lang.management.ManagementFactory;
import java.lang.management.OperatingSystemMXBean;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * Every fault of a {@link FaultyUpstream} × every routing policy × JSON and stream × a client that
 * stays or leaves mid-way, on a modelled route (chat) and passed-through ones (responses, an audio
 * upload), through a real gateway with its request log, at real durations (45 s to the first byte,
 * 40 s of stall). Each cell is one client request; the invariants are summed over the cells,
 * printed as a table, and must all be 0. In the default build; run alone: see docs/reliability.md.
 */
@Tag("fault-matrix")
class FaultMatrixTest {
  /**
   * Past it, an attempt answers 408: beyond the 45 s first byte, so that a reasoning model works.
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  static final Duration DEADLINE = Duration.ofSeconds(90);

  /**
   * What the machine may add to the time a policy gives a call (its timeout, its deadline, the
   * upstream's own delays): the answer to write, threads to be scheduled on a shared machine. On a
   * 2-core machine at load 2 to 5 the long cells end 0.1 to 1.7 s past their policy's time; a
   * machine saturated far beyond its cores (load 20 on 2) stretches every wait and is no place to
   * judge timing.
   */
  static final Duration TOLERANCE = Duration.ofSeconds(5);

  /** A client that leaves does so at its {@link #LEAVE_AT_EVENT}th event, or after this long. */
  static final Duration PATIENCE = Duration.ofSeconds(3);

  /**
   * A leaving client's last event: the second, after which a {@link Kind#STALL_40S} stalls, so that
   * it leaves while nothing is written to it and only the gateway's watch can see it go.
   */
  static final int LEAVE_AT_EVENT = 2;

  static final Duration CLIENT_GIVES_UP = Duration.ofSeconds(150);

  /**
   * Short cells run this many at a time; the long ones (silent, 45 s, 40 s), which only wait, all
   * at once.
   */
  static final int PARALLEL_CELLS = 40;

  /**
   * The gateway learns of a client's departure when its selector wakes on the closed connection
   * (measured up to ~50 ms on a loaded 2-core machine); an attempt its router began within this of
   * the departure may have been begun before it knew, and is judged by whether it still runs 1 s
   * later; an answer the gateway sent within this of the departure may have crossed it, so that the
   * client never read the status the gateway recorded.
   */
  static final Duration NOTICE = Duration.ofMillis(250);

  static final Set<Kind> LONG = Set.of(Kind.SILENT, Kind.FIRST_BYTE_AFTER_45S, Kind.STALL_40S);

  /** Faults under which nothing fails before a client leaves: a failure then is the client's. */
  static final Set<Kind> HEALTHY_UNTIL_LEFT =
      Set.of(Kind.OK, Kind.SILENT, Kind.FIRST_BYTE_AFTER_45S, Kind.STALL_40S, Kind.BODY_10MB);

  /** The upstream answer an event belongs to: its chat chunk's, response's or item's id. */
  static final Pattern ANSWER_ID =
      Pattern.compile("\"(?:id|item_id)\":\"(?:chatcmpl-|resp_|msg_)(c[0-9]+t[01]-[0-9]+)\"");

  /** The gateway's routes a cell is sent to: a modelled one and passed-through ones. */
  enum Route {
    CHAT("/v1/chat/completions", true),
    RESPONSES("/v1/responses", true),
    /** An upload, multipart; OpenAI's transcription is JSON here. */
    TRANSCRIPTION("/v1/audio/transcriptions", false);

    final String path;
    final boolean streams;

    Route(String path, boolean streams) {
      this.path = path;
      this.streams = streams;
    }
  }

  enum Policy {
    NONE,
    RETRY_3,
    FALLBACK_2,
    LOADBALANCE_2
  }

  enum Invariant {
    NO_ANSWER_NO_LOG("no answer, no log row"),
    EXTRA_DELIVERIES("deliveries beyond policy"),
    REDELIVERED_AFTER_READ("delivered twice after reset-after-read"),
    SYNTHETIC_END("synthetic [DONE]/finish_reason"),
    FALLBACK_AFTER_FIRST_BYTE("fallback after first byte"),
    DEADLINE_OVERRUN("deadline overruns"),
    CIRCUIT_BY_CANCEL("circuit failures from a cancel"),
    RUNNING_AFTER_LEFT("upstream running 1 s after client left, or an attempt begun after"),
    GATEWAY_OWN_5XX("gateway 5xx from own exceptions"),
    LONG_CELL_OFF_POLICY("long cell not ended by its policy (earlier or later)"),
    LOG_STATUS_NOT_CLIENTS("log row's status is not what the client got (499: left unanswered)");

    final String label;

    Invariant(String label) {
      this.label = label;
    }
  }

  record Cell(int number, Route route, Kind kind, Policy policy, boolean stream, boolean cancels) {
    String upstreamRoute(int target) {
      return "c" + number + "t" + target;
    }

    String trace() {
      return "fault-matrix-" + number;
    }

    @Override
    public String toString() {
      return route.name().toLowerCase()
          + "/"
          + kind.segment()
          + "/"
          + policy.name().toLowerCase()
          + "/"
          + (stream ? "stream" : "json")
          + "/"
          + (cancels ? "cancels" : "stays");
    }
  }

  /**
   * What the client saw: the status line it got (0 when none came), the body, and when it left (it
   * closed the connection, nanos and epoch millis; 0 when it stayed).
   */
  record Seen(
      int status,
      String body,
      long startedNanos,
      long elapsedNanos,
      long leftAtNanos,
      long leftAtMillis) {
    boolean left() {
      return leftAtNanos != 0;
    }
  }

  /**
   * @param stoppedMillis for a client that left while an upstream call ran, how long after its
   *     departure the gateway closed that call (the slowest, if several); else -1
   */
  record Outcome(Cell cell, Seen seen, Set<Invariant> broken, String detail, long stoppedMillis) {}

  @TempDir Path data;

  @Test
  void noFaultPolicyOrClientBreaksAnInvariant() throws Exception {
    List<String> errorsLogged = new java.util.concurrent.CopyOnWriteArrayList<>();
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    AppenderBase<ILoggingEvent> errors =
        new AppenderBase<>() {
          @Override
          protected void append(ILoggingEvent event) {
            if (event.getLevel().isGreaterOrEqual(Level.ERROR)) {
              errorsLogged.add(event.getLoggerName() + ": " + event.getFormattedMessage());
            }
          }
        };
    errors.start();
    root.addAppender(errors);
    RoutingLimits defaults = RoutingLimits.defaults();
    RoutingLimits limits =
        new RoutingLimits(
            defaults.maxAttempts(),
            DEADLINE,
            defaults.backoffBase(),
            defaults.maxRetryWait(),
            defaults.circuitThreshold(),
            defaults.circuitOpenFor());
    List<Cell> cells = cells();
    List<Outcome> outcomes = new ArrayList<>();
    OperatingSystemMXBean machine = ManagementFactory.getOperatingSystemMXBean();
    double loadBefore = machine.getSystemLoadAverage();
    long began = System.nanoTime();
    try (FaultyUpstream upstream = FaultyUpstream.start();
        GatewayUnderTest gateway =
            GatewayUnderTest.withRequestLog(
                ObservabilitySettings.defaults().withDataDirectory(data),
                settings ->
                    new ServerSettings(
                        settings.host(),
                        settings.port(),
                        settings.maxBodyBytes(),
                        settings.drainTimeout(),
                        GatewaySettings.builder().routing(limits).build(),
                        settings.observability(),
                        settings.adminToken(),
                        settings.adminHost(),
                        settings.adminPort(),
                        settings.access()),
                engine -> {});
        ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      Semaphore bound = new Semaphore(PARALLEL_CELLS);
      List<Future<Outcome>> running = new ArrayList<>();
      for (Cell cell : cells) {
        boolean waitsOnly = LONG.contains(cell.kind());
        running.add(
            threads.submit(() -> {
              if (!waitsOnly) {
                bound.acquire();
              }
              try {
                return play(cell, upstream, gateway);
              } finally {
                if (!waitsOnly) {
                  bound.release();
                }
              }
            }));
      }
      for (Future<Outcome> outcome : running) {
        outcomes.add(outcome.get());
      }
    } finally {
      root.detachAppender(errors);
    }
    String run =
        String.format(
            "%d s, load average %.1f before and %.1f after, on %d processors",
            Duration.ofNanos(System.nanoTime() - began).toSeconds(),
            loadBefore,
            machine.getSystemLoadAverage(),
            machine.getAvailableProcessors());
    Map<Invariant, Integer> totals = print(outcomes, errorsLogged, run);
    assertThat(outcomes).hasSize(cells.size());
    assertThat(errorsLogged).as("errors in the gateway's log").isEmpty();
    assertThat(totals)
        .allSatisfy((invariant, count) -> assertThat(count).as(invariant.label).isZero());
  }

  /** Every cell, the long ones first so that they overlap. */
  static List<Cell> cells() {
    List<Kind> kinds = new ArrayList<>(List.of(Kind.values()));
    List<Kind> longest = List.of(Kind.SILENT, Kind.FIRST_BYTE_AFTER_45S, Kind.STALL_40S);
    kinds.removeAll(longest);
    kinds.addAll(0, longest);
    List<Cell> cells = new ArrayList<>();
    for (Kind kind : kinds) {
      for (Route route : Route.values()) {
        for (Policy policy : Policy.values()) {
          for (boolean stream :
              route.streams ? new boolean[] {false, true} : new boolean[] {false}) {
            for (boolean cancels : new boolean[] {false, true}) {
              cells.add(new Cell(cells.size(), route, kind, policy, stream, cancels));
            }
          }
        }
      }
    }
    return cells;
  }

  static String target(FaultyUpstream upstream, Cell cell, int target, Kind kind) {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
        + upstream.baseUrl(cell.upstreamRoute(target), kind)
        + "\"}";
  }

  static String config(FaultyUpstream upstream, Cell cell) {
    String faulty = target(upstream, cell, 0, cell.kind());
    return switch (cell.policy()) {
      case NONE -> faulty;
      case RETRY_3 ->
          faulty.replace("}", ",\"retry\":{\"attempts\":3,\"use_retry_after_header\":true}}");
      case FALLBACK_2 ->
          "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
              + faulty
              + ","
              + target(upstream, cell, 1, Kind.OK)
              + "]}";
      case LOADBALANCE_2 ->
          "{\"strategy\":{\"mode\":\"loadbalance\"},\"targets\":["
              + faulty
              + ","
              + target(upstream, cell, 1, cell.kind())
              + "]}";
    };
  }

  static Outcome play(Cell cell, FaultyUpstream upstream, GatewayUnderTest gateway)
      throws Exception {
    Seen seen = send(cell, config(upstream, cell), gateway.uri("/").getPort());
    Set<Invariant> broken = new HashSet<>();
    List<String> detail = new ArrayList<>();
    long stoppedMillis = -1;
    if (seen.left()) {
      long oneSecondLater = seen.leftAtNanos() + Duration.ofSeconds(1).toNanos();
      Thread.sleep(Math.max(0, (oneSecondLater - System.nanoTime()) / 1_000_000));
      for (int target = 0; target < 2; target++) {
        for (FaultyUpstream.Call call : upstream.calls(cell.upstreamRoute(target))) {
          if (call.running()) {
            broken.add(Invariant.RUNNING_AFTER_LEFT);
            detail.add("running " + call.id);
          } else if (call.clientClosedNanos() >= seen.leftAtNanos()) {
            stoppedMillis =
                Math.max(
                    stoppedMillis, (call.clientClosedNanos() - seen.leftAtNanos()) / 1_000_000);
          }
        }
      }
    }
    List<JsonNode> records =
        LogsApi.awaitRecords(gateway, "trace_id=" + LogsApi.encode(cell.trace()), 1);
    if (records.isEmpty() && (seen.left() || seen.status() == 0)) {
      broken.add(Invariant.NO_ANSWER_NO_LOG);
    }
    if (!records.isEmpty()) {
      JsonNode record = records.get(0);
      int logged = record.path("status").asInt();
      detail.add("log " + logged);
      int got = seen.status() != 0 ? seen.status() : 499;
      if (logged != got && !answeredAsItLeft(record, seen)) {
        broken.add(Invariant.LOG_STATUS_NOT_CLIENTS);
      }
      if (seen.left()) {
        for (JsonNode attempt : record.path("attempts")) {
          long after = attempt.path("started_at_ms").asLong() - seen.leftAtMillis();
          if (after > NOTICE.toMillis()) {
            broken.add(Invariant.RUNNING_AFTER_LEFT);
            detail.add("attempt begun " + after + " ms after the client left");
          }
        }
      }
    }
    int first = upstream.deliveries(cell.upstreamRoute(0));
    int second = upstream.deliveries(cell.upstreamRoute(1));
    int allowedFirst = cell.policy() == Policy.RETRY_3 ? 4 : 1;
    boolean extra =
        switch (cell.policy()) {
          case NONE, RETRY_3 -> first > allowedFirst;
          case FALLBACK_2 -> first > 1 || second > 1;
          case LOADBALANCE_2 -> first + second > 1;
        };
    if (extra) {
      broken.add(Invariant.EXTRA_DELIVERIES);
    }
    if (cell.kind() == Kind.RESET_AFTER_READ
        && (first > 1
            || second > 1
            || cell.policy() == Policy.LOADBALANCE_2 && first + second > 1)) {
      broken.add(Invariant.REDELIVERED_AFTER_READ);
    }
    detail.add("delivered " + first + "+" + second);
    if (stoppedMillis >= 0) {
      detail.add("upstream closed " + stoppedMillis + " ms after the client left");
    }
    if (cell.stream() && !seen.left()) {
      boolean ended =
          seen.body().contains("data: [DONE]")
              || seen.body().contains("\"finish_reason\":\"")
              || seen.body().contains("event: response.completed");
      // The upstream marks a call completed once its last write returned, which may be after the
      // client read what that write sent: its calls are given a moment to end.
      boolean anyCompleted = false;
      long patience = System.nanoTime() + Duration.ofSeconds(2).toNanos();
      while (ended && !anyCompleted && System.nanoTime() < patience) {
        for (int target = 0; target < 2; target++) {
          for (FaultyUpstream.Call call : upstream.calls(cell.upstreamRoute(target))) {
            anyCompleted |= call.completed();
          }
        }
        if (!anyCompleted) {
          Thread.sleep(10);
        }
      }
      if (ended && !anyCompleted) {
        broken.add(Invariant.SYNTHETIC_END);
      }
    }
    if (cell.stream()) {
      Set<String> ids = new HashSet<>();
      Matcher id = ANSWER_ID.matcher(seen.body());
      while (id.find()) {
        ids.add(id.group(1));
      }
      if (ids.size() > 1) {
        broken.add(Invariant.FALLBACK_AFTER_FIRST_BYTE);
        detail.add("answers " + ids);
      }
    }
    if (!seen.left() && seen.elapsedNanos() > DEADLINE.plus(TOLERANCE).toNanos()) {
      broken.add(Invariant.DEADLINE_OVERRUN);
    }
    if (seen.left() && HEALTHY_UNTIL_LEFT.contains(cell.kind())) {
      JsonNode health = GatewayUnderTest.json(gateway.get("/v1/health"));
      for (JsonNode circuit : health.path("circuits")) {
        String name = circuit.path("upstream").asText();
        if ((name.contains("/" + cell.upstreamRoute(0) + "/")
                || name.contains("/" + cell.upstreamRoute(1) + "/"))
            && (circuit.path("consecutive_failures").asInt() > 0
                || !"closed".equals(circuit.path("state").asText()))) {
          broken.add(Invariant.CIRCUIT_BY_CANCEL);
        }
      }
    }
    if (seen.status() >= 500 && seen.body().contains("Something went wrong in the gateway")) {
      broken.add(Invariant.GATEWAY_OWN_5XX);
    }
    if (!seen.left() && LONG.contains(cell.kind()) && !endsByPolicy(cell, seen)) {
      broken.add(Invariant.LONG_CELL_OFF_POLICY);
    }
    detail.add(
        "client "
            + seen.status()
            + (seen.left() ? ", left at " : " in ")
            + Duration.ofNanos(
                    seen.left() ? seen.leftAtNanos() - seen.startedNanos() : seen.elapsedNanos())
                .toMillis()
            + " ms");
    return new Outcome(cell, seen, broken, String.join(", ", detail), stoppedMillis);
  }

  /**
   * Whether a long cell that its client waited out ended when its policy says: no earlier than
   * {@link #policyTime}, within {@link #TOLERANCE} after it, with the upstream's answer whole (200)
   * or, when none comes, the request timeout's 408.
   */
  static boolean endsByPolicy(Cell cell, Seen seen) {
    boolean upstreamAnswers = cell.kind() != Kind.SILENT || cell.policy() == Policy.FALLBACK_2;
    long earliest = policyTime(cell).toNanos();
    long elapsed = seen.elapsedNanos();
    return elapsed >= earliest
        && elapsed <= earliest + TOLERANCE.toNanos()
        && seen.status() == (upstreamAnswers ? 200 : UPSTREAM_TIMEOUT_STATUS);
  }

  /** The gateway's answer to an attempt that outlived the request's timeout. */
  static final int UPSTREAM_TIMEOUT_STATUS = 408;

  /**
   * When a long cell ends by its policy: the 45 s and 40 s answers as the upstream gives them (a
   * stream's events {@link FaultyUpstream#EVENT_GAP} apart); a silent upstream cut at the request's
   * timeout, then the fallback's answer; a retry of it only if the timeout's status is one retried
   * by default (then the deadline ends it).
   */
  static Duration policyTime(Cell cell) {
    Duration wholeStream =
        cell.stream()
            ? FaultyUpstream.EVENT_GAP.multipliedBy(FaultyUpstream.EVENTS - 1)
            : Duration.ZERO;
    return switch (cell.kind()) {
      case FIRST_BYTE_AFTER_45S -> FaultyUpstream.FIRST_BYTE_DELAY.plus(wholeStream);
      case STALL_40S ->
          cell.stream()
              ? FaultyUpstream.STALL.plus(
                  FaultyUpstream.EVENT_GAP.multipliedBy(FaultyUpstream.EVENTS - 2))
              : FaultyUpstream.STALL;
      case SILENT ->
          switch (cell.policy()) {
            case FALLBACK_2 -> REQUEST_TIMEOUT.plus(wholeStream);
            case RETRY_3 ->
                RetryPolicy.DEFAULT_STATUS_CODES.contains(UPSTREAM_TIMEOUT_STATUS)
                    ? DEADLINE
                    : REQUEST_TIMEOUT;
            case NONE, LOADBALANCE_2 -> REQUEST_TIMEOUT;
          };
      default -> throw new IllegalArgumentException(cell.kind() + " is not long");
    };
  }

  /**
   * Whether a client that left before it read any status left as the gateway answered: the answer
   * (the last attempt's end) within {@link #NOTICE} of the departure, so that the status crossed
   * the close, the gateway recording what it sent and the client never reading it.
   */
  static boolean answeredAsItLeft(JsonNode record, Seen seen) {
    JsonNode attempts = record.path("attempts");
    if (!seen.left() || seen.status() != 0 || attempts.isEmpty()) {
      return false;
    }
    JsonNode last = attempts.get(attempts.size() - 1);
    long answeredAt =
        last.path("started_at_ms").asLong() + (long) last.path("duration_ms").asDouble();
    return Math.abs(answeredAt - seen.leftAtMillis()) <= NOTICE.toMillis();
  }

  /** The cell's request: its route's body, JSON or an upload's multipart form. */
  static String[] request(Cell cell) {
    String boundary = "fault-matrix-boundary";
    return switch (cell.route()) {
      case CHAT ->
          new String[] {
            "application/json",
            "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
                + (cell.stream() ? ",\"stream\":true}" : "}")
          };
      case RESPONSES ->
          new String[] {
            "application/json",
            "{\"model\":\"gpt-4o-mini\",\"input\":\"hello\""
                + (cell.stream() ? ",\"stream\":true}" : "}")
          };
      case TRANSCRIPTION ->
          new String[] {
            "multipart/form-data; boundary=" + boundary,
            "--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"model\"\r\n\r\nwhisper-1\r\n--"
                + boundary
                + "\r\nContent-Disposition: form-data; name=\"file\"; filename=\"hello.wav\"\r\n"
                + "Content-Type: audio/wav\r\n\r\nRIFF....WAVEfmt data hello\r\n--"
                + boundary
                + "--\r\n"
          };
    };
  }

  /**
   * Sends the cell's request over a socket of its own and reads the answer to its end. A client
   * that cancels leaves at its {@link #LEAVE_AT_EVENT}th event, or after {@link #PATIENCE} without
   * an answer, as real clients cancel (an SDK's abort, a closed tab, a killed process): it takes
   * what has already arrived and closes the connection, so that nothing the gateway sends later
   * reaches it.
   */
  static Seen send(Cell cell, String config, int port) throws IOException {
    String[] request = request(cell);
    byte[] bytes = request[1].getBytes(StandardCharsets.UTF_8);
    String head =
        "POST "
            + cell.route().path
            + " HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: "
            + request[0]
            + "\r\nconnection: close\r\ncontent-length: "
            + bytes.length
            + "\r\nx-portkey-trace-id: "
            + cell.trace()
            + "\r\nx-portkey-request-timeout: "
            + REQUEST_TIMEOUT.toMillis()
            + "\r\nx-portkey-config: "
            + config
            + "\r\n\r\n";
    long started = System.nanoTime();
    ByteArrayOutputStream received = new ByteArrayOutputStream();
    long leftAt = 0;
    long leftAtMillis = 0;
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(100);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      int events = 0;
      String tail = "";
      while (true) {
        long elapsed = System.nanoTime() - started;
        if (cell.cancels() && (elapsed > PATIENCE.toNanos() || events >= LEAVE_AT_EVENT)) {
          for (int ready = in.available(); ready > 0; ready = in.available()) {
            int read = in.read(buffer, 0, Math.min(ready, buffer.length));
            if (read < 0) {
              break;
            }
            received.write(buffer, 0, read);
          }
          socket.close();
          leftAt = System.nanoTime();
          leftAtMillis = System.currentTimeMillis();
          break;
        }
        if (elapsed > CLIENT_GIVES_UP.toNanos()) {
          break;
        }
        int read;
        try {
          read = in.read(buffer);
        } catch (SocketTimeoutException wait) {
          continue;
        } catch (IOException reset) {
          break;
        }
        if (read < 0) {
          break;
        }
        received.write(buffer, 0, read);
        // Only the bytes just read and the few before them: a 10 MB answer comes in 160 pieces.
        String window = tail + new String(buffer, 0, read, StandardCharsets.ISO_8859_1);
        // A whole "data: " is never in the tail alone: each one counted is new.
        for (int at = window.indexOf("data: "); at >= 0; at = window.indexOf("data: ", at + 1)) {
          events++;
        }
        tail = window.substring(Math.max(0, window.length() - 5));
      }
    }
    long elapsed = System.nanoTime() - started;
    String text = received.toString(StandardCharsets.UTF_8);
    int status = 0;
    int headEnd = text.indexOf("\r\n\r\n");
    if (headEnd > 0 && text.startsWith("HTTP/1.1 ")) {
      status = Integer.parseInt(text.substring(9, 12));
    }
    return new Seen(
        status,
        headEnd > 0 ? text.substring(headEnd + 4) : "",
        started,
        elapsed,
        leftAt,
        leftAtMillis);
  }

  static Map<Invariant, Integer> print(
      List<Outcome> outcomes, List<String> errorsLogged, String run) {
    Map<Invariant, Integer> totals = new EnumMap<>(Invariant.class);
    for (Invariant invariant : Invariant.values()) {
      totals.put(invariant, 0);
    }
    Map<Kind, Map<Invariant, Integer>> byKind = new EnumMap<>(Kind.class);
    ConcurrentLinkedQueue<String> failing = new ConcurrentLinkedQueue<>();
    List<String> every = new ArrayList<>();
    for (Outcome outcome : outcomes) {
      Map<Invariant, Integer> row =
          byKind.computeIfAbsent(outcome.cell().kind(), kind -> new EnumMap<>(Invariant.class));
      for (Invariant invariant : outcome.broken()) {
        row.merge(invariant, 1, Integer::sum);
        totals.merge(invariant, 1, Integer::sum);
      }
      if (!outcome.broken().isEmpty()) {
        failing.add(outcome.cell() + " " + outcome.broken() + " (" + outcome.detail() + ")");
      }
      every.add(outcome.cell() + " (" + outcome.detail() + ")");
    }
    Map<Route, Integer> byRoute = new EnumMap<>(Route.class);
    outcomes.forEach(outcome -> byRoute.merge(outcome.cell().route(), 1, Integer::sum));
    long[] pastPolicy = {Long.MAX_VALUE, Long.MIN_VALUE};
    for (Outcome outcome : outcomes) {
      if (LONG.contains(outcome.cell().kind()) && !outcome.seen().left()) {
        long past =
            (outcome.seen().elapsedNanos() - policyTime(outcome.cell()).toNanos()) / 1_000_000;
        pastPolicy[0] = Math.min(pastPolicy[0], past);
        pastPolicy[1] = Math.max(pastPolicy[1], past);
      }
    }
    List<Long> stopped = new ArrayList<>();
    outcomes.stream()
        .filter(outcome -> outcome.stoppedMillis() >= 0)
        .forEach(outcome -> stopped.add(outcome.stoppedMillis()));
    stopped.sort(null);
    StringBuilder table =
        new StringBuilder(
            "\nFault matrix: "
                + outcomes.size()
                + " client requests "
                + byRoute
                + " in "
                + run
                + "\nlong cells whose client stayed ended "
                + pastPolicy[0]
                + " to "
                + pastPolicy[1]
                + " ms past their policy's time (tolerance "
                + TOLERANCE.toMillis()
                + " ms)\n"
                + stopped.size()
                + " clients left while an upstream call ran; the gateway closed it after "
                + (stopped.isEmpty()
                    ? "-"
                    : "a median "
                        + stopped.get(stopped.size() / 2)
                        + " ms, at most "
                        + stopped.get(stopped.size() - 1)
                        + " ms")
                + "\n");
    table.append(String.format("%-22s", "fault"));
    for (Invariant invariant : Invariant.values()) {
      table.append(String.format(" %5s", abbreviation(invariant)));
    }
    table.append('\n');
    for (Map.Entry<Kind, Map<Invariant, Integer>> row : byKind.entrySet()) {
      table.append(String.format("%-22s", row.getKey().segment()));
      for (Invariant invariant : Invariant.values()) {
        table.append(String.format(" %5d", row.getValue().getOrDefault(invariant, 0)));
      }
      table.append('\n');
    }
    table.append(String.format("%-22s", "total"));
    for (Invariant invariant : Invariant.values()) {
      table.append(String.format(" %5d", totals.get(invariant)));
    }
    table.append("\n\nColumns:\n");
    for (Invariant invariant : Invariant.values()) {
      table
          .append("  ")
          .append(abbreviation(invariant))
          .append(": ")
          .append(invariant.label)
          .append('\n');
    }
    table.append("errors in the gateway's log: ").append(errorsLogged.size()).append('\n');
    errorsLogged.stream().limit(20).forEach(error -> table.append("  ").append(error).append('\n'));
    table.append("failing cells:\n");
    failing.forEach(cell -> table.append("  ").append(cell).append('\n'));
    table.append("every cell:\n");
    every.forEach(cell -> table.append("  ").append(cell).append('\n'));
    System.out.println(table);
    return totals;
  }

  static String abbreviation(Invariant invariant) {
    return switch (invariant) {
      case NO_ANSWER_NO_LOG -> "nolog";
      case EXTRA_DELIVERIES -> "extra";
      case REDELIVERED_AFTER_READ -> "twice";
      case SYNTHETIC_END -> "synth";
      case FALLBACK_AFTER_FIRST_BYTE -> "fb1st";
      case DEADLINE_OVERRUN -> "late";
      case CIRCUIT_BY_CANCEL -> "circ";
      case RUNNING_AFTER_LEFT -> "run1s";
      case GATEWAY_OWN_5XX -> "own5x";
      case LONG_CELL_OFF_POLICY -> "long";
      case LOG_STATUS_NOT_CLIENTS -> "logst";
    };
  }
}
