package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;

/**
 * What a typical guardrail set adds to one request, in process (no HTTP): the engine with the
 * offline {@code mock} provider, one thread, per call. Scenarios: no hooks; a typical input set
 * (PII redaction as a mutator, the prompt-injection heuristic, a forbidden-word check); a typical
 * output set (word count, forbidden words, a regular expression); both. Not a test: it prints a
 * Markdown table.
 *
 * <pre>
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.GuardrailLatency
 * [warm-up calls] [measured calls]</pre>
 */
public final class GuardrailLatency {
  private static final String INPUT =
      "\"input_mutators\":[{\"switchboard.pii\":{}}],"
          + "\"input_guardrails\":[{\"switchboard.promptInjection\":{},"
          + "\"default.contains\":{\"operator\":\"none\",\"words\":[\"forbidden\"]},\"deny\":true}]";
  private static final String OUTPUT =
      "\"output_guardrails\":[{\"default.wordCount\":{\"minWords\":1,\"maxWords\":500},"
          + "\"default.contains\":{\"operator\":\"none\",\"words\":[\"forbidden\"]},"
          + "\"default.regexMatch\":{\"rule\":\"\\\\bpassword\\\\b\",\"not\":true},\"deny\":true}]";

  private GuardrailLatency() {}

  public static void main(String[] args) {
    int warmup = LatencyHarness.count(args, 0, 20_000);
    int measured = LatencyHarness.count(args, 1, 20_000);
    LatencyHarness.printSetup(warmup, measured);
    System.out.println("| scenario | " + LatencyHarness.MICROSECONDS_HEADER + " |");
    System.out.println("| --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");
    try (Gateway gateway = Gateway.builder().build()) {
      report("no hooks", time(gateway, config(""), warmup, measured));
      report(
          "input set (PII mutator, injection, contains)",
          time(gateway, config(INPUT), warmup, measured));
      report(
          "output set (word count, contains, regex)",
          time(gateway, config(OUTPUT), warmup, measured));
      report(
          "input and output sets", time(gateway, config(INPUT + "," + OUTPUT), warmup, measured));
    }
  }

  private static RequestOptions config(String hooks) {
    String config = "{\"provider\":\"mock\"" + (hooks.isEmpty() ? "" : "," + hooks) + "}";
    WireJson.tree(config); // a typo here should fail at once
    return RequestOptions.builder().provider("mock").config(config).build();
  }

  private static Latencies time(Gateway gateway, RequestOptions options, int warmup, int measured) {
    ChatRequest request = ask();
    return LatencyHarness.measure(warmup, measured, i -> gateway.chat(request, options));
  }

  private static void report(String scenario, Latencies latencies) {
    System.out.println("| " + scenario + " | " + LatencyHarness.microseconds(latencies) + " |");
  }

  private static ChatRequest ask() {
    return LatencyHarness.userTurn(
        "Please summarise the meeting notes below in three bullet points. Attendees asked"
            + " to be contacted at jane.doe@example.com or +44 20 7946 0958 about the"
            + " budget, which was approved after a short discussion of the timeline.");
  }
}
