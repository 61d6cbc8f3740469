package dev.switchboard.server;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A byte-for-byte relay between a TCP port on loopback and a Unix domain socket, either way round:
 * a Unix domain socket is a file, so it reaches across network namespaces where a loopback port
 * does not. {@link PortkeyGateway} uses two kinds: one from a loopback port of this JVM to the
 * socket the namespace's bridge listens on (the test reaches Portkey), and one from a socket file
 * to a fake's loopback port (Portkey reaches the fake). When one side ends its output, the other's
 * is shut down; a connection ends when both have.
 */
final class UnixSocketRelay implements AutoCloseable {
  private final ServerSocketChannel listener;
  private final SocketAddress target;
  private final Path socketFile;
  private final List<SocketChannel> open = new CopyOnWriteArrayList<>();

  private UnixSocketRelay(ServerSocketChannel listener, SocketAddress target, Path socketFile) {
    this.listener = listener;
    this.target = target;
    this.socketFile = socketFile;
    Thread.ofVirtual().name("relay-accept").start(this::accept);
  }

  /** Listens on a free loopback port and relays each connection to the socket {@code file}. */
  static UnixSocketRelay fromLoopbackTo(Path file) throws IOException {
    ServerSocketChannel listener =
        ServerSocketChannel.open().bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
    return new UnixSocketRelay(listener, UnixDomainSocketAddress.of(file), null);
  }

  /** Listens on the socket {@code file} and relays each connection to 127.0.0.1:{@code port}. */
  static UnixSocketRelay fromSocketFileTo(Path file, int port) throws IOException {
    Files.deleteIfExists(file);
    ServerSocketChannel listener =
        ServerSocketChannel.open(StandardProtocolFamily.UNIX)
            .bind(UnixDomainSocketAddress.of(file));
    return new UnixSocketRelay(
        listener, new InetSocketAddress(InetAddress.getLoopbackAddress(), port), file);
  }

  /** The loopback port it listens on (for {@link #fromLoopbackTo}). */
  int port() throws IOException {
    return ((InetSocketAddress) listener.getLocalAddress()).getPort();
  }

  private void accept() {
    while (listener.isOpen()) {
      try {
        SocketChannel client = listener.accept();
        SocketChannel server;
        try {
          server = SocketChannel.open(target);
        } catch (IOException refused) {
          client.close();
          continue;
        }
        open.add(client);
        open.add(server);
        AtomicInteger directionsLeft = new AtomicInteger(2);
        Thread.ofVirtual().start(() -> pump(client, server, directionsLeft));
        Thread.ofVirtual().start(() -> pump(server, client, directionsLeft));
      } catch (IOException closed) {
        return;
      }
    }
  }

  /** Copies {@code from}'s input to {@code to} until its end; the pair closes when both ended. */
  private void pump(SocketChannel from, SocketChannel to, AtomicInteger directionsLeft) {
    InputStream in = Channels.newInputStream(from);
    OutputStream out = Channels.newOutputStream(to);
    try {
      in.transferTo(out);
      to.shutdownOutput();
      if (directionsLeft.decrementAndGet() > 0) {
        return;
      }
    } catch (IOException broken) {
      // a side went away: end both
    }
    closeQuietly(from);
    closeQuietly(to);
  }

  private void closeQuietly(SocketChannel channel) {
    open.remove(channel);
    try {
      channel.close();
    } catch (IOException ignored) {
      // closing
    }
  }

  @Override
  public void close() throws IOException {
    listener.close();
    for (SocketChannel channel : open) {
      closeQuietly(channel);
    }
    if (socketFile != null) {
      Files.deleteIfExists(socketFile);
    }
  }
}
