package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.access.AccessSettings;
import dev.switchboard.engine.GatewaySettings;
import dev.switchboard.observe.ObservabilitySettings;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.testkit.Fault;
import dev.switchboard.wire.WireJson;
import java.io.File;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.function.Function;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.Select;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real browser: headless Chromium, driven through Selenium, over a gateway that
 * recorded the better part of an hour of varied traffic in its embedded store (successes through
 * three providers, streams, retries, fallbacks, cache hits, provider errors). The gateway's clock
 * is set back 50 minutes and moved forward between requests, so the records spread over the charts'
 * hour; the few requests tests add go through {@link Traffic} too, so counts hold in any order.
 *
 * <p>With {@code -Dswitchboard.screenshots=<directory>} it saves the screenshots shown in the
 * README there ({@code dashboard-overview.png}, {@code dashboard-logs.png}, {@code
 * dashboard-request.png}, {@code dashboard-keys.png} of the keys and budgets view, {@code
 * dashboard-experiments.png} and {@code dashboard-prompts.png}).
 *
 * <p>Skipped only where Chromium is not installed and {@code CI} is unset: {@code .ci/run} installs
 * it, so in CI the test runs.
 */
// Ordered only so that the screenshots show the hour's traffic before other tests add to it.
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
public class DashboardBrowserTest {
  public static final Path CHROMIUM = Path.of("/usr/bin/chromium");
  public static final Path CHROMEDRIVER = Path.of("/usr/bin/chromedriver");
  static final String SCREENSHOTS = System.getProperty("switchboard.screenshots");

  @TempDir static Path data;
  @TempDir static Path profile;

  static FakeOpenAi primary;
  static FakeOpenAi backup;
  static FakeAnthropic anthropic;
  static ManualTime time;
  static GatewayUnderTest gateway;
  static Traffic traffic;

  WebDriver browser;

  @BeforeAll
  static void startGatewayAndSendTraffic() {
    Assumptions.assumeTrue(
        (Files.isExecutable(CHROMIUM) && Files.isExecutable(CHROMEDRIVER))
            || System.getenv("CI") != null,
        "Chromium is not installed (apt-get install chromium chromium-driver)");
    primary = FakeOpenAi.start();
    backup = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    time = new ManualTime();
    time.advance(Duration.between(time.instant(), Instant.now().minus(Duration.ofMinutes(50))));
    ServerSettings settings =
        new ServerSettings(
                "127.0.0.1",
                0,
                ServerSettings.DEFAULT_MAX_BODY_BYTES,
                Duration.ofSeconds(5),
                GatewaySettings.builder()
                    .providerBaseUrl("openai", URI.create(primary.baseUrl()))
                    .providerBaseUrl("anthropic", URI.create(anthropic.baseUrl()))
                    .build())
            .withObservability(ObservabilitySettings.defaults().withDataDirectory(data));
    gateway = GatewayUnderTest.withSettings(settings, engine -> engine.clock(time).sleeper(time));
    traffic = new Traffic();
    traffic.sendAnHour();
    traffic.feedback("trace-fallback", 8, "{\"reviewer\":\"ana\"}");
    traffic.feedback("trace-retry", -2, "{}");
    traffic.awaitRecorded();
  }

  @AfterAll
  static void stop() {
    for (AutoCloseable closeable : new AutoCloseable[] {gateway, primary, backup, anthropic}) {
      try {
        if (closeable != null) {
          closeable.close();
        }
      } catch (Exception e) {
        throw new AssertionError(e);
      }
    }
  }

  @BeforeEach
  void openBrowser() throws IOException {
    browser = headlessChromium(Files.createTempDirectory(profile, "chromium"));
  }

  @AfterEach
  void closeBrowser() {
    if (browser != null) {
      browser.quit();
    }
  }

  @Test
  @Order(1)
  void overviewShowsTheHourInTilesChartsAndCohorts() {
    browser.manage().window().setSize(new Dimension(1440, 1720));
    open("/dashboard/");
    await(d -> "loaded".equals(body().getDomAttribute("data-overview")));

    assertThat(text("[data-kpi=requests] .value")).isEqualTo(String.valueOf(traffic.sent()));
    assertThat(text("[data-kpi=error_rate] .sub")).isEqualTo(traffic.errors() + " errors");
    assertThat(text("[data-kpi=cost_usd] .value")).startsWith("$").isNotEqualTo("$0");
    // Grouped by provider (the default): one series per provider in the requests chart, whose
    // bars add up to every request sent.
    assertThat(seriesLabels("requests"))
        .containsExactlyInAnyOrderElementsOf(traffic.providersWithTraffic());
    assertThat(sumOfSeries("requests")).isEqualTo((double) traffic.sent());
    assertThat(sumOfSeries("errors")).isEqualTo((double) traffic.errors());
    for (String chart :
        List.of("requests", "latency", "errors", "ttft", "cost", "tokens", "cache", "fallbacks")) {
      assertThat(sumOfSeries(chart)).as("data in chart %s", chart).isPositive();
      assertThat(paintedPixels(chart)).as("pixels drawn in chart %s", chart).isGreaterThan(500);
    }
    assertThat(rows("#cohort-table tbody tr")).hasSize(traffic.providersWithTraffic().size());
    // Feedback on two openai requests: +8 and -2, on average 3.
    assertThat(text("#cohort-table tbody tr:first-child")).startsWith("openai").endsWith("3.0 (2)");
    screenshot("dashboard-overview.png");

    new Select(browser.findElement(By.id("group-by"))).selectByValue("metadata");
    WebElement key = browser.findElement(By.id("group-key"));
    key.sendKeys("team\n");
    await(d -> seriesLabels("requests").contains("search"));
    assertThat(seriesLabels("requests")).containsExactlyInAnyOrder("search", "support", "billing");
    assertThat(sumOfSeries("requests")).isEqualTo((double) traffic.sent());

    new Select(browser.findElement(By.id("group-by"))).selectByValue("none");
    await(d -> seriesLabels("latency").equals(List.of("p50", "p95", "p99")));
    assertThat(seriesLabels("tokens")).containsExactly("prompt", "completion");
    assertThat(sumOfSeries("requests")).isEqualTo((double) traffic.sent());
    assertThat(rows("#cohort-table tbody tr")).hasSize(1);

    browser.findElement(By.cssSelector("#range [data-range='15m']")).click();
    await(d -> bucketCount("requests") <= 16);
    assertThat(bucketCount("requests")).isBetween(15L, 16L);
  }

