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
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        true,
        completions,
        embeddings,
        models,
        passThrough,
        messages,
        responses);
  }

  public Capabilities withCompletions() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        true,
        embeddings,
        models,
        passThrough,
        messages,
        responses);
  }

  public Capabilities withEmbeddings() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        completions,
        true,
        models,
        passThrough,
        messages,
        responses);
  }

  public Capabilities withModels() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        completions,
        embeddings,
        true,
        passThrough,
        messages,
        responses);
  }

  public Capabilities withPassThrough() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        completions,
        embeddings,
        models,
        true,
        messages,
        responses);
  }

  public Capabilities withMessages() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        completions,
        embeddings,
        models,
        passThrough,
        true,
        responses);
  }

  public Capabilities withResponses() {
    return new Capabilities(
        chat,
        stream,
        tools,
        vision,
        jsonSchema,
        completions,
        embeddings,
        models,
        passThrough,
        messages,
        true);
  }
}
