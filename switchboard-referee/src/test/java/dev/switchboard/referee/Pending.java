package dev.switchboard.referee;

import java.util.List;

/**
 * What a referee finds that the build allows, each with its reason: {@link #DELIBERATE} will stay
 * (the gateway adds it on purpose, or the provider itself sends it, or the SDK is stricter than the
 * API it models); {@link #PENDING} is to be cleared by the lead after merging the work that decides
 * it (null handling, error bodies, Portkey's extra fields). A finding in neither list fails the
 * build.
 */
final class Pending {
  private Pending() {}

  /**
   * A finding allowed: on answers of {@code family} ({@code *}: any), whose text names {@code
   * finding} (at its start, or after a space: {@code Completion: …} is not {@code ChatCompletion:
   * …}; a finding that starts with a dot, a key at any depth).
   */
  record Item(String family, String finding, String reason) {
    boolean covers(String family, String found) {
      return (this.family.equals("*") || this.family.equals(family))
          && (found.startsWith(finding)
              || found.contains(" " + finding)
              || (finding.startsWith(".") && found.contains(finding)));
    }
  }

  /** Findings that stay: each is documented in docs/providers.md#referees. */
  static final List<Item> DELIBERATE =
      List.of(
          new Item(
              "*",
              "ChatCompletionChunk.cost_usd: unknown",
              "we add a field: the stream's usage chunk carries its price (docs/pricing.md)"),
          new Item(
              "*",
              "Completion.cost_usd: unknown",
              "we add a field: the stream's usage chunk carries its price (docs/pricing.md)"),
          new Item(
              "*",
              "Completion: invalid: `finish_reason` is null",
              "the SDK is stricter than OpenAI's stream: every text-completion chunk but the last"
                  + " has finish_reason null, and the SDK reads each chunk as a whole Completion"),
          new Item(
              "azure-openai",
              ".content_filter_results: unknown",
              "Azure's own field, passed on as Azure sends it"),
          new Item(
              "azure-openai",
              ".prompt_filter_results: unknown",
              "Azure's own field, passed on as Azure sends it"),
          new Item(
              "azure-openai",
              "ChatCompletionChunk: invalid: 'object_' is invalid, received ",
              "Azure's first chunk (prompt filter results, empty id and object), passed on"),
          new Item(
              "azure-openai",
              "ModelListPageResponse: invalid: `created` is not set",
              "Azure's models list (created_at, capabilities, lifecycle), passed on"),
          new Item(
              "bedrock",
              ".amazon-bedrock-invocationMetrics: unknown",
              "Bedrock's own field on a Claude stream's message_stop, passed on as Bedrock sends it"),
          new Item(
              "bedrock",
              ".p: unknown",
              "Bedrock's padding on every event of a stream (a member p of random length, which no"
                  + " shape of the AWS SDK models: its unmarshaller skips it), as Bedrock sends it"),
          new Item(
              "cohere",
              "message-start.delta.message.",
              "Cohere's message-start carries the message's empty content, tool_plan, tool_calls"
                  + " and citations (its API reference's stream example); the SDK's"
                  + " ChatMessageStartEventDeltaMessage models the role only"),
          new Item(
              "azure-openai",
              "ModelListPageResponse.data[",
              "Azure's models list (created_at, capabilities, lifecycle), passed on"));

  /** Findings the lead clears after merging the fidelity work (issue 17). */
  static final List<Item> PENDING =
      List.of(
          new Item(
              "anthropic",
              "ChatCompletion.provider: unknown",
              "Portkey's field on a translated answer, only on Anthropic's: keep (deliberate"
                  + " difference) or drop (a translated answer has exactly OpenAI's keys)"),
          new Item(
              "anthropic",
              "ChatCompletionChunk.provider: unknown",
              "Portkey's field on a translated chunk, only on Anthropic's: keep or drop"),
          new Item(
              "*",
              "error body.provider: unknown",
              "Portkey's provider beside an upstream's error: error bodies are decided in the"
                  + " fidelity work"),
          new Item(
              "bedrock",
              "error body.status: unknown",
              "Portkey's {status: failure, message} beside OpenAI's error on a request Bedrock's"
                  + " translation refuses"),
          new Item(
              "bedrock",
              "error body.message: unknown",
              "Portkey's {status: failure, message} beside OpenAI's error on a request Bedrock's"
                  + " translation refuses"),
          new Item(
              "cohere",
              "ErrorObject: invalid: `type` is null",
              "OpenAI's schema requires a type; the OpenAI-compatible error mapping Cohere shares"
                  + " leaves null where the upstream has none (fidelity work)"),
          new Item(
              "azure-openai",
              "ErrorObject: invalid: `type` is null",
              "Azure's error has no type; the OpenAI-compatible error mapping writes null"
                  + " (fidelity work: pass Azure's error through as sent, or give a type)"),
          new Item(
              "mock",
              "status 200 where OpenAI refuses the request",
              "the offline provider answers a chat without messages, where OpenAI answers 400"
                  + " missing_required_parameter"),
          new Item(
              "anthropic",
              "Body.temperature: unknown",
              "Anthropic's Java SDK (3.14 and 3.16) no longer models temperature, top_p or top_k"
                  + " in a Messages request; the translation passes them on as documented (and as"
                  + " Portkey): keep, or drop them for the models that refuse them"),
          new Item(
              "bedrock",
              "Body.temperature: unknown",
              "as Body.temperature on Anthropic's: Claude's InvokeModel body is the Messages"
                  + " request, translated by the same code"),
          new Item(
              "anthropic",
              "Body.top_p: unknown",
              "as Body.temperature: not in Anthropic's SDK's Messages request"),
          new Item(
              "anthropic",
              "Body.top_k: unknown",
              "as Body.temperature: not in Anthropic's SDK's Messages request"));

  /**
   * Fails, naming each finding and the body judged, when {@code findings} of {@code family} has one
   * in neither list.
   */
  static void assertNoneBut(String family, String judged, List<String> findings, String body) {
    List<String> remaining = withoutPending(family, findings);
    org.assertj.core.api.Assertions.assertThat(remaining)
        .withFailMessage(() ->
            judged + " failed its SDK:\n  " + String.join("\n  ", remaining) + "\nbody: " + body)
        .isEmpty();
  }

  static List<String> withoutPending(String family, List<String> findings) {
    return findings.stream()
        .filter(found -> DELIBERATE.stream().noneMatch(item -> item.covers(family, found)))
        .filter(found -> PENDING.stream().noneMatch(item -> item.covers(family, found)))
        .toList();
  }
}
