package dev.switchboard.referee;

import java.util.List;

/**
 * What a referee finds that the build allows, each with its reason: the gateway adds it on purpose
 * (Portkey's fields, kept for drop-in compatibility), or the provider itself sends it, or the SDK
 * is stricter than the API it models. A finding not listed fails the build.
 */
final class Deliberate {
  private Deliberate() {}

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

  /** The findings allowed: each is documented in docs/providers.md#referees. */
  static final List<Item> FINDINGS =
      List.of(
          new Item(
              "*",
              "ChatCompletionChunk.cost_usd: unknown",
              "we add a field: the stream's usage chunk carries its price when the client asks"
                  + " (x-switchboard-stream-cost, docs/pricing.md)"),
          new Item(
              "*",
              "Completion.cost_usd: unknown",
              "we add a field: the stream's usage chunk carries its price when the client asks"
                  + " (x-switchboard-stream-cost, docs/pricing.md)"),
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
              "*",
              "error body.provider: unknown",
              "Portkey's provider beside a provider's error, kept for drop-in compatibility"
                  + " (Portkey's SDK users read it; OpenAI's SDKs ignore an extra top-level key)"),
          new Item(
              "*",
              "error body.status: unknown",
              "Portkey's {status: failure, message} beside OpenAI's error on an error of the"
                  + " gateway's own (as a request a translation refuses), kept for drop-in"
                  + " compatibility: Portkey answers its own errors in that shape"),
          new Item(
              "*",
              "error body.message: unknown",
              "Portkey's {status: failure, message} beside OpenAI's error on an error of the"
                  + " gateway's own, kept for drop-in compatibility"),
          new Item(
              "*",
              "Body.temperature: unknown",
              "Anthropic's Java SDK (3.14 and 3.16) no longer models temperature, top_p or top_k"
                  + " in a Messages request (nor in Claude's InvokeModel body on Bedrock); the"
                  + " Messages API reference documents them, so a client's are forwarded as sent"
                  + " and the provider judges them for its model"),
          new Item(
              "*",
              "Body.top_p: unknown",
              "as Body.temperature: documented by the Messages API, not in Anthropic's SDK"),
          new Item(
              "*",
              "Body.top_k: unknown",
              "as Body.temperature: documented by the Messages API, not in Anthropic's SDK"),
          new Item(
              "azure-openai",
              "ModelListPageResponse.data[",
              "Azure's models list (created_at, capabilities, lifecycle), passed on"));

  /**
   * Fails, naming each finding and the body judged, when {@code findings} of {@code family} has one
   * not allowed.
   */
  static void assertNoneBut(String family, String judged, List<String> findings, String body) {
    List<String> remaining =
        findings.stream()
            .filter(found -> FINDINGS.stream().noneMatch(item -> item.covers(family, found)))
            .toList();
    org.assertj.core.api.Assertions.assertThat(remaining)
        .withFailMessage(() ->
            judged + " failed its SDK:\n  " + String.join("\n  ", remaining) + "\nbody: " + body)
        .isEmpty();
  }
}
