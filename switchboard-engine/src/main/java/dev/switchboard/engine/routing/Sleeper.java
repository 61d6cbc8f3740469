package dev.switchboard.engine.routing;

import java.time.Duration;

/** Waits between retries. Tests pass one that records the waits instead of sleeping. */
@FunctionalInterface
public interface Sleeper {
  void sleep(Duration duration) throws InterruptedException;

  /** Sleeps the calling thread. */
  Sleeper SYSTEM = duration -> Thread.sleep(duration);
}
