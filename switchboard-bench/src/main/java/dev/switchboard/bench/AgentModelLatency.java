package dev.switchboard.bench;

import dev.langchain4j.data.message.UserMessage;
import dev.langchain4j.model.chat.ChatModel;
import dev.langchain4j.model.chat.request.ChatRequest;
import dev.switchboard.engine.Gateway;
import dev.switchboard.engine.RequestOptions;
import dev.switchboard.langchain4j.SwitchboardChatModel;
import dev.switchboard.transport.GatewayTransport;
import java.net.Socket;
import java.net.URI;

/**
 * What one chat call costs an agent framework's app on each transport, against the offline {@code
 * mock} provider, one thread, per call: in-process (the engine in this JVM) and remote (a gateway
 * server at the given URL, over loopback HTTP), each through the transport alone and through
 * LangChain4j's {@code ChatModel}. The difference between the two transports is the HTTP hop (JSON
 * written and read twice, the socket, the server's handler). Not a test: it prints a Markdown
 * table.
 *
 * <pre>java -jar switchboard-server/target/switchboard.jar &amp;
 * java -cp switchboard-bench/target/switchboard-bench.jar dev.switchboard.bench.AgentModelLatency
 * [base URL] [warm-up calls] [measured calls]</pre>
 */
public final class AgentModelLatency {
  private AgentModelLatency() {}

  public static void main(String[] args) throws Exception {
    URI baseUrl = URI.create(args.length > 0 ? args[0] : "http://127.0.0.1:8787");
    int warmup = LatencyHarness.count(args, 1, 20_000);
    int measured = LatencyHarness.count(args, 2, 20_000);
    LatencyHarness.printSetup(warmup, measured);
    System.out.println("| transport | through | " + LatencyHarness.MICROSECONDS_HEADER + " |");
    System.out.println("| --- | --- | " + LatencyHarness.MICROSECONDS_ALIGNMENT + " |");
    try (Gateway gateway = Gateway.builder().build();
        GatewayTransport inProcess = GatewayTransport.inProcess(gateway)) {
      run("in-process", inProcess, warmup, measured);
    }
    if (answers(baseUrl)) {
      try (GatewayTransport remote = GatewayTransport.remote(baseUrl).build()) {
        run("remote (" + baseUrl.getAuthority() + ")", remote, warmup, measured);
      }
    } else {
      System.out.println("\n(no gateway at " + baseUrl + ": remote scenarios skipped)");
    }
  }

  private static void run(String name, GatewayTransport transport, int warmup, int measured) {
    RequestOptions options = RequestOptions.builder().provider("mock").build();
    dev.switchboard.wire.ChatRequest wire =
        LatencyHarness.userTurn("A question of some ordinary length about the weather");
    report(
        name,
        "transport",
        LatencyHarness.measure(warmup, measured, i -> transport.chat(wire, options)));
    ChatModel model =
        SwitchboardChatModel.builder()
            .transport(transport)
            .provider("mock")
            .modelName("mock-chat")
            .build();
    ChatRequest request =
        ChatRequest.builder()
            .messages(UserMessage.from("A question of some ordinary length about the weather"))
            .build();
    report(
        name,
        "LangChain4j ChatModel",
        LatencyHarness.measure(warmup, measured, i -> model.chat(request)));
  }

  private static void report(String transport, String through, Latencies latencies) {
    System.out.println(
        "| " + transport + " | " + through + " | " + LatencyHarness.microseconds(latencies) + " |");
  }

  private static boolean answers(URI baseUrl) {
    try (Socket socket = new Socket()) {
      int port = baseUrl.getPort() > 0 ? baseUrl.getPort() : 80;
      socket.connect(new java.net.InetSocketAddress(baseUrl.getHost(), port), 500);
      return true;
    } catch (java.io.IOException e) {
      return false;
    }
  }
}
