package dev.switchboard.langchain4j;

import dev.langchain4j.agent.tool.ToolExecutionRequest;
import dev.langchain4j.data.message.AiMessage;
import dev.langchain4j.model.chat.response.ChatResponse;
import dev.langchain4j.model.chat.response.CompleteToolCall;
import dev.langchain4j.model.chat.response.PartialResponse;
import dev.langchain4j.model.chat.response.PartialResponseContext;
import dev.langchain4j.model.chat.response.PartialToolCall;
import dev.langchain4j.model.chat.response.PartialToolCallContext;
import dev.langchain4j.model.chat.response.StreamingChatResponseHandler;
import dev.langchain4j.model.chat.response.StreamingHandle;
import dev.switchboard.transport.GatewayFacts;
import dev.switchboard.wire.ChatCompletionChunk;
import dev.switchboard.wire.ToolCall;
import dev.switchboard.wire.Usage;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * A streamed answer told to LangChain4j as it arrives: each piece of text to {@code
 * onPartialResponse}, each piece of a tool call's arguments to {@code onPartialToolCall}, each tool
 * call to {@code onCompleteToolCall} once the next one starts or the stream ends (OpenAI streams
 * parallel calls one after the other, by {@code index}); then the whole answer.
 */
final class StreamedAnswer {
  private final StreamingChatResponseHandler handler;
  private final PartialResponseContext responseContext;
  private final PartialToolCallContext toolCallContext;
  private final StringBuilder text = new StringBuilder();
  private final Map<Integer, CallInProgress> calls = new TreeMap<>();
  private Integer currentCall;
  private String id;
  private String model;
  private String finishReason;
  private Usage usage;

  StreamedAnswer(StreamingChatResponseHandler handler, StreamingHandle handle) {
    this.handler = handler;
    this.responseContext = new PartialResponseContext(handle);
    this.toolCallContext = new PartialToolCallContext(handle);
  }

  private static final class CallInProgress {
    final int index;
    String id;
    String name;
    final StringBuilder arguments = new StringBuilder();
    boolean completed;

    CallInProgress(int index) {
      this.index = index;
    }

    ToolExecutionRequest request() {
      return ToolExecutionRequest.builder()
          .id(id)
          .name(name)
          .arguments(arguments.isEmpty() ? "{}" : arguments.toString())
          .build();
    }
  }

  void accept(ChatCompletionChunk chunk) {
    if (id == null) {
      id = chunk.id();
    }
    if (chunk.model() != null) {
      model = chunk.model();
    }
    if (chunk.usage() != null) {
      usage = chunk.usage();
    }
    for (ChatCompletionChunk.Choice choice : chunk.choices()) {
      if (choice.index() != null && choice.index() != 0) {
        continue; // n > 1: LangChain4j's response has one message
      }
      if (choice.finishReason() != null) {
        finishReason = choice.finishReason();
      }
      ChatCompletionChunk.Delta delta = choice.delta();
      if (delta == null) {
        continue;
      }
      if (delta.content() != null && !delta.content().isEmpty()) {
        text.append(delta.content());
        handler.onPartialResponse(new PartialResponse(delta.content()), responseContext);
      }
      if (delta.toolCalls() != null) {
        for (ToolCall fragment : delta.toolCalls()) {
          toolCall(fragment);
        }
      }
    }
  }

  private void toolCall(ToolCall fragment) {
    int index = fragment.index() != null ? fragment.index() : calls.size();
    if (currentCall != null && currentCall != index) {
      complete(calls.get(currentCall));
    }
    currentCall = index;
    CallInProgress call = calls.computeIfAbsent(index, CallInProgress::new);
    if (fragment.id() != null) {
      call.id = fragment.id();
    }
    String piece = null;
    if (fragment.function() != null) {
      if (fragment.function().name() != null) {
        call.name = fragment.function().name();
      }
      piece = fragment.function().arguments();
    }
    if (piece != null && !piece.isEmpty()) {
      call.arguments.append(piece);
      handler.onPartialToolCall(
          PartialToolCall.builder()
              .index(index)
              .id(call.id)
              .name(call.name)
              .partialArguments(piece)
              .build(),
          toolCallContext);
    }
  }

  private void complete(CallInProgress call) {
    if (!call.completed) {
      call.completed = true;
      handler.onCompleteToolCall(new CompleteToolCall(call.index, call.request()));
    }
  }

  /** The whole answer, once the stream ended; tells the tool calls not yet told. */
  ChatResponse finish(GatewayFacts facts) {
    List<ToolExecutionRequest> requests = new ArrayList<>();
    for (CallInProgress call : calls.values()) {
      complete(call);
      requests.add(call.request());
    }
    AiMessage message =
        AiMessage.builder()
            .text(text.isEmpty() ? null : text.toString())
            .toolExecutionRequests(requests)
            .build();
    return ChatResponse.builder()
        .aiMessage(message)
        .metadata(
            SwitchboardChatResponseMetadata.builder()
                .id(id)
                .modelName(model)
                .tokenUsage(ChatTranslation.tokenUsage(usage))
                .finishReason(ChatTranslation.finishReason(finishReason))
                .gateway(facts)
                .build())
        .build();
  }
}
