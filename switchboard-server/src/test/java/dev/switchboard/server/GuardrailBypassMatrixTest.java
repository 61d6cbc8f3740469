package dev.switchboard.server;

import static org.assertj.core.api.Assertions.assertThat;

import dev.switchboard.engine.guardrails.GuardrailStatistics;
import dev.switchboard.testkit.FakeAnthropic;
import dev.switchboard.testkit.FakeOpenAi;
import dev.switchboard.wire.WireJson;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The bypass matrix: a denying guardrail, written in each form (config shorthand, config full form,
 * default-guardrail header), on the input and on the output, on every route that reaches a model
 * (chat, completions, embeddings, messages, pass-through), asked for as JSON and as a stream, as a
 * sync and as an async hook. A sync deny must stop the request (input: the provider never receives
 * it; output: the client never receives the forbidden text whole, nor a normal end of stream); an
 * async hook must not hold the request, and must run. Any cell that misses is a bypass. Output
 * hooks on embeddings are not applicable (an embedding has no text), as in Portkey.
 */
class GuardrailBypassMatrixTest {
  static FakeOpenAi openai;
  static FakeAnthropic anthropic;
  static GatewayUnderTest gateway;

  @BeforeAll
  static void start() {
    openai = FakeOpenAi.start();
    anthropic = FakeAnthropic.start();
    gateway =
        GatewayUnderTest.withProviders(
            Map.of("openai", openai.baseUrl(), "anthropic", anthropic.baseUrl()));
  }

  @AfterAll
  static void stop() {
    gateway.close();
    anthropic.close();
    openai.close();
  }

  enum Route {
    CHAT,
    COMPLETIONS,
    EMBEDDINGS,
    MESSAGES,
    PASS_THROUGH
  }

  enum Side {
    INPUT,
    OUTPUT
  }

  enum Form {
    SHORTHAND,
    FULL,
    HEADER
  }

  /** The input rule refuses a word the client sends; the output rule a word every fake answers. */
  static String rule(Side side, boolean async) {
    String word = side == Side.INPUT ? "Apple" : "fake";
    return "{\"default.contains\":{\"operator\":\"none\",\"words\":[\""
        + word
        + "\"]},\"deny\":true,\"async\":"
        + async
        + "}";
  }

  static String fullForm(Side side, boolean async) {
    String word = side == Side.INPUT ? "Apple" : "fake";
    return "[{\"id\":\"matrix\",\"type\":\"guardrail\",\"deny\":true,\"async\":"
        + async
        + ",\"checks\":[{\"id\":\"default.contains\",\"parameters\":{\"operator\":\"none\","
        + "\"words\":[\""
        + word
        + "\"]}}]}]";
  }

  static String body(Route route, boolean stream, String text) {
    String said = WireJson.writeString(text);
    String streamed = stream ? ",\"stream\":true" : "";
    return switch (route) {
      case CHAT, PASS_THROUGH ->
          "{\"model\":\"gpt-4o-mini\",\"messages\":[{\"role\":\"user\",\"content\":"
              + said
              + "}]"
              + streamed
              + "}";
      case COMPLETIONS ->
          "{\"model\":\"gpt-3.5-turbo-instruct\",\"prompt\":" + said + streamed + "}";
      case EMBEDDINGS -> "{\"model\":\"text-embedding-3-small\",\"input\":" + said + streamed + "}";
      case MESSAGES ->
          "{\"model\":\"claude-3-5-sonnet-latest\",\"max_tokens\":64,\"messages\":[{\"role\":\"user\","
              + "\"content\":"
              + said
              + "}]"
              + streamed
              + "}";
    };
  }

  static String path(Route route) {
    return switch (route) {
      case CHAT -> "/v1/chat/completions";
      case COMPLETIONS -> "/v1/completions";
      case EMBEDDINGS -> "/v1/embeddings";
      case MESSAGES -> "/v1/messages";
      case PASS_THROUGH -> "/v1/proxy/chat/completions";
    };
  }

  int upstreamRequests(Route route) {
    return route == Route.MESSAGES ? anthropic.requests().size() : openai.requests().size();
  }