  @Test
  @Order(2)
  void aCohortOfTheOverviewOpensItsLogs() {
    open("/dashboard/");
    new Select(browser.findElement(By.id("group-by"))).selectByValue("metadata");
    browser.findElement(By.id("group-key")).sendKeys("team\n");
    await(d -> !rows("#cohort-table tbody tr[data-group=billing]").isEmpty());

    rows("#cohort-table tbody tr[data-group=billing]").getFirst().click();

    await(d -> "loaded".equals(body().getDomAttribute("data-logs")));
    assertThat(browser.findElement(By.name("metadata")).getDomProperty("value"))
        .isEqualTo("team=billing");
    await(d ->
        rows("#logs-table tbody tr").size()
            == Math.min(50, traffic.teams.getOrDefault("billing", 0)));
  }

  @Test
  @Order(3)
  void logsTableNarrowsToTheFilters() {
    browser.manage().window().setSize(new Dimension(1440, 960));
    open("/dashboard/#logs");
    await(d -> "loaded".equals(body().getDomAttribute("data-logs")));
    assertThat(rows("#logs-table tbody tr")).hasSize(Math.min(50, traffic.sent()));

    filter("provider", "anthropic");
    await(d -> rows("#logs-table tbody tr").size() == traffic.count(r -> "anthropic".equals(r)));
    assertThat(columnTexts(3)).containsOnly("anthropic");

    browser.findElement(By.cssSelector("#filters button[type=reset]")).click();
    new Select(browser.findElement(By.name("status"))).selectByValue("error");
    submitFilters();
    await(d -> rows("#logs-table tbody tr").size() == traffic.errors());
    assertThat(columnTexts(2)).allSatisfy(status -> assertThat(status).doesNotStartWith("2"));

    browser.findElement(By.cssSelector("#filters button[type=reset]")).click();
    filter("metadata", "team=search, env=prod");
    await(d -> rows("#logs-table tbody tr").size() == traffic.teamSearchInProd);
    screenshot("dashboard-logs.png");

    browser.findElement(By.cssSelector("#filters button[type=reset]")).click();
    filter("trace_id", "trace-fallback");
    await(d -> rows("#logs-table tbody tr").size() == 1);
  }

