package dev.switchboard.server.mcp;

import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;

/** Waits for a state the gateway reaches in the background (a connection, a restart). */
final class Awaiting {
  private Awaiting() {}

  static void until(BooleanSupplier condition, String what) {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() > deadline) {
        throw new AssertionError("never reached: " + what);
      }
      try {
        Thread.sleep(50);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new AssertionError(e);
      }
    }
  }
}
