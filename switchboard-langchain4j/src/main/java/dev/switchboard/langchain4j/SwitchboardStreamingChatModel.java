package dev.switchboard.langchain4j;

import dev.langchain4j.model.ModelProvider;
import dev.langchain4j.model.chat.Capability;
import dev.langchain4j.model.chat.StreamingChatModel;
import dev.langchain4j.model.chat.listener.ChatModelListener;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.langchain4j.model.chat.request.ChatRequestParameters;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.transport.GatewayCallException;
import dev.switchboard.transport.GatewayChunkStream;
import dev.switchboard.transport.GatewayTransport;
import dev.switchboard.wire.ChatCompletionChunk;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * LangChain4j's {@link StreamingChatModel} on the Switchboard gateway, remote or in-process: text
 * as it arrives ({@code onPartialResponse}), tool calls piece by piece ({@code onPartialToolCall})
 * and whole ({@code onCompleteToolCall}, parallel calls each in turn), then the complete response
 * with the gateway's facts ({@link SwitchboardChatResponseMetadata}, the cost from the stream's
 * usage). Each stream is read on a virtual thread of its own; {@code StreamingHandle.cancel()}
 * closes it, which cancels the upstream call.
 */
public final class SwitchboardStreamingChatModel implements StreamingChatModel {
  private final GatewayTransport transport;
  private final RequestOptions options;
  private final SwitchboardChatRequestParameters defaults;
  private final List<ChatModelListener> listeners;

  private SwitchboardStreamingChatModel(Builder builder) {
    this.transport = builder.transport();
    this.options = builder.baseOptions();
    this.defaults = builder.defaultParameters();
    this.listeners = builder.listeners();
  }

  public static Builder builder() {
    return new Builder();
  }

  @Override
  public void doChat(ChatRequest request, StreamingChatResponseHandler handler) {
    var wire = ChatTranslation.toWire(request);
    RequestOptions requestOptions = ChatTranslation.options(options, request.parameters());
    Thread.ofVirtual()
        .name("switchboard-stream")
        .start(() -> stream(wire, requestOptions, handler));
  }

  private void stream(
      dev.switchboard.wire.ChatRequest wire,
      RequestOptions requestOptions,
      StreamingChatResponseHandler handler) {
    AtomicReference<GatewayChunkStream> open = new AtomicReference<>();
    Cancel cancel = new Cancel(open);
    try {
      GatewayChunkStream stream = transport.chatStream(wire, requestOptions);
      open.set(stream);
      try (stream) {
        StreamedAnswer answer = new StreamedAnswer(handler, cancel);
        for (ChatCompletionChunk chunk = stream.next(); chunk != null; chunk = stream.next()) {
          if (cancel.isCancelled()) {
            return;
          }
          answer.accept(chunk);
        }
        if (!cancel.isCancelled()) {
          handler.onCompleteResponse(answer.finish(stream.facts()));
        }
      }
    } catch (GatewayCallException error) {
      if (!cancel.isCancelled()) {
        handler.onError(LangChain4jErrors.toLangChain4j(error));
      }
    } catch (RuntimeException error) {
      handler.onError(error);
    }
  }

  /** The handle LangChain4j's callbacks get: cancelling closes the stream. */
  private static final class Cancel implements StreamingHandle {
    private final AtomicReference<GatewayChunkStream> stream;
    private volatile boolean cancelled;

    Cancel(AtomicReference<GatewayChunkStream> stream) {
      this.stream = stream;
    }

    @Override
    public void cancel() {
      cancelled = true;
      GatewayChunkStream open = stream.get();
      if (open != null) {
        open.close();
      }
    }

    @Override
    public boolean isCancelled() {
      return cancelled;
    }
  }

  @Override
  public ChatRequestParameters defaultRequestParameters() {
    return defaults;
  }

  @Override
  public List<ChatModelListener> listeners() {
    return listeners;
  }

  @Override
  public ModelProvider provider() {
    return ModelProvider.OTHER;
  }

  @Override
  public Set<Capability> supportedCapabilities() {
    return Set.of(Capability.RESPONSE_FORMAT_JSON_SCHEMA);
  }

  /** Builds a {@link SwitchboardStreamingChatModel}. */
  public static final class Builder extends SwitchboardModelBuilder<Builder> {
    private Builder() {}

    public SwitchboardStreamingChatModel build() {
      return new SwitchboardStreamingChatModel(this);
    }
  }
}
