package dev.switchboard.transport;

import com.fasterxml.jackson.databind.JsonNode;
import dev.switchboard.wire.ChatCompletionChunk;

/**
 * A streamed chat answer from either transport. Read it with {@link #next()} until it returns
 * {@code null}; close it to stop early. Not thread-safe: one reader.
 */
public final class GatewayChunkStream implements AutoCloseable {

  /** Where the chunks come from: the server's SSE body, or the engine's stream. */
  interface Source extends AutoCloseable {
    /** The next chunk, {@code null} at the end; a failure is a {@link GatewayCallException}. */
    ChatCompletionChunk next();

    @Override
    void close();
  }

  private final Source source;
  private GatewayFacts facts;

  GatewayChunkStream(Source source, GatewayFacts facts) {
    this.source = source;
    this.facts = facts;
  }

  /**
   * What the gateway did to serve this stream; the cost is there once the usage chunk (the last)
   * was read.
   */
  public GatewayFacts facts() {
    return facts;
  }

  /**
   * The next chunk, blocking until it arrives; {@code null} once the stream ended.
   *
   * @throws GatewayCallException when the stream broke off
   */
  public ChatCompletionChunk next() {
    ChatCompletionChunk chunk = source.next();
    if (chunk != null && chunk.usage() != null) {
      JsonNode cost = chunk.extras().get("cost_usd");
      if (cost != null && cost.isNumber()) {
        facts = facts.withCostUsd(cost.decimalValue());
      }
    }
    return chunk;
  }

  @Override
  public void close() {
    source.close();
  }
}
