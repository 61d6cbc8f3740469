package dev.switchboard.engine.providers.openai;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.switchboard.engine.errors.ProviderErrorException;
import dev.switchboard.engine.providers.TranslatedStream;
import dev.switchboard.engine.sse.SseEvent;
import java.util.List;
import java.util.Set;
import java.util.function.Consumer;

/**
 * A Responses API event stream passed through in its own format ({@code POST /v1/responses},
 * https://platform.openai.com/docs/api-reference/responses-streaming): each event as it came, named
 * by its type. Read by a {@link TranslatedStream}, the stream is complete after its terminal event
 * ({@code response.completed}, {@code response.incomplete} or {@code response.failed}); an end
 * before it is a failure, and an {@code error} event is a {@link ProviderErrorException}, which the
 * server writes back as the Responses API's {@code error} event. Stateful, one per stream.
 */
final class ResponsesEventPassThrough implements TranslatedStream.Translator<SseEvent, SseEvent> {
  private static final Set<String> TERMINAL =
      Set.of("response.completed", "response.incomplete", "response.failed");

  private final String provider;
  private boolean finished;

  ResponsesEventPassThrough(String provider) {
    this.provider = provider;
  }

  @Override
  public void translate(SseEvent event, Consumer<? super SseEvent> out) {
    JsonNode data = TranslatedStream.json(provider, event.data());
    String type = TranslatedStream.typeOf(event, data);
    if (type.equals("error")) {
      ObjectNode error = JsonNodeFactory.instance.objectNode();
      error.put("message", data.path("message").asText("The provider's stream failed."));
      error.put("type", "api_error");
      error.set("param", data.path("param").isMissingNode() ? null : data.get("param"));
      error.set("code", data.path("code").isMissingNode() ? null : data.get("code"));
      throw new ProviderErrorException(500, provider, error, List.of());
    }
    if (TERMINAL.contains(type)) {
      finished = true;
    }
    out.accept(new SseEvent(type, event.data(), null));
  }

  /** Whether the terminal event came: the response is whole. */
  @Override
  public boolean finished() {
    return finished;
  }
}
