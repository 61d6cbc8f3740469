package dev.switchboard.server;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A client that sends one request on a connection of its own and may leave at any moment by closing
 * it, as a user pressing stop or an agent framework timing out does: a plain socket, since a
 * library's client decides for itself when a connection closes.
 */
public final class LeavingClient implements AutoCloseable {
  private final Socket socket;
  private BufferedReader lines;

  private LeavingClient(Socket socket) {
    this.socket = socket;
  }

  /**
   * Sends {@code POST path} with a JSON {@code body} and {@code headers} (name, value, …) to the
   * gateway on {@code port}, and returns without reading the answer.
   */
  public static LeavingClient post(int port, String path, String body, String... headers)
      throws IOException {
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    StringBuilder head =
        new StringBuilder("POST ")
            .append(path)
            .append(" HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n");
    for (int i = 0; i < headers.length; i += 2) {
      head.append(headers[i]).append(": ").append(headers[i + 1]).append("\r\n");
    }
    head.append("content-length: ").append(bytes.length).append("\r\n\r\n");
    Socket socket = new Socket("127.0.0.1", port);
    socket.setSoTimeout(10_000);
    OutputStream out = socket.getOutputStream();
    out.write(head.toString().getBytes(StandardCharsets.UTF_8));
    out.write(bytes);
    out.flush();
    return new LeavingClient(socket);
  }

  /**
   * Reads the answer until {@code count} {@code data:} events of a stream came.
   *
   * @throws IOException when the answer ends before
   */
  public void readEvents(int count) throws IOException {
    if (lines == null) {
      lines =
          new BufferedReader(
              new InputStreamReader(socket.getInputStream(), StandardCharsets.UTF_8));
    }
    for (int read = 0; read < count; ) {
      String line = lines.readLine();
      if (line == null) {
        throw new IOException("the answer ended after " + read + " events");
      }
      if (line.startsWith("data: ")) {
        read++;
      }
    }
  }

  /** Leaves: closes the connection. */
  @Override
  public void close() throws IOException {
    socket.close();
  }
}