  @Test
  @Order(4)
  void requestDrawerShowsTheAttemptsOfAFallbackAndARetry() {
    browser.manage().window().setSize(new Dimension(1440, 960));
    open("/dashboard/#logs");
    await(d -> "loaded".equals(body().getDomAttribute("data-logs")));
    filter("trace_id", "trace-fallback");
    await(d -> rows("#logs-table tbody tr").size() == 1);
    rows("#logs-table tbody tr").getFirst().click();
    awaitDrawer(traffic.idOf("trace-fallback"));

    List<WebElement> attempts = rows("#detail .attempt");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).getText()).contains("#0", "config.targets[0]", "503");
    assertThat(attempts.get(0).findElement(By.cssSelector(".bar")).getDomAttribute("class"))
        .contains("err");
    assertThat(attempts.get(1).getText()).contains("#1", "config.targets[1]", "200");
    assertThat(text("#detail [data-section=attempts]")).contains("fallback used");
    assertThat(text("#detail [data-section=metadata]"))
        .contains("team", traffic.teamOf("trace-fallback"), "_user");
    assertThat(text("#detail [data-section=stats]")).contains("Prompt tokens");
    assertThat(text("#detail [data-section=feedback]")).contains("+8", "weight 1", "reviewer");

    open("/dashboard/#request/" + traffic.idOf("trace-retry"));
    awaitDrawer(traffic.idOf("trace-retry"));
    attempts = rows("#detail .attempt");
    assertThat(attempts).hasSize(2);
    assertThat(attempts.get(0).getText()).contains("429", "then waited");
    assertThat(attempts.get(0).findElements(By.cssSelector(".wait"))).hasSize(1);
    assertThat(attempts.get(1).getText()).contains("retry 1", "200");
    screenshot("dashboard-request.png");

    browser.findElement(By.cssSelector("#detail [data-section=summary] a")).click();
    await(d -> browser.findElement(By.id("drawer")).getDomAttribute("data-loaded") == null);
    await(d -> rows("#logs-table tbody tr").size() == 1);
    assertThat(browser.findElement(By.name("trace_id")).getDomProperty("value"))
        .isEqualTo("trace-retry");

    open("/dashboard/#request/" + traffic.idOf("trace-cache-hit"));
    awaitDrawer(traffic.idOf("trace-cache-hit"));
    assertThat(text("#detail [data-section=routing]")).contains("HIT");
    assertThat(rows("#detail .attempt .bar.cache")).hasSize(1);
  }

  @Test
  @Order(5)
  void liveTailShowsARequestAsItFinishes() {
    open("/dashboard/");
    await(d -> browser.findElement(By.id("live-dot")).getDomAttribute("class").contains("on"));

    HttpResponse<String> sent = traffic.mock("live one", null);

    String id = sent.headers().firstValue("x-switchboard-request-id").orElseThrow();
    await(
        d -> !browser.findElements(By.cssSelector("#live-list [data-id='" + id + "']")).isEmpty());
    browser.findElement(By.cssSelector("#live-list [data-id='" + id + "']")).click();
    awaitDrawer(id);
    assertThat(text("#detail [data-section=summary]")).contains("mock");
    traffic.awaitRecorded();
  }

  @Test
  @Order(6)
  void whatCallersSentIsShownAsTextAndNeverRunAsMarkup() {
    String markup = "<img src=x onerror=\"document.body.dataset.injected=1\">";
    HttpResponse<String> sent =
        traffic.send("mock", "<b>bold</b>", false, null, null, "mock", "hi", markup);
    String id = sent.headers().firstValue("x-switchboard-request-id").orElseThrow();
    traffic.awaitRecorded();

    open("/dashboard/#request/" + id);
    awaitDrawer(id);

    assertThat(text("#detail [data-section=metadata]")).contains(markup);
    assertThat(text("#detail [data-section=summary]")).contains("<b>bold</b>");
    assertThat(browser.findElements(By.cssSelector("#detail img, #detail b"))).isEmpty();
    assertThat(body().getDomAttribute("data-injected")).isNull();
  }

  @Test
  @Order(7)
  void everythingThePageLoadsComesFromTheGateway() {
    open("/dashboard/");
    await(d -> "loaded".equals(body().getDomAttribute("data-overview")));

    @SuppressWarnings("unchecked")
    List<String> loaded =
        (List<String>)
            js("return performance.getEntriesByType('resource').map(entry => entry.name)");
    assertThat(loaded)
        .isNotEmpty()
        .allSatisfy(url -> assertThat(url).startsWith(gateway.uri("/").toString()));
    assertThat(loaded).anySatisfy(url -> assertThat(url).contains("/dashboard/vendor/chart.js/"));
    assertThat(js("return typeof Chart")).isEqualTo("function");
  }

  @Test
  @Order(8)
  void behindAnAdminTokenThePageAndItsCallsWorkOnceTheBrowserHasIt() throws IOException {
    ServerSettings settings = ownGateway("guarded").withAdminToken("admin-token-7");
    try (GatewayUnderTest guarded = GatewayUnderTest.withSettings(settings, engine -> {})) {
      guarded.postJson(
          "/v1/chat/completions",
          "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
          "x-portkey-provider",
          "mock");
      URI page = guarded.uri("/dashboard/");
      browser.get(page.toString());
      // Asked for the token (a headless browser has no one to ask): no dashboard.
      assertThat(browser.getTitle()).doesNotContain("Dashboard");
      assertThat(browser.findElements(By.id("kpis"))).isEmpty();

      // What a user types at the browser's login prompt: any name, the token as the password.
      browser.get("http://anyone:admin-token-7@" + page.getAuthority() + page.getPath());

      await(d -> "loaded".equals(body().getDomAttribute("data-overview")));
      await(d -> browser.findElement(By.id("live-dot")).getDomAttribute("class").contains("on"));
      assertThat(browser.findElement(By.id("banner")).isDisplayed()).isFalse();
      await(d -> !rows("#live-list .live-item").isEmpty());
    }
  }

  @Test
  @Order(9)
  void keysAndBudgetsShowsAKeyByItsPrefixNeverItsSecretAndItsBudgetAsTheUsageEndpointSaysIt()
      throws IOException {
    String token = "admin-token-keys-9";
    String providerSecret = "sk-canary-dashboard-provider-51";
    byte[] masterKey = new byte[32];
    new java.security.SecureRandom().nextBytes(masterKey);
    ServerSettings settings =
        ownGateway("keys")
            .withAdminToken(token)
            .withAccess(
                AccessSettings.inMemory()
                    .withMasterKeys(
                        java.util.Base64.getEncoder().encodeToString(masterKey), List.of()));
    try (GatewayUnderTest guarded = GatewayUnderTest.withSettings(settings, engine -> {})) {
      String[] admin = {"authorization", "Bearer " + token};
      assertThat(
              guarded
                  .postJson(
                      "/v1/admin/workspaces", "{\"id\":\"team-a\",\"name\":\"Team A\"}", admin)
                  .statusCode())
          .isEqualTo(201);

      HttpResponse<String> created =
          guarded.postJson(
              "/v1/admin/keys",
              "{\"workspace\":\"team-a\",\"name\":\"ci\",\"scopes\":{\"permissions\":"
                  + "[\"completions\"],\"providers\":[\"mock\"]},\"limits\":"
                  + "{\"requests_per_minute\":60,\"budget\":{\"cost_usd\":\"1.00\","
                  + "\"period\":\"month\",\"alert_thresholds\":[0.5,0.8]}}}",
              admin);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      JsonNode key = GatewayUnderTest.json(created);
      String id = key.path("id").asText();
      String secret = key.path("key").asText();
      String prefix = key.path("display_prefix").asText();
      HttpResponse<String> virtualKey =
          guarded.postJson(
              "/v1/admin/virtual-keys",
              "{\"workspace\":\"team-a\",\"slug\":\"openai-prod\",\"provider\":\"openai\","
                  + "\"credentials\":{\"api_key\":\""
                  + providerSecret
                  + "\"}}",
              admin);
      assertThat(virtualKey.statusCode()).as(virtualKey.body()).isEqualTo(201);
      HttpResponse<String> call =
          guarded.postJson(
              "/v1/chat/completions",
              "{\"model\":\"mock-chat\",\"max_tokens\":16,"
                  + "\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
              "x-portkey-provider",
              "mock",
              "x-portkey-api-key",
              secret);
      assertThat(call.statusCode()).as(call.body()).isEqualTo(200);
      JsonNode usage =
          GatewayUnderTest.json(guarded.get("/v1/admin/usage?subject=key:" + id, admin));

      browser.manage().window().setSize(new Dimension(1440, 1000));
      URI page = guarded.uri("/dashboard/");
      browser.get(
          "http://anyone:" + token + "@" + page.getAuthority() + page.getPath() + "#access");
      await(d -> "loaded".equals(body().getDomAttribute("data-access")));
      screenshot("dashboard-keys.png");

      // A workspace whose name is HTML, made after the screenshot: the view shows it as text.
      assertThat(
              guarded
                  .postJson(
                      "/v1/admin/workspaces",
                      "{\"id\":\"lab\",\"name\":\"<img src=x"
                          + " onerror=\\\"document.body.dataset.injected=1\\\">\"}",
                      admin)
                  .statusCode())
          .isEqualTo(201);
      browser.navigate().refresh();
      await(d -> "loaded".equals(body().getDomAttribute("data-access")));

      WebElement keyRow =
          browser.findElement(By.cssSelector("#keys-table tr[data-id='" + id + "']"));
      assertThat(keyRow.getText()).contains(prefix, "ci", "team-a", "completions", "active");
      assertThat(browser.getPageSource()).doesNotContain(secret).doesNotContain(providerSecret);
      assertThat(body().getText()).doesNotContain(secret).doesNotContain(providerSecret);
      assertThat(text("#virtual-keys-table tr[data-id='team-a/openai-prod']"))
          .contains("openai-prod", "openai", "api_key");
      // What callers named things is shown as text, never run.
      assertThat(text("#workspaces-table tr[data-id='lab']")).contains("<img src=x");
      assertThat(body().getDomAttribute("data-injected")).isNull();

      WebElement bar =
          browser.findElement(
              By.cssSelector(
                  "#usage-table tr[data-subject='key:" + id + "'] .budget[data-unit=usd]"));
      assertThat(bar.getDomAttribute("data-spent"))
          .isEqualTo(usage.path("usage").path("spent_usd").asText());
      assertThat(bar.getDomAttribute("data-reserved"))
          .isEqualTo(usage.path("usage").path("reserved_usd").asText());
      assertThat(bar.getDomAttribute("data-limit"))
          .isEqualTo(usage.path("subject").path("limits").path("budget").path("cost_usd").asText())
          .isEqualTo("1.00");
      // The call above was charged (the mock model has no price: its tokens at the unpriced rates).
      assertThat(new java.math.BigDecimal(bar.getDomAttribute("data-spent"))).isPositive();
      assertThat(bar.getText()).contains("of $1.00");
      assertThat(
              browser
                  .findElement(
                      By.cssSelector(
                          "#usage-table tr[data-subject='key:"
                              + id
                              + "'] .rate[data-unit=requests]"))
                  .getDomAttribute("data-limit"))
          .isEqualTo("60");
    }
  }

  @Test
  @Order(10)
  void keysAndBudgetsSaysSoWhenTheAdminApiIsOff() {
    open("/dashboard/#access");
    await(d -> browser.findElement(By.id("access-off")).isDisplayed());

    assertThat(text("#access-off")).contains("admin API is off");
    assertThat(browser.findElement(By.id("keys-table")).isDisplayed()).isFalse();
  }

  @Test
  @Order(11)
  void experimentsShowEachArmsQualityWithIntervalsAndTheShadowPairsLinkedFromTheirRequests()
      throws IOException {
    ServerSettings settings = ownGateway("experiments");
    String config =
        "{\"strategy\":{\"mode\":\"loadbalance\",\"sticky\":{\"key\":\"metadata._user\","
            + "\"experiment\":\"dash\"}},\"targets\":[{\"name\":\"control\",\"provider\":"
            + "\"mock\",\"weight\":50},{\"name\":\"candidate\",\"provider\":\"mock\","
            + "\"weight\":50}],\"shadow\":{\"share\":1,\"target\":{\"provider\":\"mock\","
            + "\"override_params\":{\"model\":\"shadow-model\"}}}}";
    int sent = 12;
    try (GatewayUnderTest lab = GatewayUnderTest.withSettings(settings, engine -> {})) {
      Map<String, Integer> perArm = new java.util.HashMap<>();
      String primaryId = null;
      String failingArm = null;
      for (int i = 0; i < sent; i++) {
        HttpResponse<String> response =
            lab.postJson(
                "/v1/chat/completions",
                "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}",
                "x-portkey-config",
                config,
                "x-portkey-metadata",
                "{\"_user\":\"user-" + (i % 6) + "\"}",
                "x-portkey-trace-id",
                "experiment-" + i);
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        String arm = response.headers().firstValue("x-switchboard-arm").orElseThrow();
        perArm.merge(arm, 1, Integer::sum);
        if (i == 0) {
          primaryId = response.headers().firstValue("x-switchboard-request-id").orElseThrow();
          failingArm = arm;
        }
      }
      // Failing feedback on the first request's trace: one eval failure in its arm.
      assertThat(
              lab.postJson("/v1/feedback", "{\"trace_id\":\"experiment-0\",\"value\":-3}")
                  .statusCode())
          .isEqualTo(200);
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (GatewayUnderTest.json(lab.get("/v1/logs?shadows=only&limit=100")).path("data").size()
              < sent
          || GatewayUnderTest.json(lab.get("/v1/logs?shadows=exclude&limit=100"))
                  .path("data")
                  .size()
              < sent) {
        assertThat(System.nanoTime())
            .as("every request and its shadow logged")
            .isLessThan(deadline);
        Traffic.pause();
      }
      JsonNode analytics = GatewayUnderTest.json(lab.get("/v1/analytics?group_by=arm"));
      JsonNode failing = null;
      for (JsonNode row : analytics.path("totals")) {
        if (failingArm.equals(row.path("group").asText())) {
          failing = row;
        }
      }
      assertThat(failing).as(analytics.toString()).isNotNull();
      assertThat(failing.path("eval_fails").asInt()).isEqualTo(1);

      browser.manage().window().setSize(new Dimension(1440, 1000));
      browser.get(lab.uri("/dashboard/#experiments").toString());
      await(d -> "loaded".equals(body().getDomAttribute("data-experiments")));
      screenshot("dashboard-experiments.png");

      for (Map.Entry<String, Integer> arm : perArm.entrySet()) {
        assertThat(
                text("#quality-table tr[data-group='" + arm.getKey() + "'] [data-figure=requests]"))
            .isEqualTo(String.valueOf(arm.getValue()));
      }
      JsonNode interval = failing.path("eval_fail_rate_ci95");
      assertThat(
              text(
                  "#quality-table tr[data-group='"
                      + failingArm
                      + "'] [data-figure=eval_fail_rate]"))
          .isEqualTo(
              oneDecimalPercent(failing.path("eval_fail_rate").asDouble())
                  + "% ("
                  + oneDecimalPercent(interval.get(0).asDouble())
                  + "–"
                  + oneDecimalPercent(interval.get(1).asDouble())
                  + ")")
          .matches("\\d+\\.\\d% \\(\\d+\\.\\d–\\d+\\.\\d\\)");
      assertThat(
              text(
                  "#quality-table tr[data-group='"
                      + failingArm
                      + "'] [data-figure=schema_failure_rate]"))
          .startsWith("0.0% (0.0–");
      assertThat(text("#quality-table tr[data-group='" + failingArm + "'] [data-figure=feedback]"))
          .isEqualTo("-3.0 (1)");

      // One shadow row per arm, against the shadow's model; its pairs add up to every request.
      List<WebElement> pairs = rows("#shadows-table tbody tr");
      assertThat(pairs).hasSize(perArm.size());
      assertThat(pairs)
          .allSatisfy(row -> assertThat(row.getText()).contains("mock · shadow-model"));
      assertThat(
              rows("#shadows-table [data-figure=pairs]").stream()
                  .mapToInt(cell -> Integer.parseInt(cell.getText()))
                  .sum())
          .isEqualTo(sent);

      // A request links to its shadow, and the shadow back to its primary.
      String shadowId =
          GatewayUnderTest.json(lab.get("/v1/logs?shadow_of=" + primaryId))
              .path("data")
              .get(0)
              .path("id")
              .asText();
      browser.get(lab.uri("/dashboard/#request/" + primaryId).toString());
      awaitDrawer(primaryId);
      WebElement toShadow =
          browser.findElement(By.cssSelector("[data-section=shadows] a[data-request]"));
      assertThat(toShadow.getText()).isEqualTo(shadowId);
      toShadow.click();
      awaitDrawer(shadowId);
      assertThat(text("[data-section=shadow]")).contains("shadow request", primaryId);
      browser.findElement(By.cssSelector("[data-section=shadow] a[data-request]")).click();
      awaitDrawer(primaryId);
    }
  }

  @Test
  @Order(12)
  void promptsShowVersionsLabelsAndTemplatesAndMoveALabelWithTheAdminToken() throws IOException {
    String token = "admin-token-prompts-12";
    ServerSettings settings =
        ownGateway("prompts")
            .withAdminToken(token)
            .withPrompts(
                dev.switchboard.state.prompts.PromptSettings.storedAt(
                    "jdbc:h2:mem:dashboard-prompts-" + java.util.UUID.randomUUID()));
    try (GatewayUnderTest guarded = GatewayUnderTest.withSettings(settings, engine -> {})) {
      String[] admin = {"authorization", "Bearer " + token};
      HttpResponse<String> created =
          guarded.postJson(
              "/v1/admin/prompts",
              "{\"id\":\"support\",\"model\":\"mock-chat\",\"note\":\"first cut\","
                  + "\"messages\":[{\"role\":\"system\",\"content\":\"You answer for"
                  + " {{company}}.\"},{\"role\":\"user\",\"content\":\"{{question}}\"}]}",
              admin);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      HttpResponse<String> second =
          guarded.postJson(
              "/v1/admin/prompts/support/versions",
              "{\"model\":\"mock-chat\",\"note\":\"shorter\",\"messages\":[{\"role\":"
                  + "\"user\",\"content\":\"{{question}} ({{tone}})\"}]}",
              admin);
      assertThat(second.statusCode()).as(second.body()).isEqualTo(201);
      HttpResponse<String> label =
          guarded.sendJson(
              "PUT", "/v1/admin/prompts/support/labels/production", "{\"version\":1}", admin);
      assertThat(label.statusCode()).as(label.body()).isEqualTo(200);

      browser.manage().window().setSize(new Dimension(1440, 1000));
      URI page = guarded.uri("/dashboard/");
      browser.get(
          "http://anyone:" + token + "@" + page.getAuthority() + page.getPath() + "#prompts");
      await(d -> "loaded".equals(body().getDomAttribute("data-prompts")));
      assertThat(text("#prompts-table tr[data-id='support']"))
          .contains("support", "production → 1");

      browser.findElement(By.cssSelector("#prompts-table tr[data-id='support']")).click();
      await(d ->
          "2".equals(browser.findElement(By.id("prompt-card")).getDomAttribute("data-version")));
      assertThat(text("#versions-table tr[data-version='1']")).contains("production", "first cut");
      assertThat(text("#prompt-body [data-field=variables]")).isEqualTo("question, tone");
      assertThat(text("#prompt-body [data-field=messages]"))
          .isEqualTo("user: {{question}} ({{tone}})");

      browser.findElement(By.cssSelector("#versions-table tr[data-version='1']")).click();
      await(d ->
          "1".equals(browser.findElement(By.id("prompt-card")).getDomAttribute("data-version")));
      assertThat(text("#prompt-body [data-field=variables]")).isEqualTo("company, question");
      screenshot("dashboard-prompts.png");

      // Move production to version 2 from the page: the admin API says so, and the page too.
      new Select(browser.findElement(By.cssSelector("#label-form select[name=version]")))
          .selectByValue("2");
      browser.findElement(By.cssSelector("#label-form button[type=submit]")).click();
      await(d ->
          text("#label-form [data-field=result]").contains("production now points at version 2"));
      assertThat(
              GatewayUnderTest.json(guarded.get("/v1/admin/prompts/support", admin))
                  .path("labels")
                  .path("production")
                  .asInt())
          .isEqualTo(2);
      assertThat(text("#prompts-table tr[data-id='support']")).contains("production → 2");
      assertThat(text("#versions-table tr[data-version='2']")).contains("production");
    }
  }

  @Test
  @Order(13)
  void savedConfigsShowVersionsAndTheirAuditTrailAndRollBackFromThePage() throws IOException {
    String token = "admin-token-configs-13";
    ServerSettings settings =
        ownGateway("configs")
            .withAdminToken(token)
            .withSavedConfigs(
                dev.switchboard.state.configs.SavedConfigSettings.storedAt(
                    "jdbc:h2:mem:dashboard-configs-" + java.util.UUID.randomUUID(),
                    Duration.ofSeconds(5)));
    try (GatewayUnderTest guarded = GatewayUnderTest.withSettings(settings, engine -> {})) {
      String[] admin = {"authorization", "Bearer " + token};
      HttpResponse<String> created =
          guarded.postJson(
              "/v1/admin/configs",
              "{\"id\":\"pc-main\",\"config\":{\"provider\":\"mock\","
                  + "\"override_params\":{\"model\":\"first-model\"}}}",
              admin);
      assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
      HttpResponse<String> second =
          guarded.postJson(
              "/v1/admin/configs/pc-main/versions",
              "{\"config\":{\"provider\":\"mock\",\"override_params\":{\"model\":"
                  + "\"second-model\"}}}",
              admin);
      assertThat(second.statusCode()).as(second.body()).isEqualTo(201);

      browser.manage().window().setSize(new Dimension(1440, 1000));
      URI page = guarded.uri("/dashboard/");
      browser.get(
          "http://anyone:" + token + "@" + page.getAuthority() + page.getPath() + "#configs");
      await(d -> "loaded".equals(body().getDomAttribute("data-configs")));
      browser.findElement(By.cssSelector("#configs-table tr[data-id='pc-main']")).click();
      await(d ->
          "2".equals(browser.findElement(By.id("config-card")).getDomAttribute("data-version")));
      assertThat(text("#config-body [data-field=config]")).contains("second-model");
      assertThat(rows("#config-history tbody tr")).hasSize(2);
      assertThat(text("#config-history tbody tr:first-child")).contains("admin", "version", "2");
      assertThat(text("#config-versions tr[data-version='2']")).contains("in service");

      browser.findElement(By.cssSelector("#config-versions button[data-rollback='1']")).click();
      await(d -> text("#config-body [data-field=result]").contains("back in service as version 3"));
      JsonNode config = GatewayUnderTest.json(guarded.get("/v1/admin/configs/pc-main", admin));
      assertThat(config.path("latest_version").asInt()).isEqualTo(3);
      assertThat(config.path("config").toString()).contains("first-model");
      assertThat(text("#config-body [data-field=config]")).contains("first-model");
      assertThat(text("#config-history tbody tr:first-child")).contains("rollback to 1", "3");
      assertThat(text("#configs-table tr[data-id='pc-main']")).contains("3");
    }
  }

  /** A gateway of a test's own: the defaults, its request log in a directory of its own. */
  static ServerSettings ownGateway(String name) throws IOException {
    return new ServerSettings(
            "127.0.0.1",
            0,
            ServerSettings.DEFAULT_MAX_BODY_BYTES,
            Duration.ofSeconds(5),
            GatewaySettings.defaults())
        .withObservability(
            ObservabilitySettings.defaults()
                .withDataDirectory(Files.createTempDirectory(data, name)));
  }

  /** A share as the dashboard writes it: percent, one decimal, rounded as JavaScript's toFixed. */
  static String oneDecimalPercent(double share) {
    return new java.math.BigDecimal(share * 100)
        .setScale(1, java.math.RoundingMode.HALF_UP)
        .toPlainString();
  }

  // ---- The traffic the dashboard shows ----

  /** An hour of requests, one every ~50 s of the gateway's clock, and what was sent. */
  static final class Traffic {
    static final String[] TEAMS = {"search", "support", "billing"};
    final SplittableRandom random = new SplittableRandom(7);
    final List<String> providers = new ArrayList<>();
    final Map<String, String> idsByTrace = new java.util.HashMap<>();
    final Map<String, String> teamsByTrace = new java.util.HashMap<>();
    final Map<String, Integer> teams = new java.util.HashMap<>();
    int errors;
    int teamSearchInProd;
    int sequence;

    int sent() {
      return providers.size();
    }

    int errors() {
      return errors;
    }

    int count(java.util.function.Predicate<String> provider) {
      return (int) providers.stream().filter(provider).count();
    }

    List<String> providersWithTraffic() {
      return providers.stream().distinct().toList();
    }

    String idOf(String traceId) {
      return idsByTrace.get(traceId);
    }

    String teamOf(String traceId) {
      return teamsByTrace.get(traceId);
    }

    void sendAnHour() {
      for (int i = 0; i < 60; i++) {
        time.advance(Duration.ofSeconds(35 + random.nextInt(15)));
        switch (i % 10) {
          case 0, 1, 2 -> {
            primary.enqueue(Fault.slowFirstByte(Duration.ofMillis(20 + random.nextInt(300))));
            openAi("gpt-4o-mini", false, null, null);
          }
          case 3 -> {
            primary.enqueue(Fault.chunkDelay(Duration.ofMillis(5 + random.nextInt(20))));
            openAi("gpt-4o", true, null, null);
          }
          case 4 -> {
            anthropic.enqueue(Fault.slowFirstByte(Duration.ofMillis(50 + random.nextInt(400))));
            send("anthropic", "claude-3-haiku-20240307", false, null, null, "anthropic");
          }
          case 5 -> mock("hello " + i, null);
          case 6 -> {
            String config = target(primary, ",\"cache\":{\"mode\":\"simple\"}");
            openAi("gpt-4o-mini", false, config, null, "What is a switchboard?");
            openAi(
                "gpt-4o-mini",
                false,
                config,
                i == 6 ? "trace-cache-hit" : null,
                "What is a switchboard?");
          }
          case 7 -> {
            primary.enqueue(Fault.status(503));
            String config =
                "{\"strategy\":{\"mode\":\"fallback\"},\"targets\":["
                    + target(primary, "")
                    + ","
                    + target(backup, "")
                    + "]}";
            openAi("gpt-4o-mini", false, config, i == 7 ? "trace-fallback" : null);
          }
          case 8 -> {
            primary.enqueue(Fault.status(429).withHeader("retry-after-ms", "1500"));
            String config = target(primary, ",\"retry\":{\"attempts\":2}");
            openAi("gpt-4o", false, config, i == 8 ? "trace-retry" : null);
          }
          default -> {
            primary.enqueue(Fault.status(500));
            openAi("gpt-4o-mini", false, null, null);
          }
        }
      }
    }

    String target(FakeOpenAi fake, String extra) {
      return "{\"provider\":\"openai\",\"api_key\":\"sk-test\",\"custom_host\":\""
          + fake.baseUrl()
          + "\""
          + extra
          + "}";
    }

    HttpResponse<String> openAi(String model, boolean stream, String config, String traceId) {
      return openAi(model, stream, config, traceId, "Tell me about request " + sequence);
    }

    HttpResponse<String> openAi(
        String model, boolean stream, String config, String traceId, String prompt) {
      return send("openai", model, stream, config, traceId, "openai", prompt, null);
    }

    HttpResponse<String> mock(String prompt, String traceId) {
      return send("mock", "mock-chat", false, null, traceId, "mock", prompt, null);
    }

    HttpResponse<String> send(
        String provider, String model, boolean stream, String config, String traceId, String as) {
      return send(
          provider, model, stream, config, traceId, as, "Tell me about request " + sequence, null);
    }

    HttpResponse<String> send(
        String provider,
        String model,
        boolean stream,
        String config,
        String traceId,
        String recordedProvider,
        String prompt,
        String note) {
      int n = sequence++;
      String team = TEAMS[n % TEAMS.length];
      String env = n % 4 == 0 ? "staging" : "prod";
      teams.merge(team, 1, Integer::sum);
      if (team.equals("search") && env.equals("prod")) {
        teamSearchInProd++;
      }
      Map<String, String> metadata = new java.util.LinkedHashMap<>();
      metadata.put("team", team);
      metadata.put("env", env);
      metadata.put("_user", "user-" + n % 5);
      if (note != null) {
        metadata.put("note", note);
      }
      List<String> headers =
          new ArrayList<>(
              List.of(
                  "authorization",
                  "Bearer sk-test",
                  "x-portkey-metadata",
                  WireJson.writeString(metadata)));
      if (config != null) {
        headers.addAll(List.of("x-portkey-config", config));
      } else {
        headers.addAll(List.of("x-portkey-provider", provider));
      }
      if (traceId != null) {
        headers.addAll(List.of("x-portkey-trace-id", traceId));
      }
      String body =
          "{\"model\":\""
              + model
              + "\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\",\"content\":\""
              + prompt
              + "\"}]"
              + (stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "")
              + "}";
      HttpResponse<String> response =
          gateway.postJson("/v1/chat/completions", body, headers.toArray(String[]::new));
      providers.add(recordedProvider);
      if (response.statusCode() >= 400) {
        errors++;
      }
      if (traceId != null) {
        idsByTrace.put(traceId, response.headers().firstValue("x-switchboard-request-id").get());
        teamsByTrace.put(traceId, team);
      }
      return response;
    }

    /** Portkey's feedback on a trace, as its SDKs send it. */
    void feedback(String traceId, int value, String metadata) {
      HttpResponse<String> response =
          gateway.postJson(
              "/v1/feedback",
              "{\"trace_id\":\""
                  + traceId
                  + "\",\"value\":"
                  + value
                  + ",\"metadata\":"
                  + metadata
                  + "}");
      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    /** Waits until the request log holds every request sent (it writes in batches). */
    void awaitRecorded() {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        JsonNode page = GatewayUnderTest.json(gateway.get("/v1/logs?limit=1000"));
        if (page.path("data").size() >= sent()) {
          return;
        }
        pause();
      }
      throw new AssertionError("the request log did not record all " + sent() + " requests");
    }

    void awaitRecorded(String id) {
      long deadline = System.nanoTime() + Duration.ofSeconds(20).toNanos();
      while (System.nanoTime() < deadline) {
        if (gateway.get("/v1/logs/" + id).statusCode() == 200) {
          return;
        }
        pause();
      }
      throw new AssertionError("request " + id + " was not recorded");
    }

    static void pause() {
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }

  // ---- The browser ----

  /**
   * Debian's Chromium, headless, with a fresh profile and everything that would call Google turned
   * off (on a closed network it waits for those calls), through the system's chromedriver (so
   * Selenium Manager never downloads one).
   */
  public static WebDriver headlessChromium(Path userDataDirectory) {
    ChromeOptions options = new ChromeOptions();
    options.setBinary(CHROMIUM.toFile());
    options.addArguments(
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--disable-dev-shm-usage",
        "--hide-scrollbars",
        "--force-device-scale-factor=1",
        "--lang=en-GB",
        "--user-data-dir=" + userDataDirectory);
    ChromeDriverService service =
        new ChromeDriverService.Builder()
            .usingDriverExecutable(new File(CHROMEDRIVER.toString()))
            .usingAnyFreePort()
            .build();
    return new ChromeDriver(service, options);
  }

  void open(String path) {
    browser.get(gateway.uri(path).toString());
  }

  void await(Function<WebDriver, Boolean> condition) {
    // A view that redraws may replace an element between finding it and reading it: look again.
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(condition::apply);
  }

  Object js(String script, Object... arguments) {
    return ((JavascriptExecutor) browser).executeScript(script, arguments);
  }

  WebElement body() {
    return browser.findElement(By.tagName("body"));
  }

  String text(String selector) {
    return browser.findElement(By.cssSelector(selector)).getText();
  }

  List<WebElement> rows(String selector) {
    return browser.findElements(By.cssSelector(selector));
  }

  /** Waits until the drawer shows request {@code id} and has slid fully in (all of it visible). */
  void awaitDrawer(String id) {
    WebElement drawer = browser.findElement(By.id("drawer"));
    await(d ->
        id.equals(drawer.getDomAttribute("data-loaded"))
            && "none".equals(js("return getComputedStyle(arguments[0]).transform", drawer)));
  }

  List<String> columnTexts(int column) {
    return rows("#logs-table tbody tr td:nth-child(" + column + ")").stream()
        .map(WebElement::getText)
        .toList();
  }

  void filter(String field, String value) {
    WebElement input = browser.findElement(By.name(field));
    input.clear();
    input.sendKeys(value);
    submitFilters();
  }

  void submitFilters() {
    browser.findElement(By.cssSelector("#filters button[type=submit]")).click();
  }

  @SuppressWarnings("unchecked")
  List<String> seriesLabels(String chart) {
    return (List<String>)
        js(
            "const chart = Chart.getChart(document.querySelector(`[data-chart=${arguments[0]}]"
                + " canvas`)); return chart.data.datasets.map(d => d.label);",
            chart);
  }

  double sumOfSeries(String chart) {
    Number sum =
        (Number)
            js(
                "const chart = Chart.getChart(document.querySelector(`[data-chart=${arguments[0]}]"
                    + " canvas`)); return chart.data.datasets.flatMap(d => d.data)"
                    + ".reduce((a, b) => a + (b || 0), 0);",
                chart);
    return sum.doubleValue();
  }

  long bucketCount(String chart) {
    return (Long)
        js(
            "return Chart.getChart(document.querySelector(`[data-chart=${arguments[0]}]"
                + " canvas`)).data.labels.length;",
            chart);
  }

  /** How many pixels of the chart's canvas are not transparent: zero for a blank chart. */
  long paintedPixels(String chart) {
    return (Long)
        js(
            "const canvas = document.querySelector(`[data-chart=${arguments[0]}] canvas`);"
                + " const pixels = canvas.getContext('2d').getImageData(0, 0, canvas.width,"
                + " canvas.height).data; let painted = 0;"
                + " for (let i = 3; i < pixels.length; i += 4) if (pixels[i] > 0) painted++;"
                + " return painted;",
            chart);
  }

  void screenshot(String name) {
    if (SCREENSHOTS == null) {
      return;
    }
    try {
      Path directory = Path.of(SCREENSHOTS);
      Files.createDirectories(directory);
      byte[] png = ((ChromeDriver) browser).getScreenshotAs(OutputType.BYTES);
      Files.write(directory.resolve(name), png);
    } catch (IOException e) {
      throw new AssertionError("could not save screenshot " + name, e);
    }
  }
}
