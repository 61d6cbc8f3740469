package dev.switchboard.engine.providers;

/**
 * What a provider serves, as the table in {@code docs/providers.md} shows it (a test keeps the two
 * the same).
 *
 * @param chat chat completions
 * @param stream chat completions as a stream
 * @param tools tool definitions and tool calls
 * @param vision image inputs
 * @param jsonSchema {@code response_format} with a JSON schema honoured by the provider
 * @param completions legacy text completions
 * @param embeddings embeddings
 * @param models {@code GET /v1/models}
 * @param passThrough other {@code /v1/*} paths sent on unchanged
 * @param messages Anthropic's {@code /v1/messages} and {@code count_tokens}, natively (every other
 *     provider serves them over its chat completions)
 * @param responses OpenAI's {@code POST /v1/responses}, natively (every other provider serves it
 *     over its chat completions)
 */
public record Capabilities(
    boolean chat,
    boolean stream,
    boolean tools,
    boolean vision,
    boolean jsonSchema,
    boolean completions,
    boolean embeddings,
    boolean models,
    boolean passThrough,
    boolean messages,
    boolean responses) {

  /** Starts from a provider that serves chat, streams, tools and vision, and nothing else. */
  public static Capabilities chatWithTools() {
    return new Capabilities(
        true, true, true, true, false, false, false, false, false, false, false);
  }

  public Capabilities withJsonSchema() {
    return with(Feature.JSON_SCHEMA);
  }

  public Capabilities withCompletions() {
    return with(Feature.COMPLETIONS);
  }

  public Capabilities withEmbeddings() {
    return with(Feature.EMBEDDINGS);
  }

  public Capabilities withModels() {
    return with(Feature.MODELS);
  }

  public Capabilities withPassThrough() {
    return with(Feature.PASS_THROUGH);
  }

  public Capabilities withMessages() {
    return with(Feature.MESSAGES);
  }

  public Capabilities withResponses() {
    return with(Feature.RESPONSES);
  }

  /** The features a provider may add to chat with tools, one wither each. */
  private enum Feature {
    JSON_SCHEMA,
    COMPLETIONS,
    EMBEDDINGS,
    MODELS,
    PASS_THROUGH,
    MESSAGES,
    RESPONSES
  }

  private Capabilities with(Feature added) {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema || added == Feature.JSON_SCHEMA,
        completions || added == Feature.COMPLETIONS,
        embeddings || added == Feature.EMBEDDINGS,
        models || added == Feature.MODELS,
        passThrough || added == Feature.PASS_THROUGH,
        messages || added == Feature.MESSAGES,
        responses || added == Feature.RESPONSES);
  }
}
