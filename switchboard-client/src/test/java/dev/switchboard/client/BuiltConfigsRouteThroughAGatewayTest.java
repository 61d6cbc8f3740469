package dev.switchboard.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.openai.errors.OpenAIServiceException;
import com.openai.models.chat.completions.ChatCompletion;
import com.openai.models.chat.completions.ChatCompletionCreateParams;
import dev.switchboard.client.config.Guardrail;
import dev.switchboard.client.config.PortkeyConfig;
import dev.switchboard.client.config.Retry;
import dev.switchboard.testkit.Fault;
import dev.switchboard.testkit.RecordedRequest;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Configs built with the typed builder, sent to a running gateway: the routing the gateway does is
 * the routing the builder described (order, weights, retries, overrides, timeouts, guardrails).
 */
class BuiltConfigsRouteThroughAGatewayTest {
  static GatewayForClients gateway;
  static SwitchboardClient client;

  @BeforeAll
  static void start() {
    gateway = new GatewayForClients();
    client = gateway.client("mock");
  }

  @AfterAll
  static void stop() {
    client.close();
    gateway.close();
  }

  static ChatCompletionCreateParams ask(String text) {
    return ChatCompletionCreateParams.builder().model("gpt-4o-mini").addUserMessage(text).build();
  }

  static GatewayReply<ChatCompletion> send(PortkeyConfig config, String text) {
    return client.chat(ask(text), CallOptions.none().config(config));
  }

  @Test
  void fallsBackToTheNextTargetInOrderOnAFailure() {
    int before = gateway.openAi.requestCount();
    gateway.openAi.enqueue(new Fault.Status(503, Map.of()));
    PortkeyConfig config =
        PortkeyConfig.fallback(
                PortkeyConfig.target("openai").build(), PortkeyConfig.target("mock").build())
            .onStatusCodes(503)
            .build();

    GatewayReply<ChatCompletion> reply = send(config, "fall back please");

    assertThat(reply.facts().provider()).hasValue("mock");
    assertThat(reply.facts().lastUsedOptionIndex()).hasValue("config.targets[1]");
    assertThat(gateway.openAi.requestCount() - before).isEqualTo(1);
  }

  @Test
  void answersFromTheFirstTargetWhenItSucceeds() {
    PortkeyConfig config =
        PortkeyConfig.fallback(
                PortkeyConfig.target("openai").build(), PortkeyConfig.target("mock").build())
            .build();

    GatewayReply<ChatCompletion> reply = send(config, "first one");

    assertThat(reply.facts().provider()).hasValue("openai");
    assertThat(reply.facts().lastUsedOptionIndex()).hasValue("config.targets[0]");
  }

  @Test
  void splitsTrafficByTheWeightsGiven() {
    PortkeyConfig config =
        PortkeyConfig.loadBalance(
                PortkeyConfig.target("mock").weight(3).build(),
                PortkeyConfig.target("mock").weight(1).build(),
                PortkeyConfig.target("openai").weight(0).build())
            .build();
    int calls = 400;
    int first = 0;
    int before = gateway.openAi.requestCount();

    for (int i = 0; i < calls; i++) {
      String target = send(config, "balance " + i).facts().lastUsedOptionIndex().orElseThrow();
      assertThat(target).isNotEqualTo("config.targets[2]");
      if (target.equals("config.targets[0]")) {
        first++;
      }
    }

    // 3:1 is 300 of 400, give or take 8.7 (one standard deviation); the gateway's random is
    // seeded, and the bounds are 3.5 standard deviations wide should other tests draw from it
    // first.
    assertThat(first).isBetween(270, 330);
    assertThat(gateway.openAi.requestCount() - before).isZero();
  }

  @Test
  void retriesTheTargetOnTheStatusCodesGiven() {
    int before = gateway.openAi.requestCount();
    gateway.openAi.enqueue(new Fault.Status(529, Map.of()));
    gateway.openAi.enqueue(new Fault.Status(529, Map.of()));
    PortkeyConfig config =
        PortkeyConfig.target("openai").retry(Retry.attempts(3).onStatusCodes(529)).build();

    GatewayReply<ChatCompletion> reply = send(config, "retry me");

    assertThat(reply.facts().retryAttemptCount()).hasValue(2);
    assertThat(gateway.openAi.requestCount() - before).isEqualTo(3);
  }

  @Test
  void sendsTheTargetsOverrideParamsUpstream() throws Exception {
    PortkeyConfig config =
        PortkeyConfig.target("openai")
            .overrideParams(Map.of("model", "gpt-4o", "temperature", 0.25))
            .build();

    send(config, "override me");

    RecordedRequest upstream = gateway.openAi.requests().getLast();
    var body = new ObjectMapper().readTree(upstream.body());
    assertThat(body.get("model").asText()).isEqualTo("gpt-4o");
    assertThat(body.get("temperature").asDouble()).isEqualTo(0.25);
  }

  @Test
  void givesUpOnASlowTargetAfterItsTimeoutAndFallsBack() {
    gateway.openAi.enqueue(new Fault.SlowFirstByte(Duration.ofSeconds(3)));
    PortkeyConfig config =
        PortkeyConfig.fallback(
                PortkeyConfig.target("openai").requestTimeout(Duration.ofMillis(300)).build(),
                PortkeyConfig.target("mock").build())
            .build();

    GatewayReply<ChatCompletion> reply = send(config, "too slow");

    assertThat(reply.facts().provider()).hasValue("mock");
    assertThat(reply.facts().lastUsedOptionIndex()).hasValue("config.targets[1]");
  }

  @Test
  void deniesARequestItsInputGuardrailRefuses() {
    PortkeyConfig config =
        PortkeyConfig.target("mock")
            .inputGuardrails(
                Guardrail.check(
                        "default.contains",
                        Map.of("operator", "none", "words", List.of("forbidden")))
                    .deny(true))
            .build();

    assertThat(send(config, "all fine").facts().provider()).hasValue("mock");
    assertThatThrownBy(() -> send(config, "a forbidden word"))
        .isInstanceOfSatisfying(
            OpenAIServiceException.class, e -> assertThat(e.statusCode()).isEqualTo(446));
  }
}
