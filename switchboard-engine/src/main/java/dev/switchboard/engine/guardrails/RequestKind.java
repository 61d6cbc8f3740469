package dev.switchboard.engine.guardrails;

import dev.switchboard.engine.pipeline.Operation;

/** The kind of request a hook sees, by Portkey's name where Portkey has one. */
enum RequestKind {
  CHAT("chatComplete"),
  COMPLETE("complete"),
  EMBED("embed"),
  MESSAGES("messages"),
  RESPONSES("createModelResponse"),
  COUNT_TOKENS("countTokens"),
  PROXY("proxy"),
  LIST_MODELS("listModels"),
  /** An MCP tool call through the gateway's MCP endpoints: its arguments, then its result. */
  TOOL_CALL("mcpToolCall");

  private final String portkeyName;

  RequestKind(String portkeyName) {
    this.portkeyName = portkeyName;
  }

  /** Portkey's {@code requestType}: {@code chatComplete}, {@code complete}, {@code embed}, … */
  public String portkeyName() {
    return portkeyName;
  }

  public static RequestKind of(Operation operation) {
    return switch (operation) {
      case Operation.Chat c -> CHAT;
      case Operation.TextCompletion c -> COMPLETE;
      case Operation.Embedding e -> EMBED;
      case Operation.Messages m -> MESSAGES;
      case Operation.Responses r -> RESPONSES;
      case Operation.CountTokens c -> COUNT_TOKENS;
      case Operation.PassThrough p -> PROXY;
      case Operation.ListModels m -> LIST_MODELS;
    };
  }

  /** Whether the answer carries text the output hooks can check. */
  boolean answersWithText() {
    return this == CHAT
        || this == COMPLETE
        || this == MESSAGES
        || this == PROXY
        || this == TOOL_CALL;
  }
}
