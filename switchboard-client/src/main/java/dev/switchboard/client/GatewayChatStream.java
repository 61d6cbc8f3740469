package dev.switchboard.client;

import com.openai.core.JsonValue;
import com.openai.core.http.StreamResponse;
import com.openai.models.chat.completions.ChatCompletionChunk;
import java.math.BigDecimal;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A streamed chat answer: its chunks, the gateway's facts from the response headers (known when the
 * stream opens), and its cost, which the gateway sends beside the usage in the last chunk ({@code
 * "cost_usd"}) and so is known once the stream was read to its end. Close it (try-with-resources)
 * to release the connection; closing early stops the upstream call.
 */
public final class GatewayChatStream implements AutoCloseable {
  private final StreamResponse<ChatCompletionChunk> response;
  private final GatewayFacts facts;
  private volatile BigDecimal costUsd;

  GatewayChatStream(StreamResponse<ChatCompletionChunk> response, GatewayFacts facts) {
    this.response = response;
    this.facts = facts;
  }

  /** The chunks, read as they arrive; consume once. */
  public Stream<ChatCompletionChunk> stream() {
    return response.stream().peek(this::readCost);
  }

  /** The gateway's facts about this stream, from its response headers. */
  public GatewayFacts facts() {
    return facts;
  }

  /**
   * What the answer cost at the provider, in US dollars, from the usage chunk; empty until that
   * chunk was read, or when the model has no price or the provider sent no usage.
   */
  public Optional<BigDecimal> costUsd() {
    return Optional.ofNullable(costUsd);
  }

  private void readCost(ChatCompletionChunk chunk) {
    JsonValue cost = chunk._additionalProperties().get("cost_usd");
    if (cost != null) {
      cost.asNumber().ifPresent(number -> costUsd = new BigDecimal(number.toString()));
    }
  }

  @Override
  public void close() {
    response.close();
  }
}
