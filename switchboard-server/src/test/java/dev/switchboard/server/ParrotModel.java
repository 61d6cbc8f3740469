package dev.switchboard.server;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.switchboard.wire.WireJson;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executors;
import java.util.function.UnaryOperator;

/**
 * An OpenAI-compatible model for guardrail tests whose answer is exactly the last message's text
 * (or what {@link #answer} makes of it), so that a test controls the text the output hooks see.
 * Streams send the answer a few characters per chunk. Records the bodies it received.
 */
final class ParrotModel implements AutoCloseable {
  private final HttpServer server;
  final List<String> bodies = new CopyOnWriteArrayList<>();
  volatile UnaryOperator<String> answer = text -> text;
  volatile int chunkSize = 4;

  private ParrotModel(HttpServer server) {
    this.server = server;
  }

  static ParrotModel start() {
    try {
      HttpServer server =
          HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      ParrotModel parrot = new ParrotModel(server);
      server.createContext("/", parrot::handle);
      server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
      server.start();
      return parrot;
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  String baseUrl() {
    return "http://127.0.0.1:" + server.getAddress().getPort() + "/v1";
  }

  int requestCount() {
    return bodies.size();
  }

  private void handle(HttpExchange exchange) throws IOException {
    try (exchange) {
      String body = new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8);
      bodies.add(body);
      JsonNode request = WireJson.tree(body);
      String said = lastText(request);
      String text = answer.apply(said);
      boolean stream = request.path("stream").asBoolean(false);
      boolean completion =
          exchange.getRequestURI().getPath().endsWith("/completions")
              && !exchange.getRequestURI().getPath().endsWith("/chat/completions");
      if (stream) {
        exchange.getResponseHeaders().add("content-type", "text/event-stream");
        exchange.sendResponseHeaders(200, 0);
        OutputStream out = exchange.getResponseBody();
        for (int i = 0; i < text.length(); i += chunkSize) {
          String piece = text.substring(i, Math.min(text.length(), i + chunkSize));
          ObjectNode chunk = WireJson.mapper().createObjectNode();
          chunk.put("id", "chatcmpl-parrot").put("created", 1).put("model", "parrot");
          ObjectNode choice = chunk.putArray("choices").addObject().put("index", 0);
          if (completion) {
            chunk.put("object", "text_completion");
            choice.put("text", piece);
          } else {
            chunk.put("object", "chat.completion.chunk");
            choice.putObject("delta").put("content", piece);
          }
          choice.putNull("finish_reason");
          out.write(
              ("data: " + WireJson.writeString(chunk) + "\n\n").getBytes(StandardCharsets.UTF_8));
          out.flush();
        }
        out.write("data: [DONE]\n\n".getBytes(StandardCharsets.UTF_8));
        return;
      }
      ObjectNode reply = WireJson.mapper().createObjectNode();
      reply.put("id", "chatcmpl-parrot").put("created", 1).put("model", "parrot");
      ObjectNode choice = reply.putArray("choices").addObject().put("index", 0);
      if (completion) {
        reply.put("object", "text_completion");
        choice.put("text", text);
      } else {
        reply.put("object", "chat.completion");
        choice.putObject("message").put("role", "assistant").put("content", text);
      }
      choice.put("finish_reason", "stop");
      reply
          .putObject("usage")
          .put("prompt_tokens", 1)
          .put("completion_tokens", 1)
          .put("total_tokens", 2);
      byte[] bytes = WireJson.write(reply);
      exchange.getResponseHeaders().add("content-type", "application/json");
      exchange.sendResponseHeaders(200, bytes.length);
      exchange.getResponseBody().write(bytes);
    }
  }

  private static String lastText(JsonNode request) {
    if (request.path("prompt").isTextual()) {
      return request.get("prompt").asText();
    }
    JsonNode messages = request.path("messages");
    if (!messages.isArray() || messages.isEmpty()) {
      return "";
    }
    JsonNode content = messages.get(messages.size() - 1).path("content");
    if (content.isTextual()) {
      return content.asText();
    }
    StringBuilder text = new StringBuilder();
    content.forEach(part -> text.append(part.path("text").asText("")));
    return text.toString();
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
