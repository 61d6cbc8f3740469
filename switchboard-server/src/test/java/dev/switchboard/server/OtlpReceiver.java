package dev.switchboard.server;

import com.sun.net.httpserver.HttpServer;
import io.opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest;
import io.opentelemetry.proto.trace.v1.Span;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A stand-in for an OpenTelemetry collector: takes OTLP/HTTP trace exports ({@code POST
 * /v1/traces}) on a loopback port and keeps each as it came, with its content type. Point the
 * gateway's SDK at it with the system property {@code otel.exporter.otlp.endpoint} = {@link
 * #endpoint()} while the gateway starts.
 */
public final class OtlpReceiver implements AutoCloseable {
  private final HttpServer server;
  private final List<byte[]> exports = new CopyOnWriteArrayList<>();
  private final List<String> contentTypes = new CopyOnWriteArrayList<>();

  private OtlpReceiver() throws IOException {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/v1/traces",
        exchange -> {
          try (InputStream body = exchange.getRequestBody()) {
            exports.add(body.readAllBytes());
          }
          contentTypes.add(exchange.getRequestHeaders().getFirst("content-type"));
          exchange.getResponseHeaders().add("content-type", "application/x-protobuf");
          exchange.sendResponseHeaders(200, -1);
          exchange.close();
        });
    server.start();
  }

  public static OtlpReceiver start() throws IOException {
    return new OtlpReceiver();
  }

  /** {@code http://127.0.0.1:<port>}, the OTLP endpoint's base. */
  public String endpoint() {
    return "http://127.0.0.1:" + server.getAddress().getPort();
  }

  /** Each export's body, as received. */
  public List<byte[]> exports() {
    return exports;
  }

  /** Each export's content type. */
  public List<String> contentTypes() {
    return contentTypes;
  }

  /** Every span received so far, decoded. */
  public List<Span> spans() {
    List<Span> spans = new ArrayList<>();
    for (byte[] export : exports) {
      try {
        ExportTraceServiceRequest.parseFrom(export)
            .getResourceSpansList()
            .forEach(resource ->
                resource.getScopeSpansList().forEach(scope -> spans.addAll(scope.getSpansList())));
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
    return spans;
  }

  /** A trace or span id as the W3C headers write it: lower-case hex. */
  public static String hex(com.google.protobuf.ByteString id) {
    return java.util.HexFormat.of().formatHex(id.toByteArray());
  }

  /** A span's attributes, each value as text (a string's as it is). */
  public static java.util.Map<String, String> attributes(Span span) {
    java.util.Map<String, String> attributes = new java.util.LinkedHashMap<>();
    for (io.opentelemetry.proto.common.v1.KeyValue attribute : span.getAttributesList()) {
      attributes.put(
          attribute.getKey(),
          attribute.getValue().hasStringValue()
              ? attribute.getValue().getStringValue()
              : attribute.getValue().toString().strip());
    }
    return attributes;
  }

  @Override
  public void close() {
    server.stop(0);
  }
}
