package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.AppenderBase;
import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.engine.routing.RoutingLimits;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FaultyUpstream;
import dev.switchboard.testkit.FaultyUpstream.Kind;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
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
 * stays or leaves mid-way, through a real gateway with its request log, at real durations (45 s to
 * the first byte, 40 s of stall). Each cell is one client request; the invariants are summed over
 * the cells, printed as a table, and must all be 0. Run alone: see docs/reliability.md.
 */
@Tag("fault-matrix")
class FaultMatrixTest {
  /**
   * Past it, an attempt answers 408: beyond the 45 s first byte, so that a reasoning model works.
   */
  static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

  static final Duration DEADLINE = Duration.ofSeconds(90);

  /** What the deadline allows past itself: the answer to write, the last attempt to end. */
  static final Duration SLACK = Duration.ofSeconds(10);

  /** A client that leaves does so at its first event, or after this long without an answer. */
  static final Duration PATIENCE = Duration.ofSeconds(3);

  static final Duration CLIENT_GIVES_UP = Duration.ofSeconds(150);

  static final int PARALLEL_CELLS = 40;

  /** Faults under which nothing fails before a client leaves: a failure then is the client's. */
  static final Set<Kind> HEALTHY_UNTIL_LEFT =
      Set.of(Kind.OK, Kind.SILENT, Kind.FIRST_BYTE_AFTER_45S, Kind.STALL_40S, Kind.BODY_10MB);

  static final Pattern CHUNK_ID = Pattern.compile("\"id\":\"(chatcmpl-c[0-9]+t[01]-[0-9]+)\"");

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
    RUNNING_AFTER_LEFT("upstream running 1 s after client left"),
    GATEWAY_OWN_5XX("gateway 5xx from own exceptions");

    final String label;

