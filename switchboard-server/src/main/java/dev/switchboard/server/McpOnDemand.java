package dev.switchboard.server;

import dev.switchboard.mcp.McpGateway;
import java.util.function.Supplier;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.util.Callback;

/**
 * The server's MCP gateway, made when first needed: at once when the settings declare upstream MCP
 * servers (it connects to them in the background), else on the first request to {@code /mcp} or to
 * the admin API's MCP routes. A gateway with no MCP server then does not load the MCP SDK, its
 * Reactor and its JSON-schema validator (about 850 classes and their metaspace) unless someone
 * asks. As a handler it holds the gateway's servlets (the SDK's Streamable HTTP transport): started
 * and stopped with the route gate, or started when made once the gate runs.
 */
final class McpOnDemand extends Handler.Abstract implements AutoCloseable {
  private final Supplier<McpGateway> starter;
  private McpGateway made; // guarded by this
  private volatile McpGateway ready;

  /**
   * @param starter makes and starts the gateway
   * @param now whether to make it now (the settings declare servers) rather than on first use
   */
  McpOnDemand(Supplier<McpGateway> starter, boolean now) {
    this.starter = starter;
    if (now) {
      made = starter.get();
      ready = made;
    }
  }

  /** Whether the gateway is made. */
  boolean made() {
    return ready != null;
  }

  /** The gateway, made (and its servlets started, if the gate runs) on the first call. */
  McpGateway gateway() {
    McpGateway gateway = ready;
    if (gateway != null) {
      return gateway;
    }
    synchronized (this) {
      if (made == null) {
        made = starter.get();
        if (isStarting() || isStarted()) {
          try {
            startServlets(made);
          } catch (Exception e) {
            throw new IllegalStateException("the MCP gateway's servlets did not start", e);
          }
        }
        ready = made;
      }
      return made;
    }
  }

  @Override
  public boolean handle(Request request, Response response, Callback callback) throws Exception {
    return gateway().handler().handle(request, response, callback);
  }

  @Override
  protected void doStart() throws Exception {
    synchronized (this) {
      if (made != null) {
        startServlets(made);
      }
    }
    super.doStart();
  }

  @Override
  protected void doStop() throws Exception {
    super.doStop();
    synchronized (this) {
      if (made != null) {
        made.handler().stop();
      }
    }
  }

  private void startServlets(McpGateway gateway) throws Exception {
    Handler servlets = gateway.handler();
    servlets.setServer(getServer());
    servlets.start();
  }

  /** Closes the gateway, if it was made. */
  @Override
  public void close() {
    McpGateway gateway;
    synchronized (this) {
      gateway = made;
    }
    if (gateway != null) {
      gateway.close();
    }
  }
}
