package dev.switchboard.testkit;

import java.time.Duration;

/** How many streams are being written now, and how many a client left before they were complete. */
final class StreamCounters {
  private int open;
  private int aborted;

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

  synchronized int open() {
    return open;
  }

  synchronized int aborted() {
    return aborted;
  }

  synchronized boolean awaitAborted(int count, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    while (aborted < count) {
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        return false;
      }
      wait(Math.max(1, left / 1_000_000));
    }
    return true;
  }
}
