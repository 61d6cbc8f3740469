package dev.switchboard.engine.bridge;

import dev.switchboard.engine.pipeline.Operation;
import dev.switchboard.engine.pipeline.Outcome;
import dev.switchboard.engine.providers.Capabilities;
import dev.switchboard.engine.providers.ResponseStream;
import dev.switchboard.engine.sse.SseEvent;
import dev.switchboard.wire.ChatCompletion;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Anthropic's Messages API ({@code POST /v1/messages}) over a provider's chat completions, for
 * every provider that does not speak Messages: the request by {@link MessagesRequest}, the whole
 * answer by {@link MessagesAnswer}, the stream by {@link MessagesStream}. One per attempt: it keeps
 * what its request left out, which the answer tells in {@value #DROPPED_HEADER}.
 */
final class MessagesOverChat implements OverChat<Operation.Messages> {
  /**
   * The response header that lists what the gateway left out of a request because the provider
   * cannot take it (comma-separated kinds: {@code thinking}, {@code redacted_thinking}, …); absent
   * when nothing was.
   */
  static final String DROPPED_HEADER = "x-switchboard-dropped";

  private final String provider;
  private MessagesRequest translated;

  /**
   * @param provider the name of the attempt's provider
   */
  MessagesOverChat(String provider) {
    this.provider = provider;
  }

  @Override
  public boolean servedNatively(Capabilities capabilities) {
    return capabilities.messages();
  }

  @Override
  public ChatRequest request(Operation.Messages asked) {
    translated = MessagesRequest.of(asked.request(), provider);
    return translated.chat();
  }

  @Override
  public Object answer(ChatCompletion answer, Operation.Messages asked) {
    return MessagesAnswer.of(answer, asked.request().get("stop_sequences"));
  }

  @Override
  public ResponseStream<SseEvent> stream(
      ResponseStream<ChatCompletionChunk> chunks, Operation.Messages asked) {
    return new MessagesStream(
        chunks, asked.request().get("stop_sequences"), withDropped(chunks.headers()));
  }

  /**
   * The answer with {@value #DROPPED_HEADER} among its headers when the request left something out
   * (a stream's are set when it is made).
   */
  Outcome noteDropped(Outcome outcome) {
    return switch (outcome) {
      case Outcome.Body body when translated != null && !translated.dropped().isEmpty() ->
          new Outcome.Body(body.body(), withDropped(body.headers()), body.origin());
      default -> outcome;
    };
  }

  private List<Map.Entry<String, String>> withDropped(List<Map.Entry<String, String>> headers) {
    if (translated == null || translated.dropped().isEmpty()) {
      return headers;
    }
    List<Map.Entry<String, String>> more = new ArrayList<>(headers);
    more.add(Map.entry(DROPPED_HEADER, String.join(", ", translated.dropped())));
    return more;
  }
}
