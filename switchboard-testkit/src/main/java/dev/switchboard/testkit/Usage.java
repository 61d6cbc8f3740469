package dev.switchboard.testkit;

import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/** Token counts of one answer, as OpenAI reports them in {@code usage}. */
record Usage(int promptTokens, int completionTokens) {

  int totalTokens() {
    return promptTokens + completionTokens;
  }

  /**
   * A chat completion's usage, with both details objects as OpenAI sends them today
   * (https://platform.openai.com/docs/api-reference/chat/object#chat/object-usage).
   */
  ObjectNode chatJson() {
    ObjectNode usage = completionJson();
    usage.putObject("prompt_tokens_details").put("cached_tokens", 0).put("audio_tokens", 0);
    usage
        .putObject("completion_tokens_details")
        .put("reasoning_tokens", 0)
        .put("audio_tokens", 0)
        .put("accepted_prediction_tokens", 0)
        .put("rejected_prediction_tokens", 0);
    return usage;
  }

  /** A legacy completion's usage: the three counts only. */
  ObjectNode completionJson() {
    return JsonNodeFactory.instance
        .objectNode()
        .put("prompt_tokens", promptTokens)
        .put("completion_tokens", completionTokens)
        .put("total_tokens", totalTokens());
  }
}
