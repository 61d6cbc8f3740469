package dev.switchboard.server.mcp;

import static dev.switchboard.server.mcp.McpHarness.JSON;
import static dev.switchboard.server.mcp.McpHarness.awaitTrue;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.access.Principal;
import dev.switchboard.access.admin.AccessAdmin;
import dev.switchboard.server.DashboardBrowserTest;
import io.modelcontextprotocol.client.McpSyncClient;
import io.modelcontextprotocol.spec.McpSchema;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard's MCP view in a real browser (headless Chromium through Selenium, as {@link
 * DashboardBrowserTest}): an agent's turn, a model call and a tool call under one W3C traceparent
 * (the model call's header, the tool call's {@code _meta}), is seen in the MCP view and, from
 * either call's drawer, side by side as one trace.
 */
class McpDashboardBrowserTest {
  private static final String TOKEN = "token-" + UUID.randomUUID();
  private static final String TRACE_ID = "5e1f0c0ffee0c0ffee0c0ffee0c0ffee";
  private static final String TRACEPARENT = "00-" + TRACE_ID + "-1a2b3c4d5e6f7a8b-01";

  @TempDir static Path data;
  @TempDir static Path profile;
  private static HttpUpstream web;
  private static McpHarness harness;
  private static String modelCallId;
  private static String toolCallId;

  @BeforeAll
  static void startAndRunAnAgentTurn() throws Exception {
    Assumptions.assumeTrue(
        (Files.isExecutable(DashboardBrowserTest.CHROMIUM)
                && Files.isExecutable(DashboardBrowserTest.CHROMEDRIVER))
            || System.getenv("CI") != null,
        "Chromium is not installed (apt-get install chromium chromium-driver)");
    web = new HttpUpstream(TOKEN);
    ObjectNode mcp =
        (ObjectNode)
            JSON.readTree(
                """
                {"servers": {"web": {"url": "%s", "virtual-key": "web-token",
                  "guardrails": {"input_guardrails": [
                    {"id": "flag-urgent", "default.regexMatch": {"rule": "urgent", "not": true}}]}}}}
                """
                    .formatted(web.url()));
    harness = new McpHarness(data, mcp, TOKEN);
    String key =
        harness
            .gateway
            .access()
            .admin()
            .createKey(
                Principal.ADMIN, new AccessAdmin.KeyRequest("default", "agent", null, null, null))
            .secret();
    // The agent's turn: the model asks for a tool, the agent calls it, both in one trace.
    HttpResponse<String> model =
        HttpClient.newHttpClient()
            .send(
                HttpRequest.newBuilder(harness.gateway.baseUri().resolve("/v1/chat/completions"))
                    .header("content-type", "application/json")
                    .header("authorization", "Bearer " + key)
                    .header("x-portkey-provider", "mock")
                    .header("traceparent", TRACEPARENT)
                    .POST(
                        HttpRequest.BodyPublishers.ofString(
                            "{\"model\":\"mock-chat\",\"messages\":[{\"role\":\"user\","
                                + "\"content\":\"find the urgent note\"}]}"))
                    .build(),
                HttpResponse.BodyHandlers.ofString());
    assertThat(model.statusCode()).as(model.body()).isEqualTo(200);
    modelCallId = model.headers().firstValue("x-switchboard-request-id").orElseThrow();
    try (McpSyncClient client = harness.client("/mcp", key)) {
      client.callTool(
          new McpSchema.CallToolRequest(
              "web__echo", Map.of("text", "urgent note"), Map.of("traceparent", TRACEPARENT)));
    }
    awaitTrue(() -> !harness.logRows("web", "echo").isEmpty(), "the tool call's row");
    toolCallId = harness.logRows("web", "echo").getFirst().path("id").asText();
    awaitTrue(
        () -> harness.adminGet("/v1/logs?trace_id=" + TRACE_ID).contains(modelCallId),
        "the model call found by its traceparent's trace id");
  }

