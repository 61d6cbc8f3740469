package dev.switchboard.bench;

/** How the chat completion is answered: one JSON body, or server-sent events. */
enum ResponseFormat {
  JSON(false),
  SSE(true);

  private final boolean stream;

  ResponseFormat(boolean stream) {
    this.stream = stream;
  }

  /** The {@code accept} header of the request: the media type of the answer asked for. */
  String accept() {
    return stream ? "text/event-stream" : "application/json";
  }

  /**
   * A small, realistic chat request: a system and a user message to {@code gpt-4o-mini}, and for
   * SSE the usage chunk that OpenAI's SDKs ask for.
   */
  String requestBody() {
    String streaming = stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "";
    return """
    {"model":"gpt-4o-mini","messages":[\
    {"role":"system","content":"You are a concise assistant for a travel booking site."},\
    {"role":"user","content":"Suggest three things to do in Lisbon on a rainy afternoon."}],\
    "temperature":0.2,"max_tokens":256%s}\
    """
        .formatted(streaming);
  }
}
