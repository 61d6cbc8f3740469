package dev.switchboard.testkit;

import java.util.concurrent.CountDownLatch;

/**
 * Runs a {@link FakeOpenAi} until the process is killed, for load benchmarks and manual tries:
 * {@code FakeOpenAiMain [--port N]} (0, the default, picks a free port). It prints one line, {@code
 * fake-openai listening on http://127.0.0.1:<port>/v1}, and records no requests, so that memory
 * stays flat under load.
 */
public final class FakeOpenAiMain {
  private FakeOpenAiMain() {}

  public static void main(String[] args) throws InterruptedException {
    int port = 0;
    for (int i = 0; i < args.length; i++) {
      if (args[i].equals("--port") && i + 1 < args.length) {
        port = Integer.parseInt(args[++i]);
      } else {
        System.err.println("usage: FakeOpenAiMain [--port N]");
        System.exit(2);
      }
    }
    FakeOpenAi fake = FakeOpenAi.builder().port(port).recordRequests(false).start();
    Runtime.getRuntime().addShutdownHook(new Thread(fake::close, "fake-openai-stop"));
    System.out.println("fake-openai listening on " + fake.baseUrl());
    System.out.flush();
    new CountDownLatch(1).await();
  }
}
