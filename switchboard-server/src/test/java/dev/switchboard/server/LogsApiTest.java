package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.read.ListAppender;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.MappingIterator;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.csv.CsvMapper;
import com.fasterxml.jackson.dataformat.csv.CsvParser;
import dev.switchboard.engine.observe.AttemptRecord;
import dev.switchboard.engine.observe.RequestRecord;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.observe.analytics.LogQuery;
import dev.switchboard.observe.analytics.RecordJson;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.LoggerFactory;

/**
 * The request logs' API as a dashboard or an operator uses it: search filters, pagination, the CSV
 * and JSON Lines exports (parsed back), the live tail, Portkey's feedback API, the admin token, and
 * a 400 that names each bad parameter.
 */
class LogsApiTest {
  static final long T0 = Instant.parse("2026-03-01T10:00:00Z").toEpochMilli();
  static final String ADMIN_TOKEN = "admin-canary-5c1d7e0b9a";

  @TempDir Path data;
  GatewayUnderTest gateway;
  final List<RequestRecord> records = new ArrayList<>();

  @AfterEach
  void stop() {
    if (gateway != null) {
      gateway.close();
    }
  }

  void start(UnaryOperator<ServerSettings> customise) {
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults().withDataDirectory(data), customise, engine -> {});
  }

  /** A gateway holding 150 varied records, three of them in one millisecond. */
  void startWithRecords() throws Exception {
    start(settings -> settings);
    Random random = new Random(11);
    for (int i = 0; i < 147; i++) {
      records.add(AnalyticsTest.randomRecord(random, T0 + random.nextInt(3_600_000), "t" + i));
    }
    for (int i = 0; i < 3; i++) {
      records.add(AnalyticsTest.randomRecord(random, T0 + 1_800_000, "same-ms-" + i));
    }
    gateway.server.observability().requestLog().store().write(records);
  }

  /** The ids {@code GET /v1/logs} finds for {@code query}, in the order given. */
  List<String> ids(String query) {
    var response = gateway.get("/v1/logs?limit=1000&" + query);
    assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    List<String> ids = new ArrayList<>();
    json(response).path("data").forEach(record -> ids.add(record.path("id").asText()));
    return ids;
  }

  /** The ids of the records matching {@code filter}, newest first (ties: greater id first). */
  List<String> expected(Predicate<RequestRecord> filter) {
    return records.stream()
        .filter(filter)
        .sorted(
            Comparator.comparing((RequestRecord r) -> r.startedAt())
                .thenComparing(RequestRecord::id)
                .reversed())
        .map(RequestRecord::id)
        .toList();
  }

  static boolean between(RequestRecord record, long from, long to) {
    long ms = record.startedAt().toEpochMilli();
    return ms >= from && ms < to;
  }

  @Test
  void eachFilterFindsExactlyTheMatchingRecordsNewestFirst() throws Exception {
    startWithRecords();
    RequestRecord some = records.get(17);

    assertThat(ids("")).isEqualTo(expected(r -> true));
    assertThat(ids("provider=anthropic"))
        .isEqualTo(expected(r -> r.provider().equals("anthropic")));
    assertThat(ids("model=titan")).isEqualTo(expected(r -> r.model().equals("titan")));
    assertThat(ids("config=inline:0123456789ab"))
        .isEqualTo(expected(r -> "inline:0123456789ab".equals(r.config())));
    assertThat(ids("cache_status=SEMANTIC%20HIT"))
        .isEqualTo(expected(r -> r.cacheStatus().equals("SEMANTIC HIT")));
    assertThat(ids("status=429")).isEqualTo(expected(r -> r.status() == 429));
    assertThat(ids("status=2xx")).isEqualTo(expected(RequestRecord::succeeded));
    assertThat(ids("status=4xx")).isEqualTo(expected(r -> r.status() / 100 == 4));
    assertThat(ids("status=5xx")).isEqualTo(expected(r -> r.status() / 100 == 5));
    assertThat(ids("status=error")).isEqualTo(expected(r -> !r.succeeded()));
    assertThat(ids("trace_id=" + some.traceId())).containsExactly(some.id());
    assertThat(ids("request_id=" + some.id())).containsExactly(some.id());
    assertThat(ids("metadata.team=billing"))
        .isEqualTo(expected(r -> "billing".equals(r.metadata().get("team"))));
    assertThat(ids("metadata.team=billing&metadata._user=u1"))
        .isNotEmpty()
        .isEqualTo(
            expected(r ->
                "billing".equals(r.metadata().get("team"))
                    && "u1".equals(r.metadata().get("_user"))));
    assertThat(ids("from=" + (T0 + 600_000) + "&to=" + (T0 + 1_200_000)))
        .isEqualTo(expected(r -> between(r, T0 + 600_000, T0 + 1_200_000)));
    assertThat(ids("from=2026-03-01T10:10:00Z&to=2026-03-01T10:20:00Z"))
        .isEqualTo(expected(r -> between(r, T0 + 600_000, T0 + 1_200_000)));
    assertThat(ids("provider=openai&status=error&from=" + (T0 + 1_000_000)))
        .isEqualTo(
            expected(r ->
                r.provider().equals("openai")
                    && !r.succeeded()
                    && r.startedAt().toEpochMilli() >= T0 + 1_000_000));
    assertThat(ids("provider=nobody")).isEmpty();
  }

  @Test
  void pagesFollowTheCursorThroughEveryRecordOnceAndEndWithNoCursor() throws Exception {
    startWithRecords();

    List<String> seen = new ArrayList<>();
    String cursor = null;
    int pages = 0;
    do {
      var response = gateway.get("/v1/logs?limit=7" + (cursor == null ? "" : "&cursor=" + cursor));
      JsonNode page = json(response);
      assertThat(page.path("object").asText()).isEqualTo("list");
      assertThat(page.path("data").size()).isLessThanOrEqualTo(7);
      page.path("data").forEach(record -> seen.add(record.path("id").asText()));
      cursor = page.path("next_cursor").isNull() ? null : page.path("next_cursor").asText();
      pages++;
    } while (cursor != null);

    assertThat(seen).isEqualTo(expected(r -> true));
    assertThat(pages).isEqualTo((records.size() + 6) / 7);
    assertThat(json(gateway.get("/v1/logs")).path("data")).hasSize(LogQuery.DEFAULT_LIMIT);
  }

  @Test
  void theCsvExportParsesBackToTheRecordsTheSearchShows() throws Exception {
    startWithRecords();

    HttpResponse<String> export = gateway.get("/v1/logs/export?format=csv&provider=openai");

    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("content-type").orElseThrow()).startsWith("text/csv");
    assertThat(export.headers().firstValue("content-disposition").orElseThrow())
        .startsWith("attachment;")
        .contains(".csv");
    assertThat(export.body()).contains("\r\n");
    List<List<String>> rows = csv(export.body());
    List<JsonNode> shown = new ArrayList<>();
    json(gateway.get("/v1/logs?limit=1000&provider=openai")).path("data").forEach(shown::add);
    // The header is the API's fields, in the API's order (a search adds its trace's feedback).
    assertThat(shown).isNotEmpty();
    List<String> apiFields = new ArrayList<>();
    shown.get(0).fieldNames().forEachRemaining(apiFields::add);
    apiFields.remove("feedback");
    assertThat(rows.get(0)).isEqualTo(apiFields).isEqualTo(RecordJson.FIELDS);
    assertThat(rows).hasSize(shown.size() + 1);
    for (int i = 0; i < shown.size(); i++) {
      assertRowIs(rows.get(i + 1), shown.get(i));
    }
  }

  static List<List<String>> csv(String body) throws Exception {
    CsvMapper mapper = new CsvMapper().enable(CsvParser.Feature.WRAP_AS_ARRAY);
    List<List<String>> rows = new ArrayList<>();
    try (MappingIterator<List<String>> it = mapper.readerForListOf(String.class).readValues(body)) {
      while (it.hasNext()) {
        rows.add(it.next());
      }
    }
    return rows;
  }

  static void assertRowIs(List<String> row, JsonNode record) {
    List<String> fields = RecordJson.FIELDS;
    assertThat(row).hasSize(fields.size());
    for (int i = 0; i < fields.size(); i++) {
      JsonNode value = record.path(fields.get(i));
      String cell = row.get(i);
      if (value.isNull()) {
        assertThat(cell).as(fields.get(i)).isEmpty();
      } else if (value.isContainerNode()) {
        assertThat(WireJson.tree(cell)).as(fields.get(i)).isEqualTo(value);
      } else if (value.isNumber()) {
        assertThat(new BigDecimal(cell))
            .as(fields.get(i))
            .isEqualByComparingTo(value.decimalValue());
      } else if (value.isBoolean()) {
        assertThat(cell).as(fields.get(i)).isEqualTo(value.asText());
      } else {
        String text = value.asText();
        String guarded = "=+-@\t\r".indexOf(text.charAt(0)) >= 0 ? "'" + text : text;
        assertThat(cell).as(fields.get(i)).isEqualTo(guarded);
      }
    }
  }

  @Test
  void theJsonLinesExportHoldsEachRecordAsTheSearchShowsIt() throws Exception {
    startWithRecords();

    HttpResponse<String> export =
        gateway.get("/v1/logs/export?format=jsonl&status=2xx&metadata.team=search");

    assertThat(export.statusCode()).isEqualTo(200);
    assertThat(export.headers().firstValue("content-disposition").orElseThrow())
        .startsWith("attachment;")
        .contains(".jsonl");
    List<JsonNode> shown = new ArrayList<>();
    json(gateway.get("/v1/logs?limit=1000&status=2xx&metadata.team=search"))
        .path("data")
        .forEach(record -> shown.add(((ObjectNode) record).without("feedback")));
    List<JsonNode> lines =
        export.body().lines().map(line -> (JsonNode) WireJson.tree(line)).toList();
    assertThat(shown).isNotEmpty();
    assertThat(lines).isEqualTo(shown);
    assertThat(gateway.get("/v1/logs/export?format=jsonl&limit=5").body().lines()).hasSize(5);
    assertThat(csv(gateway.get("/v1/logs/export?format=csv&provider=nobody").body()))
        .containsExactly(RecordJson.FIELDS);
  }

  /** On PostgreSQL, which takes thousands of records in a batch far quicker than DuckDB. */
  @Test
  void anExportLongerThanTheStoresPagesHasEveryRecordOnceInOrder() throws Exception {
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults().withStoreUrl(TestPostgres.freshSchemaUrl()),
            settings -> settings,
            engine -> {});
    Random random = new Random(5);
    for (int i = 0; i < 2345; i++) {
      // Many records share a millisecond, some across the pages' edges.
      records.add(AnalyticsTest.randomRecord(random, T0 + random.nextInt(900), "many-" + i));
    }
    gateway.server.observability().requestLog().store().write(records);

    List<String> exported =
        gateway
            .get("/v1/logs/export?format=jsonl")
            .body()
            .lines()
            .map(line -> WireJson.tree(line).path("id").asText())
            .toList();

    assertThat(exported).isEqualTo(expected(r -> true));
    assertThat(gateway.get("/v1/logs/export?format=jsonl&limit=1001").body().lines()).hasSize(1001);
  }

  @Test
  void aCsvCellThatASpreadsheetWouldRunAsAFormulaIsDefused() throws Exception {
    start(settings -> settings);
    RequestRecord template = AnalyticsTest.randomRecord(new Random(3), T0, "x");
    RequestRecord hostile =
        new RequestRecord(
            UUID.randomUUID().toString(),
            "=HYPERLINK(\"http://evil.example\",\"x\")",
            null,
            template.startedAt(),
            "POST",
            "/v1/chat/completions",
            null,
            null,
            "@SUM(A1:A9)",
            "+cmd|' /C calc'!A0",
            "-openai",
            "\tmodel",
            "config",
            0,
            false,
            "MISS",
            null,
            200,
            null,
            1,
            1,
            null,
            BigDecimal.ONE,
            null,
            1.5,
            null,
            false,
            null,
            Map.of("team", "=1+1"),
            null,
            List.of(
                new AttemptRecord(
                    0, "openai", "m", "config", 0, template.startedAt(), 1, 200, null, "MISS", 0)),
            null,
            null,
            null,
            List.of(),
            null,
            null);
    gateway.server.observability().requestLog().store().write(List.of(hostile));

    List<List<String>> rows = csv(gateway.get("/v1/logs/export?format=csv").body());

    List<String> fields = RecordJson.FIELDS;
    List<String> row = rows.get(1);
    assertThat(row.get(fields.indexOf("trace_id")))
        .isEqualTo("'=HYPERLINK(\"http://evil.example\",\"x\")");
    assertThat(row.get(fields.indexOf("config"))).isEqualTo("'@SUM(A1:A9)");
    assertThat(row.get(fields.indexOf("request_model"))).isEqualTo("'+cmd|' /C calc'!A0");
    assertThat(row.get(fields.indexOf("provider"))).isEqualTo("'-openai");
    assertThat(row.get(fields.indexOf("model"))).isEqualTo("'\tmodel");
    assertThat(WireJson.tree(row.get(fields.indexOf("metadata"))).path("team").asText())
        .isEqualTo("=1+1");
    // JSON is not a spreadsheet: the JSON Lines export and the API keep the values as they are.
    JsonNode line = WireJson.tree(gateway.get("/v1/logs/export?format=jsonl").body().strip());
    assertThat(line.path("trace_id").asText()).startsWith("=HYPERLINK");
  }

  @Test
  void badParametersAre400InOpenAisShapeNamingTheParameter() throws Exception {
    start(settings -> settings);
    Map<String, String> badQueries =
        Map.ofEntries(
            Map.entry("/v1/logs?status=abc", "status"),
            Map.entry("/v1/logs?status=600", "status"),
            Map.entry("/v1/logs?limit=0", "limit"),
            Map.entry("/v1/logs?limit=1001", "limit"),
            Map.entry("/v1/logs?limit=ten", "limit"),
            Map.entry("/v1/logs?from=yesterday", "from"),
            Map.entry("/v1/logs?to=2026-13-01T00:00:00Z", "to"),
            Map.entry("/v1/logs?from=2000&to=1000", "from"),
            Map.entry("/v1/logs?cursor=not-a-cursor", "cursor"),
            Map.entry("/v1/logs?provider=a&provider=b", "provider"),
            Map.entry("/v1/logs?stauts=200", "stauts"),
            Map.entry("/v1/logs?metadata.=x", "metadata."),
            Map.entry("/v1/logs/export", "format"),
            Map.entry("/v1/logs/export?format=xml", "format"),
            Map.entry("/v1/logs/export?format=csv&limit=1000001", "limit"),
            Map.entry("/v1/analytics?bucket=2m", "bucket"),
            Map.entry("/v1/analytics?group_by=api_key_id", "group_by"),
            Map.entry("/v1/analytics?group_by=metadata.", "group_by"),
            Map.entry("/v1/analytics?from=0&to=31536000000&bucket=1m", "bucket"),
            Map.entry("/v1/analytics?limit=5", "limit"));
    for (Map.Entry<String, String> bad : badQueries.entrySet()) {
      var response = gateway.get(bad.getKey());
      assertThat(response.statusCode()).as(bad.getKey()).isEqualTo(400);
      JsonNode error = json(response).path("error");
      assertThat(error.path("type").asText()).as(bad.getKey()).isEqualTo("invalid_request_error");
      assertThat(error.path("param").asText()).as(bad.getKey()).isEqualTo(bad.getValue());
      assertThat(error.path("message").asText()).as(bad.getKey()).isNotBlank();
      assertThat(error.has("code")).isTrue();
    }
    var post = gateway.postJson("/v1/logs", "{}");
    assertThat(post.statusCode()).isEqualTo(405);
    assertThat(post.headers().firstValue("allow")).hasValue("GET");
    var unknown = gateway.get("/v1/logs/" + UUID.randomUUID());
    assertThat(unknown.statusCode()).isEqualTo(404);
    assertThat(json(unknown).path("error").path("type").asText())
        .isEqualTo("invalid_request_error");
  }

  @Test
  void feedbackIsSavedAsPortkeySavesItAndShownWithTheRequest() throws Exception {
    startWithRecords();
    RequestRecord rated = records.get(5);

    var saved =
        gateway.postJson(
            "/v1/feedback",
            "{\"trace_id\":\""
                + rated.traceId()
                + "\",\"value\":-7,\"weight\":0.25,\"metadata\":{\"_user\":\"ada\",\"text\":\"off\"}}");
    var defaultWeight =
        gateway.postJson("/v1/feedback", "{\"trace_id\":\"" + rated.traceId() + "\",\"value\":5}");

    assertThat(saved.statusCode()).isEqualTo(200);
    JsonNode answer = json(saved);
    assertThat(answer.path("status").asText()).isEqualTo("success");
    assertThat(answer.path("message").asText()).isEqualTo("Feedback successfully saved");
    assertThat(answer.path("feedback_ids")).hasSize(1);
    JsonNode record = json(gateway.get("/v1/logs/" + rated.id()));
    assertThat(record.path("id").asText()).isEqualTo(rated.id());
    JsonNode feedback = record.path("feedback");
    assertThat(feedback).hasSize(2);
    assertThat(feedback.get(0).path("id").asText())
        .isEqualTo(answer.path("feedback_ids").get(0).asText());
    assertThat(feedback.get(0).path("value").asInt()).isEqualTo(-7);
    assertThat(feedback.get(0).path("weight").asDouble()).isEqualTo(0.25);
    assertThat(feedback.get(0).path("metadata").path("_user").asText()).isEqualTo("ada");
    assertThat(Instant.parse(feedback.get(0).path("created_at").asText())).isNotNull();
    assertThat(feedback.get(1).path("id").asText())
        .isEqualTo(json(defaultWeight).path("feedback_ids").get(0).asText());
    assertThat(feedback.get(1).path("weight").asDouble()).isEqualTo(1.0);
    // By trace id too, as the search shows it.
    assertThat(
            json(gateway.get("/v1/logs?trace_id=" + rated.traceId()))
                .path("data")
                .get(0)
                .path("feedback"))
        .isEqualTo(feedback);

    var several =
        gateway.postJson(
            "/v1/feedback",
            "[{\"trace_id\":\"a\",\"value\":1},{\"trace_id\":\"b\",\"value\":0,\"weight\":0}]");
    assertThat(json(several).path("feedback_ids")).hasSize(2);
  }

  @Test
  void feedbackOutOfPortkeysRangesIsRefusedNamingTheField() throws Exception {
    start(settings -> settings);
    Map<String, String> bad =
        Map.ofEntries(
            Map.entry("{\"value\":1}", "trace_id"),
            Map.entry("{\"trace_id\":\"\",\"value\":1}", "trace_id"),
            Map.entry("{\"trace_id\":7,\"value\":1}", "trace_id"),
            Map.entry("{\"trace_id\":\"t\"}", "value"),
            Map.entry("{\"trace_id\":\"t\",\"value\":11}", "value"),
            Map.entry("{\"trace_id\":\"t\",\"value\":-11}", "value"),
            Map.entry("{\"trace_id\":\"t\",\"value\":1.5}", "value"),
            Map.entry("{\"trace_id\":\"t\",\"value\":\"1\"}", "value"),
            Map.entry("{\"trace_id\":\"t\",\"value\":1,\"weight\":1.5}", "weight"),
            Map.entry("{\"trace_id\":\"t\",\"value\":1,\"weight\":-0.1}", "weight"),
            Map.entry("{\"trace_id\":\"t\",\"value\":1,\"metadata\":\"x\"}", "metadata"),
            Map.entry("[{\"trace_id\":\"t\",\"value\":1},{\"trace_id\":\"t\"}]", "[1].value"));
    for (Map.Entry<String, String> entry : bad.entrySet()) {
      var response = gateway.postJson("/v1/feedback", entry.getKey());
      assertThat(response.statusCode()).as(entry.getKey()).isEqualTo(400);
      assertThat(json(response).path("error").path("param").asText())
          .as(entry.getKey())
          .isEqualTo(entry.getValue());
    }
    assertThat(gateway.postJson("/v1/feedback", "{not json").statusCode()).isEqualTo(400);
    assertThat(gateway.postJson("/v1/feedback", "[]").statusCode()).isEqualTo(400);
    assertThat(gateway.get("/v1/feedback").statusCode()).isEqualTo(405);
    // Nothing of a refused batch is kept.
    gateway
        .server
        .observability()
        .requestLog()
        .store()
        .write(List.of(AnalyticsTest.randomRecord(new Random(1), T0, "kept")));
    var refused =
        gateway.postJson(
            "/v1/feedback", "[{\"trace_id\":\"kept\",\"value\":1},{\"trace_id\":\"kept\"}]");
    assertThat(refused.statusCode()).isEqualTo(400);
    assertThat(LogsApi.awaitRecord(gateway, "kept").path("feedback")).isEmpty();
  }

  @Test
  void theLiveTailStreamsEachRecordAsItsRequestFinishes() throws Exception {
    try (FakeOpenAi openai = FakeOpenAi.start()) {
      start(settings -> settings);
      var tail = gateway.open(java.net.http.HttpRequest.newBuilder(gateway.uri("/v1/logs/tail")));
      assertThat(tail.statusCode()).isEqualTo(200);
      assertThat(tail.headers().firstValue("content-type").orElseThrow())
          .startsWith("text/event-stream");
      BufferedReader events =
          new BufferedReader(new InputStreamReader(tail.body(), StandardCharsets.UTF_8));
      CompletableFuture<String> firstData =
          CompletableFuture.supplyAsync(() -> {
            try {
              String line;
              while ((line = events.readLine()) != null) {
                if (line.startsWith("data: ")) {
                  return line.substring(6);
                }
              }
              return null;
            } catch (java.io.IOException e) {
              throw new java.io.UncheckedIOException(e);
            }
          });
      await(() -> gateway.server.observability().liveTail().subscribers() == 1);

      var chat =
          gateway.postJson(
              "/v1/chat/completions",
              RequestLogRecordsTest.CHAT,
              "x-portkey-trace-id",
              "t-tail",
              "x-portkey-config",
              "{\"provider\":\"openai\",\"api_key\":\"sk-x\",\"custom_host\":\""
                  + openai.baseUrl()
                  + "\"}");
      assertThat(chat.statusCode()).isEqualTo(200);

      JsonNode streamed = WireJson.tree(firstData.get(10, TimeUnit.SECONDS));
      JsonNode stored = ((ObjectNode) LogsApi.awaitRecord(gateway, "t-tail")).without("feedback");
      assertThat(streamed).isEqualTo(stored);
      tail.body().close();
    }
  }

  static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (!condition.getAsBoolean()) {
      assertThat(System.nanoTime()).as("waited too long").isLessThan(deadline);
      Thread.sleep(10);
    }
  }

  @Test
  void withAnAdminTokenTheLogsAndAnalyticsAnswerOnlyThoseWhoSendIt() throws Exception {
    Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    ListAppender<ILoggingEvent> logs = new ListAppender<>();
    logs.start();
    root.addAppender(logs);
    try {
      start(settings -> settings.withAdminToken(ADMIN_TOKEN));
      String basic =
          "Basic "
              + Base64.getEncoder()
                  .encodeToString(("anyone:" + ADMIN_TOKEN).getBytes(StandardCharsets.UTF_8));
      String wrongBasic =
          "Basic "
              + Base64.getEncoder().encodeToString("anyone:guess".getBytes(StandardCharsets.UTF_8));
      StringBuilder bodies = new StringBuilder();
      for (String path :
          List.of(
              "/v1/logs",
              "/v1/logs/" + UUID.randomUUID(),
              "/v1/logs/export?format=csv",
              "/v1/logs/tail",
              "/v1/analytics",
              "/dashboard",
              "/dashboard/app.js")) {
        for (String[] headers :
            List.of(
                new String[0],
                new String[] {"authorization", "Bearer wrong"},
                new String[] {"authorization", "Bearer " + ADMIN_TOKEN + "x"},
                new String[] {"authorization", wrongBasic},
                new String[] {"authorization", "Basic %%%"})) {
          var refused = gateway.get(path, headers);
          assertThat(refused.statusCode()).as(path).isEqualTo(401);
          assertThat(refused.headers().firstValue("www-authenticate"))
              .hasValue("Basic realm=\"switchboard\"");
          assertThat(json(refused).path("error").path("message").asText()).isNotBlank();
          bodies.append(refused.body());
        }
      }
      assertThat(gateway.get("/v1/logs", "authorization", "Bearer " + ADMIN_TOKEN).statusCode())
          .isEqualTo(200);
      assertThat(gateway.get("/v1/analytics", "authorization", basic).statusCode()).isEqualTo(200);
      assertThat(
              gateway
                  .get("/v1/logs/export?format=jsonl", "authorization", "bearer " + ADMIN_TOKEN)
                  .statusCode())
          .isEqualTo(200);
      // Feedback stays open, as the other client endpoints are.
      assertThat(gateway.postJson("/v1/feedback", "{\"trace_id\":\"t\",\"value\":1}").statusCode())
          .isEqualTo(200);
      assertThat(gateway.get("/v1/health").statusCode()).isEqualTo(200);
      List<ILoggingEvent> events;
      synchronized (logs) { // the gateway's threads append under the appender's lock
        events = List.copyOf(logs.list);
      }
      String logged =
          String.join("\n", events.stream().map(ILoggingEvent::getFormattedMessage).toList());
      assertThat(logged).doesNotContain(ADMIN_TOKEN);
      assertThat(bodies.toString()).doesNotContain(ADMIN_TOKEN);
      assertThat(gateway.server.toString()).doesNotContain(ADMIN_TOKEN);
    } finally {
      root.detachAppender(logs);
    }
  }

  @Test
  void theServerSettingsNeverShowTheAdminToken() {
    ServerSettings settings = ServerSettings.defaults().withAdminToken(ADMIN_TOKEN);
    assertThat(settings.toString()).doesNotContain(ADMIN_TOKEN).contains("adminToken=***");
  }

  @Test
  void noProviderOrGatewayKeyReachesTheStoredRecords() throws Exception {
    String canary = "sk-canary-3b8e41f27c";
    try (FakeOpenAi openai = FakeOpenAi.start()) {
      start(settings -> settings);
      var chat =
          gateway.postJson(
              "/v1/chat/completions",
              RequestLogRecordsTest.CHAT,
              "x-portkey-trace-id",
              "t-keys",
              "x-portkey-api-key",
              canary + "-gateway",
              "authorization",
              "Bearer " + canary,
              "x-portkey-config",
              "{\"provider\":\"openai\",\"custom_host\":\"" + openai.baseUrl() + "\"}");
      assertThat(chat.statusCode()).isEqualTo(200);
      JsonNode record = LogsApi.awaitRecord(gateway, "t-keys");

      assertThat(record.path("api_key_id").asText()).isNotBlank();
      String everything =
          gateway.get("/v1/logs/export?format=jsonl").body()
              + gateway.get("/v1/logs/export?format=csv").body()
              + gateway.get("/v1/logs?trace_id=t-keys").body();
      assertThat(everything).doesNotContain(canary);
    }
  }

  @Test
  void aGatewayThatKeepsNoLogSaysSo() {
    gateway =
        GatewayUnderTest.withRequestLog(
            ObservabilitySettings.defaults().withDataDirectory(data).withLogsEnabled(false),
            settings -> settings,
            engine -> {});

    for (String path : List.of("/v1/logs", "/v1/analytics", "/v1/logs/export?format=csv")) {
      var response = gateway.get(path);
      assertThat(response.statusCode()).as(path).isEqualTo(404);
      assertThat(json(response).path("error").path("message").asText()).contains("logs.enabled");
    }
  }
}
