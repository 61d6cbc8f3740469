package dev.switchboard.state.documents;

import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps what a gateway holds in memory of a {@link DocumentStore} up to date with changes other
 * gateways sharing the store make: the store's change counter ({@link DocumentStore#changes()}) is
 * read every {@code every}, on a virtual thread, and only when it moved is everything read again
 * ({@code reload}). While the store does not answer, what was read last stays in use; the failure
 * is logged once, and once more when it answers again. It owns the store: closing it closes the
 * store.
 */
public final class ChangeWatch implements AutoCloseable {
  private static final Logger LOG = LoggerFactory.getLogger(ChangeWatch.class);

  private final String what;
  private final DocumentStore store;
  private final Duration every;
  private final Runnable reload;
  private final Object reading = new Object();
  private long seenChanges = -1;
  private Thread watcher;

  /**
   * @param what what is kept, for the log ({@code saved configs})
   * @param reload reads everything again
   */
  public ChangeWatch(String what, DocumentStore store, Duration every, Runnable reload) {
    this.what = what;
    this.store = store;
    this.every = every;
    this.reload = reload;
  }

  /**
   * Reads the store's change counter and, when it moved since the last read, everything again;
   * whether it moved.
   */
  public boolean refresh() {
    synchronized (reading) {
      long changes = store.changes();
      if (changes == seenChanges) {
        return false;
      }
      reload.run();
      seenChanges = changes;
      return true;
    }
  }

  /** Starts watching: {@link #refresh()} every {@code every} until closed. */
  public void start() {
    watcher = Thread.ofVirtual().name(what.replace(' ', '-') + "-watcher").start(this::watch);
  }

  private void watch() {
    boolean failing = false;
    while (!Thread.currentThread().isInterrupted()) {
      try {
        Thread.sleep(every);
        refresh();
        if (failing) {
          LOG.info("{}: the store answers again", what);
          failing = false;
        }
      } catch (InterruptedException closed) {
        return;
      } catch (RuntimeException e) {
        // What was read last stays in use until the store answers again.
        if (!failing) {
          LOG.warn("{}: the store could not be read: {}", what, e.getMessage());
          failing = true;
        }
      }
    }
  }

  /** Stops watching, and closes the store. */
  @Override
  public void close() {
    if (watcher != null) {
      watcher.interrupt();
    }
    store.close();
  }
}
