package dev.switchboard.access.limits;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.wire.WireJson;
import java.math.BigDecimal;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Tells the operator that a budget crossed a threshold: one WARN log line, and a JSON {@code POST}
 * to the webhook when one is configured, sent in the background so no request waits for it. Each
 * threshold is told once per subject and period (the ledger claims it before this is called).
 */
final class BudgetAlerts implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(BudgetAlerts.class);
  private static final ObjectMapper JSON = WireJson.mapper();
  private static final Duration TIMEOUT = Duration.ofSeconds(5);

  private final URI webhook;
  private final HttpClient http;
  private final AtomicLong failures = new AtomicLong();

  BudgetAlerts(URI webhook) {
    this.webhook = webhook;
    this.http =
        webhook == null
            ? null
            : HttpClient.newBuilder()
                .connectTimeout(TIMEOUT)
                .followRedirects(HttpClient.Redirect.NEVER)
                .build();
  }

  /** Logs and sends the alerts of one settlement. */
  void crossed(BudgetLedger.Settled settled) {
    BudgetLedger.Entry entry = settled.entry();
    BigDecimal fraction =
        BudgetLedger.fraction(entry.budget(), settled.spentUsd(), settled.spentTokens());
    for (BigDecimal threshold : settled.crossed()) {
      // The subject is a kind and an id (a key's id, never the key itself).
      log.warn(
          "budget alert: subject={} period={} period_start={} threshold={} fraction={}"
              + " spent_usd={} limit_usd={} spent_tokens={} limit_tokens={}",
          entry.subject(),
          entry.budget().period().wireName(),
          entry.periodStart(),
          threshold.toPlainString(),
          fraction.stripTrailingZeros().toPlainString(),
          settled.spentUsd().stripTrailingZeros().toPlainString(),
          entry.budget().costUsd() == null ? null : entry.budget().costUsd().toPlainString(),
          settled.spentTokens(),
          entry.budget().tokens());
      if (webhook != null) {
        post(body(settled, threshold, fraction));
      }
    }
  }

  private static String body(
      BudgetLedger.Settled settled, BigDecimal threshold, BigDecimal fraction) {
    BudgetLedger.Entry entry = settled.entry();
    ObjectNode body = JSON.createObjectNode();
    body.put("type", "budget_alert");
    body.put("subject", entry.subject());
    body.put("period", entry.budget().period().wireName());
    body.put("period_start", entry.periodStart().toString());
    body.put("threshold", threshold);
    body.put("fraction", fraction.stripTrailingZeros());
    body.put("spent_usd", settled.spentUsd().stripTrailingZeros().toPlainString());
    if (entry.budget().costUsd() != null) {
      body.put("limit_usd", entry.budget().costUsd().toPlainString());
    }
    body.put("spent_tokens", settled.spentTokens());
    if (entry.budget().tokens() != null) {
      body.put("limit_tokens", entry.budget().tokens());
    }
    return body.toString();
  }

  private void post(String body) {
    HttpRequest request =
        HttpRequest.newBuilder(webhook)
            .timeout(TIMEOUT)
            .header("content-type", "application/json")
            .POST(HttpRequest.BodyPublishers.ofString(body))
            .build();
    http.sendAsync(request, HttpResponse.BodyHandlers.discarding())
        .whenComplete((response, failure) -> {
          if (failure == null && response.statusCode() / 100 == 2) {
            return;
          }
          long count = failures.incrementAndGet();
          // The webhook's URL may carry a token in its path or query: name its host only.
          log.warn(
              "budget alert webhook at host {} failed ({} so far): {}",
              webhook.getHost(),
              count,
              failure != null ? failure.getClass().getSimpleName() : response.statusCode());
        });
  }

  @Override
  public void close() {
    if (http != null) {
      http.close();
    }
  }
}
