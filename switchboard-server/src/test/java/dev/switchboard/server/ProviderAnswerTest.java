package dev.switchboard.server;

import static dev.switchboard.server.GatewayUnderTest.json;
import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/**
 * The gateway reads what a client sends strictly (a duplicate key is a 400), but it is not a
 * provider's validator: an answer with a duplicate key, as some OpenAI-compatible servers send,
 * still reaches the client.
 */
class ProviderAnswerTest {
  static final String CHAT =
      "{\"model\":\"local-model\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

  @Test
  void anAnswerWithADuplicateKeyStillReachesTheClient() throws Exception {
    byte[] answer =
        """
        {"id":"chatcmpl-1","object":"chat.completion","created":1,"model":"local-model",
         "choices":[{"index":0,"message":{"role":"assistant","content":"hello"},
          "finish_reason":"stop","finish_reason":"stop"}],
         "usage":{"prompt_tokens":1,"completion_tokens":1,"total_tokens":2}}
        """
            .getBytes(StandardCharsets.UTF_8);
    HttpServer upstream = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    upstream.createContext(
        "/",
        exchange -> {
          exchange.getRequestBody().readAllBytes();
          exchange.getResponseHeaders().add("content-type", "application/json");
          exchange.sendResponseHeaders(200, answer.length);
          exchange.getResponseBody().write(answer);
          exchange.close();
        });
    upstream.start();
    try (GatewayUnderTest gateway =
        GatewayUnderTest.start("http://127.0.0.1:" + upstream.getAddress().getPort() + "/v1")) {
      var response =
          gateway.postJson(
              "/v1/chat/completions",
              CHAT,
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer k");

      assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
      assertThat(json(response).at("/choices/0/message/content").asText()).isEqualTo("hello");
      var duplicated =
          gateway.postJson(
              "/v1/chat/completions",
              CHAT.replace("{\"model\"", "{\"model\":\"other\",\"model\""),
              "x-portkey-provider",
              "openai",
              "authorization",
              "Bearer k");
      assertThat(duplicated.statusCode()).isEqualTo(400);
    } finally {
      upstream.stop(0);
    }
  }
}
