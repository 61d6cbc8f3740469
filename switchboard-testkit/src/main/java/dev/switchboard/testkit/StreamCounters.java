package dev.switchboard.testkit;

import java.time.Duration;

/**
 * How many streams are being written now, how many a client left before they were complete, and how
 * many answers (streamed or not) a client left while the fake waited to send more.
 */
final class StreamCounters {
  private int open;
  private int aborted;
  private int leftWhileWaiting;

  synchronized void opened() {
    open++;
  }

  /** The stream ended, complete or cut by a fault: either way, not the client's doing. */
  synchronized void closed() {
    open--;
    notifyAll();
  }

  /** The stream ended because its client went away; counted as closed first. */
  synchronized void abortedByClient() {
    open--;
    aborted++;
    notifyAll();
  }

  /** The client closed its connection while an answer waited (a slow first byte, a pause). */
  synchronized void clientLeftWhileWaiting() {
    leftWhileWaiting++;
    notifyAll();
  }

  synchronized int leftWhileWaiting() {
    return leftWhileWaiting;
  }

  synchronized boolean awaitLeftWhileWaiting(int count, Duration timeout)
      throws InterruptedException {
    return await(() -> leftWhileWaiting >= count, timeout);
  }

  synchronized int open() {
    return open;
  }

  synchronized int aborted() {
    return aborted;
  }

  synchronized boolean awaitAborted(int count, Duration timeout) throws InterruptedException {
    return await(() -> aborted >= count, timeout);
  }

  private boolean await(java.util.function.BooleanSupplier done, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (!done.getAsBoolean()) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
