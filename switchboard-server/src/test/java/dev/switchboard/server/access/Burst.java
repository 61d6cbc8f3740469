package dev.switchboard.server.access;

import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.IntFunction;

/**
 * Requests released together: each on its own virtual thread, all waiting at one gate that opens
 * when every one of them is ready, so they reach the gateways as close to at once as the machine
 * allows.
 */
final class Burst {
  private Burst() {}

  /**
   * {@code count} chat calls to the mock provider with a gateway key, spread over {@code gateways}
   * in turn, released together.
   */
  static List<HttpResponse<String>> chats(
      int count, List<AccessGateway> gateways, String chat, String gatewayKey) throws Exception {
    return of(
        count,
        i ->
            gateways
                .get(i % gateways.size())
                .send(
                    "POST",
                    "/v1/chat/completions",
                    chat,
                    "x-portkey-api-key",
                    gatewayKey,
                    "x-portkey-provider",
                    "mock"));
  }

  /** Sends {@code count} requests, the i-th by {@code request.apply(i)}, released together. */
  static List<HttpResponse<String>> of(int count, IntFunction<HttpResponse<String>> request)
      throws Exception {
    CountDownLatch ready = new CountDownLatch(count);
    CountDownLatch go = new CountDownLatch(1);
    List<Future<HttpResponse<String>>> pending = new ArrayList<>();
    try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
      for (int i = 0; i < count; i++) {
        int n = i;
        pending.add(
            threads.submit(() -> {
              ready.countDown();
              go.await();
              return request.apply(n);
            }));
      }
      ready.await();
      go.countDown();
      List<HttpResponse<String>> answers = new ArrayList<>();
      for (Future<HttpResponse<String>> answer : pending) {
        answers.add(answer.get());
      }
      return answers;
    }
  }
}
