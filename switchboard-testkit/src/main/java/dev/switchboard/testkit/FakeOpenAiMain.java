package dev.switchboard.testkit;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link FakeOpenAi} until the process is killed, for load benchmarks, interop suites in
 * other languages and manual tries: {@code FakeOpenAiMain [--port N] [--require-api-key KEY]
 * [--fail-with STATUS]}. {@code --port} 0, the default, picks a free port; {@code
 * --require-api-key} answers OpenAI's 401 to a request without {@code Authorization: Bearer KEY};
 * {@code --fail-with} answers every request with OpenAI's error for that status (429, 503, …), an
 * upstream that is always rate limited or overloaded. It prints one line, {@code fake-openai
 * listening on http://127.0.0.1:<port>/v1}, and records no requests, so that memory stays flat
 * under load.
 */
public final class FakeOpenAiMain {
  private static final String USAGE =
      "usage: FakeOpenAiMain [--port N] [--require-api-key KEY]"
          + " [--fail-with STATUS | --stream-error-after EVENTS]";

  private FakeOpenAiMain() {}

  public static void main(String[] args) throws InterruptedException {
    FakeOpenAi.Builder builder = FakeOpenAi.builder().recordRequests(false);
    String apiKey = null;
    if (args.length % 2 != 0) {
      exitWithUsage();
    }
    for (int i = 0; i < args.length; i += 2) {
      String value = args[i + 1];
      try {
        switch (args[i]) {
          case "--port" -> builder.port(Integer.parseInt(value));
          case "--require-api-key" -> apiKey = value;
          case "--fail-with" -> builder.everyRequest(Fault.status(Integer.parseInt(value)));
          case "--stream-error-after" ->
              builder.everyRequest(Fault.streamError(Integer.parseInt(value), 500));
          default -> exitWithUsage();
        }
      } catch (IllegalArgumentException e) {
        System.err.println(e.getMessage());
        exitWithUsage();
      }
    }
    FakeOpenAi fake = builder.start();
    fake.requireApiKey(apiKey);
    Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "fake-openai-stop"));
    System.out.println("fake-openai listening on " + fake.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }

  private static void exitWithUsage() {
    System.err.println(USAGE);
    System.exit(2);
  }
}