  @Test
  void noDenyRuleIsBypassedOnAnyRoute() {
    int cells = 0;
    int notApplicable = 0;
    List<String> bypasses = new ArrayList<>();
    for (Form form : Form.values()) {
      for (Side side : Side.values()) {
        for (Route route : Route.values()) {
          for (boolean stream : new boolean[] {false, true}) {
            for (boolean async : new boolean[] {false, true}) {
              String cell =
                  form
                      + "/"
                      + side
                      + "/"
                      + route
                      + "/"
                      + (stream ? "SSE" : "JSON")
                      + "/"
                      + (async ? "async" : "sync");
              if (side == Side.OUTPUT && route == Route.EMBEDDINGS) {
                notApplicable++;
                continue;
              }
              cells++;
              String miss = run(form, side, route, stream, async);
              if (miss != null) {
                bypasses.add(cell + ": " + miss);
              }
            }
          }
        }
      }
    }
    System.out.printf(
        "guardrail bypass matrix: %d cells (%d not applicable), %d bypasses%n",
        cells, notApplicable, bypasses.size());
    bypasses.forEach(b -> System.out.println("  bypass " + b));
    assertThat(cells).isEqualTo(108);
    assertThat(bypasses).isEmpty();
  }

  /** Runs one cell; returns why it was bypassed, or {@code null}. */
  String run(Form form, Side side, Route route, boolean stream, boolean async) {
    String provider = route == Route.MESSAGES ? "anthropic" : "openai";
    String hooks =
        switch (form) {
          case SHORTHAND ->
              (side == Side.INPUT ? "\"input_guardrails\":[" : "\"output_guardrails\":[")
                  + rule(side, async)
                  + "]";
          case FULL ->
              (side == Side.INPUT ? "\"before_request_hooks\":" : "\"after_request_hooks\":")
                  + fullForm(side, async);
          case HEADER -> null;
        };
    String config =
        "{\"provider\":\""
            + provider
            + "\",\"api_key\":\"sk-test\""
            + (hooks == null ? "" : "," + hooks)
            + "}";
    List<String> headers =
        new ArrayList<>(List.of("x-portkey-config", config, "anthropic-version", "2023-06-01"));
    if (form == Form.HEADER) {
      headers.add(
          side == Side.INPUT
              ? "x-portkey-default-input-guardrails"
              : "x-portkey-default-output-guardrails");
      headers.add("[" + rule(side, async) + "]");
    }
    String text = side == Side.INPUT ? "I like Apple pie" : "hello there";
    long ranBefore = checksRun();
    int upstreamBefore = upstreamRequests(route);
    HttpResponse<String> response =
        gateway.postJson(path(route), body(route, stream, text), headers.toArray(String[]::new));
    int status = response.statusCode();
    String answer = response.body();
    if (async) {
      if (status == 446) {
        return "an async hook held the request (446)";
      }
      if (status >= 300) {
        return "the request failed: " + status + " " + answer;
      }
      return waitForCheck(ranBefore) ? null : "the async hook never ran";
    }
    if (side == Side.INPUT) {
      if (status != 446) {
        return "expected 446, got " + status;
      }
      if (upstreamRequests(route) != upstreamBefore) {
        return "the provider received the request";
      }
      return null;
    }
    if (status == 446) {
      return answer.contains("hooks_failed") ? null : "446 without hooks_failed";
    }
    if (!stream) {
      return "expected 446, got " + status;
    }
    // A stream refused once under way: the forbidden word never goes out whole, nor a normal end.
    if (answer.contains("[DONE]") || answer.contains("message_stop")) {
      return "the stream ended normally";
    }
    StringBuilder delivered = new StringBuilder();
    for (String data : GatewayUnderTest.sseData(answer)) {
      var json = WireJson.tree(data);
      delivered.append(json.at("/choices/0/delta/content").asText(""));
      delivered.append(json.at("/choices/0/text").asText(""));
      delivered.append(json.at("/delta/text").asText(""));
    }
    return delivered.toString().contains("fake") ? "the forbidden text went out" : null;
  }

  /** How many times the matrix's check ran, by the gateway's guardrail statistics. */
  static long checksRun() {
    GuardrailStatistics.Snapshot snapshot = gateway.server.gateway().guardrailStatistics();
    return snapshot.check("default.contains").total();
  }

  boolean waitForCheck(long before) {
    Instant until = Instant.now().plus(Duration.ofSeconds(10));
    while (Instant.now().isBefore(until)) {
      if (checksRun() > before) {
        return true;
      }
      try {
        Thread.sleep(10);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return false;
      }
    }
    return false;
  }
}