  @AfterAll
  static void stop() throws Exception {
    if (harness != null) {
      harness.close();
    }
    if (web != null) {
      web.close();
    }
  }

  @Test
  void theMcpViewListsTheToolCallAndItsDrawerShowsTheModelCallOfItsTrace() throws Exception {
    WebDriver browser =
        DashboardBrowserTest.headlessChromium(Files.createTempDirectory(profile, "chromium"));
    try {
      browser.manage().window().setSize(new Dimension(1440, 1000));
      URI page = harness.gateway.baseUri().resolve("/dashboard/");
      browser.get(
          "http://anyone:"
              + harness.adminToken
              + "@"
              + page.getAuthority()
              + page.getPath()
              + "#mcp");
      await(browser, d -> "loaded".equals(body(browser).getDomAttribute("data-mcp")));

      WebElement call =
          browser.findElement(By.cssSelector("#mcp-table tr[data-id='" + toolCallId + "']"));
      List<String> cells =
          call.findElements(By.tagName("td")).stream().map(WebElement::getText).toList();
      assertThat(cells.get(1)).startsWith("246");
      assertThat(cells.subList(2, 5)).containsExactly("web", "tools/call", "echo");
      assertThat(cells.get(5)).startsWith("key_");
      assertThat(cells.get(7)).isEqualTo("failed");
      assertThat(cells.get(8)).isEqualTo(TRACE_ID);
      assertThat(browser.findElements(By.cssSelector("#mcp-table tbody tr"))).hasSize(1);
      assertThat(
              browser
                  .findElement(By.cssSelector("#mcp-cohorts tr[data-group='web__echo']"))
                  .getText())
          .startsWith("web__echo 1");

      browser.findElement(By.cssSelector("#mcp-group [data-group='mcp_server']")).click();
      await(
          browser,
          d -> !d.findElements(By.cssSelector("#mcp-cohorts tr[data-group='web']")).isEmpty());

      call = browser.findElement(By.cssSelector("#mcp-table tr[data-id='" + toolCallId + "']"));
      call.click();
      awaitDrawer(browser, toolCallId);
      assertThat(trace(browser, "mcp")).containsExactly(toolCallId);
      assertThat(trace(browser, "model")).containsExactly(modelCallId);
      assertThat(browser.findElement(By.cssSelector("#detail [data-section=trace] h3")).getText())
          .isEqualToIgnoringCase("This trace: 1 model call, 1 MCP call");

      // From the tool call to the model call: the same trace, seen from the other side.
      browser
          .findElement(By.cssSelector("#detail [data-section=trace] tr[data-kind=model] a.link"))
          .click();
      awaitDrawer(browser, modelCallId);
      assertThat(trace(browser, "mcp")).containsExactly(toolCallId);
      assertThat(
              browser
                  .findElement(By.cssSelector("#detail [data-section=trace] tr[data-kind=mcp]"))
                  .getText())
          .contains("tools/call", "web · echo", "246", "failed");
    } finally {
      browser.quit();
    }
  }

  private static List<String> trace(WebDriver browser, String kind) {
    return browser
        .findElements(By.cssSelector("#detail [data-section=trace] tr[data-kind=" + kind + "]"))
        .stream()
        .map(row -> row.getDomAttribute("data-request"))
        .toList();
  }

  private static WebElement body(WebDriver browser) {
    return browser.findElement(By.tagName("body"));
  }

  private static void await(
      WebDriver browser, java.util.function.Function<WebDriver, Boolean> condition) {
    new WebDriverWait(browser, Duration.ofSeconds(20))
        .ignoring(org.openqa.selenium.StaleElementReferenceException.class)
        .until(condition::apply);
  }

  private static void awaitDrawer(WebDriver browser, String id) {
    WebElement drawer = browser.findElement(By.id("drawer"));
    await(browser, d -> id.equals(drawer.getDomAttribute("data-loaded")));
  }
}
