package dev.switchboard.bench;

import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.wire.ChatMessage;
import dev.switchboard.wire.ChatRequest;
import dev.switchboard.wire.WireJson;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;

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
    int warmup = args.length > 0 ? Integer.parseInt(args[0]) : 20_000;
    int measured = args.length > 1 ? Integer.parseInt(args[1]) : 20_000;
    System.out.printf(
        "%d warm-up and %d measured calls per scenario, one thread, %s %s%n%n",
        warmup, measured, System.getProperty("java.vm.name"), System.getProperty("java.version"));
    System.out.println("| scenario | median µs | p90 µs | p99 µs |");
    System.out.println("| --- | ---: | ---: | ---: |");
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

  private static long[] time(Gateway gateway, RequestOptions options, int warmup, int measured) {
    ChatRequest request = ask();
    for (int i = 0; i < warmup; i++) {
      gateway.chat(request, options);
    }
    long[] nanos = new long[measured];
    for (int i = 0; i < measured; i++) {
      long start = System.nanoTime();
      gateway.chat(request, options);
      nanos[i] = System.nanoTime() - start;
    }
    Arrays.sort(nanos);
    return nanos;
  }

  private static void report(String scenario, long[] sorted) {
    System.out.printf(
        Locale.ROOT,
        "| %s | %.1f | %.1f | %.1f |%n",
        scenario,
        sorted[sorted.length / 2] / 1000.0,
        sorted[(int) (sorted.length * 0.90)] / 1000.0,
        sorted[(int) (sorted.length * 0.99)] / 1000.0);
  }

  private static ChatRequest ask() {
    return new ChatRequest(
        "mock-chat",
        List.of(
            new ChatMessage.User(
                "Please summarise the meeting notes below in three bullet points. Attendees asked"
                    + " to be contacted at jane.doe@example.com or +44 20 7946 0958 about the"
                    + " budget, which was approved after a short discussion of the timeline.")),
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null,
        null);
  }
}