    Invariant(String label) {
      this.label = label;
    }
  }

  record Cell(int number, Kind kind, Policy policy, boolean stream, boolean cancels) {
    String route(int target) {
      return "c" + number + "t" + target;
    }

    String trace() {
      return "fault-matrix-" + number;
    }

    @Override
    public String toString() {
      return kind.segment()
          + "/"
          + policy.name().toLowerCase()
          + "/"
          + (stream ? "stream" : "json")
          + "/"
          + (cancels ? "cancels" : "stays");
    }
  }

  /** What the client saw. */
  record Seen(int status, String body, long elapsedNanos, long leftAtNanos) {
    boolean left() {
      return leftAtNanos != 0;
    }
  }

  record Outcome(Cell cell, Seen seen, Set<Invariant> broken, String detail) {}

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
        running.add(
            threads.submit(() -> {
              bound.acquire();
              try {
                return play(cell, upstream, gateway);
              } finally {
                bound.release();
              }
            }));
      }
      for (Future<Outcome> outcome : running) {
        outcomes.add(outcome.get());
      }
    } finally {
      root.detachAppender(errors);
    }
    Map<Invariant, Integer> totals = print(outcomes, errorsLogged);
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
      for (Policy policy : Policy.values()) {
        for (boolean stream : new boolean[] {false, true}) {
          for (boolean cancels : new boolean[] {false, true}) {
            cells.add(new Cell(cells.size(), kind, policy, stream, cancels));
          }
        }
      }
    }
    return cells;
  }

  static String target(FaultyUpstream upstream, Cell cell, int target, Kind kind) {
    return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
        + upstream.baseUrl(cell.route(target), kind)
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
    if (seen.left()) {
      long oneSecondLater = seen.leftAtNanos() + Duration.ofSeconds(1).toNanos();
      Thread.sleep(Math.max(0, (oneSecondLater - System.nanoTime()) / 1_000_000));
      for (int target = 0; target < 2; target++) {
        for (FaultyUpstream.Call call : upstream.calls(cell.route(target))) {
          if (call.running() || call.startedNanos > seen.leftAtNanos()) {
            broken.add(Invariant.RUNNING_AFTER_LEFT);
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
      detail.add("log " + records.get(0).path("status").asText());
    }
    int first = upstream.deliveries(cell.route(0));
    int second = upstream.deliveries(cell.route(1));
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
    if (cell.stream() && !seen.left()) {
      boolean ended =
          seen.body().contains("data: [DONE]") || seen.body().contains("\"finish_reason\":\"");
      boolean anyCompleted = false;
      for (int target = 0; target < 2; target++) {
        for (FaultyUpstream.Call call : upstream.calls(cell.route(target))) {
          anyCompleted |= call.completed();
        }
      }
      if (ended && !anyCompleted) {
        broken.add(Invariant.SYNTHETIC_END);
      }
    }
    if (cell.stream()) {
      Set<String> ids = new HashSet<>();
      Matcher id = CHUNK_ID.matcher(seen.body());
      while (id.find()) {
        ids.add(id.group(1));
      }
      if (ids.size() > 1) {
        broken.add(Invariant.FALLBACK_AFTER_FIRST_BYTE);
        detail.add("answers " + ids);
      }
    }
    if (!seen.left() && seen.elapsedNanos() > DEADLINE.plus(SLACK).toNanos()) {
      broken.add(Invariant.DEADLINE_OVERRUN);
    }
    if (seen.left() && HEALTHY_UNTIL_LEFT.contains(cell.kind())) {
      JsonNode health = GatewayUnderTest.json(gateway.get("/v1/health"));
      for (JsonNode circuit : health.path("circuits")) {
        String name = circuit.path("upstream").asText();
        if ((name.contains("/" + cell.route(0) + "/") || name.contains("/" + cell.route(1) + "/"))
            && (circuit.path("consecutive_failures").asInt() > 0
                || !"closed".equals(circuit.path("state").asText()))) {
          broken.add(Invariant.CIRCUIT_BY_CANCEL);
        }
      }
    }
    if (seen.status() >= 500 && seen.body().contains("Something went wrong in the gateway")) {
      broken.add(Invariant.GATEWAY_OWN_5XX);
    }
    detail.add(
        "client "
            + (seen.left() ? "left" : seen.status())
            + " in "
            + Duration.ofNanos(seen.elapsedNanos()).toMillis()
            + " ms");
    return new Outcome(cell, seen, broken, String.join(", ", detail));
  }

  /**
   * Sends the cell's request over a socket of its own and reads the answer to its end; a client
   * that cancels closes the socket at its first event, or after {@link #PATIENCE} without an
   * answer.
   */
  static Seen send(Cell cell, String config, int port) throws IOException {
    String body =
        "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":\"hello\"}]"
            + (cell.stream() ? ",\"stream\":true}" : "}");
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    String head =
        "POST /v1/chat/completions HTTP/1.1\r\nhost: 127.0.0.1\r\ncontent-type: application/json\r\n"
            + "connection: close\r\ncontent-length: "
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
    try (Socket socket = new Socket("127.0.0.1", port)) {
      socket.setSoTimeout(100);
      OutputStream out = socket.getOutputStream();
      out.write(head.getBytes(StandardCharsets.UTF_8));
      out.write(bytes);
      out.flush();
      InputStream in = socket.getInputStream();
      byte[] buffer = new byte[64 * 1024];
      while (true) {
        long elapsed = System.nanoTime() - started;
        if (cell.cancels()
            && (elapsed > PATIENCE.toNanos()
                || received.toString(StandardCharsets.UTF_8).contains("data: "))) {
          leftAt = System.nanoTime();
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
      }
    }
    long elapsed = System.nanoTime() - started;
    String text = received.toString(StandardCharsets.UTF_8);
    int status = 0;
    int headEnd = text.indexOf("\r\n\r\n");
    if (leftAt == 0 && headEnd > 0 && text.startsWith("HTTP/1.1 ")) {
      status = Integer.parseInt(text.substring(9, 12));
    }
    return new Seen(status, headEnd > 0 ? text.substring(headEnd + 4) : "", elapsed, leftAt);
  }

  static Map<Invariant, Integer> print(List<Outcome> outcomes, List<String> errorsLogged) {
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
    StringBuilder table =
        new StringBuilder("\nFault matrix: " + outcomes.size() + " client requests\n");
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
    };
  }
}
