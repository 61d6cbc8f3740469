package dev.switchboard.springai;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.engine.cache.ChatStreamAssembler;
import dev.switchboard.transport.GatewayCallException;
import dev.switchboard.transport.GatewayChunkStream;
import dev.switchboard.transport.GatewayFacts;
import dev.switchboard.transport.GatewayReply;
import dev.switchboard.transport.GatewayTransport;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ChatRequest;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.springframework.ai.chat.model.ChatModel;
import org.springframework.ai.chat.model.ChatResponse;
import org.springframework.ai.chat.prompt.ChatOptions;
import org.springframework.ai.chat.prompt.Prompt;
import org.springframework.ai.model.tool.ToolCallingManager;
import org.springframework.ai.tool.definition.ToolDefinition;
import reactor.core.publisher.Flux;
import reactor.core.publisher.FluxSink;

/**
 * Spring AI's {@link ChatModel} on the Switchboard gateway, remote ({@code baseUrl}) or in-process
 * ({@code gateway}). Tools are resolved from the options' tool callbacks by Spring AI's {@link
 * ToolCallingManager} and sent as OpenAI tools; the model answers with tool calls, which Spring
 * AI's {@code ChatClient} runs (its tool-calling advisor) and sends back, as with any Spring AI 2
 * model. Gateway options (provider, config, trace id, metadata) are {@link SwitchboardChatOptions};
 * what the gateway did is in each response's metadata ({@link #gatewayFacts}). Errors are Spring
 * AI's {@code TransientAiException} (429, 408, 5xx) or {@code NonTransientAiException}, caused by a
 * {@link GatewayCallException} with the status and OpenAI's error code.
 *
 * <p>A stream sends each piece of text as it arrives, then one last response with the tool calls,
 * the finish reason, the usage and the gateway's facts (the cost included).
 */
public final class SwitchboardSpringChatModel implements ChatModel {
  private final GatewayTransport transport;
  private final RequestOptions options;
  private final SwitchboardChatOptions defaults;
  private final ToolCallingManager toolCallingManager;

