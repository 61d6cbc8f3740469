package dev.switchboard.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay on a loopback port to a real server, that a test can cut (every connection closed,
 * and new ones closed as soon as they are accepted) and restore: an outage of a shared service,
 * such as Redis, without stopping the service others use.
 */
final class TcpRelay implements AutoCloseable {
  private final InetSocketAddress target;
  private final int port;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final ServerSocket listener;
  private volatile boolean down;

  private TcpRelay(InetSocketAddress target) throws IOException {
    this.target = target;
    this.listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
    this.port = listener.getLocalPort();
    Thread.ofVirtual().start(this::accept);
  }

  static TcpRelay to(String host, int targetPort) throws IOException {
    return new TcpRelay(new InetSocketAddress(host, targetPort));
  }

  int port() {
    return port;
  }

  /** Relays new connections again. */
  void restore() {
    down = false;
  }

  /** Closes every relayed connection, and from now on each new one at once. */
  void cut() {
    down = true;
    closeAll();
  }

  private void closeAll() {
    for (Socket socket : sockets) {
      try {
        socket.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    sockets.clear();
  }

  private void accept() {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (down) {
          client.close();
          continue;
        }
        Socket upstream = new Socket(target.getAddress(), target.getPort());
        sockets.add(client);
        sockets.add(upstream);
        Thread.ofVirtual().start(() -> pump(client, upstream));
        Thread.ofVirtual().start(() -> pump(upstream, client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private static void pump(Socket from, Socket to) {
    try (InputStream in = from.getInputStream();
        OutputStream out = to.getOutputStream()) {
      in.transferTo(out);
    } catch (IOException closed) {
      // one side went away
    } finally {
      try {
        from.close();
        to.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  @Override
  public void close() {
    down = true;
    try {
      listener.close();
    } catch (IOException ignored) {
      // closing
    }
    closeAll();
  }
}
