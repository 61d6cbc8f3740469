package dev.switchboard.server.access;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.pricing.PriceTable;
import dev.switchboard.testkit.TestPostgres;
import dev.switchboard.wire.WireJson;
import java.io.ByteArrayInputStream;
import java.math.BigDecimal;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/**
 * A key with a $1.00 budget and requests that each cost exactly $0.10 (a price of $0 per million
 * prompt tokens and $20,000 per million completion tokens, {@code max_tokens} 5, and the mock
 * provider answering "hi" with exactly 5 completion tokens: the pessimistic estimate is the real
 * cost). 100 such requests released together over HTTP: at most 10 are admitted, the key's spend
 * never passes $1.00, and the rest are refused with 412. The same with two gateways sharing the
 * access store (PostgreSQL) and Redis.
 */
class BudgetRaceHttpTest {
  static final String MODEL = "race-model";
  static final BigDecimal BUDGET = new BigDecimal("1.00");
  static final BigDecimal REQUEST_COST = new BigDecimal("0.10");
  static final String CHAT =
      "{\"model\":\""
          + MODEL
          + "\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}],\"max_tokens\":5}";
  static final String ADMIN_TOKEN = "sbadm-race-" + UUID.randomUUID();

  static PriceTable prices() {
    String table =
        "{\"providers\":{\"mock\":{\"models\":{\""
            + MODEL
            + "\":{\"input\":0,\"output\":20000}}}}}";
    return PriceTable.shipped()
        .overriddenBy(
            PriceTable.parse(new ByteArrayInputStream(table.getBytes(StandardCharsets.UTF_8))));
  }

  @Test
  void aHundredRequestsAtOnceNeverOvershootTheBudgetOnOneGateway() throws Exception {
    AccessSettings access = AccessSettings.inMemory().withRequireKeys(true);
    try (AccessGateway gateway =
        AccessGateway.start(AccessGateway.Options.of(access, ADMIN_TOKEN).withPrices(prices()))) {
      race("1 gateway (H2, in-process rates)", List.of(gateway));
    }
  }

  @Test
  void aHundredRequestsAtOnceNeverOvershootTheBudgetAcrossTwoGateways() throws Exception {
    AccessSettings access =
        AccessSettingsForTests.withRedis(
            AccessSettings.inMemory()
                .withStoreUrl(TestPostgres.freshSchemaUrl())
                .withRequireKeys(true),
            "redis://127.0.0.1:6379");
    AccessGateway.Options options =
        AccessGateway.Options.of(access, ADMIN_TOKEN).withPrices(prices());
    try (AccessGateway first = AccessGateway.start(options);
        AccessGateway second = AccessGateway.start(options)) {
      race("2 gateways (PostgreSQL, Redis)", List.of(first, second));
    }
  }

  void race(String setUp, List<AccessGateway> gateways) throws Exception {
    AccessGateway admin = gateways.getFirst();
    String workspace = "ws-race-" + UUID.randomUUID().toString().substring(0, 8);
    admin.createWorkspace(workspace, null);
    AccessGateway.CreatedKey key =
        admin.createKey(
            workspace,
            "budgeted",
            "{\"permissions\":[\"completions\"]}",
            "{\"budget\":{\"cost_usd\":\"1.00\",\"period\":\"month\"}}");

    // A control request on a key of its own: the estimate and the cost are what the test says.
    AccessGateway.CreatedKey probe =
        admin.createKey(workspace, "probe", "{\"permissions\":[\"completions\"]}", null);
    HttpResponse<String> control =
        admin.send(
            "POST",
            "/v1/chat/completions",
            CHAT,
            "x-portkey-api-key",
            probe.secret(),
            "x-portkey-provider",
            "mock");
    assertThat(control.statusCode()).as(control.body()).isEqualTo(200);
    assertThat(new BigDecimal(control.headers().firstValue("x-switchboard-cost-usd").orElseThrow()))
        .isEqualByComparingTo(REQUEST_COST);

    long started = System.nanoTime();
    List<HttpResponse<String>> answers = Burst.chats(100, gateways, CHAT, key.secret());
    double seconds = (System.nanoTime() - started) / 1e9;

    Map<Integer, Integer> statuses = new TreeMap<>();
    BigDecimal charged = BigDecimal.ZERO;
    List<String> others = new ArrayList<>();
    for (HttpResponse<String> answer : answers) {
      statuses.merge(answer.statusCode(), 1, Integer::sum);
      if (answer.statusCode() == 200) {
        charged =
            charged.add(
                new BigDecimal(answer.headers().firstValue("x-switchboard-cost-usd").orElse("0")));
      } else if (answer.statusCode() != 412) {
        others.add(answer.statusCode() + " " + answer.body());
      }
    }
    HttpResponse<String> usage =
        admin.admin("GET", "/v1/admin/usage?subject=key:" + key.id(), null);
    assertThat(usage.statusCode()).as(usage.body()).isEqualTo(200);
    BigDecimal spent = decimal(WireJson.tree(usage.body()), "spent_usd");
    BigDecimal reserved = decimal(WireJson.tree(usage.body()), "reserved_usd");
    int admitted = statuses.getOrDefault(200, 0);
    BigDecimal overshoot =
        charged.max(spent == null ? BigDecimal.ZERO : spent).subtract(BUDGET).max(BigDecimal.ZERO);

    new ReportTable("Budget race, " + setUp, "figure", "value")
        .row("requests released together", answers.size())
        .row("admitted (200)", admitted)
        .row("refused 412", statuses.getOrDefault(412, 0))
        .row("other statuses", statuses.toString())
        .row("sum of x-switchboard-cost-usd of the 200s", charged.toPlainString())
        .row("usage endpoint spent_usd", spent == null ? "absent" : spent.toPlainString())
        .row(
            "usage endpoint reserved_usd (after)",
            reserved == null ? "absent" : reserved.toPlainString())
        .row("overshoot $", overshoot.toPlainString())
        .row("burst wall time s", String.format(Locale.ROOT, "%.2f", seconds))
        .print();

    assertThat(others).as("answers neither admitted nor refused for the budget").isEmpty();
    assertThat(admitted).isBetween(1, 10);
    assertThat(charged).isLessThanOrEqualTo(BUDGET);
    assertThat(spent).isNotNull().isLessThanOrEqualTo(BUDGET);
    assertThat(spent).isEqualByComparingTo(charged);
    assertThat(overshoot).isEqualByComparingTo(BigDecimal.ZERO);
    for (HttpResponse<String> answer : answers) {
      if (answer.statusCode() == 412) {
        assertThat(WireJson.tree(answer.body()).path("error").path("code").asText())
            .isEqualTo("budget_exceeded");
      }
    }
  }

  /** The first field called {@code name} anywhere in {@code json}, as a decimal. */
  static BigDecimal decimal(JsonNode json, String name) {
    JsonNode found = json.findValue(name);
    if (found == null || found.isNull()) {
      return null;
    }
    return new BigDecimal(found.asText());
  }
}