  private SwitchboardSpringChatModel(Builder builder) {
    int chosen =
        (builder.baseUrl != null ? 1 : 0)
            + (builder.gateway != null ? 1 : 0)
            + (builder.transport != null ? 1 : 0);
    if (chosen != 1) {
      throw new IllegalStateException(
          "set exactly one of baseUrl (a gateway server), gateway (in-process) or transport");
    }
    if (builder.transport != null) {
      this.transport = builder.transport;
    } else if (builder.gateway != null) {
      this.transport = GatewayTransport.inProcess(builder.gateway);
    } else {
      var remote = GatewayTransport.remote(builder.baseUrl);
      if (builder.timeout != null) {
        remote.timeout(builder.timeout);
      }
      this.transport = remote.build();
    }
    this.options = builder.options.metadata(builder.metadata).build();
    this.defaults = builder.defaults;
    this.toolCallingManager = builder.toolCallingManager;
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The gateway's facts of a response from this model, if it has them. */
  public static Optional<GatewayFacts> gatewayFacts(ChatResponse response) {
    return response != null
            && response.getMetadata() != null
            && response.getMetadata().get(SpringAiTranslation.FACTS_KEY)
                instanceof GatewayFacts facts
        ? Optional.of(facts)
        : Optional.empty();
  }

  @Override
  public ChatResponse call(Prompt prompt) {
    SwitchboardChatOptions merged = merged(prompt.getOptions());
    ChatRequest wire = toWire(prompt, merged);
    try {
      GatewayReply reply = transport.chat(wire, SpringAiTranslation.options(options, merged));
      return SpringAiTranslation.fromWire(reply.body(), reply.facts(), true);
    } catch (GatewayCallException error) {
      throw SpringAiErrors.toSpringAi(error);
    }
  }

  @Override
  public Flux<ChatResponse> stream(Prompt prompt) {
    SwitchboardChatOptions merged = merged(prompt.getOptions());
    ChatRequest wire = toWire(prompt, merged);
    RequestOptions requestOptions = SpringAiTranslation.options(options, merged);
    return Flux.create(sink ->
        Thread.ofVirtual()
            .name("switchboard-stream")
            .start(() -> stream(wire, requestOptions, sink)));
  }

  private void stream(
      ChatRequest wire, RequestOptions requestOptions, FluxSink<ChatResponse> sink) {
    GatewayChunkStream stream;
    try {
      stream = transport.chatStream(wire, requestOptions);
    } catch (GatewayCallException error) {
      sink.error(SpringAiErrors.toSpringAi(error));
      return;
    }
    sink.onDispose(stream::close);
    try (stream) {
      ChatStreamAssembler whole = new ChatStreamAssembler();
      for (ChatCompletionChunk chunk = stream.next(); chunk != null; chunk = stream.next()) {
        if (sink.isCancelled()) {
          return;
        }
        whole.add(chunk);
        for (ChatCompletionChunk.Choice choice : chunk.choices()) {
          String text = choice.delta() == null ? null : choice.delta().content();
          if ((choice.index() == null || choice.index() == 0) && text != null && !text.isEmpty()) {
            sink.next(
                SpringAiTranslation.textDelta(chunk.id(), chunk.model(), text, stream.facts()));
          }
        }
      }
      sink.next(SpringAiTranslation.fromWire(whole.assemble(), stream.facts(), false));
      sink.complete();
    } catch (GatewayCallException error) {
      sink.error(SpringAiErrors.toSpringAi(error));
    } catch (RuntimeException error) {
      sink.error(error);
    }
  }

  private SwitchboardChatOptions merged(ChatOptions runtime) {
    return defaults.mutate().from(runtime).build();
  }

  private ChatRequest toWire(Prompt prompt, SwitchboardChatOptions merged) {
    List<ToolDefinition> tools = toolCallingManager.resolveToolDefinitions(merged);
    return SpringAiTranslation.toWire(prompt.getInstructions(), merged, tools);
  }

  /** The default options; Spring AI's {@code ChatClient} builds each prompt's options on them. */
  @Override
  public SwitchboardChatOptions getOptions() {
    return defaults;
  }

  @Override
  public ChatOptions getDefaultOptions() {
    return defaults;
  }

  /** Builds a {@link SwitchboardSpringChatModel}. */
  public static final class Builder {
    private URI baseUrl;
    private Gateway gateway;
    private GatewayTransport transport;
    private Duration timeout;
    private final RequestOptions.Builder options = RequestOptions.builder();
    private final Map<String, String> metadata = new LinkedHashMap<>();
    private SwitchboardChatOptions defaults = SwitchboardChatOptions.builder().build();
    private ToolCallingManager toolCallingManager = ToolCallingManager.builder().build();

    private Builder() {}

    /** A gateway server, e.g. {@code http://127.0.0.1:8787} (with or without {@code /v1}). */
    public Builder baseUrl(String baseUrl) {
      this.baseUrl = URI.create(baseUrl);
      return this;
    }

    /** The engine in this JVM: no HTTP hop; the same routing, cache and guardrails. */
    public Builder gateway(Gateway gateway) {
      this.gateway = gateway;
      return this;
    }

    /** A transport of your own building; the model never closes it. */
    public Builder transport(GatewayTransport transport) {
      this.transport = transport;
      return this;
    }

    /** For {@link #baseUrl}: how long the gateway may take to start answering (default 5 min). */
    public Builder timeout(Duration timeout) {
      this.timeout = timeout;
      return this;
    }

    /** The provider's key, sent as {@code Authorization: Bearer} (not needed for {@code mock}). */
    public Builder apiKey(String apiKey) {
      options.apiKey(apiKey);
      return this;
    }

    /** The gateway's own key, {@code x-portkey-api-key}. */
    public Builder gatewayKey(String gatewayKey) {
      options.gatewayKey(gatewayKey);
      return this;
    }

    /** {@code x-portkey-provider}, unless the options name another. */
    public Builder provider(String provider) {
      options.provider(provider);
      return this;
    }

    /** {@code x-portkey-config}, unless the options name another. */
    public Builder config(String config) {
      options.config(config);
      return this;
    }

    /** {@code x-portkey-metadata} on every request; the options' metadata is merged over it. */
    public Builder metadata(Map<String, String> metadata) {
      this.metadata.putAll(metadata);
      return this;
    }

    /** {@code x-portkey-request-timeout}: how long the gateway gives each upstream call. */
    public Builder requestTimeout(Duration timeout) {
      options.requestTimeout(timeout);
      return this;
    }

    /** The default options (model, temperature, max tokens, tools, …); a prompt's win. */
    public Builder defaultOptions(SwitchboardChatOptions defaults) {
      this.defaults = defaults;
      return this;
    }

    /** Resolves the options' tools to definitions; Spring AI's default one unless given. */
    public Builder toolCallingManager(ToolCallingManager toolCallingManager) {
      this.toolCallingManager = toolCallingManager;
      return this;
    }

    public SwitchboardSpringChatModel build() {
      return new SwitchboardSpringChatModel(this);
    }
  }
}
