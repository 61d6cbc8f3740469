package dev.switchboard.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A TCP relay to a real server, that a test can cut (every connection closed, and new ones closed
 * as soon as they are accepted) and restore: an outage of a shared service, such as Redis, without
 * stopping the service others use. It listens on a loopback port, or on given addresses: the host's
 * ends of network namespaces' veth pairs, from which the namespaces reach the machine's loopback
 * services through it.
 */
final class TcpRelay implements AutoCloseable {
  private final InetSocketAddress target;
  private final List<Socket> sockets = new CopyOnWriteArrayList<>();
  private final Map<String, ServerSocket> listeners = new LinkedHashMap<>();
  private volatile boolean down;

  private TcpRelay(InetSocketAddress target, List<InetAddress> addresses) throws IOException {
    this.target = target;
    try {
      for (InetAddress address : addresses) {
        ServerSocket listener = new ServerSocket(0, 256, address);
        listeners.put(address.getHostAddress(), listener);
        Thread.ofVirtual().start(() -> accept(listener));
      }
    } catch (IOException e) {
      close();
      throw e;
    }
  }

  /** A relay on a free loopback port. */
  static TcpRelay to(String host, int targetPort) throws IOException {
    return new TcpRelay(
        new InetSocketAddress(host, targetPort), List.of(InetAddress.getLoopbackAddress()));
  }

  /** A relay on a free port of each of these addresses (IP literals). */
  static TcpRelay to(String host, int targetPort, List<String> addresses) throws IOException {
    List<InetAddress> bound = new java.util.ArrayList<>();
    for (String address : addresses) {
      bound.add(InetAddress.getByName(address));
    }
    return new TcpRelay(new InetSocketAddress(host, targetPort), bound);
  }

  /** The port of a relay made on loopback. */
  int port() {
    return listeners.values().iterator().next().getLocalPort();
  }

  /** The port the relay listens on at {@code address}. */
  int port(String address) {
    return listeners.get(address).getLocalPort();
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

  private void accept(ServerSocket listener) {
    while (!listener.isClosed()) {
      try {
        Socket client = listener.accept();
        if (down) {
          client.close();
          continue;
        }
        Thread.ofVirtual().start(() -> connect(client));
      } catch (IOException closed) {
        return;
      }
    }
  }

  private void connect(Socket client) {
    try {
      Socket upstream = new Socket(target.getAddress(), target.getPort());
      sockets.add(client);
      sockets.add(upstream);
      Thread.ofVirtual().start(() -> pump(client, upstream));
      pump(upstream, client);
    } catch (IOException refused) {
      try {
        client.close();
      } catch (IOException ignored) {
        // closing
      }
    }
  }

  private void pump(Socket from, Socket to) {
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
      sockets.remove(from);
      sockets.remove(to);
    }
  }

  @Override
  public void close() {
    down = true;
    for (ServerSocket listener : listeners.values()) {
      try {
        listener.close();
      } catch (IOException ignored) {
        // closing
      }
    }
    closeAll();
  }
}
