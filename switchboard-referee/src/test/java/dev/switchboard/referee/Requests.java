package dev.switchboard.referee;

/** The bodies of the scripted traffic: what a client of the gateway sends. */
final class Requests {
  private Requests() {}

  static final String WEATHER_TOOL =
      """
      {"type":"function","function":{"name":"get_weather","description":"Weather in a city",
        "parameters":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}}\
      """;

  private static String stream(boolean stream) {
    return stream ? ",\"stream\":true,\"stream_options\":{\"include_usage\":true}" : "";
  }

  static String chat(String model, boolean stream) {
    return """
    {"model":"%s","messages":[{"role":"system","content":"Be brief."},
      {"role":"user","content":"Say hello to the referee"}],
     "max_tokens":64,"temperature":0.2,"top_p":0.9,"stop":["\\n\\n"],"user":"referee-user"%s}\
    """
        .formatted(model, stream(stream));
  }

  static String toolCall(String model, boolean stream) {
    return """
    {"model":"%s","messages":[{"role":"user","content":"Weather in Paris?"}],
     "tools":[%s],"tool_choice":"auto","max_tokens":64%s}\
    """
        .formatted(model, WEATHER_TOOL, stream(stream));
  }

  static String toolResult(String model) {
    return """
    {"model":"%s","messages":[
      {"role":"developer","content":"Answer in one sentence."},
      {"role":"user","content":"Weather in Paris?"},
      {"role":"assistant","content":"Let me look.","tool_calls":[{"id":"call_referee1",
        "type":"function","function":{"name":"get_weather","arguments":"{\\"city\\":\\"Paris\\"}"}}]},
      {"role":"tool","tool_call_id":"call_referee1","content":"18 C and sunny"}],
     "tools":[%s],"max_tokens":64}\
    """
        .formatted(model, WEATHER_TOOL);
  }

  /** A one-pixel PNG, as a data URL. */
  static final String PIXEL =
      "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8"
          + "BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg==";

  static String image(String model) {
    return """
    {"model":"%s","messages":[{"role":"user","content":[
      {"type":"text","text":"What is in this picture?"},
      {"type":"image_url","image_url":{"url":"%s"}}]}],"max_tokens":64}\
    """
        .formatted(model, PIXEL);
  }

  static String completion(String model, boolean stream) {
    return """
    {"model":"%s","prompt":"Say hello to the referee","max_tokens":16%s}\
    """
        .formatted(model, stream(stream));
  }

  static String embeddings(String model) {
    return """
    {"model":"%s","input":["referee one","referee two"]}\
    """
        .formatted(model);
  }

  static String noMessages(String model) {
    return """
    {"model":"%s"}\
    """
        .formatted(model);
  }

  static String messages(String model, boolean stream) {
    return """
    {"model":"%s","max_tokens":64,"system":"Be brief.",
     "messages":[{"role":"user","content":"Say hello to the referee"}],
     "temperature":0.2,"stop_sequences":["END"],"metadata":{"user_id":"referee-user"}%s}\
    """
        .formatted(model, stream ? ",\"stream\":true" : "");
  }

  static final String ANTHROPIC_WEATHER_TOOL =
      """
      {"name":"get_weather","description":"Weather in a city",
       "input_schema":{"type":"object","properties":{"city":{"type":"string"}},"required":["city"]}}\
      """;

  static String messagesToolUse(String model, boolean stream) {
    return """
    {"model":"%s","max_tokens":64,
     "messages":[{"role":"user","content":"Weather in Paris?"}],
     "tools":[%s],"tool_choice":{"type":"auto"}%s}\
    """
        .formatted(model, ANTHROPIC_WEATHER_TOOL, stream ? ",\"stream\":true" : "");
  }

  static String countTokens(String model) {
    return """
    {"model":"%s","messages":[{"role":"user","content":"Count me"}],"tools":[%s]}\
    """
        .formatted(model, ANTHROPIC_WEATHER_TOOL);
  }
}
